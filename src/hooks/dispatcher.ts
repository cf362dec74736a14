import type { Logger } from '../util/logger.js';
import { DuplicatePluginError, PluginTimeoutError } from './errors.js';
import { HOOKS, type Listener } from './hook-table.js';
import { ObserverWatch } from './observer-watch.js';
import { checkPluginKeys } from './plugin-keys.js';
import { Redaction } from './redaction.js';
import { PluginStages } from './stages.js';
import type { CsmsEventMap, OcppPlugin, RpcEventMap } from './types.js';

/** What every event map a dispatcher serves has: the event its own failures are reported as. */
export type EventMapBase = Pick<RpcEventMap, 'pluginError'>;

// Untyped inside: typed per map, the field would make Dispatcher<CsmsEventMap> no Dispatcher<RpcEventMap>.
type Listeners = Record<string, ((event: never) => void)[] | undefined>;

/** Hooks the runtime waits for (shutdown must let sinks flush), and how long at most per plugin. */
export const DEFAULT_HOOK_TIMEOUT_MS = 5_000;

export type { InboundVerdict, ReceiveVerdict } from './stages.js';

/**
 * Fans runtime events out to plugin hooks and listeners, and runs the handshake gate, interceptors,
 * middleware and redactors. Plugins' hooks run first, by level (4, 3, 2, 1) then registration order;
 * then `on()` listeners in subscription order. Observers are called synchronously and cannot block: a
 * throw or a rejected promise is caught, counted per plugin, logged and emitted as `pluginError`
 * (never to the listener that failed).
 */
export class Dispatcher<M extends EventMapBase = CsmsEventMap> extends PluginStages {
  private readonly listeners: Listeners = {};
  private pluginListeners: Listeners = {};
  private readonly owner = new Map<unknown, string>();
  /** Registered plugins, highest level first, then in registration order. */
  readonly plugins: OcppPlugin[] = [];
  /** Failures (throws, rejections, timeouts) per plugin name since start. */
  readonly pluginErrors = new Map<string, number>();
  readonly redaction = new Redaction();
  /** Times sampled observer calls; slow plugins' observers run deferred (see ObserverWatch). */
  readonly observers = new ObserverWatch({
    ownerOf: (l) => this.owner.get(l) ?? 'listener',
    report: (plugin, hook, error) => this.pluginFailed(plugin, hook, error),
    marked: () => this.rebuild(),
  });

  constructor(
    private readonly logger: Logger,
    /** Event names `events` may subscribe to; when given, others are refused at registration. */
    private readonly eventNames?: ReadonlySet<string>,
    /** Longest wait for one plugin's onInit / onClosing / onClose / teardown. */
    public hookTimeoutMs = DEFAULT_HOOK_TIMEOUT_MS,
  ) {
    super();
  }

  /** True when anyone listens: lets the hot path skip building events nobody reads. */
  has(name: keyof M & string): boolean {
    const l = this.listeners[name];
    const p = this.pluginListeners[name];
    return (l !== undefined && l.length > 0) || (p !== undefined && p.length > 0);
  }

