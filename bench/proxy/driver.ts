/**
 * bench:proxy: what the protocol proxy costs, against the CSMS it fronts, in one run.
 *
 *   npm run bench:proxy                               builds dist/, 1,000 stations, 10 s per phase
 *   npm run bench:proxy -- --stations 200 --duration 5  a quick look
 *
 * Processes: our CSMS (bench/load/adapters/ours.ts, 1.6 and 2.1, strict), the proxy (bench/proxy/adapter.ts:
 * 1.6 in, 2.1 out, strict on both legs), and load workers of bench/load (raw `ws` 1.6 stations, one CALL
 * outstanding each, the load benchmark's 1.6 mix: MeterValues with 12 sampled values, Heartbeat, Status,
 * Authorize, Start/StopTransaction). Three phases at max rate:
 *   alone    N stations straight to the CSMS: its CPU per call (1.6).
 *   proxied  N stations to the proxy, which opens N station connections to the CSMS (2.1): the proxy's CPU
 *            per proxied round trip (it terminates both sockets, validates both legs, translates both
 *            ways), and the CSMS's CPU per call in 2.1 behind it.
 *   relayed  N stations to a bare ws relay (bench/proxy/relay.ts: no OCPP, frames passed on unchanged) in
 *            front of the same CSMS in 1.6: the floor of any proxy, what terminating two sockets costs.
 * CPU is utime+stime of each process from /proc over the measured window (all threads, GC included),
 * divided by the calls the stations completed in it. Target: proxy <= 2x the CSMS alone.
 *
 *   --rate R          both phases at R calls/s in all (not max rate): CPU per call at one rate for both,
 *                     so the ratio is not skewed by the proxy running at a lower rate than the CSMS alone.
 *   --baseline DIR    A/B: a second proxy from another build (e.g. a copy of main's dist/), N stations
 *                     through each, then --rounds alternating phases; prints each round and the median
 *                     of this build / the baseline, the way to compare a change on a shared machine.
 */

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Child, cpuMs } from '../load/ipc.js';
import { latencyPercentiles } from '../load/stats.js';

const TSX = ['--import', 'tsx'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    workers: { type: 'string', default: '2' },
    rate: { type: 'string', default: '0' },
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '4' },
    /** Write a V8 CPU profile of the proxy over the proxied phase's measured window to this file. */
    profile: { type: 'string' },
    /** Write a V8 CPU profile of the CSMS over the alone phase's measured window to this file. */
    'profile-csms': { type: 'string' },
    /** cpu (default) or heap: a sampling heap profile (allocations by function) instead. */
    'profile-kind': { type: 'string', default: 'cpu' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(
    'npm run bench:proxy -- [--stations 1000] [--duration 10] [--warmup 2] [--workers 2] [--rate 0] [--baseline DIR --rounds 4] [--profile proxy.cpuprofile] [--profile-csms csms.cpuprofile] [--profile-kind cpu|heap]',
  );
  process.exit(0);
}
const N = Number(values.stations);
const DURATION_S = Number(values.duration);
const WARMUP_S = Number(values.warmup);
const WORKERS = Number(values.workers);
const RATE = Number(values.rate);
const ROUNDS = Number(values.rounds);

const errors: Record<string, number> = {};
const addErrors = (from: unknown, prefix = '') => {
  for (const [k, n] of Object.entries((from ?? {}) as Record<string, number>))
    errors[prefix + k] = (errors[prefix + k] ?? 0) + n;
};

function split(n: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, i) => Math.floor((n * (i + 1)) / parts) - Math.floor((n * i) / parts),
  );
}

async function connect(workers: Child[], url: string, group: string, n: number): Promise<number> {
  const shares = split(n, workers.length);
  let from = 0;
  const replies = await Promise.all(
    workers.map((w, i) => {
      const body = {
        url,
        version: 'ocpp1.6',
        group,
        prefix: `${group}${i}-`,
        from,
        count: shares[i],
        concurrency: 100,
        timeoutMs: 120_000,
      };
      from += shares[i]!;
      return w.request('connect', body, 150_000);
    }),
  );
  let connected = 0;
  for (const r of replies) {
    connected += Number(r.connected);
    addErrors(r.errors, `${group}:`);
  }
  return connected;
}

