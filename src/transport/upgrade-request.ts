/**
 * The checks `ws` makes on an upgrade request, made first: a request ws would refuse after our
 * OCPP checks and the `auth` callback had run must cost neither. Mirrors ws 8's `handleUpgrade`
 * (method, Upgrade, Sec-WebSocket-Key, Sec-WebSocket-Version, Sec-WebSocket-Protocol syntax).
 */
import type { IncomingMessage } from 'node:http';

export type UpgradeRequestProblem =
  | { status: 405; reason: 'method-not-allowed' }
  | { status: 400; reason: 'invalid-upgrade' | 'unsupported-websocket-version' };

const KEY = /^[+/0-9A-Za-z]{22}==$/;

export function upgradeRequestProblem(request: IncomingMessage): UpgradeRequestProblem | undefined {
  if (request.method !== 'GET') return { status: 405, reason: 'method-not-allowed' };
  const h = request.headers;
  const upgrade = h.upgrade;
  if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket')
    return { status: 400, reason: 'invalid-upgrade' };
  const key = h['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) return { status: 400, reason: 'invalid-upgrade' };
  const version = h['sec-websocket-version'];
  if (version !== '13' && version !== '8') return { status: 400, reason: 'unsupported-websocket-version' };
  const protocols = h['sec-websocket-protocol'];
  if (protocols !== undefined && !validSubprotocolHeader(protocols))
    return { status: 400, reason: 'invalid-upgrade' };
  return undefined;
}

/** RFC 7230 tchar. */
function isTokenChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || // 0-9
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x61 && c <= 0x7a) || // a-z
    c === 0x21 || // !
    (c >= 0x23 && c <= 0x27) || // # $ % & '
    c === 0x2a || // *
    c === 0x2b || // +
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x5e || // ^
    c === 0x5f || // _
    c === 0x60 || // `
    c === 0x7c || // |
    c === 0x7e // ~
  );
}

/**
 * A comma-separated list of distinct tokens with optional spaces after each, exactly as ws's
 * `subprotocol.parse` accepts it (it refuses an empty header, an empty element and a duplicate).
 */
export function validSubprotocolHeader(header: string): boolean {
  if (!header.includes(',')) {
    // The common case, one subprotocol: a token, optionally followed by nothing.
    for (let i = 0; i < header.length; i++) if (!isTokenChar(header.charCodeAt(i))) return false;
    return header.length > 0;
  }
  const seen = new Set<string>();
  let start = -1;
  let end = -1;
  let i = 0;
  for (; i < header.length; i++) {
    const c = header.charCodeAt(i);
    if (end === -1 && isTokenChar(c)) {
      if (start === -1) start = i;
    } else if (i !== 0 && (c === 0x20 || c === 0x09)) {
      if (end === -1 && start !== -1) end = i;
    } else if (c === 0x2c) {
      if (start === -1) return false;
      if (end === -1) end = i;
      const protocol = header.slice(start, end);
      if (seen.has(protocol)) return false;
      seen.add(protocol);
      start = end = -1;
    } else return false;
  }
  if (start === -1 || end !== -1) return false;
  return !seen.has(header.slice(start, i));
}
