import type { Logger } from '../util/logger.js';
import type { CsmsEventMap, OcppPlugin, OutboundMessage, RpcEventMap, StationRef } from './types.js';

/** What every event map a dispatcher serves has: the event its own failures are reported as. */
export type EventMapBase = Pick<RpcEventMap, 'pluginError'>;

type Listener<M, K extends keyof M> = (event: M[K]) => void;
// Untyped inside: typed per map, the field would make Dispatcher<CsmsEventMap> no Dispatcher<RpcEventMap>.
type Listeners = Record<string, ((event: never) => void)[] | undefined>;

/**
 * Which hook observes which event, and how the event is spread into the hook's arguments. Keyed by
 * the CSMS's names: a station client's dispatcher uses the entries whose events it has.
 */
const HOOKS: { [K in keyof CsmsEventMap]?: (p: OcppPlugin) => Listener<CsmsEventMap, K> | undefined } = {
  init: (p) => p.onInit && ((e) => p.onInit!(e)),
  connected: (p) => p.onConnection && ((e) => p.onConnection!(e.station)),
  disconnected: (p) => p.onDisconnect && ((e) => p.onDisconnect!(e.station, e.code, e.reason)),
  evicted: (p) => p.onEviction && ((e) => p.onEviction!(e.station, e.replacement)),
  closing: (p) => p.onClosing && (() => p.onClosing!()),
  closed: (p) => p.onClose && (() => p.onClose!()),
  reconfigured: (p) => p.onReconfigure && ((e) => p.onReconfigure!(e.next, e.previous)),
  message: (p) => p.onMessage && ((e) => p.onMessage!(e.station, e)),
  badMessage: (p) => p.onBadMessage && ((e) => p.onBadMessage!(e.station, e.raw, e.error)),
  validationFailure: (p) =>
    p.onValidationFailure && ((e) => p.onValidationFailure!(e.station, e.message, e.error)),
  handlerError: (p) => p.onHandlerError && ((e) => p.onHandlerError!(e.station, e.action, e.error)),
  transportError: (p) => p.onError && ((e) => p.onError!(e.station, e.error)),
  securityEvent: (p) => p.onSecurityEvent && ((e) => p.onSecurityEvent!(e)),
  authFailed: (p) => p.onAuthFailed && ((e) => p.onAuthFailed!(e.handshake, e.status, e.reason)),
  rateLimitExceeded: (p) => p.onRateLimitExceeded && ((e) => p.onRateLimitExceeded!(e.station, e.raw)),
  tlsUpdated: (p) => p.onTLSUpdate && ((e) => p.onTLSUpdate!(e)),
  telemetry: (p) => p.onTelemetry && ((e) => p.onTelemetry!(e)),
  backpressure: (p) => p.onBackpressure && ((e) => p.onBackpressure!(e.station, e.bufferedAmount)),
  pongTimeout: (p) => p.onPongTimeout && ((e) => p.onPongTimeout!(e.station)),
};

/**
 * Fans runtime events out to listeners and plugin hooks, and runs the interceptors and middleware.
 * Observers are called synchronously in registration order and cannot block: a throw or a rejected
 * promise is caught, logged and re-emitted as `pluginError` (never to the listener that failed).
 */
export class Dispatcher<M extends EventMapBase = CsmsEventMap> {
  private readonly listeners: Listeners = {};
  private readonly owner = new Map<unknown, string>();
  readonly plugins: OcppPlugin[] = [];
  private receiveInterceptors: OcppPlugin[] = [];
  private sendInterceptors: OcppPlugin[] = [];
  private inboundMiddleware: OcppPlugin[] = [];
  private outboundMiddleware: OcppPlugin[] = [];

  constructor(private readonly logger: Logger) {}

  /** True when anyone listens: lets the hot path skip building events nobody reads. */
  has(name: keyof M & string): boolean {
    const l = this.listeners[name];
    return l !== undefined && l.length > 0;
  }

  get interceptsReceive(): boolean {
    return this.receiveInterceptors.length > 0;
  }
  get interceptsSend(): boolean {
    return this.sendInterceptors.length > 0;
  }
  get rewritesInbound(): boolean {
    return this.inboundMiddleware.length > 0;
  }
  get rewritesOutbound(): boolean {
    return this.outboundMiddleware.length > 0;
  }

  on<K extends keyof M & string>(name: K, listener: Listener<M, K>, owner = 'listener'): () => void {
    let list = this.listeners[name] as Listener<M, K>[] | undefined;
    if (!list) {
      list = [];
      this.listeners[name] = list as ((event: never) => void)[];
    }
    list.push(listener);
    this.owner.set(listener, owner);
    return () => {
      const i = list.indexOf(listener);
      if (i !== -1) list.splice(i, 1);
    };
  }