/** Max rate over `group`; CPU of each process in `measured` over the window, per completed call (µs). */
async function maxRate(
  workers: Child[],
  group: string,
  n: number,
  measured: Record<string, Child>,
  profile?: { child: Child; file: string },
) {
  const startAt = Date.now() + 300;
  const warmMs = WARMUP_S * 1000;
  const durMs = DURATION_S * 1000;
  const cpu0: Record<string, number> = {};
  const cpu1: Record<string, number> = {};
  const marks = [
    sleep(startAt + warmMs - Date.now()).then(() => {
      for (const [k, c] of Object.entries(measured)) cpu0[k] = cpuMs(c.pid);
      // The profile covers the measured window only: no validator compiles or connection set-up in it.
      return profile?.child.request('profileStart', { kind: values['profile-kind'] });
    }),
    sleep(startAt + warmMs + durMs - Date.now()).then(() => {
      for (const [k, c] of Object.entries(measured)) cpu1[k] = cpuMs(c.pid);
      return profile?.child.request('profileStop', { file: profile.file });
    }),
  ];
  const shares = split(n, workers.length);
  const replies = await Promise.all(
    workers.map((w, i) =>
      w.request(
        'run',
        {
          group,
          count: shares[i],
          mode: RATE > 0 ? 'rate' : 'max',
          startAt,
          warmMs,
          durMs,
          rate: (RATE * shares[i]!) / n,
          drainMs: 15_000,
        },
        warmMs + durMs + 30_000,
      ),
    ),
  );
  await Promise.all(marks);
  let completed = 0;
  for (const r of replies) {
    completed += Number(r.completed);
    addErrors(r.errors, `${group}:`);
  }
  const perCallUs = Object.fromEntries(
    Object.keys(measured).map((k) => [k, ((cpu1[k]! - cpu0[k]!) * 1000) / Math.max(1, completed)]),
  );
  return {
    completed,
    perSec: completed / DURATION_S,
    perCallUs,
    lat: latencyPercentiles(replies.map((r) => r.latencies as number[])),
  };
}

