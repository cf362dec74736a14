import { describe, expect, it } from 'vitest';
import { classifyRefusal, type Refusal } from '../../src/actors/refusals.js';

// Every refusal the upgrade handler can make: the handshake event it is, and the security event if any.
const TABLE: [Refusal, 'authFailed' | 'handshakeRejected', string | undefined][] = [
  [{ status: 401, reason: 'auth-required' }, 'authFailed', 'AUTH_FAILED'],
  [{ status: 401, reason: 'bad-credentials' }, 'authFailed', 'AUTH_FAILED'],
  [{ status: 403, reason: 'forbidden' }, 'authFailed', 'AUTH_FAILED'],
  [{ status: 403, reason: 'certificate-required' }, 'authFailed', 'CERTIFICATE_REJECTED'],
  [{ status: 403, reason: 'certificate-mismatch' }, 'authFailed', 'CERTIFICATE_REJECTED'],
  [{ status: 404, reason: 'unknown-station' }, 'authFailed', undefined],
  [{ status: 404, reason: 'unknown-path' }, 'handshakeRejected', undefined],
  [{ status: 400, reason: 'invalid-identity' }, 'handshakeRejected', 'INVALID_IDENTITY'],
  [{ status: 400, reason: 'bad-request' }, 'handshakeRejected', undefined],
  [{ status: 400, reason: 'invalid-upgrade' }, 'handshakeRejected', undefined],
  [{ status: 400, reason: 'unsupported-websocket-version' }, 'handshakeRejected', undefined],
  [{ status: 405, reason: 'method-not-allowed' }, 'handshakeRejected', undefined],
  [{ status: 429, reason: 'rate-limited' }, 'handshakeRejected', 'RATE_LIMIT_EXCEEDED'],
  [{ status: 503, reason: 'server-full' }, 'handshakeRejected', undefined],
  [{ status: 503, reason: 'closing' }, 'handshakeRejected', undefined],
  [{ status: 503, reason: 'handshake-timeout' }, 'handshakeRejected', undefined],
  [{ status: 503, reason: 'auth-failed' }, 'handshakeRejected', undefined],
  [{ status: 101, reason: 'no-common-protocol' }, 'handshakeRejected', undefined],
];

describe('classifyRefusal', () => {
  it.each(TABLE)('%o is %s, security event %s', (refusal, event, security) => {
    const c = classifyRefusal(refusal);
    expect(c.event).toBe(event);
    expect(c.security).toBe(security);
    expect(c.rateLimited).toBe(refusal.status === 429);
  });
});
