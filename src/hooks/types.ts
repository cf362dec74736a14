import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BadFrameReason } from '../protocol/decode.js';
import type { RpcError } from '../protocol/errors.js';
import type { Frame } from '../protocol/frames.js';
import type { OcppVersion } from '../protocol/versions.js';
import type { HandshakeInfo } from '../transport/handshake.js';
import type { Logger } from '../util/logger.js';

export type { HandshakeInfo };

/** What plugins and listeners see of a station: identity, protocol, and a live snapshot. */
export interface StationRef {
  readonly identity: string;
  readonly protocol: OcppVersion;
  readonly remoteAddress: string | undefined;
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
  evicted: { readonly station: StationRef; readonly replacement: StationRef };
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

type Awaitable<T> = T | PromiseLike<T>;

/**
 * How much a plugin may do, and so when its hooks run: 4 middleware (rewrites payloads), 3 interceptors
 * (may hold or drop messages), 2 lifecycle controllers (act on stations), 1 observers (see, never
 * block). Hooks run by level, highest first, then in registration order within a level.
 */
export type PluginLevel = 1 | 2 | 3 | 4;

/** A handshake's refusal chosen by a plugin: the HTTP status the station gets, and why (for events). */
export interface HandshakeVerdict {
  readonly status: 403 | 429 | 503;
  readonly reason: string;
}

/** A handler a plugin provides for stations whose application registered none (the fallback tier). */
export type FallbackHandler = (call: {
  readonly identity: string;
  readonly protocol: OcppVersion;
  readonly action: string;
  readonly messageId: string;
  readonly payload: Record<string, unknown>;
}) => Record<string, unknown> | PromiseLike<Record<string, unknown>>;

/** A station's state as plugins read it (`ctx.csms.stationStatus`); the fields of `csms.station()`. */
export interface PluginStationStatus {
  readonly identity: string;
  readonly protocol: string;
  readonly remoteAddress: string | undefined;
  /** The station machine's connection region: open, closing, closed, forgotten. */
  readonly connection: string;
  /** Its registration region: unregistered, pending, accepted, rejected. */
  readonly registration: string;
  readonly breaker: BreakerState;
  /** The offline queue's replay machine: idle, flushing, drained, paused.offline, paused.backingOff. */
  readonly replay: string;
  /** Outbound calls in flight or waiting for their turn. */
  readonly queuedCalls: number;
  /** Inbound calls being handled or waiting. */
  readonly handlingCalls: number;
  readonly connectedAt: number | undefined;
  readonly connections: number;
  /** When the station last sent a frame (ms since epoch). */
  readonly lastMessageAt?: number | undefined;
}

/** What a plugin may do to stations through the CSMS (a narrow view of it). */
export interface PluginCsms {
  readonly nodeId: string;
  /** Send a CALL to a connected station; resolves with its CALLRESULT payload. */
  call(identity: string, action: string, payload: Record<string, unknown>): Promise<unknown>;
  /** Queue a command on the bus for a station, connected or not (see `csms.enqueue`). */
  enqueue(
    identity: string,
    action: string,
    payload: Record<string, unknown>,
    options?: { ttlMs?: number; messageId?: string },
  ): Promise<unknown>;
  /** Close a station's connection (it may reconnect); false when it was not connected. */
  close(identity: string, code?: number, reason?: string): Promise<boolean>;
  /** Send a frame the plugin built (a dedup answer, say) on a station's socket; false when not connected. */
  sendRaw(identity: string, text: string): boolean;
  /** Use the circuit breaker on calls to stations from now on (stations connected later). */
  useBreaker(settings: { failureThreshold?: number; resetTimeoutMs?: number }): void;
  readonly connectedCount: number;
  /** Identities of every station this node knows (connected, or remembered after a disconnect). */
  stationIds(): IterableIterator<string>;
  /** Where a station stands now (its actors read at this moment); undefined when this node does not know it. */
  stationStatus(identity: string): PluginStationStatus | undefined;
  /** Commands waiting in a station's offline queue (see `enqueue`). */
  offlineQueueSize(identity: string): Promise<number>;
  /**
   * Every frame of one station, in and out, as `message` events (redacted alike) but without turning
   * those on for every station: false when this node does not know the station. One tap per station
   * at a time (a new one replaces it); the returned `untap` removes it if it is still the one.
   */
  tap(
    identity: string,
    listener: (event: MessageEvent & { readonly station: StationRef }) => void,
  ): (() => void) | false;
  /**
   * Relay the XState inspection events (`@xstate.actor`, `@xstate.event`, `@xstate.snapshot`, as XState
   * emits them) of the stations in `identities` (a live set: add and remove at will) and of their child
   * actors to `observer`. Each station already running is announced (actor + current snapshot) when it is
   * added through `announce`. Returns the stop function.
   */
  inspect(
    identities: ReadonlySet<string>,
    observer: (event: unknown) => void,
  ): { announce(identity: string): boolean; stop(): void };
}

/** The subset of the CSMS's bus plugins use (the full `Bus` is `csms.bus`). */
export interface PluginBus {
  claimCall(
    station: string,
    messageId: string,
    windowMs: number,
  ): Promise<{ readonly first: true } | { readonly first: false; readonly answer?: string }>;
  recordAnswer(station: string, messageId: string, answer: string): Promise<void>;
  stats(): object;
}

/** What a plugin gets at registration (`setup(ctx)`) and at start (`onInit(ctx)`, with `port`). */
export interface PluginContext {
  readonly csms: PluginCsms;
  readonly logger: Logger;
  readonly bus: PluginBus;
  /** The bound port once listening (`onInit`); undefined before, and for `attach()` without an address. */
  readonly port: number | undefined;
  /** The CSMS's options in force. */
  readonly options: object;
  /** Emit a `securityEvent` of the plugin's own type (e.g. `ANOMALY_RAPID_RECONNECT`). */
  securityEvent(
    type: PluginSecurityEventType,
    fields: { identity?: string; remoteAddress?: string; details?: Record<string, unknown> },
  ): void;
  /**
   * Answer `action` for stations only where the application registered no handler for it (its own
   * handler, version-specific or not, always wins; the application's `'*'` does not).
   */
  fallback(action: string, handler: FallbackHandler): void;
  /**
   * Report a failure of the plugin's own work (a store, a sink, a timer): counted, logged and emitted
   * as `pluginError` like a failing hook. Nothing a plugin does should fail silently.
   */
  reportError(error: unknown, hook?: string): void;
  /** Redact a value the way the registered redactors do (sinks use it before anything leaves). */
  redact<T>(value: T): T;
  /**
   * Listen to an event for a while (`events` and the hooks last as long as the plugin): returns the
   * unsubscribe. For work that should cost nothing while nobody needs it (a page no browser has open).
   * A throwing listener is reported as this plugin's `pluginError`.
   */
  on<K extends CsmsEventName>(name: K, listener: (event: CsmsEventMap[K]) => void): () => void;
}

/**
 * A plugin: a name, a level and any of the hooks below. Unknown `on*` hook names are refused at
 * registration (a typo would otherwise silently do nothing). Observers (everything except
 * `onHandshake`, the interceptors and middleware) cannot block or change anything: a throw, a
 * rejection or a timeout is reported as `pluginError` and counted.
 */
export interface OcppPlugin {
  readonly name: string;
  /** Default 1 (observer). */
  readonly level?: PluginLevel;
  /**
   * Called at registration with the plugin's context; may return a function releasing what the
   * plugin owns (timers, connections), run on `csms.close()` and on `csms.removePlugin()`.
   */
  setup?(ctx: PluginContext): Awaitable<void | (() => Awaitable<void>)>;
  // 1. connection & server lifecycle
  onInit?(ctx: PluginContext): Awaitable<void>;
  onConnection?(station: StationRef): void;
  onDisconnect?(station: StationRef, code: number, reason: string): void;
  onEviction?(evicted: StationRef, replacement: StationRef): void;
  onClosing?(): Awaitable<void>;
  onClose?(): Awaitable<void>;
  onReconfigure?(next: object, previous: object): void;
  /**
   * A handshake about to be checked for credentials (before `auth` runs): return a verdict to refuse
   * it with that HTTP status. Synchronous: it runs for every connection attempt.
   */
  onHandshake?(handshake: HandshakeInfo): HandshakeVerdict | undefined;
  // 2. interception (may drop) & observation
  /**
   * Raw inbound text before decoding; return false to drop it unanswered. May return a promise: the
   * station's later frames wait for it, so its frames keep their order.
   */
  onBeforeReceive?(station: StationRef, raw: string): Awaitable<boolean | undefined>;
  /** Every outbound frame (CALL, CALLRESULT, CALLERROR) before encoding; return false to block it. */
  onBeforeSend?(station: StationRef, message: OutboundMessage): boolean | undefined;
  onMessage?(station: StationRef, event: MessageEvent): void;
  // 3. errors
  onBadMessage?(station: StationRef, raw: string, error: RpcError, reason: BadFrameReason): void;
  onValidationFailure?(station: StationRef, message: Frame, error: RpcError): void;
  onHandlerError?(station: StationRef, action: string, error: unknown, messageId: string): void;
  onError?(station: StationRef | undefined, error: Error): void;
  // 4. security & rate limiting
  onSecurityEvent?(event: SecurityEvent): void;
  onAuthFailed?(handshake: HandshakeInfo, status: number, reason: string): void;
  onRateLimitExceeded?(station: StationRef | undefined, raw: string | undefined): void;
  onTLSUpdate?(tls: TlsCertificates): void;
  // 5. telemetry & infrastructure
  onTelemetry?(stats: TelemetryStats, busStats: object | undefined): void;
  getCustomMetrics?(): Awaitable<string[]>;
  onBackpressure?(station: StationRef, bufferedAmount: number): void;
  onPongTimeout?(station: StationRef): void;
  /**
   * A plain HTTP request to a server `listen()` started (anything but a WebSocket upgrade): return
   * true when the plugin answered it (e.g. `GET /metrics`); otherwise the next plugin, then 426.
   */
  onHttpRequest?(req: IncomingMessage, res: ServerResponse): boolean | undefined;
  // beyond the 22: middleware (ordered; may rewrite an inbound CALL before validation and handlers)
  /** Rewrite an inbound CALL's payload; return undefined to keep it. Runs before validation. */
  transformInbound?(
    station: StationRef,
    action: string,
    payload: Record<string, unknown>,
  ): Record<string, unknown> | undefined;
  /** Rewrite an outbound payload (CALL or CALLRESULT) before validation and encoding. */
  transformOutbound?(
    station: StationRef,
    action: string,
    payload: Record<string, unknown>,
    kind: 'request' | 'response',
  ): Record<string, unknown> | undefined;
  /**
   * Present a station's CALL to handlers as a call of another version (schema versioning): runs after
   * the CALL passed validation against the station's own version; the handler for `protocol` and
   * `action` gets `payload`. `"reject"` answers NotSupported; undefined leaves the CALL as it is.
   */
  translateInbound?(
    station: StationRef,
    action: string,
    payload: Record<string, unknown>,
  ): { protocol: OcppVersion; action: string; payload: Record<string, unknown> } | 'reject' | undefined;
  /**
   * The handler's answer to a CALL `translateInbound` translated, back in the station's version (before
   * it is validated against the station's schema); undefined keeps it.
   */
  translateAnswer?(
    station: StationRef,
    action: string,
    response: Record<string, unknown>,
  ): Record<string, unknown> | undefined;
  /**
   * Redact a payload (or any value) on its way out of the process: events plugins and listeners see,
   * sinks, `logPayloads` lines. Handlers keep seeing the original. Return a copy, never mutate.
   */
  redact?(value: unknown): unknown;
  /** Subscribe to any runtime event by name (the actor events the hooks above are views of). */
  events?: { [K in CsmsEventName]?: (event: CsmsEventMap[K]) => void };
}

export function createPlugin<P extends OcppPlugin>(plugin: P): P {
  return plugin;
}