/** This build's proxy against a baseline build's, in alternating phases over the same CSMS. */
async function compare(workers: Child[], csmsUrl: string, proxy: Child, proxyUrl: string, dir: string) {
  const baseline = Child.fork(
    'baseline',
    'bench/proxy/adapter.ts',
    [csmsUrl, resolve(dir)],
    ['--expose-gc', ...TSX],
  );
  try {
    const baselineUrl = `ws://127.0.0.1:${(await baseline.whenReady()).port}`;
    await connect(workers, proxyUrl, 'this', N);
    await connect(workers, baselineUrl, 'base', N);
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which goes first, so a drift in the machine's load favours neither.
      const order = r % 2 ? (['base', 'this'] as const) : (['this', 'base'] as const);
      const us: Record<string, number> = {};
      const rates: Record<string, number> = {};
      for (const g of order) {
        const run = await maxRate(workers, g, N, { p: g === 'this' ? proxy : baseline });
        us[g] = run.perCallUs.p!;
        rates[g] = run.perSec;
      }
      ratios.push(us.this! / us.base!);
      console.log(
        `  A/B round ${r + 1}: this ${us.this!.toFixed(1)} µs (${Math.round(rates.this!)}/s), baseline ${us.base!.toFixed(1)} µs (${Math.round(rates.base!)}/s): ${(us.this! / us.base!).toFixed(3)}`,
      );
    }
    ratios.sort((a, b) => a - b);
    console.log(
      `  A/B median this / baseline: ${ratios[ratios.length >> 1]!.toFixed(3)} over ${ROUNDS} rounds`,
    );
    for (const g of ['this', 'base'])
      await Promise.all(
        workers.map((w) => w.request('close', { group: g }, 30_000).then((r) => addErrors(r.errors))),
      );
  } finally {
    await baseline.request('close', {}, 30_000).catch(() => undefined);
    await baseline.stop();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(
    `bench:proxy: ${N} 1.6 stations, ${RATE > 0 ? `${RATE} calls/s` : 'max rate'}, ${WARMUP_S}+${DURATION_S} s per phase, ${WORKERS} load workers`,
  );
  process.env.BENCH_OURS_PROTOCOLS = 'ocpp1.6,ocpp2.1';
  const csms = Child.fork('csms', 'bench/load/adapters/ours.ts', [], ['--expose-gc', ...TSX]);
  const workers = Array.from({ length: WORKERS }, (_, i) =>
    Child.fork(`worker${i}`, 'bench/load/worker.ts', [], TSX),
  );
  let proxy: Child | undefined;
  let relay: Child | undefined;
  try {
    const csmsUrl = `ws://127.0.0.1:${(await csms.whenReady()).port}`;
    // BENCH_PROXY_NODE_ARGS: V8/Node flags for the proxy's process (e.g. --max-semi-space-size=64).
    const proxyArgs = (process.env.BENCH_PROXY_NODE_ARGS ?? '').split(' ').filter(Boolean);
    proxy = Child.fork(
      'proxy',
      'bench/proxy/adapter.ts',
      [csmsUrl, 'dist'],
      [...proxyArgs, '--expose-gc', ...TSX],
    );
    const proxyUrl = `ws://127.0.0.1:${(await proxy.whenReady()).port}`;
    await Promise.all(workers.map((w) => w.whenReady()));

    const aloneConnected = await connect(workers, csmsUrl, 'alone', N);
    const csmsProfile = values['profile-csms'];
    const alone = await maxRate(
      workers,
      'alone',
      N,
      { csms },
      csmsProfile ? { child: csms, file: resolve(csmsProfile) } : undefined,
    );
    await Promise.all(
      workers.map((w) => w.request('close', { group: 'alone' }, 30_000).then((r) => addErrors(r.errors))),
    );
    console.log(
      `  alone: ${aloneConnected} connected, ${Math.round(alone.perSec)} calls/s, CSMS ${alone.perCallUs.csms!.toFixed(1)} µs CPU/call, p50 ${alone.lat.p50} ms`,
    );

    const proxiedConnected = await connect(workers, proxyUrl, 'proxied', N);
    const proxied = await maxRate(
      workers,
      'proxied',
      N,
      { proxy, csms },
      values.profile ? { child: proxy, file: resolve(values.profile) } : undefined,
    );
    await Promise.all(
      workers.map((w) => w.request('close', { group: 'proxied' }, 30_000).then((r) => addErrors(r.errors))),
    );
    console.log(
      `  proxied: ${proxiedConnected} connected, ${Math.round(proxied.perSec)} calls/s, proxy ${proxied.perCallUs.proxy!.toFixed(1)} µs CPU/round trip, CSMS (2.1) ${proxied.perCallUs.csms!.toFixed(1)} µs CPU/call, p50 ${proxied.lat.p50} ms`,
    );
    for (const [name, child] of [
      ['proxy', proxy],
      ['csms', csms],
    ] as const) {
      const stats = await child.request('stats');
      addErrors(stats.errors, `${name}:`);
      if ((stats.samples as string[]).length)
        console.log(`  ${name} errors: ${(stats.samples as string[]).join(' | ')}`);
    }

    // The floor: a bare ws relay (no OCPP) in front of the same CSMS, in 1.6 both ways.
    relay = Child.fork('relay', 'bench/proxy/relay.ts', [csmsUrl], TSX);
    const relayUrl = `ws://127.0.0.1:${(await relay.whenReady()).port}`;
    const relayedConnected = await connect(workers, relayUrl, 'relayed', N);
    const relayed = await maxRate(workers, 'relayed', N, { relay, csms });
    await Promise.all(
      workers.map((w) => w.request('close', { group: 'relayed' }, 30_000).then((r) => addErrors(r.errors))),
    );
    addErrors((await relay.request('stats')).errors, 'relay:');
    console.log(
      `  relayed: ${relayedConnected} connected, ${Math.round(relayed.perSec)} calls/s, relay ${relayed.perCallUs.relay!.toFixed(1)} µs CPU/round trip, CSMS (1.6) ${relayed.perCallUs.csms!.toFixed(1)} µs CPU/call, p50 ${relayed.lat.p50} ms`,
    );

    if (values.baseline) await compare(workers, csmsUrl, proxy, proxyUrl, values.baseline);

    const ratio = proxied.perCallUs.proxy! / alone.perCallUs.csms!;
    const rows = [
      [
        'CSMS alone, CPU per call (1.6)',
        `${alone.perCallUs.csms!.toFixed(1)} µs`,
        `${Math.round(alone.perSec)} calls/s, p50 ${alone.lat.p50} ms, p99 ${alone.lat.p99} ms`,
      ],
      [
        'proxy, CPU per proxied round trip',
        `${proxied.perCallUs.proxy!.toFixed(1)} µs`,
        `${Math.round(proxied.perSec)} calls/s, p50 ${proxied.lat.p50} ms, p99 ${proxied.lat.p99} ms`,
      ],
      ['CSMS behind the proxy, CPU per call (2.1)', `${proxied.perCallUs.csms!.toFixed(1)} µs`, ''],
      ['proxy / CSMS alone', `${ratio.toFixed(2)}x`, `target <= 2x ${ratio <= 2 ? '✓' : '✗'}`],
      [
        'proxy / CSMS behind it (2.1)',
        `${(proxied.perCallUs.proxy! / proxied.perCallUs.csms!).toFixed(2)}x`,
        'the same 2.1 leg, terminated by the CSMS',
      ],
      [
        'bare ws relay (no OCPP), CPU per relayed round trip',
        `${relayed.perCallUs.relay!.toFixed(1)} µs`,
        `${Math.round(relayed.perSec)} calls/s, p50 ${relayed.lat.p50} ms: the floor of any proxy in Node`,
      ],
      [
        'relay / CSMS alone',
        `${(relayed.perCallUs.relay! / alone.perCallUs.csms!).toFixed(2)}x`,
        'two sockets terminated, nothing else done',
      ],
      [
        'proxy / relay',
        `${(proxied.perCallUs.proxy! / relayed.perCallUs.relay!).toFixed(2)}x`,
        'what the OCPP work (both legs validated, translated) adds to the floor',
      ],
    ];
    console.log(
      `\n| figure | value | |\n|---|---|---|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}`,
    );
    const errorTotal = Object.values(errors).reduce((a, b) => a + b, 0);
    console.log(
      `\nerrors: ${errorTotal}${errorTotal ? ` ${JSON.stringify(errors)}` : ''}; run took ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    if (errorTotal > 0) process.exitCode = 1;
  } finally {
    await Promise.all(workers.map((w) => w.request('close', {}, 30_000).catch(() => undefined)));
    await proxy?.request('close', {}, 30_000).catch(() => undefined);
    await relay?.request('close', {}, 30_000).catch(() => undefined);
    await csms.request('close', {}, 30_000).catch(() => undefined);
    await Promise.all(
      [...workers, csms, ...(proxy ? [proxy] : []), ...(relay ? [relay] : [])].map((c) => c.stop()),
    );
  }
}

await main();
