import type { OcppPlugin, PluginBus, StationRef } from '../hooks/types.js';
import { type PluginLogger, reportingTo } from './plugin-logger.js';
import { type RedisLike, type RedisStyle, setPx } from './redis-like.js';

type Claim = { first: true } | { first: false; answer?: string };

export interface MessageDedupOptions {
  /** Keep claims in Redis instead of the CSMS's bus (the default; on NATS, shared by every node). */
  redis?: RedisLike;
  /** Default `"positional"` (ioredis); `"options"` for node-redis v4. */
  redisStyle?: RedisStyle;
  /** How long a CALL id is remembered with its answer. Default 300000 (5 minutes). */
  ttlMs?: number;
  /** Redis key prefix. Default `"ocpp:dedup"`. */
  keyPrefix?: string;
  /** ocpp-ws-io 2.x's name for `keyPrefix` (its trailing colon is ours to add). */
  prefix?: string;
  /** Where this plugin's own lines go too (ocpp-ws-io's option); failures are `pluginError`s either way. */
  readonly logger?: PluginLogger;
  /**
   * When the store cannot answer: `"process"` (default) handles the CALL as if it were new (a duplicate
   * may then be handled twice), `"refuse"` answers it with a CALLERROR so the station retries later.
   * Either way every store failure is reported as `pluginError` and counted (`storeFailures`).
   */
  onStoreDown?: 'process' | 'refuse';
}

export interface MessageDedupPlugin extends OcppPlugin {
  /** Store failures since start (each also a `pluginError`). */
  readonly storeFailures: number;
  /** Duplicates answered from the store, and duplicates dropped while their original was still being handled. */
  readonly stats: { readonly answered: number; readonly inProgress: number };
}

/** Reads a CALL's message id from its text without a full parse when it is not a CALL. */
function callIdOf(raw: string): string | undefined {
  if (!/^\s*\[\s*2\s*,/.test(raw)) return undefined;
  try {
    const frame = JSON.parse(raw) as unknown[];
    return typeof frame[1] === 'string' ? frame[1] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A CALL whose id a station already sent within `ttlMs` is not handled again: it is answered with the
 * original answer (CALLRESULT or CALLERROR, byte for byte), or, while the original is still being
 * handled, dropped (its answer will go out with the same id).
 */
export function messageDedupPlugin(options: MessageDedupOptions = {}): MessageDedupPlugin {
  const ttlMs = options.ttlMs ?? 300_000;
  const prefix = options.keyPrefix ?? options.prefix?.replace(/:$/, '') ?? 'ocpp:dedup';
  const style = options.redisStyle ?? 'positional';
  const redis = options.redis;
  const refuse = options.onStoreDown === 'refuse';
  let bus: PluginBus | undefined;
  let send: (identity: string, text: string) => boolean = () => false;
  let report: (error: unknown, hook: string) => void = () => {};
  /** CALLs being handled whose answer is to be recorded, per station. */
  const pending = new Map<string, Set<string>>();
  const counts = { answered: 0, inProgress: 0, storeFailures: 0 };

  const key = (identity: string, id: string) => `${prefix}:${identity}:${id}`;
  const claim = async (identity: string, id: string): Promise<Claim> => {
    if (!redis) return bus!.claimCall(identity, id, ttlMs);
    if (await setPx(redis, style, key(identity, id), '', ttlMs, true)) return { first: true };
    const answer = await redis.get(key(identity, id));
    return answer ? { first: false, answer } : { first: false };
  };
  const record = (identity: string, id: string, answer: string): Promise<unknown> =>
    redis
      ? setPx(redis, style, key(identity, id), answer, ttlMs, false)
      : bus!.recordAnswer(identity, id, answer);

  const storeFailed = (error: unknown, hook = 'recordAnswer') => {
    counts.storeFailures++;
    report(error, hook);
  };

  return {
    name: 'message-dedup',
    level: 3,
    get storeFailures() {
      return counts.storeFailures;
    },
    stats: {
      get answered() {
        return counts.answered;
      },
      get inProgress() {
        return counts.inProgress;
      },
    },
    setup(ctx) {
      bus = ctx.bus;
      send = (identity, text) => ctx.csms.sendRaw(identity, text);
      report = reportingTo(ctx, 'message-dedup', options.logger);
    },
    async onBeforeReceive(station: StationRef, raw: string) {
      const id = callIdOf(raw);
      if (id === undefined) return true;
      let c: Claim;
      try {
        c = await claim(station.identity, id);
      } catch (error) {
        storeFailed(error, 'claimCall');
        if (!refuse) return true;
        send(
          station.identity,
          JSON.stringify([4, id, 'InternalError', 'Deduplication store unavailable; retry later', {}]),
        );
        return false;
      }
      if (c.first) {
        let set = pending.get(station.identity);
        if (!set) {
          set = new Set();
          pending.set(station.identity, set);
        }
        set.add(id);
        return true;
      }
      if (c.answer) {
        counts.answered++;
        send(station.identity, c.answer);
      } else {
        counts.inProgress++;
      }
      return false;
    },
    onBeforeSend(station, message) {
      const type = message[0];
      if (type !== 3 && type !== 4) return true;
      const set = pending.get(station.identity);
      const id = message[1] as string;
      if (!set?.delete(id)) return true;
      record(station.identity, id, JSON.stringify(message)).catch((e) => storeFailed(e));
      return true;
    },
    events: {
      disconnected: ({ station }) => pending.delete(station.identity),
    },
  };
}