  /** True when a redactor is registered: events, sinks and payload log lines are redacted. */
  get redacting(): boolean {
    return this.redaction.active;
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

  /** Adds a plugin at its level (after those of its level already there). Throws on unknown hooks. */
  register(plugin: OcppPlugin): void {
    checkPluginKeys(plugin, this.eventNames);
    if (this.plugins.some((p) => p.name === plugin.name)) throw new DuplicatePluginError(plugin.name);
    const level = plugin.level ?? 1;
    const at = this.plugins.findIndex((p) => (p.level ?? 1) < level);
    if (at === -1) this.plugins.push(plugin);
    else this.plugins.splice(at, 0, plugin);
    this.rebuild();
  }

  /** Removes a plugin's hooks; the plugin, or undefined when none has that name. */
  unregister(name: string): OcppPlugin | undefined {
    const i = this.plugins.findIndex((p) => p.name === name);
    if (i === -1) return undefined;
    const [plugin] = this.plugins.splice(i, 1);
    this.rebuild();
    return plugin;
  }

  /** Hook lists are rebuilt on (rare) registration changes so that emitting stays a plain loop. */
  private rebuild(): void {
    const listeners: Listeners = {};
    const watch = this.observers;
    const add = (name: string, l: (event: never) => void, owner: string) => {
      const list = listeners[name] ?? [];
      listeners[name] = list;
      this.owner.set(l, owner);
      if (!watch.slow.has(owner)) {
        list.push(l);
        return;
      }
      const deferred = (event: never) => watch.defer(l, name, event);
      this.owner.set(deferred, owner);
      list.push(deferred);
    };
    for (const plugin of this.plugins) {
      for (const name of Object.keys(HOOKS)) {
        const make = HOOKS[name as keyof CsmsEventMap] as (p: OcppPlugin) => ((e: never) => void) | undefined;
        const l = make(plugin);
        if (l) add(name, l, plugin.name);
      }
      if (plugin.events) {
        for (const [name, l] of Object.entries(plugin.events)) {
          if (l) add(name, l as (e: never) => void, plugin.name);
        }
      }
    }
    this.pluginListeners = listeners;
    const ps = this.plugins;
    this.handshakeGates = ps.filter((p) => p.onHandshake);
    this.receiveInterceptors = ps.filter((p) => p.onBeforeReceive);
    this.sendInterceptors = ps.filter((p) => p.onBeforeSend);
    this.inboundMiddleware = ps.filter((p) => p.transformInbound);
    this.outboundMiddleware = ps.filter((p) => p.transformOutbound);
    this.httpRoutes = ps.filter((p) => p.onHttpRequest);
    this.translators = ps.filter((p) => p.translateInbound);
    this.outboundTranslators = ps.filter((p) => p.translateOutbound);
    this.tracers = ps.filter((p) => p.traceContext);
    this.redaction.set(ps.filter((p) => p.redact));
  }

  emit<K extends keyof M & string>(name: K, input: M[K]): void {
    const plugins = this.pluginListeners[name] as Listener<M, K>[] | undefined;
    const list = this.listeners[name] as Listener<M, K>[] | undefined;
    if (!plugins && !list) return;
    // What leaves the runtime (to plugins and listeners) is redacted; handlers saw the original.
    const event = this.redaction.active ? this.redaction.event(name, input) : input;
    if (plugins) {
      if (this.observers.sample()) this.runTimed(plugins, name, event);
      else this.run(plugins, name, event);
    }
    if (list) this.run(list, name, event);
  }

  private runTimed<E>(list: ((event: E) => void)[], name: string, event: E): void {
    for (const l of list) {
      const t0 = performance.now();
      try {
        const r = l(event) as unknown;
        if (r instanceof Promise) r.catch((error) => this.failed(l, name, error));
      } catch (error) {
        this.failed(l, name, error);
      }
      this.observers.timed(l, name, performance.now() - t0);
    }
  }

  private run<E>(list: ((event: E) => void)[], name: string, event: E): void {
    for (const l of list) {
      try {
        const r = l(event) as unknown;
        if (r instanceof Promise) r.catch((error) => this.failed(l, name, error));
      } catch (error) {
        this.failed(l, name, error);
      }
    }
  }

  /**
   * Like emit, but waits for async hooks (onClosing, onClose): shutdown must let sinks flush. Each
   * waits at most `hookTimeoutMs`; one that does not finish is reported and the next one runs.
   */
  async emitAndWait<K extends keyof M & string>(name: K, event: M[K]): Promise<void> {
    this.observers.drain(this.hookTimeoutMs);
    const list = [
      ...((this.pluginListeners[name] as Listener<M, K>[] | undefined) ?? []),
      ...((this.listeners[name] as Listener<M, K>[] | undefined) ?? []),
    ];
    for (const l of list) {
      await this.bounded(this.owner.get(l) ?? 'listener', name, () => l(event));
    }
  }

  /** Run `fn` (a hook the runtime waits for) for at most hookTimeoutMs; failures are reported. */
  async bounded(plugin: string, hook: string, fn: () => unknown): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const r = fn();
      if (!(r instanceof Promise) && !(r && typeof (r as PromiseLike<unknown>).then === 'function')) return;
      const ms = this.hookTimeoutMs;
      await Promise.race([
        r,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new PluginTimeoutError(plugin, hook, ms)), ms);
          timer.unref();
        }),
      ]);
    } catch (error) {
      this.pluginFailed(plugin, hook, error);
    } finally {
      clearTimeout(timer);
    }
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

  /** A plugin hook failed: counted, logged, and emitted as `pluginError` (never silently dropped). */
  pluginFailed(plugin: string, hook: string, error: unknown): void {
    this.pluginErrors.set(plugin, (this.pluginErrors.get(plugin) ?? 0) + 1);
    this.logger.warn({ plugin, hook, err: error }, 'plugin hook failed');
    if (hook === 'pluginError') return; // a failing pluginError listener must not recurse
    const all = [
      ...((this.pluginListeners.pluginError as Listener<EventMapBase, 'pluginError'>[] | undefined) ?? []),
      ...((this.listeners.pluginError as Listener<EventMapBase, 'pluginError'>[] | undefined) ?? []),
    ];
    for (const l of all) {
      try {
        l({ plugin, hook, error });
      } catch (e) {
        this.logger.warn({ plugin: this.owner.get(l), err: e }, 'pluginError listener failed');
      }
    }
  }
}
