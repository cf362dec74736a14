import type { CsmsEventMap, OcppPlugin } from '../hooks/types.js';
import { postJson } from './http-post.js';
import { type PluginLogger, reportingTo } from './plugin-logger.js';
import { closeSink, SinkReporter } from './sink-plugin.js';
import { SinkQueue, type SinkQueueOptions, type SinkQueueStats } from './sink-queue.js';

/** One alert: a station (or address) that hit a rate limit `count` times within `windowMs`. */
export interface RateLimitAlert {
  /** The security event type: 'RATE_LIMIT_EXCEEDED' (handshakes, 429) or 'MESSAGE_FLOOD' (calls beyond `maxInboundWaiting`). */
  readonly eventType: string;
  readonly identity: string | undefined;
  readonly ip: string | undefined;
  /** ISO 8601, of the occurrence that fired the alert. */
  readonly timestamp: string;
  /** Occurrences for this identity (or address) within the window, this one included. */
  readonly count: number;
  readonly windowMs: number;
  readonly threshold: number;
  readonly details: Record<string, unknown> | undefined;
}

/** Where alerts go when the sink is not a URL: anything with `send(alert)`; a rejection is retried. */
export interface AlertSink {
  send(alert: RateLimitAlert): unknown;
}

export interface RateLimitNotifierOptions {
  /** A URL (each alert POSTed as JSON) or an object with `send(alert)`. */
  readonly sink: string | AlertSink;
  /** Where this plugin's own lines go too (ocpp-ws-io's option); failures are `pluginError`s either way. */
  readonly logger?: PluginLogger;
  /** Least time between two alerts for one identity (or address). Default 60,000 ms. */
  readonly cooldownMs?: number;
  /** Occurrences within `windowMs` before an alert fires. Default 1. */
  readonly threshold?: number;
  /** Sliding window the occurrences are counted in. Default 300,000 ms. */
  readonly windowMs?: number;
  /** Identities/addresses tracked at most (least recently seen forgotten first). Default 10,000. */
  readonly maxTrackedKeys?: number;
  /** HTTP headers for a URL sink. */
  readonly headers?: Record<string, string>;
  /** HMAC-SHA256 key for a URL sink, signed as the webhook plugin signs. */
  readonly secret?: string;
  /** Per-request timeout of a URL sink. Default 5,000 ms. */
  readonly timeout?: number;
  /** Alert delivery queue. Defaults: one alert per send, 2 retries, 1,000 queued. */
  readonly queue?: SinkQueueOptions;
}

export interface RateLimitNotifierPlugin extends OcppPlugin {
  stats(): SinkQueueStats;
}

/** Buckets of the sliding window: counts are exact to a thirtieth of `windowMs` with fixed memory per key. */
const SLOTS = 30;

interface Occurrence {
  eventType: string;
  identity: string | undefined;
  ip: string | undefined;
  at: Date;
  details: Record<string, unknown> | undefined;
}

/** Counts per key in a window of SLOTS buckets. */
class WindowCounter {
  private readonly ids = new Array<number>(SLOTS).fill(-1);
  private readonly counts = new Array<number>(SLOTS).fill(0);
  lastAlertAt = Number.NEGATIVE_INFINITY;

  add(now: number, slotMs: number): number {
    const slot = Math.floor(now / slotMs);
    const pos = slot % SLOTS;
    if (this.ids[pos] !== slot) {
      this.ids[pos] = slot;
      this.counts[pos] = 0;
    }
    this.counts[pos]!++;
    let n = 0;
    for (let i = 0; i < SLOTS; i++) if (this.ids[i]! > slot - SLOTS) n += this.counts[i]!;
    return n;
  }
}

/**
 * Alerts when a station or address hits a rate limit: the runtime's real `rateLimitExceeded` event
 * (a 429 at the handshake, or a call beyond `maxInboundWaiting`) and the RATE_LIMIT_EXCEEDED /
 * MESSAGE_FLOOD security events. The runtime emits both for one occurrence, one right after the
 * other; they are paired so one occurrence counts once. Per-key threshold within a sliding window,
 * and a cooldown between alerts, keep a flood from becoming an alert storm.
 */
