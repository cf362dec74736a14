import type { CsmsEventMap, OcppPlugin, PluginCsms } from '../hooks/types.js';
import { type PluginLogger, reportingTo } from './plugin-logger.js';
import type { RedisLike } from './redis-like.js';

export interface ReplayBufferOptions {
  /**
   * Also take commands from Redis lists `<keyPrefix>:<identity>` (OCPP CALL frames as JSON, e.g.
   * `[2, "id", "UnlockConnector", {...}]`, pushed with RPUSH by any process): when the station
   * connects they move into the CSMS's durable queue. Without it, `queue()` goes to that queue directly.
   */
  redis?: RedisLike;
  /** Default `"ocpp:replay"`. */
  keyPrefix?: string;
  /** ocpp-ws-io 2.x's name for `keyPrefix` (its trailing colon is ours to add). */
  prefix?: string;
  /** A queued command's lifetime; default the queue's own. */
  ttlMs?: number;
  /** ocpp-ws-io 2.x's name for `ttlMs`: older commands are dropped, not sent (`commandExpired`). */
  maxQueueAgeMs?: number;
  /**
   * Which commands may wait for a station (ocpp-ws-io 2.x): a list of actions, or a test of the action.
   * Others are refused by `queue()` (TypeError) and dropped from Redis lists with a `pluginError`.
   */
  replayable?: readonly string[] | ((action: string) => boolean);
  /**
   * Pause between two commands flushed to a station that is back, so its backlog does not arrive in a
   * burst. Default 50. It applies to every command of the CSMS's offline queue (`csms.enqueue` too).
   */
  flushDelayMs?: number;
  /**
   * Accepted for compatibility with ocpp-ws-io (default there 5). OCPP-J allows one CALL in flight per
   * station and direction, so commands are flushed one at a time whatever this says; above 1 it is
   * logged as ignored.
   */
  flushConcurrency?: number;
  /**
   * Deliveries without an answer (timeouts) a command gets before it is dropped and reported
   * (`commandDropped`); a disconnect mid-delivery is not one. Default: the CSMS's `replay.maxAttempts`
   * (0, no limit). ocpp-ws-io 2.x's option (its default 3).
   */
  maxReplayAttempts?: number;
  /** Where this plugin's own lines go too (ocpp-ws-io's option); failures are `pluginError`s either way. */
  readonly logger?: PluginLogger;
  /** Each queued command's real answer (or CALLERROR), as the station gave it. */
  onDelivered?: (delivery: CsmsEventMap['commandDelivered']) => void;
}

/**
 * ocpp-ws-io 2.x's list of commands that only read or report, safe to send late: pass it as
 * `replayable` so that a Reset or a RemoteStart queued hours ago never reaches a station that came back.
 */
export const SAFE_TO_REPLAY: readonly string[] = [
  'GetConfiguration',
  'GetCompositeSchedule',
  'GetDiagnostics',
  'GetLocalListVersion',
  'GetLog',
  'GetInstalledCertificateIds',
  'TriggerMessage',
  'ExtendedTriggerMessage',
  'DataTransfer',
  'GetBaseReport',
  'GetReport',
  'GetVariables',
  'GetMonitoringReport',
  'GetChargingProfiles',
  'GetTransactionStatus',
];

export interface ReplayBufferPlugin extends OcppPlugin {
  /** Queue a command for a station, connected or not; sent once it is connected and Accepted. */
  queue(
    identity: string,
    action: string,
    payload: Record<string, unknown>,
    messageId?: string,
  ): Promise<void>;
}

/**
 * Commands for stations that are offline, through the runtime's durable queue (`csms.enqueue`): kept
 * on the bus, sent one at a time once the station is back and Accepted, each real answer reported.
 */
export function replayBufferPlugin(options: ReplayBufferOptions = {}): ReplayBufferPlugin {
  const prefix = options.keyPrefix ?? options.prefix?.replace(/:$/, '') ?? 'ocpp:replay';
  const ttlMs = options.ttlMs ?? options.maxQueueAgeMs;
  const allowed = options.replayable;
  const replayable: (action: string) => boolean =
    allowed === undefined
      ? () => true
      : typeof allowed === 'function'
        ? allowed
        : (action) => allowed.includes(action);
  const redis = options.redis;
  let csms: PluginCsms | undefined;
  let report: (error: unknown, hook: string) => void = () => {};

  const enqueue = (identity: string, action: string, payload: Record<string, unknown>, messageId?: string) =>
    csms!.enqueue(identity, action, payload, {
      ...(ttlMs !== undefined ? { ttlMs } : {}),
      ...(messageId !== undefined ? { messageId } : {}),
    });

  /** Redis list -> durable queue. The ids make a repeat after a crash mid-move a no-op (queue dedup). */
  const moveFromRedis = async (identity: string): Promise<void> => {
    const key = `${prefix}:${identity}`;
    const frames = await (redis!.lrange ?? redis!.lRange)!.call(redis, key, 0, -1);
    if (frames.length === 0) return;
    for (const text of frames) {
      const frame = JSON.parse(text) as [2, string, string, Record<string, unknown>];
      if (frame[0] !== 2 || typeof frame[2] !== 'string') throw new TypeError(`not a CALL frame: ${text}`);
      if (!replayable(frame[2])) {
        report(
          new TypeError(`${frame[2]} for ${identity} is not replayable: dropped from ${key}`),
          'moveFromRedis',
        );
        continue;
      }
      await enqueue(identity, frame[2], frame[3] ?? {}, frame[1]);
    }
    await (redis!.ltrim ?? redis!.lTrim)!.call(redis, key, frames.length, -1);
  };

  return {
    name: 'replay-buffer',
    level: 3,
    setup(ctx) {
      csms = ctx.csms;
      report = reportingTo(ctx, 'replay-buffer', options.logger);
      ctx.csms.configureReplay({
        flushDelayMs: options.flushDelayMs ?? 50,
        ...(options.maxReplayAttempts !== undefined ? { maxAttempts: options.maxReplayAttempts } : {}),
      });
      if ((options.flushConcurrency ?? 1) > 1)
        (options.logger ?? ctx.logger).warn(
          { flushConcurrency: options.flushConcurrency },
          'replayBufferPlugin: flushConcurrency ignored, OCPP-J allows one CALL in flight per station',
        );
    },
    async queue(identity, action, payload, messageId) {
      if (!replayable(action))
        throw new TypeError(`${action} is not replayable (replayBufferPlugin replayable)`);
      if (!redis) {
        await enqueue(identity, action, payload, messageId);
        return;
      }
      const frame = JSON.stringify([2, messageId ?? crypto.randomUUID(), action, payload]);
      await (redis.rpush
        ? redis.rpush(`${prefix}:${identity}`, frame)
        : redis.rPush!(`${prefix}:${identity}`, [frame]));
    },
    events: {
      connected: redis
        ? ({ station }) => {
            moveFromRedis(station.identity).catch((error) => report(error, 'moveFromRedis'));
          }
        : undefined,
      commandDelivered: options.onDelivered,
    },
  };
}
