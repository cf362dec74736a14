import { type KvBucket, KvConflictError, type KvEntry } from '../../src/translation/kv.js';

/**
 * The KvBucket contract in memory, as a NATS KV bucket behaves: one revision sequence for the bucket,
 * create only when absent (or deleted), update only at the current revision. Every call yields to the
 * event loop first, so concurrent callers interleave the way they would over a network.
 */
export class MemoryKvBucket implements KvBucket {
  private readonly entries = new Map<string, KvEntry>();
  private revision = 0;
  /** Conditional writes refused; a test reads it to see that contention really happened. */
  conflicts = 0;

  async get(key: string): Promise<KvEntry | undefined> {
    await tick();
    return this.entries.get(key);
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    await tick();
    return this.write(key, value);
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    await tick();
    if (this.entries.has(key)) {
      this.conflicts++;
      throw new KvConflictError(key, 0);
    }
    return this.write(key, value);
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    await tick();
    if (this.entries.get(key)?.revision !== revision) {
      this.conflicts++;
      throw new KvConflictError(key, revision);
    }
    return this.write(key, value);
  }

  async delete(key: string): Promise<void> {
    await tick();
    this.entries.delete(key);
  }

  async *keys(prefix = ''): AsyncIterable<string> {
    await tick();
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) yield key;
  }

  private write(key: string, value: Uint8Array): number {
    const revision = ++this.revision;
    this.entries.set(key, { key, value: value.slice(), revision });
    return revision;
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
