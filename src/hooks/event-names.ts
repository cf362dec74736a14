import type { CsmsEventName } from './types.js';

/** Every CSMS event by name (checked exhaustive by the type): what `events` may subscribe to. */
const NAMES: Record<CsmsEventName, true> = {
  message: true,
  badMessage: true,
  validationFailure: true,
  handlerError: true,
  callRefused: true,
  unknownResponse: true,
  callResultError: true,
  backpressure: true,
  securityEvent: true,
  rateLimitExceeded: true,
  pluginError: true,
  connected: true,
  registered: true,
  disconnected: true,
  transportError: true,
  pongTimeout: true,
  init: true,
  evicted: true,
  forgotten: true,
  closing: true,
  closed: true,
  reconfigured: true,
  authFailed: true,
  handshakeRejected: true,
  tlsUpdated: true,
  telemetry: true,
  breakerChanged: true,
  replayProgress: true,
  commandDelivered: true,
  commandExpired: true,
  commandDropped: true,
  clusterError: true,
};

export const CSMS_EVENT_NAMES: ReadonlySet<string> = new Set(Object.keys(NAMES));
