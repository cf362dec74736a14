import { deadline } from '../util/deadline.js';
import { Deque } from '../util/deque.js';
import { jitter } from '../util/jitter.js';
import { SinkDeliveryError, SinkDrainTimeoutError, SinkOverflowError } from './sink-errors.js';

export type OverflowPolicy = 'drop-oldest' | 'drop-newest';

/** How a sink buffers, batches and retries. Every sink plugin takes these beside its own options. */
export interface SinkQueueOptions {
  /** Batches in flight at once. Default 1 (a backend sees events in order). */
  readonly concurrency?: number;
  /** Events per batch at most. Default 100. */
  readonly maxBatchSize?: number;
  /** How long the first queued event waits for a batch to fill before it is sent anyway. Default 100 ms. */
  readonly maxWaitMs?: number;
  /** Events waiting at most; beyond it `overflow` decides which are dropped (counted, reported). Default 10,000. */
  readonly maxQueued?: number;
  /** Which events a full queue drops: the oldest waiting one, or the new one. Default 'drop-oldest'. */
  readonly overflow?: OverflowPolicy;
  /** Retries of a failed batch (not counting the first attempt), where the error allows. Default 3. */
  readonly retries?: number;
  /** Delay before the first retry; doubles per retry (±20 % jitter) up to `maxRetryDelayMs`. Default 200 ms. */
  readonly retryDelayMs?: number;
  /** Default 10,000 ms. */
  readonly maxRetryDelayMs?: number;
  /**
   * One attempt's deadline: a send that has not settled by then counts as failed (and is retried),
   * so a backend that hangs (a client queueing commands while offline) cannot stall the queue. Default 10,000 ms.
   */
  readonly sendTimeoutMs?: number;
  /**
   * On close, how long queued and in-flight events may take to go out before they are reported lost.
   * Default 3,000 ms: below the time a CSMS waits for a close hook, so the report still reaches it.
   */
  readonly drainTimeoutMs?: number;
}

export const SINK_QUEUE_DEFAULTS: Required<SinkQueueOptions> = {
  concurrency: 1,
  maxBatchSize: 100,
  maxWaitMs: 100,
  maxQueued: 10_000,
  overflow: 'drop-oldest',
  retries: 3,
  retryDelayMs: 200,
  maxRetryDelayMs: 10_000,
  sendTimeoutMs: 10_000,
  drainTimeoutMs: 3_000,
};

/** Counters since start, and the queue now. */
export interface SinkQueueStats {
  readonly queued: number;
  /** Events in batches being sent (or waiting to be retried). */
  readonly inFlight: number;
  readonly delivered: number;
  /** Events lost: their batch failed every attempt, or close's drain timed out on them. */
  readonly failed: number;
  /** Events the overflow policy dropped. */
  readonly dropped: number;
  readonly batches: number;
  readonly retries: number;
}

/**
 * Sends a batch; resolves when the backend took all of it. An error with `retryable: false` is not
 * retried. `signal` aborts when close gives up waiting.
 */
export type SendBatch<T> = (batch: T[], signal: AbortSignal) => Promise<void>;

/** Failures are reported at most this often while a full queue keeps dropping. */
const OVERFLOW_REPORT_MS = 1_000;

/**
 * The one bounded async queue behind every sink: events are pushed synchronously from observers
 * (never awaited by the message path), batched by size or age, sent with bounded concurrency, retried
 * with exponential back-off, and drained on close within a deadline. Nothing is dropped or lost
 * without being counted and reported through `report`.
 */
export class SinkQueue<T> {
  private readonly o: Required<SinkQueueOptions>;
  private readonly items = new Deque<T>();
  private readonly abort = new AbortController();
  private readonly spread = jitter(0.2);
  private active = 0;
  private inFlightItems = 0;
  private due = false;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private gaveUp = false;
  private idleWaiters: (() => void)[] = [];
  private droppedUnreported = 0;
  private overflowTimer: NodeJS.Timeout | undefined;
  private counts = { delivered: 0, failed: 0, dropped: 0, batches: 0, retries: 0 };

  constructor(
    private readonly plugin: string,
    private readonly send: SendBatch<T>,
    private readonly report: (error: Error) => void,
    options: SinkQueueOptions = {},
  ) {
    this.o = { ...SINK_QUEUE_DEFAULTS, ...definedOnly(options) };
  }

