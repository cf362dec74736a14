import { Deque } from './deque.js';
import type { BufferedIterator } from './types.js';

export const DEFAULT_BUFFER_SIZE = 10_000;

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });
const READY: Promise<void> = Promise.resolve();

/**
 * The push side of a {@link BufferedIterator}: `push` never waits. A waiting reader gets the item
 * directly; otherwise it is buffered, dropping the oldest buffered item when the buffer is full
 * (the newest data is what a lagging reader needs to catch up; the drop is counted, not silent).
 */
export class BufferedChannel<T> implements BufferedIterator<T> {
  private readonly buffer = new Deque<T>();
  private readonly readers: ((result: IteratorResult<T, undefined>) => void)[] = [];
  /** In memory an iterator is registered when made; a networked feeder replaces this. */
  ready: Promise<void> = READY;
  private droppedCount = 0;
  private ended = false;
  private readonly detachSignal: (() => void) | undefined;

  constructor(
    readonly bufferSize: number = DEFAULT_BUFFER_SIZE,
    private readonly onEnd?: () => void,
    signal?: AbortSignal,
  ) {
    if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new RangeError('bufferSize must be >= 1');
    // Born ended on an aborted signal, without calling onEnd: the owner has registered nothing yet
    // and must check `closed` before it does.
    if (signal?.aborted) this.ended = true;
    else if (signal) {
      const abort = () => this.end();
      signal.addEventListener('abort', abort, { once: true });
      this.detachSignal = () => signal.removeEventListener('abort', abort);
    }
  }

  get pending(): number {
    return this.buffer.length;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get closed(): boolean {
    return this.ended;
  }

  push(item: T): void {
    if (this.ended) return;
    const reader = this.readers.shift();
    if (reader) {
      reader({ done: false, value: item });
      return;
    }
    if (this.buffer.length >= this.bufferSize) {
      this.buffer.shift();
      this.droppedCount++;
    }
    this.buffer.push(item);
  }

  /** Ends the iterator: buffered items are discarded, waiting readers resolve done. Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.buffer.clear();
    for (const reader of this.readers.splice(0)) reader(DONE);
    this.detachSignal?.();
    this.onEnd?.();
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.buffer.length > 0) return Promise.resolve({ done: false, value: this.buffer.shift() as T });
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve) => this.readers.push(resolve));
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.end();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
