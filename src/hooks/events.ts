import type { BadFrameReason } from '../protocol/decode.js';
import type { RpcError } from '../protocol/errors.js';
import type { Frame } from '../protocol/frames.js';
import type { OcppVersion } from '../protocol/versions.js';
import type { HandshakeInfo } from '../transport/handshake.js';

// The events of the runtime, as listeners (`csms.on`, a plugin's `events`) and hooks receive them.
/** What plugins and listeners see of a station: identity, protocol, and a live snapshot. */
export interface StationRef {
  readonly identity: string;
  readonly protocol: OcppVersion;
  readonly remoteAddress: string | undefined;
}

/**
 * The connection that replaced an evicted one, and the node that holds it (`node`). On another
 * node of a cluster its protocol and address are not known here (undefined).
 */
export interface ReplacementRef {
  readonly identity: string;
  readonly protocol: OcppVersion | undefined;
  readonly remoteAddress: string | undefined;
  readonly node: string;
}

export type Direction = 'IN' | 'OUT';

export interface MessageContext {
  readonly type: 'CALL' | 'CALLRESULT' | 'CALLERROR' | 'CALLRESULTERROR' | 'SEND';
  readonly messageId: string;
  /** The CALL's action; for a CALLRESULT/CALLERROR, the action of the call it answers, when known. */
  readonly action: string | undefined;
  readonly timestamp: Date;
  /** For an answer: ms since its CALL (outbound: round trip; inbound CALL answered: handling time). */
  readonly latencyMs: number | undefined;
}

export interface MessageEvent {
  readonly message: Frame;
  readonly direction: Direction;
  readonly ctx: MessageContext;
}

export type SecurityEventType =
  | 'AUTH_FAILED'
  | 'RATE_LIMIT_EXCEEDED'
  | 'CALL_BEFORE_ACCEPTED'
  | 'INVALID_IDENTITY'
  | 'CERTIFICATE_REJECTED'
  /** A TLS handshake OpenSSL refused: plain HTTP on the TLS port, TLS under 1.2, no shared cipher. */
  | 'TLS_HANDSHAKE_FAILED'
  | 'MESSAGE_FLOOD'
  /** A socket that did not complete its WebSocket handshake within `handshakeTimeoutMs` (silent or trickling). */
  | 'HANDSHAKE_TIMEOUT'
  /** A socket closed on accept: `maxPendingHandshakes` sockets were already mid-handshake. */
  | 'PENDING_HANDSHAKES_EXCEEDED'
  | PluginSecurityEventType;

/** Types plugins emit through `ctx.securityEvent`: the anomaly plugin's `ANOMALY_*`, or `PLUGIN_*`. */
export type PluginSecurityEventType = `ANOMALY_${string}` | `PLUGIN_${string}`;

export interface SecurityEvent {
  readonly type: SecurityEventType;
  readonly identity: string | undefined;
  readonly remoteAddress: string | undefined;
  readonly timestamp: Date;
  readonly details?: Record<string, unknown>;
}

export interface TelemetryStats {
  readonly connectedStations: number;
  /** `connectedStations` under ocpp-ws-io's name, so its users' `onTelemetry` reads it unchanged. */
  readonly activeConnections: number;
  readonly knownStations: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly badMessages: number;
  readonly validationFailures: number;
  /** Sockets accepted and not yet upgraded, now. */
  readonly pendingHandshakes: number;
  /** Sockets closed on accept because `maxPendingHandshakes` were pending, since start. */
  readonly pendingHandshakesRefused: number;
  /** Sockets cut for not completing the handshake within `handshakeTimeoutMs`, since start. */
  readonly handshakeTimeouts: number;
  /** Disconnected stations forgotten early because `maxKnownStations` were remembered, since start. */
  readonly stationsForgottenAtCapacity: number;
  readonly uptimeMs: number;
  readonly memory: NodeJS.MemoryUsage;
  /** The bus's counters (`Bus.stats()`) at the same moment. */
  readonly bus?: object;
}

export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** Events the RPC endpoint emits, the same on both ends of a link. */
export interface RpcEventMap {
  message: MessageEvent & { readonly station: StationRef };
  badMessage: {
    readonly station: StationRef;
    readonly raw: string;
    readonly reason: BadFrameReason;
    readonly error: RpcError;
    readonly replied: boolean;
  };
  validationFailure: {
    readonly station: StationRef;
    readonly direction: Direction;
    readonly message: Frame;
    readonly error: RpcError;
  };
  handlerError: {
    readonly station: StationRef;
    readonly action: string;
    readonly messageId: string;
    readonly error: unknown;
  };
  /** An inbound CALL answered with a CALLERROR before any handler ran. */
  callRefused: {
    readonly station: StationRef;
    readonly action: string;
    readonly messageId: string;
    readonly reason: 'not-accepted' | 'duplicate-id' | 'flood' | 'not-implemented' | 'not-supported';
    readonly error: RpcError;
  };
  /** A CALLRESULT/CALLERROR whose id matches no call of ours: logged, never answered. */
  unknownResponse: { readonly station: StationRef; readonly message: Frame };
  /** 2.1: the peer says a CALLRESULT of ours contained errors. */
  callResultError: { readonly station: StationRef; readonly message: Frame };
  backpressure: { readonly station: StationRef; readonly bufferedAmount: number };
  securityEvent: SecurityEvent;
  rateLimitExceeded: {
    readonly station: StationRef | undefined;
    readonly handshake: HandshakeInfo | undefined;
    readonly raw: string | undefined;
  };
  pluginError: { readonly plugin: string; readonly hook: string; readonly error: unknown };
}