  /** Queue one event; never blocks, never throws. */
  push(item: T): void {
    if (this.closing) {
      this.drop(1);
      return;
    }
    if (this.items.length >= this.o.maxQueued) {
      this.drop(1);
      if (this.o.overflow === 'drop-newest') return;
      this.items.shift();
    }
    this.items.push(item);
    this.pump();
  }

  stats(): SinkQueueStats {
    return { queued: this.items.length, inFlight: this.inFlightItems, ...this.counts };
  }

  /**
   * Send what is queued now (no more waiting for full batches), wait for it up to `drainTimeoutMs`,
   * then abort what is left and report it lost. Later pushes are dropped and counted.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.due = true;
    this.clearTimer();
    this.pump();
    let deadline: NodeJS.Timeout | undefined;
    const drained = await new Promise<boolean>((resolve) => {
      if (this.idle) return resolve(true);
      this.idleWaiters.push(() => resolve(true));
      deadline = setTimeout(() => resolve(false), this.o.drainTimeoutMs);
    });
    clearTimeout(deadline);
    this.flushOverflowReport();
    if (drained) return;
    const lost = this.items.length + this.inFlightItems;
    this.gaveUp = true;
    this.items.clear();
    this.counts.failed += lost;
    this.abort.abort(new SinkDrainTimeoutError(this.plugin, lost, this.o.drainTimeoutMs));
    this.report(new SinkDrainTimeoutError(this.plugin, lost, this.o.drainTimeoutMs));
  }

  private get idle(): boolean {
    return this.items.length === 0 && this.active === 0;
  }

  private pump(): void {
    while (this.active < this.o.concurrency && this.items.length > 0) {
      if (this.items.length < this.o.maxBatchSize && !this.due) {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.due = true;
          this.pump();
        }, this.o.maxWaitMs).unref();
        return;
      }
      const n = Math.min(this.o.maxBatchSize, this.items.length);
      const batch: T[] = new Array(n);
      for (let i = 0; i < n; i++) batch[i] = this.items.shift()!;
      if (this.items.length === 0 && !this.closing) this.due = false;
      this.clearTimer();
      void this.run(batch);
    }
  }

  private async run(batch: T[]): Promise<void> {
    this.active++;
    this.inFlightItems += batch.length;
    this.counts.batches++;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.attempt(batch);
        if (!this.gaveUp) this.counts.delivered += batch.length;
        break;
      } catch (error) {
        const retryable = (error as { retryable?: unknown } | null)?.retryable !== false;
        if (this.gaveUp) break; // already counted and reported by close
        if (!retryable || attempt > this.o.retries) {
          this.counts.failed += batch.length;
          this.report(new SinkDeliveryError(this.plugin, batch.length, attempt, error));
          break;
        }
        this.counts.retries++;
        const backoff = Math.min(this.o.maxRetryDelayMs, this.o.retryDelayMs * 2 ** (attempt - 1));
        await sleep(this.spread(backoff), this.abort.signal);
      }
    }
    this.active--;
    this.inFlightItems -= batch.length;
    if (this.gaveUp) return;
    this.pump();
    if (this.idle) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** One send, abandoned (its signal aborted, its late outcome ignored) after `sendTimeoutMs`. */
  private attempt(batch: T[]): Promise<void> {
    const d = deadline(this.abort.signal, this.o.sendTimeoutMs);
    const signal = d.signal;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        d.done();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.send(batch, signal).then(
        () => {
          d.done();
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (error: unknown) => {
          d.done();
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /** Count drops; report the first at once, then at most one summary a second while dropping goes on. */
  private drop(n: number): void {
    this.counts.dropped += n;
    this.droppedUnreported += n;
    if (this.overflowTimer) return;
    this.flushOverflowReport();
    this.overflowTimer = setTimeout(() => {
      this.overflowTimer = undefined;
      if (this.droppedUnreported > 0) this.drop(0);
    }, OVERFLOW_REPORT_MS).unref();
  }

  private flushOverflowReport(): void {
    if (this.droppedUnreported === 0) return;
    const n = this.droppedUnreported;
    this.droppedUnreported = 0;
    this.report(new SinkOverflowError(this.plugin, n, this.o.overflow, this.o.maxQueued));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
