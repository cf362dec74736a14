import { Dispatcher } from '../hooks/dispatcher.js';
import type { PluginStation, StationPlugin } from '../hooks/station-plugin.js';
import {
  type ClientConnectionState,
  clientConnectionOf,
  clientRegistrationOf,
} from '../machines/client-connection.js';
import type { RegistrationState } from '../machines/station.js';
import type { Payload } from '../protocol/frames.js';
import type {
  ActionName,
  CsmsCallable,
  CsmsHandled,
  RequestOf,
  ResponseOf,
  StationHandled,
  StationSendable,
} from '../protocol/typed.js';
import type { OcppVersion } from '../protocol/versions.js';
import type { Handler } from '../rpc/handlers.js';
import { HandlerTable } from '../rpc/handlers.js';
import { newRuntimeStats } from '../rpc/runtime.js';
import { noJitter } from '../util/jitter.js';
import { silentLogger } from '../util/logger.js';
import { ClientEndpoint } from './endpoint.js';
import type { StationEventMap, StationEventName } from './events.js';
import { type ResolvedStationOptions, resolveStationOptions, type StationOptions } from './options.js';
import type { ClientCallOptions } from './outbox.js';
import { StationPluginHost } from './plugin-host.js';

/** `A`'s request over the versions of `V` that have it (the union when several may be negotiated). */
export type RequestIn<V extends OcppVersion, A extends string> = {
  [K in V]: A extends ActionName<K> ? RequestOf<K, A> : never;
}[V];
export type ResponseIn<V extends OcppVersion, A extends string> = {
  [K in V]: A extends ActionName<K> ? ResponseOf<K, A> : never;
}[V];

/** The 2.1 SEND actions, when `V` includes 2.1. */
export type SendableIn<V extends OcppVersion> = Extract<
  'ocpp2.1' extends V ? StationSendable<'ocpp2.1'> : never,
  StationSendable<'ocpp2.1'>
>;

/** Where a station client stands, read at one moment. */
export interface StationState {
  readonly identity: string;
  readonly connection: ClientConnectionState;
  /** The CSMS's answer to this client's last BootNotification; kept across reconnects (2.x §5.4). */
  readonly registration: RegistrationState;
  /** Seconds, from an Accepted BootNotification. */
  readonly heartbeatInterval: number | undefined;
  /** The negotiated subprotocol; undefined before the first connection when several were offered. */
  readonly protocol: OcppVersion | undefined;
  /** Failed attempts since the last open connection. */
  readonly attempt: number;
  /** Connections opened so far. */
  readonly connections: number;
  readonly connectedAt: number | undefined;
  /** When backing off: the time (ms since epoch) of the next attempt. */
  readonly nextAttemptAt: number | undefined;
  /** A CALL sent and not yet answered (0 or 1). */
  readonly inFlight: number;
  /** Calls made while connected, waiting for their turn. */
  readonly waitingCalls: number;
  /** Calls kept for the next connection (made offline, or interrupted by a drop). */
  readonly offlineQueue: number;
  /** CSMS calls being handled or waiting. */
  readonly handlingCalls: number;
}

/**
 * A charging station's OCPP-J client: connects to a CSMS (retrying with RetryBackOff semantics, forever,
 * until `close()`), calls it one CALL at a time (queued while offline), and answers its calls with
 * handlers shaped as on the CSMS side. `V` is the set of versions it may negotiate; the typed API
 * offers what any of them allows. Create with `createStation(options)`.
 */
export class Station<V extends OcppVersion = OcppVersion> {
  readonly options: ResolvedStationOptions;
  private readonly endpoint: ClientEndpoint;
  private readonly dispatcher: Dispatcher<StationEventMap>;
  private readonly handlers = new HandlerTable();
  private readonly plugins: StationPluginHost;

  constructor(input: StationOptions<V>) {
    const o = resolveStationOptions(input);
    this.options = o;
    const logger = o.logger ?? silentLogger;
    this.dispatcher = new Dispatcher<StationEventMap>(logger);
    this.endpoint = new ClientEndpoint({
      side: 'station',
      dispatcher: this.dispatcher,
      handlers: this.handlers,
      logger,
      // One client arms few timers; nothing to spread.
      jitter: noJitter,
      strict: o.strict,
      callTimeoutMs: o.callTimeoutMs,
      handlerTimeoutMs: o.handlerTimeoutMs,
      maxQueuedCalls: o.maxQueuedCalls,
      maxInboundWaiting: o.maxInboundWaiting,
      logPayloads: o.logPayloads,
      stats: newRuntimeStats(),
      backpressureBytes: 1024 * 1024,
      exposeErrors: o.exposeErrors,
      options: o,
    });
    const self = this;
    const view: PluginStation = {
      get identity() {
        return self.identity;
      },
      get protocol() {
        return self.protocol;
      },
      get connected() {
        return self.connected;
      },
      call: (action, payload) => self.endpoint.call(action, payload),
    };
    this.plugins = new StationPluginHost(this.dispatcher, view, logger, o);
    for (const p of o.plugins) this.plugins.add(p);
  }

