import { createMemoryBus } from '../../src/bus/memory.js';
import { type KvBucket, KvConflictError } from '../../src/translation/kv.js';

/**
 * A bucket of the embedded bus's key-value store (the same one the memory bus serves, conformance-tested
 * against NATS KV), counting the conditional writes it refused: a test reads `conflicts` to see that
 * contention really happened.
 */
export async function countingBucket(): Promise<KvBucket & { readonly conflicts: number }> {
  const bucket = await createMemoryBus().kv('sessions');
  let conflicts = 0;
  const counted = <T>(write: Promise<T>) =>
    write.catch((error: unknown) => {
      if (error instanceof KvConflictError) conflicts++;
      throw error;
    });
  return {
    get: (k) => bucket.get(k),
    put: (k, v) => bucket.put(k, v),
    create: (k, v) => counted(bucket.create(k, v)),
    update: (k, v, r) => counted(bucket.update(k, v, r)),
    delete: (k) => bucket.delete(k),
    keys: (p) => bucket.keys(p),
    get conflicts() {
      return conflicts;
    },
  };
}
