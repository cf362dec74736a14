import { createHash, timingSafeEqual } from 'node:crypto';
import { isOcppVersion, type OcppVersion } from '../protocol/versions.js';
import type { CertificateSummary } from './tls.js';

/** What the server knows about a handshake it refused (no station exists yet). */
export interface HandshakeInfo {
  readonly identity: string | undefined;
  readonly remoteAddress: string | undefined;
  readonly url: string;
  readonly protocols: readonly string[];
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Why a handshake is refused, and the HTTP status that says so. */
export type HandshakeRejection =
  | {
      status: 400;
      reason: 'invalid-identity' | 'bad-request' | 'invalid-upgrade' | 'unsupported-websocket-version';
    }
  | { status: 405; reason: 'method-not-allowed' }
  | { status: 401; reason: 'auth-required' | 'bad-credentials' }
  | { status: 403; reason: 'forbidden' }
  | {
      status: 403;
      reason: 'certificate-required' | 'certificate-mismatch';
      certificate?: CertificateSummary;
    }
  | { status: 404; reason: 'unknown-path' | 'unknown-station' }
  | { status: 429; reason: 'rate-limited' }
  /** A plugin's onHandshake refused it; `detail` is the plugin's reason. */
  | { status: 403 | 429 | 503; reason: 'refused-by-policy'; detail: string }
  | { status: 503; reason: 'server-full' | 'closing' | 'handshake-timeout' | 'auth-failed' };

/** 2.0.1/2.1: identifierString of at most 48 characters, no ':' (it is the Basic-auth user name). */
export const MAX_IDENTITY_LENGTH_2X = 48;

/**
 * The station identity is the last path segment after the endpoint prefix, percent-decoded (RFC 3986).
 * Returns undefined when the path is not under `prefix` or the segment is empty or undecodable.
 */
export function identityFromPath(url: string, prefix: string): string | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  if (!path.startsWith(base)) return undefined;
  const segment = path.slice(base.length);
  if (segment.length === 0 || segment.includes('/')) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Identity rules per version: 2.x caps the length and forbids ':'; 1.6 only needs something printable. */
export function identityAllowed(identity: string, version: OcppVersion): boolean {
  if (identity.length === 0) return false;
  // Control characters would end up in logs and subjects; no version allows them in practice.
  for (let i = 0; i < identity.length; i++) if (identity.charCodeAt(i) < 0x20) return false;
  if (version === 'ocpp1.6') return true;
  return identity.length <= MAX_IDENTITY_LENGTH_2X && !identity.includes(':');
}

/**
 * Pick the subprotocol: the server's preference order decides among those the station offers
 * (2.1 §3.1.2: negotiation, not the URL, decides the version).
 */
export function negotiateProtocol(
  offered: ReadonlySet<string> | readonly string[],
  preference: readonly OcppVersion[],
): OcppVersion | undefined {
  if (offered instanceof Set) {
    for (const p of preference) if (offered.has(p)) return p;
    return undefined;
  }
  // A handful of entries at most: a scan beats building a Set per handshake.
  const list = offered as readonly string[];
  for (const p of preference) if (list.includes(p)) return p;
  return undefined;
}

export function parseProtocolHeader(header: string | undefined): string[] {
  if (!header) return [];
  // Most stations offer exactly one subprotocol.
  if (!header.includes(',')) {
    const only = header.trim();
    return only ? [only] : [];
  }
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

export function offeredVersions(header: string | undefined): OcppVersion[] {
  return parseProtocolHeader(header).filter(isOcppVersion);
}

/**
 * Read HTTP Basic credentials whose user name must be `identity`. The password stays bytes:
 * the 1.6 AuthorizationKey is binary (1.6 J §7). Splitting on the known identity rather than the
 * first ':' keeps 1.6 identities that contain ':' working.
 */
export function basicCredentials(
  header: string | undefined,
  identity: string,
): { ok: true; password: Buffer } | { ok: false; reason: 'auth-required' | 'bad-credentials' } {
  if (!header) return { ok: false, reason: 'auth-required' };
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return { ok: false, reason: 'bad-credentials' };
  const raw = Buffer.from(m[1]!, 'base64');
  const user = Buffer.from(`${identity}:`, 'utf8');
  if (raw.length < user.length || !raw.subarray(0, user.length).equals(user)) {
    return { ok: false, reason: 'bad-credentials' };
  }
  return { ok: true, password: raw.subarray(user.length) };
}

/**
 * Constant-time password comparison for auth callbacks, binary-safe. Both sides are hashed first so
 * neither the content nor the length of the expected password leaks through timing.
 */
export function passwordMatches(given: Buffer | string, expected: Buffer | string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
