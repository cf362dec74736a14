import { Deque } from './deque.js';
import { QueueFullError } from './errors.js';
import type { Command, CommandConsumer, Delivery, QueuedCommand } from './types.js';

/** A stored command; `deliveryCount` grows each time it is handed out. */
export interface Stored {
  readonly station: string;
  readonly seq: number;
  readonly command: Command;
  deliveryCount: number;
}

interface InFlight {
  readonly stored: Stored;
  readonly consumer: MemoryConsumer;
  /** Identity of this hand-out: settlements carrying an older token are ignored. */
  readonly token: object;
}

interface StationQueue {
  readonly items: Deque<Stored>;
  /** When set, it is `items.peek()`: the head stays stored until settled, so order survives nacks. */
  inflight: InFlight | undefined;
  /** Nack delay running: nothing is delivered until it fires (the nacked command must go first). */
  delay: NodeJS.Timeout | undefined;
  /** Consumers with a `next()` outstanding, served first come first served. */
  readonly waiting: MemoryConsumer[];
}

export interface QueueCounters {
  enqueued: number;
  acked: number;
  terminated: number;
  redelivered: number;
  expired: number;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

const isExpired = (s: Stored, now: number) =>
  s.command.ttlMs !== undefined && s.command.enqueuedAt + s.command.ttlMs <= now;

const snapshot = (s: Stored): QueuedCommand => ({
  station: s.station,
  seq: s.seq,
  command: s.command,
  deliveryCount: s.deliveryCount,
});

/**
 * Per-station FIFOs shared by every node of a memory cluster. Every operation is O(1) except the
 * expiry scan, which runs only when a queue is full or on sweep. Queues with nothing stored and
 * nobody waiting are deleted, so idle stations cost nothing.
 */
export class StationQueues {
  private readonly queues = new Map<string, StationQueue>();
  private seq = 0;
  readonly counters: QueueCounters = { enqueued: 0, acked: 0, terminated: 0, redelivered: 0, expired: 0 };

  constructor(
    private readonly maxPerStation: number,
    private readonly now: () => number,
    private readonly onExpired: (stored: Stored) => void,
  ) {
    if (!Number.isInteger(maxPerStation) || maxPerStation < 1)
      throw new RangeError('maxPerStation must be >= 1');
  }

  enqueue(station: string, command: Command): number {
    const q = this.queue(station);
    if (q.items.length >= this.maxPerStation) {
      // Expired commands would be dropped on delivery anyway; reclaim them before refusing.
      const now = this.now();
      q.items.retain((s) => s === q.inflight?.stored || !this.expire(s, now));
      if (q.items.length >= this.maxPerStation) throw new QueueFullError(station, this.maxPerStation);
    }
    const seq = ++this.seq;
    q.items.push({ station, seq, command, deliveryCount: 0 });
    this.counters.enqueued++;
    this.pump(q);
    return seq;
  }

  size(station: string): number {
    return this.queues.get(station)?.items.length ?? 0;
  }

  list(station: string, limit = Number.POSITIVE_INFINITY): QueuedCommand[] {
    const out: QueuedCommand[] = [];
    for (const s of this.queues.get(station)?.items ?? []) {
      if (out.length >= limit) break;
      out.push(snapshot(s));
    }
    return out;
  }

  purge(station: string): number {
    const q = this.queues.get(station);
    if (!q) return 0;
    const removed = q.items.length;
    q.items.clear();
    q.inflight = undefined;
    clearTimeout(q.delay);
    q.delay = undefined;
    this.tidy(station, q);
    return removed;
  }

  consumer(station: string, onEnd: (c: MemoryConsumer) => void, signal?: AbortSignal): MemoryConsumer {
    return new MemoryConsumer(station, this, onEnd, signal);
  }

  /** Drops expired commands everywhere (never the one in flight). */
  sweep(): void {
    const now = this.now();
    for (const [station, q] of this.queues) {
      q.items.retain((s) => s === q.inflight?.stored || !this.expire(s, now));
      this.tidy(station, q);
    }
  }

  /** Stops nack-delay timers (the last node left); the next consumer gets the command at once. */
  shutdown(): void {
    for (const q of this.queues.values()) {
      clearTimeout(q.delay);
      q.delay = undefined;
    }
  }

  /** @internal MemoryConsumer.next() */
  wait(consumer: MemoryConsumer): void {
    const q = this.queue(consumer.station);
    if (!q.waiting.includes(consumer)) q.waiting.push(consumer);
    this.pump(q);
  }

