import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BadFrameReason } from '../protocol/decode.js';
import type { RpcError } from '../protocol/errors.js';
import type { Frame } from '../protocol/frames.js';
import type { OcppVersion } from '../protocol/versions.js';
import type { HandshakeInfo } from '../transport/handshake.js';
import type { Logger } from '../util/logger.js';
import type {
  BreakerState,
  CsmsEventMap,
  CsmsEventName,
  MessageEvent,
  OutboundMessage,
  PluginSecurityEventType,
  ReplacementRef,
  SecurityEvent,
  StationRef,
  TelemetryStats,
  TlsCertificates,
} from './events.js';

export type * from './events.js';
export type { HandshakeInfo };

export type Awaitable<T> = T | PromiseLike<T>;

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
  /** The offline queue's replay machine: idle, flushing, pacing, drained, paused.offline, paused.backingOff. */
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
  /**
   * Handle a CALL on a station's behalf with the application's handler for `protocol` (default: the
   * station's version), as the station's own CALLs are: in its inbound queue, within the time limit.
   * Resolves with the handler's answer, which goes nowhere else (a translator's follow-up calls).
   */
  handleCall(
    identity: string,
    action: string,
    payload: Record<string, unknown>,
    protocol?: OcppVersion,
  ): Promise<Record<string, unknown>>;
  /** Close a station's connection (it may reconnect); false when it was not connected. */
  close(identity: string, code?: number, reason?: string): Promise<boolean>;
  /** Send a frame the plugin built (a dedup answer, say) on a station's socket; false when not connected. */
  sendRaw(identity: string, text: string): boolean;
  /**
   * Use the circuit breaker on calls to stations from now on (stations connected later). With
   * `maxConcurrent`, a station's calls in flight and waiting are capped there too: one more fails at once
   * with CallQueueFullError (never raises the CSMS's own `maxQueuedCalls`).
   */
  useBreaker(settings: { failureThreshold?: number; resetTimeoutMs?: number; maxConcurrent?: number }): void;
  /**
   * How the offline queue (`enqueue`) flushes from now on: a pause between commands, and the attempts
   * without an answer a command gets before it is dropped (`commandDropped`). Overrides `replay`.
   */
  configureReplay(settings: { flushDelayMs?: number; maxAttempts?: number }): void;
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
  onEviction?(evicted: StationRef, replacement: ReplacementRef): void;
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
   * `action` gets `payload`, and `translateAnswer` / `translateError` get `state` back with its answer.
   * `{ reply }` answers the station with that payload (in its own version) without a handler;
   * `"reject"` answers NotSupported; undefined leaves the CALL to the next translator, then as it is.
   * Throw (or reject with) an `RpcError` to answer with that CALLERROR; any other throw answers
   * InternalError and is reported as `pluginError`.
   *
   * May return a promise: the CALL then waits in the station's inbound queue (one CALL handled at a time
   * per station, in arrival order, within the flood limit), and the handler time limit covers the
   * translations as well as the handler. A synchronous answer costs no promise.
   */
  translateInbound?(
    station: StationRef,
    action: string,
    payload: Record<string, unknown>,
    messageId: string,
  ): Awaitable<InboundTranslation | 'reject' | undefined>;
  /**
   * The handler's answer to a CALL `translateInbound` translated, back in the station's version (before
   * it is validated against the station's schema); undefined keeps it. `action` is the station's.
   * May return a promise (the time limit covers it); a throw answers as in `translateInbound`.
   */
  translateAnswer?(
    station: StationRef,
    action: string,
    response: Record<string, unknown>,
    state: unknown,
  ): Awaitable<Record<string, unknown> | undefined>;
  /**
   * The handler's CALLERROR (an `RpcError` it threw) to a CALL `translateInbound` translated, as the
   * station should get it; undefined keeps it (its code is spelled for the station's version anyway).
   */
  translateError?(
    station: StationRef,
    action: string,
    error: RpcError,
    state: unknown,
  ): Awaitable<RpcError | undefined>;
  /**
   * A CALL of ours to a station (`csms.call`, `station.call`, queued commands), made in another version
   * than the station's (schema versioning, the other way): the station gets `action` and `payload`, and
   * `translateOutboundAnswer` / `translateOutboundError` get `state` back with its answer. `{ reply }`
   * answers the caller without sending anything; undefined sends the call as it is. A throw rejects the
   * call (an `RpcError` as it is, anything else as InternalError, reported). May return a promise: the
   * station's later calls wait for it, so they keep their order; the call's timeout covers it. (CSMS
   * side: a station client's own calls, queued while offline, are not translated.)
   */
  translateOutbound?(
    station: StationRef,
    action: string,
    payload: Record<string, unknown>,
  ): Awaitable<OutboundTranslation | undefined>;
  /** The station's answer to a call `translateOutbound` translated, for the caller; undefined keeps it. */
  translateOutboundAnswer?(
    station: StationRef,
    action: string,
    response: Record<string, unknown>,
    state: unknown,
  ): Awaitable<Record<string, unknown> | undefined>;
  /** The station's CALLERROR to a call `translateOutbound` translated, as the caller gets it. */
  translateOutboundError?(
    station: StationRef,
    action: string,
    error: RpcError,
    state: unknown,
  ): Awaitable<RpcError | undefined>;
  /**
   * W3C trace context (`traceparent`, `tracestate`) of a station's call in progress, by the sender's
   * message id: events published on the bus about the call carry it (`trace`), so a consumer can
   * continue the trace. Empty or undefined when the plugin traces no such call.
   */
  traceContext?(identity: string, messageId: string): Record<string, string> | undefined;
  /**
   * Redact a payload (or any value) on its way out of the process: events plugins and listeners see,
   * sinks, `logPayloads` lines. Handlers keep seeing the original. Return a copy, never mutate.
   */
  redact?(value: unknown): unknown;
  /** Subscribe to any runtime event by name (the actor events the hooks above are views of). */
  events?: { [K in CsmsEventName]?: (event: CsmsEventMap[K]) => void };
}

/** A station's CALL as a translator presents it to handlers, or the answer it gives in their stead. */
export type InboundTranslation =
  | {
      readonly protocol: OcppVersion;
      readonly action: string;
      readonly payload: Record<string, unknown>;
      /** Whatever the translator needs to translate the answer back: handed to translateAnswer/-Error. */
      readonly state?: unknown;
    }
  | { readonly reply: Record<string, unknown> };

/**
 * A call of ours as a translator sends it to the station, several calls it becomes (sent one after
 * another; translateOutboundAnswer then gets an array of `{ payload }` or `{ error: { errorCode,
 * errorDescription } }`, one per call, in order), or the answer it gives in the station's stead.
 */
export type OutboundTranslation =
  | {
      readonly action: string;
      readonly payload: Record<string, unknown>;
      /** Handed to translateOutboundAnswer/-Error with the station's answer. */
      readonly state?: unknown;
    }
  | {
      readonly batch: readonly { readonly action: string; readonly payload: Record<string, unknown> }[];
      readonly state?: unknown;
    }
  | { readonly reply: Record<string, unknown> };

export function createPlugin<P extends OcppPlugin>(plugin: P): P {
  return plugin;
}