  get identity(): string {
    return this.options.identity;
  }

  /** The negotiated subprotocol (the last one, while disconnected). */
  get protocol(): OcppVersion | undefined {
    return this.endpoint.knownProtocol;
  }

  get connected(): boolean {
    return this.endpoint.connected;
  }

  /** Connected with no call in flight or waiting: a call made now is sent at once, without queueing. */
  get idle(): boolean {
    return this.endpoint.idle;
  }

  get registration(): RegistrationState {
    return clientRegistrationOf(this.endpoint.actor.getSnapshot());
  }

  get state(): StationState {
    const s = this.endpoint.actor.getSnapshot();
    const q = this.endpoint.queueCounts;
    const t = this.endpoint.timing;
    const connection = clientConnectionOf(s);
    return {
      identity: this.identity,
      connection,
      registration: clientRegistrationOf(s),
      heartbeatInterval: s.context.heartbeatInterval,
      protocol: this.protocol,
      attempt: s.context.attempt,
      connections: s.context.connections,
      connectedAt: t.openedAt,
      nextAttemptAt: connection === 'backingOff' ? t.nextAttemptAt : undefined,
      inFlight: q.inFlight,
      waitingCalls: q.waiting,
      offlineQueue: q.offline,
      handlingCalls: this.endpoint.handlingCalls,
    };
  }

  /**
   * Start connecting (if not yet) and resolve once a connection is open. Failed attempts are retried
   * with back-off until then, each reported as a `connectFailed` event; lost connections are re-opened
   * the same way. Rejects only when `close()` comes first.
   */
  connect(): Promise<void> {
    this.plugins.start();
    return this.endpoint.connect();
  }

  /**
   * CALL the CSMS; resolves with its CALLRESULT payload, rejects with a typed error (RpcError for a
   * CALLERROR or a local strict-mode refusal, CallTimeoutError, OfflineQueueFullError, …). While
   * disconnected the call waits in the offline queue (unless `queueWhileOffline: false`).
   */
  call<A extends CsmsHandled<V>>(
    action: A,
    payload: RequestIn<V, A>,
    options?: ClientCallOptions,
  ): Promise<ResponseIn<V, A>> {
    return this.endpoint.call(action, payload as Payload, options) as Promise<ResponseIn<V, A>>;
  }

  /**
   * 2.1 SEND (message type 6): goes out at once, even with a CALL in flight, and gets no answer.
   * Resolves when written to the socket. Not queued while offline unless `queueWhileOffline: true`.
   */
  send<A extends SendableIn<V>>(
    action: A,
    payload: RequestOf<'ocpp2.1', A>,
    options?: ClientCallOptions,
  ): Promise<void> {
    return this.endpoint.sendMessage(action, payload as Payload, options);
  }

  /**
   * Handle CALLs of `action` from the CSMS, for every version (`handle(action, fn)`) or one
   * (`handle('ocpp1.6', action, fn)`); `'*'` catches every action without a handler of its own. Actions
   * without any handler are answered NotSupported (NotImplemented when unknown in the version). The
   * handler is `NoInfer` so that its return keeps literal types (see `Csms.handle`).
   */
  handle<A extends StationHandled<V>>(
    action: A,
    handler: NoInfer<Handler<RequestIn<V, A>, ResponseIn<V, A>>>,
  ): this;
  handle<W extends V, A extends CsmsCallable<W>>(
    version: W,
    action: A,
    handler: NoInfer<Handler<RequestOf<W, A>, ResponseOf<W, A>>>,
  ): this;
  handle(action: '*', handler: Handler): this;
  handle(a: string, b: unknown, c?: unknown): this {
    this.handlers.register(a, b, c);
    return this;
  }

  on<K extends StationEventName>(name: K, listener: (event: StationEventMap[K]) => void): () => void {
    return this.dispatcher.on(name, listener);
  }

  /** Add plugins (after those of the options); their `setup(ctx)` runs now, with a station's context. */
  plugin(...plugins: StationPlugin[]): this {
    for (const p of plugins) this.plugins.add(p);
    return this;
  }

  /**
   * Close for good: stop retrying, close the socket (1000), reject every queued call and a pending
   * `connect()` with StationClosedError. A closed client is not reused; create another.
   */
  async close(code = 1000, reason = ''): Promise<void> {
    try {
      await this.endpoint.close(code, reason);
    } finally {
      await this.plugins.close();
    }
  }
}

export function createStation<V extends OcppVersion = OcppVersion>(options: StationOptions<V>): Station<V> {
  return new Station<V>(options);
}
