import type { CsmsEventMap, OcppPlugin } from './types.js';

export type Listener<M, K extends keyof M> = (event: M[K]) => void;

/**
 * Which hook observes which event, and how the event is spread into the hook's arguments. Keyed by
 * the CSMS's names: a station client's dispatcher uses the entries whose events it has. `init` is not
 * here: onInit gets the plugin's context (see `init`).
 */
export const HOOKS: { [K in keyof CsmsEventMap]?: (p: OcppPlugin) => Listener<CsmsEventMap, K> | undefined } =
  {
    connected: (p) => p.onConnection && ((e) => p.onConnection!(e.station)),
    disconnected: (p) => p.onDisconnect && ((e) => p.onDisconnect!(e.station, e.code, e.reason)),
    evicted: (p) => p.onEviction && ((e) => p.onEviction!(e.station, e.replacement)),
    closing: (p) => p.onClosing && (() => p.onClosing!()),
    closed: (p) => p.onClose && (() => p.onClose!()),
    reconfigured: (p) => p.onReconfigure && ((e) => p.onReconfigure!(e.next, e.previous)),
    message: (p) => p.onMessage && ((e) => p.onMessage!(e.station, e)),
    badMessage: (p) => p.onBadMessage && ((e) => p.onBadMessage!(e.station, e.raw, e.error, e.reason)),
    validationFailure: (p) =>
      p.onValidationFailure && ((e) => p.onValidationFailure!(e.station, e.message, e.error)),
    handlerError: (p) =>
      p.onHandlerError && ((e) => p.onHandlerError!(e.station, e.action, e.error, e.messageId)),
    transportError: (p) => p.onError && ((e) => p.onError!(e.station, e.error)),
    securityEvent: (p) => p.onSecurityEvent && ((e) => p.onSecurityEvent!(e)),
    authFailed: (p) => p.onAuthFailed && ((e) => p.onAuthFailed!(e.handshake, e.status, e.reason)),
    rateLimitExceeded: (p) => p.onRateLimitExceeded && ((e) => p.onRateLimitExceeded!(e.station, e.raw)),
    tlsUpdated: (p) => p.onTLSUpdate && ((e) => p.onTLSUpdate!(e.tls)),
    telemetry: (p) => p.onTelemetry && ((e) => p.onTelemetry!(e, e.bus)),
    backpressure: (p) => p.onBackpressure && ((e) => p.onBackpressure!(e.station, e.bufferedAmount)),
    pongTimeout: (p) => p.onPongTimeout && ((e) => p.onPongTimeout!(e.station)),
  };
