import { KvConflictError } from './errors.js';
import type { KvBucket, KvEntry } from './types.js';

interface Stored {
  readonly value: Uint8Array;
  readonly revision: number;
}

/** A KV bucket as NATS keeps one with history 1: a revision per bucket that moves on every write. */
export class MemoryKvBucket implements KvBucket {
  private readonly entries = new Map<string, Stored>();
  private revision = 0;

  async get(key: string): Promise<KvEntry | undefined> {
    const e = this.entries.get(key);
    return e && { key, value: e.value.slice(), revision: e.revision };
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    return this.write(key, value);
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    if (this.entries.has(key)) throw new KvConflictError(key, 0);
    return this.write(key, value);
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    if (this.entries.get(key)?.revision !== revision) throw new KvConflictError(key, revision);
    return this.write(key, value);
  }

  async delete(key: string): Promise<void> {
    if (this.entries.delete(key)) this.revision++;
  }

  async *keys(prefix = ''): AsyncIterable<string> {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) yield key;
  }

  private write(key: string, value: Uint8Array): number {
    const revision = ++this.revision;
    // A copy, as a store would keep: later changes to the caller's array do not leak in.
    this.entries.set(key, { value: value.slice(), revision });
    return revision;
  }
}
