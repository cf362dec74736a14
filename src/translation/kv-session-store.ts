import { type KvBucket, KvConflictError } from './kv.js';
import type { ISessionStore } from './session.js';

export interface KvSessionStoreOptions {
  /** Give up an increment after this many lost compare-and-set rounds (default 100). */
  readonly maxCasAttempts?: number;
}

/** An increment kept losing its compare-and-set: the counter is contended beyond `maxCasAttempts`. */
export class CounterContentionError extends Error {
  override readonly name = 'CounterContentionError';
  constructor(
    readonly counter: string,
    readonly attempts: number,
  ) {
    super(`counter ${counter}: ${attempts} compare-and-set rounds lost`);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Session state in a key-value bucket shared by every proxy node (the cluster bus's KV), so a station's
 * transaction mapping survives a proxy restart and a reconnect to another node. One key per
 * (identity, key): `s/<identity>/<key>` with the identity percent-encoded, so `clear(identity)` is a
 * prefix scan that cannot reach another station whose identity merely starts the same way.
 * Counters are `c/<name>`, advanced by compare-and-set (create, then update at the read revision).
 */
export class KvSessionStore implements ISessionStore {
  private readonly maxCasAttempts: number;

  constructor(
    private readonly bucket: KvBucket,
    options: KvSessionStoreOptions = {},
  ) {
    this.maxCasAttempts = options.maxCasAttempts ?? 100;
  }

  async set(identity: string, key: string, value: unknown): Promise<void> {
    // JSON has no undefined: storing it means having no value.
    if (value === undefined) return this.delete(identity, key);
    await this.bucket.put(entryKey(identity, key), encoder.encode(JSON.stringify(value)));
  }

  async get<T = unknown>(identity: string, key: string): Promise<T | undefined> {
    const entry = await this.bucket.get(entryKey(identity, key));
    return entry ? (JSON.parse(decoder.decode(entry.value)) as T) : undefined;
  }

  async delete(identity: string, key: string): Promise<void> {
    await this.bucket.delete(entryKey(identity, key));
  }

  async clear(identity: string): Promise<void> {
    const keys: string[] = [];
    for await (const key of this.bucket.keys(stationPrefix(identity))) keys.push(key);
    for (const key of keys) await this.bucket.delete(key);
  }

  async increment(name: string): Promise<number> {
    const key = `c/${encodeURIComponent(name)}`;
    for (let attempt = 1; attempt <= this.maxCasAttempts; attempt++) {
      const entry = await this.bucket.get(key);
      try {
        if (!entry) {
          await this.bucket.create(key, encoder.encode('1'));
          return 1;
        }
        const next = Number(decoder.decode(entry.value)) + 1;
        await this.bucket.update(key, encoder.encode(String(next)), entry.revision);
        return next;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
      // Everyone who lost this round retries at once otherwise, and all but one lose again.
      await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt));
    }
    throw new CounterContentionError(name, this.maxCasAttempts);
  }
}

const MAX_BACKOFF_MS = 50;
const sleep = (ms: number) => new Promise<void>((resolve) => globalThis.setTimeout(resolve, ms));

function isConflict(err: unknown): boolean {
  return err instanceof KvConflictError;
}

function stationPrefix(identity: string): string {
  return `s/${encodeURIComponent(identity)}/`;
}

function entryKey(identity: string, key: string): string {
  return stationPrefix(identity) + key;
}
