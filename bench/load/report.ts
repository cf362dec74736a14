/**
 * Tables of the load benchmark: per metric, each server's median over rounds with [min-max] and its
 * ratio to the baseline (bare ws; RSS also against ocpp-ws-io), then the targets and whether ours
 * meets them.
 */

import { fmt, type Summary, summarize } from './stats.js';

/** One server in one round: metric key → value, plus errors by kind. */
export interface RoundRecord {
  readonly server: string;
  readonly round: number;
  readonly metrics: Record<string, number>;
  readonly errors: Record<string, number>;
  readonly seconds?: number;
}

interface MetricDef {
  readonly key: string;
  readonly title: string;
  readonly unit: string;
  readonly higherIsBetter?: boolean;
}

export function metricDefs(o: {
  stations: number;
  callStations: number;
  rate: number;
  v201: number;
}): MetricDef[] {
  const n = o.stations.toLocaleString('en');
  const c = o.callStations.toLocaleString('en');
  const v = o.v201.toLocaleString('en');
  const defs: MetricDef[] = [
    {
      key: 'cpuPerConnectMs',
      title: 'server CPU per connect (WS handshake + Boot + Status), 1.6',
      unit: 'ms',
    },
    {
      key: 'connectPerSec',
      title: `connect rate, ${n} stations, 1.6`,
      unit: 'stations/s',
      higherIsBetter: true,
    },
    { key: 'rssPerIdleKB', title: `RSS per idle station at ${n} (after GC, /proc VmRSS)`, unit: 'KB' },
    {
      key: 'heapPerIdleKB',
      title: `of which V8 heap (heapUsed after GC) per idle station at ${n}`,
      unit: 'KB',
    },
    { key: 'fanoutS', title: `fan-out TriggerMessage to ${n} stations: time until all answered`, unit: 's' },
    { key: 'fanoutCpuPerCallUs', title: 'fan-out: server CPU per call', unit: 'µs' },
    {
      key: 'maxCpuPerCallUs',
      title: `server CPU per call, max rate over ${c} stations, 1.6 mix`,
      unit: 'µs',
    },
    {
      key: 'maxCallsPerSec',
      title: `calls/s, max rate over ${c} stations, 1.6`,
      unit: 'calls/s',
      higherIsBetter: true,
    },
    { key: 'maxP50Ms', title: 'latency p50 at saturation (max rate), 1.6', unit: 'ms' },
    { key: 'maxP95Ms', title: 'latency p95 at saturation, 1.6', unit: 'ms' },
    { key: 'maxP99Ms', title: 'latency p99 at saturation, 1.6', unit: 'ms' },
    {
      key: 'rateCpuPerCallUs',
      title: `server CPU per call at ${o.rate} calls/s over ${n} stations, 1.6`,
      unit: 'µs',
    },
    { key: 'rateP50Ms', title: `latency p50 at ${o.rate} calls/s over ${n} stations, 1.6`, unit: 'ms' },
    { key: 'rateP95Ms', title: `latency p95 at ${o.rate} calls/s, 1.6`, unit: 'ms' },
    { key: 'rateP99Ms', title: `latency p99 at ${o.rate} calls/s, 1.6`, unit: 'ms' },
  ];
  if (o.v201 > 0) {
    defs.push(
      { key: 'v201CpuPerConnectMs', title: `server CPU per connect, 2.0.1 (${v} stations)`, unit: 'ms' },
      {
        key: 'v201CpuPerCallUs',
        title: `server CPU per call, max rate over ${v} stations, 2.0.1 mix`,
        unit: 'µs',
      },
      {
        key: 'v201CallsPerSec',
        title: `calls/s, max rate over ${v} stations, 2.0.1`,
        unit: 'calls/s',
        higherIsBetter: true,
      },
      { key: 'v201P50Ms', title: 'latency p50 at saturation, 2.0.1', unit: 'ms' },
      { key: 'v201P99Ms', title: 'latency p99 at saturation, 2.0.1', unit: 'ms' },
    );
  }
  defs.push({
    key: 'loadgenCores',
    title: 'load generator CPU during max-rate 1.6 (all workers)',
    unit: 'cores',
  });
  return defs;
}

interface Target {
  readonly name: string;
  /** The server judged; default `ours`. */
  readonly subject?: string;
  readonly metric: string;
  readonly against: string;
  readonly maxRatio: number;
}

