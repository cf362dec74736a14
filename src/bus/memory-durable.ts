import { onAbort } from './abort.js';
import { Deque } from './deque.js';
import { BusError } from './errors.js';
import { type CompiledPattern, compilePattern } from './subject.js';
import type { BusMessage, DurableConsumer, DurableOptions, EventDelivery } from './types.js';

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });
const READY: Promise<void> = Promise.resolve();

interface Item {
  readonly message: BusMessage;
  deliveryCount: number;
}

/**
 * One named durable consumer of a memory cluster: keeps, from its creation on, every matching
 * event until a reader acks it; bounded like the NATS events stream (past `maxRetained` the oldest
 * un-delivered event goes, counted in `dropped`).
 */
export class DurableState {
  private readonly fresh = new Deque<Item>();
  /** Nacked or abandoned deliveries: handed out before fresh ones. */
  private readonly again: Item[] = [];
  private outstanding = 0;
  private readonly waiting: MemoryDurable[] = [];
  dropped = 0;

  constructor(
    readonly pattern: CompiledPattern,
    private readonly maxAckPending: number,
    private readonly maxRetained: number,
  ) {}

  offer(message: BusMessage): void {
    if (!this.pattern.matches(message.subject)) return;
    if (this.fresh.length >= this.maxRetained) {
      this.fresh.shift();
      this.dropped++;
    }
    this.fresh.push({ message, deliveryCount: 0 });
    this.pump();
  }

  wait(reader: MemoryDurable): void {
    if (!this.waiting.includes(reader)) this.waiting.push(reader);
    this.pump();
  }

  leave(reader: MemoryDurable, held: Iterable<Item>): void {
    const i = this.waiting.indexOf(reader);
    if (i >= 0) this.waiting.splice(i, 1);
    for (const item of held) this.giveBack(item);
    this.pump();
  }

  /** @internal settles an item a reader held. */
  settle(item: Item, redeliver: boolean, delayMs?: number): void {
    if (!redeliver) {
      this.outstanding--;
      this.pump();
    } else if (delayMs !== undefined && delayMs > 0) setTimeout(() => this.giveBack(item), delayMs).unref?.();
    else this.giveBack(item);
  }

  private giveBack(item: Item): void {
    this.outstanding--;
    this.again.push(item);
    this.pump();
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.outstanding < this.maxAckPending) {
      const item = this.again.shift() ?? this.fresh.shift();
      if (!item) return;
      this.outstanding++;
      item.deliveryCount++;
      (this.waiting.shift() as MemoryDurable).deliver(item);
    }
  }
}

export class MemoryDurable implements DurableConsumer {
  readonly ready = READY;
  private ended = false;
  private readonly held = new Set<Item>();
  private readonly readers: ((r: IteratorResult<EventDelivery, undefined>) => void)[] = [];
  private readonly detachSignal: (() => void) | undefined;

  constructor(
    readonly name: string,
    readonly pattern: string,
    private readonly state: DurableState,
    private readonly onEnd: (d: MemoryDurable) => void,
    signal?: AbortSignal,
  ) {
    this.detachSignal = onAbort(signal, () => void this.return());
    if (!this.detachSignal) this.ended = true;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** @internal */
  deliver(item: Item): void {
    this.held.add(item);
    this.readers.shift()?.({ done: false, value: this.delivery(item) });
    if (this.readers.length > 0) this.state.wait(this);
  }

  next(): Promise<IteratorResult<EventDelivery, undefined>> {
    if (this.ended) return Promise.resolve(DONE);
    const result = new Promise<IteratorResult<EventDelivery, undefined>>((resolve) =>
      this.readers.push(resolve),
    );
    this.state.wait(this);
    return result;
  }

  async return(): Promise<IteratorResult<EventDelivery, undefined>> {
    if (this.ended) return DONE;
    this.ended = true;
    for (const r of this.readers.splice(0)) r(DONE);
    this.state.leave(this, this.held);
    this.held.clear();
    this.detachSignal?.();
    this.onEnd(this);
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private delivery(item: Item): EventDelivery {
    const settle = async (redeliver: boolean, delayMs?: number) => {
      if (this.held.delete(item)) this.state.settle(item, redeliver, delayMs);
    };
    return {
      ...item.message,
      deliveryCount: item.deliveryCount,
      ack: () => settle(false),
      nack: (delayMs?: number) => settle(true, delayMs),
    };
  }
}

/** The durable of `name`, made on first use; its pattern cannot change afterwards. */
export function durableState(
  durables: Map<string, DurableState>,
  name: string,
  pattern: string,
  opts: DurableOptions,
  maxRetained: number,
): DurableState {
  const compiled = compilePattern(pattern);
  const existing = durables.get(name);
  if (existing) {
    if (existing.pattern.pattern !== pattern) {
      throw new BusError('BUS_FAILED', `durable ${name} reads ${existing.pattern.pattern}, not ${pattern}`);
    }
    return existing;
  }
  const state = new DurableState(compiled, opts.maxAckPending ?? 256, maxRetained);
  durables.set(name, state);
  return state;
}
