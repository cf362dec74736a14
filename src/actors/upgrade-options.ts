import type WebSocket from 'ws';
import type { Dispatcher } from '../hooks/dispatcher.js';
import type { CsmsEventMap } from '../hooks/types.js';
import { defaultCertificateIdentity } from '../transport/tls.js';
import type { AcceptedHandshake, AuthVerdict, UpgradeOptions } from '../transport/upgrade.js';
import type { AuthCallback, AuthRequest, ResolvedCsmsOptions } from './options.js';
import { emitPendingRefusal, emitRefusal } from './refusals.js';

/** What the handshake needs from the CSMS, read per handshake. */
export interface AdmissionHooks {
  readonly dispatcher: Dispatcher<CsmsEventMap>;
  connectedCount(): number;
  isClosing(): boolean;
  /** The auth callback in force (reconfigure may change it). */
  auth(): AuthCallback | undefined;
  accepted(ws: WebSocket, handshake: AcceptedHandshake): void;
}

/** The upgrade handler's options for a CSMS: its handshake settings, auth verdicts and refusal events. */
export function upgradeOptionsFor(o: ResolvedCsmsOptions, h: AdmissionHooks): UpgradeOptions {
  const options: UpgradeOptions = {
    path: o.path,
    protocols: o.protocols,
    securityProfile: o.securityProfile,
    certificateIdentity: o.certificateIdentity ?? defaultCertificateIdentity,
    maxPayloadBytes: o.maxPayloadBytes,
    handshakeTimeoutMs: o.handshakeTimeoutMs,
    maxConnections: o.maxConnections,
    maxPendingHandshakes: o.maxPendingHandshakes,
    connectionRateLimit: o.connectionRateLimit,
    onNoCommonProtocol: o.onNoCommonProtocol,
    compression: o.compression,
    connectedCount: h.connectedCount,
    isClosing: h.isClosing,
    hasAuthorizer: () => h.auth() !== undefined,
    authorize: (req) => authorize(h.auth(), req),
    accepted: h.accepted,
    socketError: (error, remoteAddress) =>
      h.dispatcher.emit('transportError', { station: undefined, error, remoteAddress }),
    pendingRefused: (reason, remoteAddress) =>
      emitPendingRefusal(h.dispatcher, reason, remoteAddress, options),
    rejected: (handshake, r) => emitRefusal(h.dispatcher, handshake, r),
    // Plugins' handshake gates, asked before any auth work.
    admit: (info) => (h.dispatcher.gatesHandshakes ? h.dispatcher.admitHandshake(info) : undefined),
  };
  return options;
}

/**
 * Copy the handshake settings `reconfigure` may change into `u` (read per handshake); true when the
 * handshake timeout changed, which the pending-handshake sweep and the servers' own timeouts follow.
 */
export function applyUpgradeSettings(u: UpgradeOptions, o: ResolvedCsmsOptions): boolean {
  const timeoutChanged = u.handshakeTimeoutMs !== o.handshakeTimeoutMs;
  u.protocols = o.protocols;
  u.maxConnections = o.maxConnections;
  u.maxPendingHandshakes = o.maxPendingHandshakes;
  u.handshakeTimeoutMs = o.handshakeTimeoutMs;
  u.onNoCommonProtocol = o.onNoCommonProtocol;
  u.certificateIdentity = o.certificateIdentity ?? defaultCertificateIdentity;
  return timeoutChanged;
}

/** The auth callback's verdict as the handshake's answer: true, or the refusal's HTTP status. */
async function authorize(auth: AuthCallback | undefined, req: AuthRequest): Promise<AuthVerdict> {
  if (!auth) return true;
  const verdict = await auth(req);
  if (verdict === true) return true;
  if (verdict === 'unknown') return { status: 404, reason: 'unknown-station' };
  if (verdict === 'forbidden') return { status: 403, reason: 'forbidden' };
  return { status: 401, reason: 'bad-credentials' };
}