export const TARGETS: readonly Target[] = [
  {
    name: 'server CPU/call (1.6, max rate) <= 1.2x bare',
    metric: 'maxCpuPerCallUs',
    against: 'bare',
    maxRatio: 1.2,
  },
  { name: 'fan-out time <= 1.5x bare', metric: 'fanoutS', against: 'bare', maxRatio: 1.5 },
  {
    name: 'RSS/idle station <= 0.8x ocpp-ws-io',
    metric: 'rssPerIdleKB',
    against: 'ocpp-ws-io',
    maxRatio: 0.8,
  },
  { name: 'server CPU/connect <= 1.5x bare', metric: 'cpuPerConnectMs', against: 'bare', maxRatio: 1.5 },
  { name: 'p50 latency at fixed rate <= ocpp-rpc', metric: 'rateP50Ms', against: 'ocpp-rpc', maxRatio: 1 },
  {
    name: 'metrics+otel+session-log CPU/call <= 1.15x ours',
    subject: 'ours-plugins',
    metric: 'maxCpuPerCallUs',
    against: 'ours',
    maxRatio: 1.15,
  },
  {
    name: 'the same, otelPlugin sampleRatio 0.1 <= 1.15x ours',
    subject: 'ours-plugins-sampled',
    metric: 'maxCpuPerCallUs',
    against: 'ours',
    maxRatio: 1.15,
  },
  {
    name: 'operator page open: CPU/call at fixed rate on N stations <= 1.10x closed',
    subject: 'ours-ops',
    metric: 'rateCpuPerCallUs',
    against: 'ours',
    maxRatio: 1.1,
  },
  {
    name: 'operator page open: CPU/call at max rate <= 1.10x closed',
    subject: 'ours-ops',
    metric: 'maxCpuPerCallUs',
    against: 'ours',
    maxRatio: 1.1,
  },
];

export interface TargetResult {
  readonly name: string;
  readonly ratio: number;
  readonly met: boolean | undefined;
}

function byServer(records: readonly RoundRecord[], key: string): Map<string, Summary> {
  const values = new Map<string, number[]>();
  for (const r of records) {
    const v = r.metrics[key];
    if (v === undefined) continue;
    values.set(r.server, [...(values.get(r.server) ?? []), v]);
  }
  return new Map([...values].map(([s, v]) => [s, summarize(v)]));
}

export function errorTotal(r: RoundRecord): number {
  return Object.values(r.errors).reduce((a, b) => a + b, 0);
}

/** The printable report; `targets` judged on medians. */
export function render(
  records: readonly RoundRecord[],
  servers: readonly string[],
  defs: readonly MetricDef[],
  baseline: string,
): { text: string; targets: TargetResult[]; medians: Record<string, Record<string, number>> } {
  const lines: string[] = [];
  const medians: Record<string, Record<string, number>> = {};
  for (const def of defs) {
    const s = byServer(records, def.key);
    if (s.size === 0) continue;
    const base = s.get(baseline)?.median;
    const wsio = s.get('ocpp-ws-io')?.median;
    const extra = def.key === 'rssPerIdleKB' && wsio !== undefined;
    lines.push('', `${def.title} (${def.unit}, ${def.higherIsBetter ? 'higher' : 'lower'} is better)`);
    lines.push(
      `  ${'server'.padEnd(12)} ${'median'.padStart(10)}  ${'[min - max]'.padEnd(22)} ${`x ${baseline}`.padStart(9)}` +
        (extra ? ` ${'x ocpp-ws-io'.padStart(13)}` : ''),
    );
    for (const server of servers) {
      const v = s.get(server);
      if (!v) continue;
      medians[server] = { ...medians[server], [def.key]: v.median };
      const ratio = base ? fmt(v.median / base) : '-';
      lines.push(
        `  ${server.padEnd(12)} ${fmt(v.median).padStart(10)}  ${`[${fmt(v.min)} - ${fmt(v.max)}]`.padEnd(22)} ${ratio.padStart(9)}` +
          (extra ? ` ${fmt(v.median / wsio).padStart(13)}` : ''),
      );
    }
  }
  lines.push('', 'errors of any kind (driver + server), per round');
  for (const server of servers) {
    const mine = records.filter((r) => r.server === server);
    if (mine.length === 0) continue;
    const kinds = new Map<string, number>();
    for (const r of mine)
      for (const [k, n] of Object.entries(r.errors)) kinds.set(k, (kinds.get(k) ?? 0) + n);
    const detail = [...kinds].map(([k, n]) => `${k}=${n}`).join(', ');
    lines.push(
      `  ${server.padEnd(12)} ${mine.map(errorTotal).join(' ')}${detail ? `  (${detail.slice(0, 300)})` : ''}`,
    );
  }

  const targets: TargetResult[] = [];
  lines.push('', 'targets (ours, ratios of medians in this run)');
  for (const t of TARGETS) {
    const ours = medians[t.subject ?? 'ours']?.[t.metric];
    const ref = medians[t.against]?.[t.metric];
    const ratio = ours !== undefined && ref ? ours / ref : Number.NaN;
    const met = Number.isFinite(ratio) ? ratio <= t.maxRatio : undefined;
    targets.push({ name: t.name, ratio, met });
    lines.push(
      `  ${t.name.padEnd(46)} ${`${fmt(ratio)}x`.padStart(8)}  ${met === undefined ? 'n/a' : met ? 'met' : 'MISSED'}`,
    );
  }
  const ourRounds = records.filter((r) => r.server === 'ours');
  const errorsFree = records.every((r) => errorTotal(r) === 0);
  targets.push({
    name: 'zero errors of any kind, every server, every round',
    ratio: Number.NaN,
    met: errorsFree,
  });
  lines.push(
    `  ${'zero errors of any kind (all servers, rounds)'.padEnd(46)} ${''.padStart(8)}  ${errorsFree ? 'met' : 'MISSED'}` +
      (ourRounds.length ? '' : ' (ours not run)'),
  );
  return { text: lines.join('\n'), targets, medians };
}
