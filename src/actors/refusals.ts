import type { Dispatcher } from '../hooks/dispatcher.js';
import type { CsmsEventMap, HandshakeInfo, SecurityEventType } from '../hooks/types.js';
import type { HandshakeRejection } from '../transport/handshake.js';
import type { PendingRefusal } from '../transport/pending-handshakes.js';
import type { TlsRefusal } from '../transport/tls.js';

/** A refused upgrade as the upgrade handler reports it (101: closed after the handshake, no common version). */
export type Refusal = HandshakeRejection | { status: 101; reason: 'no-common-protocol' };

/** What a refusal means to observers: which handshake event, and whether it is a security event. */
export interface RefusalClass {
  /** `authFailed` for the station's credentials (401, 403, 404 unknown station); `handshakeRejected` otherwise. */
  readonly event: 'authFailed' | 'handshakeRejected';
  readonly security: SecurityEventType | undefined;
  readonly rateLimited: boolean;
}

/** The one place that says which handshake refusal is which event (table-tested). */
export function classifyRefusal(r: Refusal): RefusalClass {
  const policy = r.reason === 'refused-by-policy';
  const credentials = !policy && (r.status === 401 || r.status === 403 || r.reason === 'unknown-station');
  const security =
    r.status === 429
      ? 'RATE_LIMIT_EXCEEDED'
      : r.reason === 'invalid-identity'
        ? 'INVALID_IDENTITY'
        : r.reason === 'certificate-mismatch' || r.reason === 'certificate-required'
          ? 'CERTIFICATE_REJECTED'
          : !policy && (r.status === 401 || r.status === 403)
            ? 'AUTH_FAILED'
            : undefined;
  return { event: credentials ? 'authFailed' : 'handshakeRejected', security, rateLimited: r.status === 429 };
}

/** Emit the events of a refused handshake. */
export function emitRefusal(d: Dispatcher<CsmsEventMap>, handshake: HandshakeInfo, r: Refusal): void {
  const c = classifyRefusal(r);
  d.emit(c.event, { handshake, status: r.status, reason: 'detail' in r ? r.detail : r.reason });
  if (c.rateLimited) d.emit('rateLimitExceeded', { station: undefined, handshake, raw: undefined });
  if (!c.security) return;
  const certificate = 'certificate' in r ? r.certificate : undefined;
  d.emit('securityEvent', {
    type: c.security,
    identity: handshake.identity,
    remoteAddress: handshake.remoteAddress,
    timestamp: new Date(),
    details: { status: r.status, reason: r.reason, ...(certificate ? { certificate } : {}) },
  });
}

/** Emit the event of a TLS handshake our server refused (no HTTP request exists yet). */
export function emitTlsRefusal(d: Dispatcher<CsmsEventMap>, r: TlsRefusal): void {
  d.emit('securityEvent', {
    type: r.type,
    identity: undefined,
    remoteAddress: r.remoteAddress,
    timestamp: new Date(),
    details: { stage: 'tls', reason: r.reason, ...(r.certificate ? { certificate: r.certificate } : {}) },
  });
}

/** Emit the security event of a socket cut before its upgrade: too many pending, or too slow. */
export function emitPendingRefusal(
  d: Dispatcher<CsmsEventMap>,
  reason: PendingRefusal,
  remoteAddress: string | undefined,
  limits: { readonly handshakeTimeoutMs: number; readonly maxPendingHandshakes: number },
): void {
  d.emit('securityEvent', {
    type: reason === 'handshake-timeout' ? 'HANDSHAKE_TIMEOUT' : 'PENDING_HANDSHAKES_EXCEEDED',
    identity: undefined,
    remoteAddress,
    timestamp: new Date(),
    details: {
      reason,
      ...(reason === 'handshake-timeout'
        ? { handshakeTimeoutMs: limits.handshakeTimeoutMs }
        : { maxPendingHandshakes: limits.maxPendingHandshakes }),
    },
  });
}
