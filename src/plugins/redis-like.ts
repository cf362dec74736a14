/**
 * The Redis commands the plugins use, as ioredis (`"positional"`: `set(k, v, 'PX', ms, 'NX')`) or
 * node-redis v4 (`"options"`: `set(k, v, { PX: ms, NX: true })`) spell them.
 */
export interface RedisLike {
  set(key: string, value: string, ...args: unknown[]): Promise<unknown>;
  get(key: string): Promise<string | null>;
  lrange?(key: string, start: number, stop: number): Promise<string[]>;
  lRange?(key: string, start: number, stop: number): Promise<string[]>;
  ltrim?(key: string, start: number, stop: number): Promise<unknown>;
  lTrim?(key: string, start: number, stop: number): Promise<unknown>;
  rpush?(key: string, ...values: string[]): Promise<unknown>;
  rPush?(key: string, values: string[]): Promise<unknown>;
}

export type RedisStyle = 'positional' | 'options';

/** SET with an expiry, only if absent (`nx`) or always: true when Redis stored it. */
export async function setPx(
  redis: RedisLike,
  style: RedisStyle,
  key: string,
  value: string,
  ttlMs: number,
  nx: boolean,
): Promise<boolean> {
  const r =
    style === 'options'
      ? await redis.set(key, value, nx ? { PX: ttlMs, NX: true } : { PX: ttlMs })
      : nx
        ? await redis.set(key, value, 'PX', ttlMs, 'NX')
        : await redis.set(key, value, 'PX', ttlMs);
  return r === 'OK';
}
