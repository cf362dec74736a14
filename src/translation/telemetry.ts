import type { Direction, ProxyMiddleware } from './types.js';

/** Translation latency of one direction and action (`pre` to `post` middleware, so mapper time included). */
export interface LatencyStats {
  readonly count: number;
  readonly totalMs: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

export interface TelemetryMiddlewareFn extends ProxyMiddleware {
  /** Per `"<direction>:<action>"` (the action as the sender named it). */
  stats(): Record<string, LatencyStats>;
  /** Messages whose `pre` was seen but no `post` (rejected, answered locally) and were given up on. */
  readonly abandoned: number;
  reset(): void;
}

/** In-flight messages kept at most; the oldest is given up on past this (a middleware must stay bounded). */
const MAX_IN_FLIGHT = 10_000;

/**
 * Measures translation latency per direction and action: the time between a message's `pre` and its
 * `post` middleware call. Put it first in `middlewares` so it times the other middlewares too.
 */
export function createTelemetryMiddleware(
  now: () => number = () => globalThis.performance.now(),
): TelemetryMiddlewareFn {
  const started = new Map<string, number>();
  const totals = new Map<string, { count: number; totalMs: number; maxMs: number }>();
  let abandoned = 0;
  const keyOf = (identity: string, direction: Direction, id: string) =>
    `${identity}\u0000${direction}\u0000${id}`;
  const mw = ((message, context, direction, phase) => {
    const key = keyOf(context.identity, direction, message.messageId);
    if (phase === 'pre') {
      if (started.size >= MAX_IN_FLIGHT) {
        const oldest = started.keys().next().value;
        if (oldest !== undefined) started.delete(oldest);
        abandoned++;
      }
      started.set(key, now());
      return undefined;
    }
    const t0 = started.get(key);
    if (t0 === undefined) return undefined;
    started.delete(key);
    const ms = now() - t0;
    const name = `${direction}:${context.call.action}`;
    const t = totals.get(name) ?? { count: 0, totalMs: 0, maxMs: 0 };
    t.count++;
    t.totalMs += ms;
    t.maxMs = Math.max(t.maxMs, ms);
    totals.set(name, t);
    return undefined;
  }) as TelemetryMiddlewareFn;
  mw.stats = () =>
    Object.fromEntries(
      [...totals].map(([k, t]) => [k, { ...t, meanMs: t.count > 0 ? t.totalMs / t.count : 0 }]),
    );
  Object.defineProperty(mw, 'abandoned', { get: () => abandoned });
  mw.reset = () => {
    started.clear();
    totals.clear();
    abandoned = 0;
  };
  return mw;
}

/** The seed's name: a ready instance, for `middlewares: [TelemetryMiddleware]`. */
export const TelemetryMiddleware: TelemetryMiddlewareFn = createTelemetryMiddleware();
