import { PUBLISHED_EVENTS, type PublishedEvent } from '../../src/actors/cluster/events-out.js';
import type { Csms } from '../../src/actors/csms.js';

/** BENCH_EVENTS: on (default), off, or no-message. */
export function benchPublishEvents(): boolean | PublishedEvent[] {
  const mode = process.env.BENCH_EVENTS ?? 'on';
  if (mode === 'off') return false;
  if (mode === 'no-message') return PUBLISHED_EVENTS.filter((k) => k !== 'message');
  return true;
}

export interface LoadResult {
  readonly calls: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** One call in flight per station (OCPP-J's own limit), for `seconds`: throughput and latency. */
export async function callLoad(csms: Csms, identities: string[], seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + seconds * 1_000;
  await Promise.all(
    identities.map(async (identity) => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await csms.call(identity, 'ClearCache', {});
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1_000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0;
  return {
    calls: latencies.length,
    errors,
    perSecond: Math.round(latencies.length / elapsed),
    p50Ms: Number(at(0.5).toFixed(2)),
    p99Ms: Number(at(0.99).toFixed(2)),
  };
}
