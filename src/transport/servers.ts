import type { Server as HttpServer, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type SecureContextOptions, Server as TlsServer } from 'node:tls';
import { applyHandshakeTimeouts, handshakeTimeoutOptions } from './http-timeouts.js';
import { createTlsServer, type ResolvedTlsOptions, type TlsServerEvents, watchTlsErrors } from './tls.js';

export type OcppServer = HttpServer | HttpsServer;

/** What the server set needs from the upgrade handler. */
export interface UpgradeHook {
  handle(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Track the server's sockets until they upgrade; returns the way to stop. */
  watch(server: OcppServer): () => void;
}

interface Served {
  server: OcppServer;
  /** Started by `listen`: ours to close, to re-key and to re-time. */
  owned: boolean;
  unwatch: () => void;
  onError?: (error: Error) => void;
}

/** A plain request to the OCPP port: answer 426 and say how to connect. */
const upgradeRequired: RequestListener = (_req, res) => {
  res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
  res.end('OCPP-J: connect with a WebSocket to /<station identity>\n');
};

/** Plain requests go to `route` first (true: answered there, e.g. GET /metrics), else 426. */
export function plainRequests(
  route: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined,
): RequestListener {
  if (!route) return upgradeRequired;
  return (req, res) => {
    if (!route(req, res)) upgradeRequired(req, res);
  };
}

/**
 * A new server for `listen`: plain HTTP for security profiles 0 and 1, TLS for 2 and 3 (`tls` already
 * checked by the caller).
 */
export function createOcppServer(
  profile: 0 | 1 | 2 | 3,
  tls: ResolvedTlsOptions | undefined,
  handshakeTimeoutMs: number,
  tlsEvents: TlsServerEvents,
  route?: (req: IncomingMessage, res: ServerResponse) => boolean,
): OcppServer {
  const plain = plainRequests(route);
  if (profile === 0 || profile === 1) return createServer(handshakeTimeoutOptions(handshakeTimeoutMs), plain);
  return createTlsServer(tls!, profile, handshakeTimeoutMs, plain, tlsEvents);
}

/**
 * The servers a CSMS serves OCPP on: those `listen` started (owned) and those `attach` was given (the
 * application's: only our listeners are added and removed).
 */
export class ServerSet {
  private readonly served: Served[] = [];

  constructor(
    private readonly upgrade: UpgradeHook,
    private readonly tlsEvents: TlsServerEvents,
    /** A listening server failed to accept (EMFILE, say): reported, the server keeps listening. */
    private readonly acceptFailed: (error: Error) => void,
  ) {}

  async listen(server: OcppServer, port: number, host: string): Promise<AddressInfo> {
    server.on('upgrade', this.upgrade.handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Once listening, a server error is an accept failure: Node keeps listening, so report it rather
    // than let the uncaught 'error' end the process.
    const onError = (error: Error) => this.acceptFailed(error);
    server.on('error', onError);
    this.served.push({ server, owned: true, unwatch: this.upgrade.watch(server), onError });
    return server.address() as AddressInfo;
  }

  attach(server: OcppServer): void {
    const unwatchTls = server instanceof TlsServer ? watchTlsErrors(server, this.tlsEvents) : undefined;
    const unwatchPending = this.upgrade.watch(server);
    this.served.push({
      server,
      owned: false,
      unwatch: () => {
        unwatchTls?.();
        unwatchPending();
      },
    });
    server.on('upgrade', this.upgrade.handle);
  }

  /** New TLS material for the servers we started; attached servers keep the application's. */
  setSecureContext(context: SecureContextOptions): void {
    for (const { server, owned } of this.served)
      if (owned && server instanceof TlsServer) server.setSecureContext(context);
  }

  setHandshakeTimeout(ms: number): void {
    for (const { server, owned } of this.served) if (owned) applyHandshakeTimeouts(server, ms);
  }

  /** Stop serving OCPP: our listeners off every server, our own servers closed. */
  async close(): Promise<void> {
    for (const { server, owned, unwatch, onError } of this.served.splice(0)) {
      server.off('upgrade', this.upgrade.handle);
      unwatch();
      if (owned) await new Promise<void>((resolve) => server.close(() => resolve()));
      if (onError) server.off('error', onError);
    }
  }
}