  /** @internal MemoryConsumer.return(): forget it, and take back what it held un-settled. */
  leave(consumer: MemoryConsumer): void {
    const q = this.queues.get(consumer.station);
    if (!q) return;
    const i = q.waiting.indexOf(consumer);
    if (i >= 0) q.waiting.splice(i, 1);
    if (q.inflight?.consumer === consumer) {
      q.inflight = undefined;
      this.counters.redelivered++;
      this.pump(q);
    }
    this.tidy(consumer.station, q);
  }

  private queue(station: string): StationQueue {
    let q = this.queues.get(station);
    if (!q) {
      q = { items: new Deque(), inflight: undefined, delay: undefined, waiting: [] };
      this.queues.set(station, q);
    }
    return q;
  }

  private tidy(station: string, q: StationQueue): void {
    if (q.items.length === 0 && q.waiting.length === 0 && !q.inflight && !q.delay)
      this.queues.delete(station);
  }

  private expire(s: Stored, now: number): boolean {
    if (!isExpired(s, now)) return false;
    this.counters.expired++;
    this.onExpired(s);
    return true;
  }

  /** Hands the head to the first waiting consumer if nothing is in flight or delayed. */
  private pump(q: StationQueue): void {
    while (!q.inflight && !q.delay && q.waiting.length > 0) {
      const head = q.items.peek();
      if (!head) return;
      if (this.expire(head, this.now())) {
        q.items.shift();
        continue;
      }
      const consumer = q.waiting.shift() as MemoryConsumer;
      const inflight: InFlight = { stored: head, consumer, token: {} };
      q.inflight = inflight;
      head.deliveryCount++;
      consumer.deliver(this.delivery(q, inflight));
    }
  }

  private delivery(q: StationQueue, inflight: InFlight): Delivery {
    const { stored, token } = inflight;
    // Settles only if this hand-out is still the one in flight; anything else is stale.
    const settle = (remove: boolean, delayMs?: number): Promise<void> => {
      if (q.inflight?.token !== token) return Promise.resolve();
      q.inflight = undefined;
      if (remove) q.items.shift();
      else if (delayMs !== undefined && delayMs > 0) {
        q.delay = setTimeout(() => {
          q.delay = undefined;
          this.pump(q);
          this.tidy(stored.station, q);
        }, delayMs);
        q.delay.unref?.();
      }
      this.pump(q);
      this.tidy(stored.station, q);
      return Promise.resolve();
    };
    return {
      ...snapshot(stored),
      ack: () => {
        if (q.inflight?.token === token) this.counters.acked++;
        return settle(true);
      },
      nack: (delayMs?: number) => {
        if (q.inflight?.token === token) this.counters.redelivered++;
        return settle(false, delayMs);
      },
      term: () => {
        if (q.inflight?.token === token) this.counters.terminated++;
        return settle(true);
      },
    };
  }
}

export class MemoryConsumer implements CommandConsumer {
  private readonly readers: ((r: IteratorResult<Delivery, undefined>) => void)[] = [];
  private ended = false;
  private readonly detachSignal: (() => void) | undefined;

  constructor(
    readonly station: string,
    private readonly queues: StationQueues,
    private readonly onEnd: (c: MemoryConsumer) => void,
    signal?: AbortSignal,
  ) {
    // As BufferedChannel: born ended on an aborted signal, before anyone registered it.
    if (signal?.aborted) this.ended = true;
    else if (signal) {
      const stop = () => void this.return();
      signal.addEventListener('abort', stop, { once: true });
      this.detachSignal = () => signal.removeEventListener('abort', stop);
    }
  }

  get closed(): boolean {
    return this.ended;
  }

  /** @internal called by StationQueues with a delivery for the oldest outstanding next(). */
  deliver(delivery: Delivery): void {
    this.readers.shift()?.({ done: false, value: delivery });
    // Concurrent next() calls: stay in line for the one after this.
    if (this.readers.length > 0) this.queues.wait(this);
  }

  next(): Promise<IteratorResult<Delivery, undefined>> {
    if (this.ended) return Promise.resolve(DONE);
    const result = new Promise<IteratorResult<Delivery, undefined>>((resolve) => this.readers.push(resolve));
    this.queues.wait(this);
    return result;
  }

  return(): Promise<IteratorResult<Delivery, undefined>> {
    if (!this.ended) {
      this.ended = true;
      for (const reader of this.readers.splice(0)) reader(DONE);
      this.queues.leave(this);
      this.detachSignal?.();
      this.onEnd(this);
    }
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
