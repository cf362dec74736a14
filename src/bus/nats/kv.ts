import type { KV } from 'nats';
import { KvConflictError } from '../errors.js';
import { decodeToken, encodeToken } from '../subject.js';
import type { KvBucket, KvEntry } from '../types.js';
import type { NatsContext } from './context.js';
import { apiErrorCode, JsErr, toBusError } from './errors.js';

/**
 * A KvBucket over a NATS KV bucket (history 1). Keys are free-form: each is stored as one token of
 * the bus's codec, which keeps prefixes, so `keys(prefix)` filters encoded keys by encoded prefix.
 */
export class NatsKvBucket implements KvBucket {
  constructor(
    private readonly ctx: NatsContext,
    private readonly kv: KV,
  ) {}

  async get(key: string): Promise<KvEntry | undefined> {
    try {
      const e = await this.kv.get(encodeToken(key));
      if (e?.operation !== 'PUT') return undefined;
      return { key, value: e.value.slice(), revision: e.revision };
    } catch (err) {
      throw this.fail('kv get', err);
    }
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    try {
      return await this.kv.put(encodeToken(key), value);
    } catch (err) {
      throw this.fail('kv put', err);
    }
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    try {
      return await this.kv.create(encodeToken(key), value);
    } catch (err) {
      if (apiErrorCode(err) === JsErr.WrongLastSequence) throw new KvConflictError(key, 0);
      throw this.fail('kv create', err);
    }
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    try {
      // A deleted key has no revision to update: only create writes it again.
      const cur = await this.kv.get(encodeToken(key));
      if (cur?.operation !== 'PUT' || cur.revision !== revision) throw new KvConflictError(key, revision);
      return await this.kv.update(encodeToken(key), value, revision);
    } catch (err) {
      if (apiErrorCode(err) === JsErr.WrongLastSequence) throw new KvConflictError(key, revision);
      throw this.fail('kv update', err);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.kv.delete(encodeToken(key));
    } catch (err) {
      throw this.fail('kv delete', err);
    }
  }

  async *keys(prefix = ''): AsyncIterable<string> {
    const encoded = encodeToken(prefix);
    const match = prefix === '' ? '' : encoded;
    let iter: AsyncIterable<string>;
    try {
      iter = await this.kv.keys();
    } catch (err) {
      throw this.fail('kv keys', err);
    }
    // Read the whole listing before yielding: nats.js 2.29 ends the listing (dropping what it had
    // not handed out yet) when the reader awaits between keys, so `for await (k of keys()) await
    // get(k)` saw one key.
    const keys: string[] = [];
    try {
      for await (const k of iter) if (k.startsWith(match)) keys.push(decodeToken(k));
    } catch (err) {
      throw this.fail('kv keys', err);
    }
    yield* keys;
  }

  private fail(operation: string, err: unknown): Error {
    if (err instanceof KvConflictError) return err;
    this.ctx.counters.errors++;
    return toBusError(operation, err);
  }
}
