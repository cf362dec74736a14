/**
 * The key-value contract the cluster bus implements (NATS JetStream KV; `Bus.kv(bucket)`).
 * Declared here with the same signatures as src/bus/types.ts so translation does not depend on the bus;
 * the two declarations are to be unified into one.
 */
export interface KvEntry {
  readonly key: string;
  readonly value: Uint8Array;
  readonly revision: number;
}

export interface KvBucket {
  get(key: string): Promise<KvEntry | undefined>;
  /** Unconditional write; resolves with the new revision. */
  put(key: string, value: Uint8Array): Promise<number>;
  /** Write only if the key does not exist; rejects with KvConflictError otherwise. */
  create(key: string, value: Uint8Array): Promise<number>;
  /** Write only if the key's current revision is `revision`; rejects with KvConflictError otherwise. */
  update(key: string, value: Uint8Array, revision: number): Promise<number>;
  delete(key: string): Promise<void>;
  /** Keys, optionally only those starting with `prefix`. */
  keys(prefix?: string): AsyncIterable<string>;
}

/** A conditional write lost: the key existed (create) or moved past `expectedRevision` (update). */
export class KvConflictError extends Error {
  override readonly name = 'KvConflictError';
  constructor(
    readonly key: string,
    readonly expectedRevision: number | undefined,
  ) {
    super(`KV conflict on ${key} (expected revision ${expectedRevision ?? 'none'})`);
  }
}
