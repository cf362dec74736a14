/**
 * The one FIFO of the code base (bus buffers, the RPC call queues, the station client's queues): a
 * growable ring buffer with O(1) push, shift and indexed read. `Array#shift` is O(n) in V8 once arrays
 * grow past a few thousand items, the size of a backed-up subscription buffer. Without an initial
 * capacity nothing is allocated until the first push: most per-connection queues stay empty.
 */
export class Deque<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 0) {
    if (initialCapacity <= 0) {
      this.items = [];
      return;
    }
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.items = new Array(cap);
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined; // let it be collected
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  at(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.items[(this.head + index) & (this.items.length - 1)];
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.count = 0;
  }

  /** Keeps the items `keep` accepts, in order; returns how many were removed. O(n). */
  retain(keep: (item: T) => boolean): number {
    const kept: T[] = [];
    for (const item of this) if (keep(item)) kept.push(item);
    const removed = this.count - kept.length;
    if (removed > 0) {
      this.clear();
      for (const item of kept) this.push(item);
    }
    return removed;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) & (this.items.length - 1)] as T;
  }

  private grow(): void {
    const next = new Array<T | undefined>(Math.max(8, this.items.length * 2));
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) & (this.items.length - 1)];
    this.items = next;
    this.head = 0;
  }
}
