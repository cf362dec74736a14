/**
 * HTTP timeouts of the servers `listen()` creates, from `handshakeTimeoutMs`. Node's defaults (60 s for
 * headers, 300 s per request, checked every 30 s) let a socket that never finishes its upgrade request
 * hold a descriptor for over a minute. PendingHandshakes enforces the deadline itself (and reports each
 * cut); Node's timeouts are set a little later, as a backstop that never races it.
 */
import type { ServerOptions } from 'node:http';

export function handshakeTimeoutOptions(handshakeTimeoutMs: number): ServerOptions {
  if (handshakeTimeoutMs <= 0) return {};
  // Twice ours and a second: even a sweep delayed by a stalled event loop cuts first.
  const backstop = 2 * handshakeTimeoutMs + 1_000;
  return {
    headersTimeout: backstop,
    requestTimeout: backstop,
    // The timeouts above are only as precise as this check.
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(handshakeTimeoutMs / 4))),
  };
}

/** After reconfigure; the checking interval of a running server cannot change. */
export function applyHandshakeTimeouts(
  server: { headersTimeout: number; requestTimeout: number },
  handshakeTimeoutMs: number,
): void {
  const o = handshakeTimeoutOptions(handshakeTimeoutMs);
  server.headersTimeout = o.headersTimeout ?? 60_000;
  server.requestTimeout = o.requestTimeout ?? 300_000;
}
