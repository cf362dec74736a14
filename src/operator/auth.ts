import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ResolvedOperatorOptions } from './options.js';

export type AuthVerdict = 'ok' | { readonly status: 401 | 403; readonly headers: Record<string, string> };

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Equal in constant time: both sides hashed first, so neither the content nor the length leaks. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a);
}

const REALM = 'Basic realm="ocpp-actors operator", charset="UTF-8"';

/** Who may use the page: a loopback peer (unless remote is allowed) with the token or the Basic credentials. */
export function authorise(req: IncomingMessage, o: ResolvedOperatorOptions): AuthVerdict {
  if (!o.allowRemote && !isLoopbackAddress(req.socket.remoteAddress)) return { status: 403, headers: {} };
  const header = req.headers.authorization ?? '';
  const space = header.indexOf(' ');
  const scheme = space > 0 ? header.slice(0, space).toLowerCase() : '';
  const value = space > 0 ? header.slice(space + 1).trim() : '';
  let ok = false;
  if (scheme === 'bearer' && o.token !== undefined) ok = sameSecret(value, o.token);
  else if (scheme === 'basic' && o.basic) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // Both compared whatever the first gives: a wrong user costs the same time as a wrong password.
    const user = sameSecret(colon < 0 ? decoded : decoded.slice(0, colon), o.basic.username);
    const pass = sameSecret(colon < 0 ? '' : decoded.slice(colon + 1), o.basic.password);
    ok = user && pass;
  }
  if (ok) return 'ok';
  return { status: 401, headers: o.basic ? { 'WWW-Authenticate': REALM } : { 'WWW-Authenticate': 'Bearer' } };
}