/** Events of a link's life, emitted by both ends (a CSMS per station, a station client for itself). */
export interface LinkEventMap extends RpcEventMap {
  connected: { readonly station: StationRef; readonly reconnect: boolean };
  registered: { readonly station: StationRef; readonly status: 'Accepted' | 'Pending' | 'Rejected' };
  disconnected: {
    readonly station: StationRef;
    readonly code: number;
    readonly reason: string;
    readonly durationMs: number;
  };
  /** A socket failed: a station's, or (station undefined) one still in its handshake. */
  transportError: {
    readonly station: StationRef | undefined;
    readonly error: Error;
    readonly remoteAddress?: string | undefined;
  };
  pongTimeout: { readonly station: StationRef };
}

/**
 * Every event a CSMS emits, by name. `csms.on(name, listener)` and plugin hooks both subscribe
 * to these; a listener that throws is isolated and reported as `pluginError`.
 */
export interface CsmsEventMap extends LinkEventMap {
  init: { readonly port: number | undefined };
  /**
   * The station connected again and this connection was closed (4000): on this node, or, in a
   * cluster, on the node `replacement.node` (which now holds the station).
   */
  evicted: { readonly station: StationRef; readonly replacement: ReplacementRef };
  /**
   * A disconnected station's actor is gone, and with it its registration: `forgetAfterMs` passed
   * ('expired'), or `maxKnownStations` disconnected stations were remembered and it was the least
   * recently seen ('capacity'). Per-station state kept elsewhere can be freed.
   */
  forgotten: { readonly identity: string; readonly reason: 'expired' | 'capacity' };
  closing: Record<string, never>;
  closed: Record<string, never>;
  reconfigured: { readonly next: object; readonly previous: object };
  /** A station's handshake refused for its credentials: 401 (Basic auth), 403 (certificate, `auth`), 404 (`auth` says unknown). */
  authFailed: { readonly handshake: HandshakeInfo; readonly status: number; readonly reason: string };
  /**
   * A handshake refused for any other reason: 503 (closing, full, auth callback failed, timeout), 429
   * (rate), 404 (path), 400 (identity). The ones that are security events are also a `securityEvent`.
   */
  handshakeRejected: { readonly handshake: HandshakeInfo; readonly status: number; readonly reason: string };
  /** New TLS material in force: the certificates, never the keys. */
  tlsUpdated: { readonly at: Date; readonly tls: TlsCertificates };
  telemetry: TelemetryStats;
  breakerChanged: { readonly identity: string; readonly from: BreakerState; readonly to: BreakerState };
  replayProgress: {
    readonly identity: string;
    readonly state: string;
    readonly delivered: number;
    readonly failed: number;
    readonly remaining: number;
  };
  /** A command from the offline queue was answered by the station (result or CALLERROR). */
  commandDelivered: {
    readonly identity: string;
    readonly seq: number;
    readonly action: string;
    readonly response: Record<string, unknown> | undefined;
    readonly error: RpcError | undefined;
  };
  /**
   * A queued command was dropped after `replay.maxAttempts` deliveries the station did not answer
   * (its last failure in `error`); the next command is due.
   */
  commandDropped: {
    readonly identity: string;
    readonly seq: number;
    readonly action: string;
    readonly attempts: number;
    readonly error: unknown;
  };
  /** A queued command was dropped unsent: it was older than its `ttlMs` when its turn came. */
  commandExpired: {
    readonly identity: string;
    readonly seq: number;
    readonly action: string;
    readonly enqueuedAt: number;
    readonly ttlMs: number | undefined;
  };
  /**
   * A cluster operation on the bus failed (claim, renew, release, routing, CALL de-duplication, event
   * publishing): what the node did instead is documented per operation in README "Running several nodes".
   */
  clusterError: {
    readonly operation: string;
    readonly identity: string | undefined;
    readonly error: unknown;
  };
}

export type CsmsEventName = keyof CsmsEventMap;

type Pem = string | Buffer | readonly (string | Buffer)[];

/** What `onTLSUpdate` sees of the TLS options: the public half only. */
export interface TlsCertificates {
  readonly cert: Pem;
  readonly ca: Pem | undefined;
  readonly crl: Pem | undefined;
  readonly minVersion: string;
  readonly ciphers: string | undefined;
}

/** A message about to be sent, as the tuple it will be encoded from. Interceptors may block it. */
export type OutboundMessage = readonly unknown[];
