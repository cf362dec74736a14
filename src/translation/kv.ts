/**
 * The key-value contract session stores build on: the cluster bus's (`Bus.kv(bucket)`, NATS JetStream KV
 * or the in-memory bus), one declaration for both. Type-only and an error class with no imports, so the
 * engine stays free of sockets and Node APIs.
 */

export { KvConflictError } from '../bus/errors.js';
export type { KvBucket, KvEntry } from '../bus/types-extra.js';
