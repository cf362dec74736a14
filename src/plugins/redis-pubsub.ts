import type { SinkEventName, SinkRecord } from './sink-events.js';
import { type SinkOptions, type SinkPlugin, sinkPlugin } from './sink-plugin.js';

/** What the plugin needs of a Redis client: ioredis fits as is (node-redis v4+ too, without `pipeline`). */
export interface RedisClientLike {
  publish(channel: string, message: string): PromiseLike<unknown>;
  /** Needed for mode 'stream' (ioredis' lowercase `xadd`). */
  xadd?(key: string, ...args: (string | number)[]): PromiseLike<unknown>;
  /** ioredis: one round trip per batch. Without it the batch's commands go out together and are awaited together. */
  pipeline?(): RedisPipelineLike;
}

export interface RedisPipelineLike {
  publish(channel: string, message: string): unknown;
  xadd(key: string, ...args: (string | number)[]): unknown;
  exec(): PromiseLike<[Error | null, unknown][] | null>;
}

export interface RedisPubSubPluginOptions extends SinkOptions {
  /** A connected client; the plugin does not open or close it. */
  readonly client: RedisClientLike;
  /** 'pubsub': PUBLISH to `{prefix}:{event}`; 'stream': XADD to `{prefix}:{event}` (field `data`). Default 'pubsub'. */
  readonly mode?: 'pubsub' | 'stream';
  /** Channel / stream key prefix. Default 'ocpp'. */
  readonly prefix?: string;
  /** Default: connect, disconnect, message, security. */
  readonly events?: readonly SinkEventName[];
  /** Stream mode: MAXLEN ~ trimming. Default 10,000. */
  readonly maxStreamLength?: number;
  /** How a record becomes the message text (ocpp-ws-io 2.x). Default JSON.stringify. */
  readonly serialize?: (record: SinkRecord) => string;
}

export const REDIS_DEFAULT_EVENTS: readonly SinkEventName[] = [
  'connect',
  'disconnect',
  'message',
  'security',
];

/**
 * Publishes events to Redis Pub/Sub channels or appends them to Streams, a batch per pipeline. A
 * failed batch is retried whole, so a subscriber may see an event twice (at least once).
 */
export function redisPubSubPlugin(options: RedisPubSubPluginOptions): SinkPlugin {
  const { client } = options;
  const mode = options.mode ?? 'pubsub';
  const prefix = options.prefix ?? 'ocpp';
  const maxLen = options.maxStreamLength ?? 10_000;
  if (mode === 'stream' && typeof client.xadd !== 'function' && typeof client.pipeline !== 'function') {
    throw new TypeError("redisPubSubPlugin: mode 'stream' needs a client with xadd (ioredis)");
  }
  const serialize = options.serialize ?? JSON.stringify;
  const key = (r: SinkRecord) => `${prefix}:${r.event}`;
  const xaddArgs = (r: SinkRecord) => ['MAXLEN', '~', maxLen, '*', 'data', serialize(r)] as const;
  return sinkPlugin('redis-pubsub', options, REDIS_DEFAULT_EVENTS, async (batch) => {
    if (client.pipeline) {
      const p = client.pipeline();
      for (const r of batch) {
        if (mode === 'stream') p.xadd(key(r), ...xaddArgs(r));
        else p.publish(key(r), serialize(r));
      }
      const results = await p.exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
      return;
    }
    await Promise.all(
      batch.map((r) =>
        mode === 'stream' ? client.xadd!(key(r), ...xaddArgs(r)) : client.publish(key(r), serialize(r)),
      ),
    );
  });
}