  register(plugin: OcppPlugin): void {
    this.plugins.push(plugin);
    for (const name of Object.keys(HOOKS)) {
      const make = HOOKS[name as keyof CsmsEventMap] as (
        p: OcppPlugin,
      ) => Listener<M, keyof M & string> | undefined;
      const l = make(plugin);
      if (l) this.on(name as keyof M & string, l, plugin.name);
    }
    if (plugin.events) {
      for (const [name, l] of Object.entries(plugin.events)) {
        if (l) this.on(name as keyof M & string, l as Listener<M, keyof M & string>, plugin.name);
      }
    }
    if (plugin.onBeforeReceive) this.receiveInterceptors.push(plugin);
    if (plugin.onBeforeSend) this.sendInterceptors.push(plugin);
    if (plugin.transformInbound) this.inboundMiddleware.push(plugin);
    if (plugin.transformOutbound) this.outboundMiddleware.push(plugin);
  }

  emit<K extends keyof M & string>(name: K, event: M[K]): void {
    const list = this.listeners[name] as Listener<M, K>[] | undefined;
    if (!list) return;
    for (const l of list) {
      try {
        const r = l(event) as unknown;
        if (r instanceof Promise) r.catch((error) => this.failed(l, name, error));
      } catch (error) {
        this.failed(l, name, error);
      }
    }
  }

  /** Like emit, but waits for async hooks (onInit, onClosing, onClose): shutdown must let sinks flush. */
  async emitAndWait<K extends keyof M & string>(name: K, event: M[K]): Promise<void> {
    const list = this.listeners[name] as Listener<M, K>[] | undefined;
    if (!list) return;
    for (const l of [...list]) {
      try {
        await l(event);
      } catch (error) {
        this.failed(l, name, error);
      }
    }
  }

  /** Interceptors: false from any of them drops the message. A throwing interceptor does not drop. */
  allowReceive(station: StationRef, raw: string): boolean {
    for (const p of this.receiveInterceptors) {
      try {
        if (p.onBeforeReceive!(station, raw) === false) return false;
      } catch (error) {
        this.pluginFailed(p.name, 'onBeforeReceive', error);
      }
    }
    return true;
  }

  allowSend(station: StationRef, message: OutboundMessage): boolean {
    for (const p of this.sendInterceptors) {
      try {
        if (p.onBeforeSend!(station, message) === false) return false;
      } catch (error) {
        this.pluginFailed(p.name, 'onBeforeSend', error);
      }
    }
    return true;
  }

  /** Middleware, in order; each sees the previous one's output. A throwing one is skipped. */
  rewriteInbound(
    station: StationRef,
    action: string,
    payload: Record<string, unknown>,
  ): Record<string, unknown> {
    let out = payload;
    for (const p of this.inboundMiddleware) {
      try {
        out = p.transformInbound!(station, action, out) ?? out;
      } catch (error) {
        this.pluginFailed(p.name, 'transformInbound', error);
      }
    }
    return out;
  }

  rewriteOutbound(
    station: StationRef,
    action: string,
    payload: Record<string, unknown>,
    kind: 'request' | 'response',
  ): Record<string, unknown> {
    let out = payload;
    for (const p of this.outboundMiddleware) {
      try {
        out = p.transformOutbound!(station, action, out, kind) ?? out;
      } catch (error) {
        this.pluginFailed(p.name, 'transformOutbound', error);
      }
    }
    return out;
  }

  async customMetrics(): Promise<string[]> {
    const out: string[] = [];
    for (const p of this.plugins) {
      if (!p.getCustomMetrics) continue;
      try {
        out.push(...(await p.getCustomMetrics()));
      } catch (error) {
        this.pluginFailed(p.name, 'getCustomMetrics', error);
      }
    }
    return out;
  }

  private failed(listener: unknown, hook: string, error: unknown): void {
    this.pluginFailed(this.owner.get(listener) ?? 'listener', hook, error);
  }

  private pluginFailed(plugin: string, hook: string, error: unknown): void {
    this.logger.warn({ plugin, hook, err: error }, 'plugin hook failed');
    if (hook === 'pluginError') return; // a failing pluginError listener must not recurse
    const list = this.listeners.pluginError as Listener<EventMapBase, 'pluginError'>[] | undefined;
    if (!list) return;
    for (const l of list) {
      try {
        l({ plugin, hook, error });
      } catch (e) {
        this.logger.warn({ plugin: this.owner.get(l), err: e }, 'pluginError listener failed');
      }
    }
  }
}