export function rateLimitNotifierPlugin(options: RateLimitNotifierOptions): RateLimitNotifierPlugin {
  const cooldownMs = options.cooldownMs ?? 60_000;
  const threshold = options.threshold ?? 1;
  const windowMs = options.windowMs ?? 300_000;
  const maxKeys = options.maxTrackedKeys ?? 10_000;
  const slotMs = Math.max(1, windowMs / SLOTS);
  const sink = options.sink;
  const url = typeof sink === 'string' ? new URL(sink).toString() : undefined;
  const reporter = new SinkReporter();
  const queue = new SinkQueue<RateLimitAlert>(
    'rate-limit-notifier',
    async (batch, signal) => {
      for (const alert of batch) {
        if (url === undefined) await (sink as AlertSink).send(alert);
        else {
          await postJson({
            url,
            body: JSON.stringify(alert),
            ...(options.headers ? { headers: options.headers } : {}),
            ...(options.secret !== undefined ? { secret: options.secret } : {}),
            timeoutMs: options.timeout ?? 5_000,
            signal,
          });
        }
      }
    },
    reporter.failed,
    { maxBatchSize: 1, maxWaitMs: 0, retries: 2, maxQueued: 1_000, ...options.queue },
  );
  const keys = new Map<string, WindowCounter>();
  /** The occurrence a `rateLimitExceeded` opened, until its security event (same tick) joins it. */
  let open: Occurrence | undefined;

  const settle = (o: Occurrence) => {
    // A flood is one station's; the handshake limit is per address, whatever identities it claims.
    const key = (o.eventType === 'MESSAGE_FLOOD' ? (o.identity ?? o.ip) : (o.ip ?? o.identity)) ?? 'unknown';
    let c = keys.get(key);
    if (c) keys.delete(key);
    else c = new WindowCounter();
    keys.set(key, c);
    if (keys.size > maxKeys) keys.delete(keys.keys().next().value!);
    const now = o.at.getTime();
    const count = c.add(now, slotMs);
    if (count < threshold || now - c.lastAlertAt < cooldownMs) return;
    c.lastAlertAt = now;
    queue.push({
      eventType: o.eventType,
      identity: o.identity,
      ip: o.ip,
      timestamp: o.at.toISOString(),
      count,
      windowMs,
      threshold,
      details: o.details,
    });
  };

  const rateLimitExceeded = (e: CsmsEventMap['rateLimitExceeded']) => {
    const o: Occurrence = {
      eventType: e.station ? 'MESSAGE_FLOOD' : 'RATE_LIMIT_EXCEEDED',
      identity: e.station?.identity ?? e.handshake?.identity,
      ip: e.station?.remoteAddress ?? e.handshake?.remoteAddress,
      at: new Date(),
      details: undefined,
    };
    open = o;
    queueMicrotask(() => {
      if (open === o) open = undefined;
      settle(o);
    });
    return undefined;
  };

  const securityEvent = (e: CsmsEventMap['securityEvent']) => {
    if (e.type !== 'RATE_LIMIT_EXCEEDED' && e.type !== 'MESSAGE_FLOOD') return undefined;
    if (open && open.identity === e.identity && (open.ip === e.remoteAddress || !e.remoteAddress)) {
      open.eventType = e.type;
      open.details = e.details;
      open.at = e.timestamp;
      open = undefined;
      return undefined;
    }
    settle({
      eventType: e.type,
      identity: e.identity,
      ip: e.remoteAddress,
      at: e.timestamp,
      details: e.details,
    });
    return undefined;
  };

  return {
    name: 'rate-limit-notifier',
    setup(ctx) {
      const report = reportingTo(ctx, 'rate-limit-notifier', options.logger);
      reporter.attach((error) => report(error, 'sink'));
    },
    events: {
      rateLimitExceeded,
      securityEvent,
      forgotten: (e) => keys.delete(e.identity),
      closed: () => closeSink(queue),
    } as OcppPlugin['events'],
    stats: () => queue.stats(),
  };
}
