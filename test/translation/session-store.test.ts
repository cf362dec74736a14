import { describe, expect, it } from 'vitest';
import {
  CounterContentionError,
  InMemorySessionStore,
  type ISessionStore,
  type KvBucket,
  KvConflictError,
  KvSessionStore,
} from '../../src/translation/index.js';
import { countingBucket } from '../support/counting-kv-bucket.js';

const stores: [string, () => Promise<ISessionStore>][] = [
  ['InMemorySessionStore', async () => new InMemorySessionStore()],
  ['KvSessionStore', async () => new KvSessionStore(await countingBucket())],
];

describe.each(stores)('%s', (_name, make) => {
  it('keeps values per station and key, and forgets a deleted key', async () => {
    const store = await make();
    await store.set('CP-1', 'tx/16/7', { evseId: 2 });
    await store.set('CP-2', 'tx/16/7', { evseId: 3 });
    expect(await store.get('CP-1', 'tx/16/7')).toEqual({ evseId: 2 });
    expect(await store.get('CP-2', 'tx/16/7')).toEqual({ evseId: 3 });
    await store.delete('CP-1', 'tx/16/7');
    expect(await store.get('CP-1', 'tx/16/7')).toBeUndefined();
    expect(await store.get('CP-2', 'tx/16/7')).toEqual({ evseId: 3 });
  });

  it('clear(identity) forgets that station only, even one whose identity starts the same', async () => {
    const store = await make();
    await store.set('CP-1', 'a', 1);
    await store.set('CP-1', 'b/c', 2);
    await store.set('CP-10', 'a', 3);
    await store.set('CP-1/x', 'a', 4);
    await store.clear('CP-1');
    expect(await store.get('CP-1', 'a')).toBeUndefined();
    expect(await store.get('CP-1', 'b/c')).toBeUndefined();
    expect(await store.get('CP-10', 'a')).toBe(3);
    expect(await store.get('CP-1/x', 'a')).toBe(4);
  });

  it('setting undefined leaves no value (JSON has no undefined)', async () => {
    const store = await make();
    await store.set('CP-1', 'k', 1);
    await store.set('CP-1', 'k', undefined);
    expect(await store.get('CP-1', 'k')).toBeUndefined();
  });

  it('a value read back is a copy: changing it does not change the store', async () => {
    const store = await make();
    await store.set('CP-1', 'k', { n: 1 });
    const v = (await store.get<{ n: number }>('CP-1', 'k'))!;
    v.n = 2;
    expect(await store.get('CP-1', 'k')).toEqual({ n: 1 });
  });

  it('hands out each counter value once under 200 concurrent increments', async () => {
    const store = await make();
    const values = await Promise.all(Array.from({ length: 200 }, () => store.increment!('transactionId16')));
    expect(new Set(values).size).toBe(200);
    expect(Math.min(...values)).toBe(1);
    expect(Math.max(...values)).toBe(200);
  });
});

describe('KvSessionStore on a shared bucket', () => {
  it('two stores (two proxy nodes) on one bucket share state and never mint the same id', async () => {
    const bucket = await countingBucket();
    const a = new KvSessionStore(bucket);
    const b = new KvSessionStore(bucket);
    await a.set('CP-1', 'tx/16/1', { evseId: 1 });
    expect(await b.get('CP-1', 'tx/16/1')).toEqual({ evseId: 1 });
    const minted = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).increment('transactionId16')),
    );
    expect(new Set(minted).size).toBe(100);
    // The compare-and-set really raced: conflicts happened and were retried, none surfaced.
    expect(bucket.conflicts).toBeGreaterThan(0);
  });

  it('gives up with CounterContentionError after maxCasAttempts lost rounds', async () => {
    const bucket = await countingBucket();
    const alwaysConflicting: KvBucket = {
      get: (k) => bucket.get(k),
      put: (k, v) => bucket.put(k, v),
      create: async (k) => {
        throw new KvConflictError(k, 0);
      },
      update: async (k, _v, r) => {
        throw new KvConflictError(k, r);
      },
      delete: (k) => bucket.delete(k),
      keys: (p) => bucket.keys(p),
    };
    const store = new KvSessionStore(alwaysConflicting, { maxCasAttempts: 5 });
    const err = await store.increment('c').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CounterContentionError);
    expect((err as CounterContentionError).attempts).toBe(5);
  });

  it('a failure other than a conflict is not retried but surfaces', async () => {
    const bucket = await countingBucket();
    const broken: KvBucket = {
      get: (k) => bucket.get(k),
      put: (k, v) => bucket.put(k, v),
      create: () => Promise.reject(new Error('disk full')),
      update: (k, v, r) => bucket.update(k, v, r),
      delete: (k) => bucket.delete(k),
      keys: (p) => bucket.keys(p),
    };
    const store = new KvSessionStore(broken);
    await expect(store.increment('c')).rejects.toThrow('disk full');
  });
});
