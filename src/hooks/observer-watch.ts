import { Deque } from '../util/deque.js';
import { PluginBacklogError, PluginSlowError } from './errors.js';

/** A sampled observer call longer than this marks its plugin slow. */
export const DEFAULT_SLOW_OBSERVER_MS = 25;
/** One plugin emit in this many is timed (a power of two): two clock reads per listener then, none otherwise. */
const SAMPLE_EVERY = 16;
/**
 * Timed calls over the threshold before a plugin is marked slow: one could be the process being
 * descheduled on a loaded machine, or a GC pause, rather than the observer.
 */
const STRIKES = 2;
/** Events waiting for slow plugins' observers, all of them together; past it new ones are dropped. */
export const DEFERRED_LIMIT = 10_000;
/** Longest stretch of deferred observer calls per turn of the event loop before I/O gets its turn. */
const SLICE_MS = 5;

type Listener = (event: never) => unknown;

export interface ObserverWatchHost {
  /** The plugin that owns a listener. */
  ownerOf(listener: Listener): string;
  /** Count and report (as `pluginError`) a slow or backlogged plugin, or a deferred call that failed. */
  report(plugin: string, hook: string, error: unknown): void;
  /** A plugin was marked slow: its listeners must be rebuilt as deferred ones. */
  marked(plugin: string): void;
}

interface Deferred {
  readonly listener: Listener;
  readonly hook: string;
  readonly event: unknown;
}

/**
 * Keeps slow plugin observers off the message path. Observers are called synchronously, so one that
 * takes long (a synchronous file write, a busy loop) would hold up every frame and every plugin after
 * it. One emit in SAMPLE_EVERY is timed per listener; a plugin whose observer is over `slowMs` is
 * reported (`PluginSlowError` as `pluginError`) and from then on its observers are queued and run after
 * the current I/O, in slices, in order. The queue is bounded: past DEFERRED_LIMIT, events for slow
 * observers are dropped and reported (`PluginBacklogError`), never queued without bound.
 */
export class ObserverWatch {
  /** Plugins whose observers run deferred. */
  readonly slow = new Set<string>();
  private tick = 0;
  private readonly queue = new Deque<Deferred>();
  private scheduled = false;
  private readonly dropped = new Map<string, number>();
  private readonly strikes = new Map<string, number>();

  constructor(
    private readonly host: ObserverWatchHost,
    public slowMs = DEFAULT_SLOW_OBSERVER_MS,
  ) {}

  /** Time this emit? */
  sample(): boolean {
    this.tick = (this.tick + 1) & (SAMPLE_EVERY - 1);
    return this.tick === 0;
  }

  /** A timed call of `listener` took `ms`. */
  timed(listener: Listener, hook: string, ms: number): void {
    if (ms <= this.slowMs) return;
    const plugin = this.host.ownerOf(listener);
    if (this.slow.has(plugin)) return;
    const strikes = (this.strikes.get(plugin) ?? 0) + 1;
    this.strikes.set(plugin, strikes);
    if (strikes < STRIKES) return;
    this.slow.add(plugin);
    this.host.report(plugin, hook, new PluginSlowError(plugin, hook, ms, this.slowMs));
    this.host.marked(plugin);
  }

  /** A listener of a slow plugin, called later. */
  defer(listener: Listener, hook: string, event: unknown): void {
    if (this.queue.length >= DEFERRED_LIMIT) {
      const plugin = this.host.ownerOf(listener);
      const n = (this.dropped.get(plugin) ?? 0) + 1;
      this.dropped.set(plugin, n);
      // Reported at 1, 2, 4, 8, ... drops: every drop counted, the log not flooded.
      if ((n & (n - 1)) === 0)
        this.host.report(plugin, hook, new PluginBacklogError(plugin, n, DEFERRED_LIMIT));
      return;
    }
    this.queue.push({ listener, hook, event });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /**
   * Run what waits now (shutdown: closing hooks come after the events before them), for at most
   * `maxMs`; what is left then is dropped and reported per plugin.
   */
  drain(maxMs: number): void {
    const until = performance.now() + maxMs;
    while (this.queue.length > 0 && performance.now() < until) this.call(this.queue.shift()!);
    if (this.queue.length === 0) return;
    const left = new Map<string, { hook: string; n: number }>();
    while (this.queue.length > 0) {
      const d = this.queue.shift()!;
      const plugin = this.host.ownerOf(d.listener);
      const l = left.get(plugin) ?? { hook: d.hook, n: 0 };
      l.n++;
      left.set(plugin, l);
    }
    for (const [plugin, { hook, n }] of left)
      this.host.report(plugin, hook, new PluginBacklogError(plugin, n, DEFERRED_LIMIT));
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const until = performance.now() + SLICE_MS;
    while (this.queue.length > 0) {
      this.call(this.queue.shift()!);
      if (performance.now() >= until) break;
    }
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  };

  private call(d: Deferred): void {
    try {
      const r = (d.listener as (event: unknown) => unknown)(d.event);
      if (r instanceof Promise)
        r.catch((error: unknown) => this.host.report(this.host.ownerOf(d.listener), d.hook, error));
    } catch (error) {
      this.host.report(this.host.ownerOf(d.listener), d.hook, error);
    }
  }
}
