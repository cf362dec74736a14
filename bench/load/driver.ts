/**
 * Load benchmark: ours vs ocpp-rpc vs ocpp-ws-io vs bare ws, in one run, measured from outside.
 *
 *   npm run bench:load                      builds dist/, then runs the default size (< 10 min)
 *   npm run bench:load -- --stations 1000 --rounds 1 --servers ours,bare      a quick look
 *   npm run bench:load -- --help            every option (also as env BENCH_LOAD_<OPTION>)
 *
 * Each server runs in its own process behind an adapter (bench/load/adapters/*.ts) on 127.0.0.1;
 * stations are raw `ws` clients in separate worker processes (bench/load/worker.ts). Servers are run
 * one at a time, in interleaved rounds (A B, B A, ...). Per server and round:
 *   warm-up        20 stations run the call mix for 1 s and leave (lazy schemas, JIT), then GC;
 *                  20 more with 2.0.1 when the 2.0.1 phase runs.
 *   connect        N 1.6 stations: WS handshake + BootNotification (must be Accepted) + Status.
 *                  connect rate = N / wall time; CPU per connect = server CPU time / N.
 *   idle RSS       (VmRSS after GC with N idle stations - VmRSS after GC before them) / N.
 *   fan-out        the server sends TriggerMessage to every station at once; time until all
 *                  answered (driver clock, IPC included) and server CPU per call.
 *   max16          `callStations` stations, each sending its next CALL as soon as the last is
 *                  answered (one outstanding per station): calls/s, server CPU per call, latency
 *                  p50/p95/p99 at saturation. Mix: 70% MeterValues (12 sampled values), Heartbeat,
 *                  StatusNotification, Authorize, Start/StopTransaction.
 *   rate16         `rate` calls/s spread over all N stations (below saturation): CPU/call, latency.
 *   max201         `v201` 2.0.1 stations connect (CPU per connect) and run the 2.0.1 mix at max rate
 *                  (TransactionEvent with 12 sampled values instead of MeterValues).
 * Server CPU time is utime+stime of the server process from /proc/<pid>/stat over the measured window
 * (all threads, GC included): the figure least moved by a noisy machine. Every phase is bounded in
 * time; any CALLERROR, refused or dropped connection, timeout or server-side error event counts as
 * an error, and a run should have none. Results: the table on stdout, one JSON line per server and
 * round plus a summary line in <out>/load-<timestamp>.jsonl.
 */

import { appendFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Config, parseConfig, type ServerName, USAGE } from './config.js';
import { type BenchVersion, FANOUT, FRAMES } from './frames.js';
import { Child, cpuMs, type Message, pinToCpus, rssBytes } from './ipc.js';
import { errorTotal, metricDefs, type RoundRecord, render } from './report.js';
import { latencyPercentiles } from './stats.js';

const TSX = ['--import', 'tsx'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Errors {
  readonly counts: Record<string, number> = {};
  add(from: unknown, prefix = ''): void {
    for (const [k, n] of Object.entries((from ?? {}) as Record<string, number>)) {
      this.counts[prefix + k] = (this.counts[prefix + k] ?? 0) + n;
    }
  }
}

/** Each worker's share of `n`, as [from, count] over the worker's own station indexes. */
function split(n: number, parts: number, offset = 0): [number, number][] {
  return Array.from({ length: parts }, (_, i) => {
    const from = Math.floor((n * i) / parts);
    return [offset + from, Math.floor((n * (i + 1)) / parts) - from];
  });
}

/** Our validator, strict, must accept every frame the stations send (errors would be ours). */
async function checkFrames(): Promise<void> {
  const { validatePayload } = (await import(pathToFileURL(resolve('dist/protocol/index.js')).href)) as {
    validatePayload: (v: string, a: string, d: string, p: unknown) => unknown;
  };
  for (const [version, f] of Object.entries(FRAMES)) {
    for (const t of [f.boot, f.status, ...f.mix]) {
      const err = validatePayload(version, t.action, 'request', t.payload);
      if (err) throw new Error(`bench frame ${version} ${t.action} is invalid: ${String(err)}`);
    }
    const err = validatePayload(version, FANOUT.action, 'response', FANOUT.answer);
    if (err) throw new Error(`fan-out answer invalid for ${version}: ${String(err)}`);
  }
}

interface Ctx {
  readonly c: Config;
  readonly workers: Child[];
  readonly server: ServerName;
  readonly round: number;
  readonly adapter: Child;
  readonly url: string;
  readonly errors: Errors;
  readonly m: Record<string, number>;
}

/** Extra node flags for every server process, for investigations (e.g. `--trace-gc`). */
const ADAPTER_FLAGS = (process.env.BENCH_ADAPTER_NODE_FLAGS ?? '').split(' ').filter(Boolean);

/** The server's CPU and the load generators' CPUs, when pinning is possible (>= 2 CPUs). */
const CPUS = availableParallelism();
let PINNING: { server: string; load: string } | undefined;

const profileFile = (ctx: Ctx, phase: string) =>
  `${ctx.server}-${phase}-r${ctx.round}-${Date.now()}.${ctx.c.profileKind === 'heap' ? 'heapprofile' : 'cpuprofile'}`;

/** Run `fn` with the server's adapter CPU-profiled if `--profile` names this phase. */
async function profiled<T>(ctx: Ctx, phase: string, fn: () => Promise<T>): Promise<T> {
  if (ctx.c.profile !== phase) return fn();
  await ctx.adapter.request('profileStart', { kind: ctx.c.profileKind });
  const result = await fn();
  const file = resolve(ctx.c.out, profileFile(ctx, phase));
  await ctx.adapter.request('profileStop', { file });
  console.log(`  profile of ${phase}: ${file}`);
  return result;
}

async function connect(ctx: Ctx, group: string, version: BenchVersion, n: number, prefix: string) {
  const shares = split(n, ctx.workers.length);
  const cpu0 = cpuMs(ctx.adapter.pid);
  const t0 = performance.now();
  const replies = await Promise.all(
    ctx.workers.map((w, i) =>
      w.request(
        'connect',
        {
          url: ctx.url,
          version,
          group,
          prefix: `${prefix}${i}-`,
          from: shares[i]![0],
          count: shares[i]![1],
          concurrency: ctx.c.concurrency,
          timeoutMs: 120_000,
        },
        150_000,
      ),
    ),
  );
  const ms = performance.now() - t0;
  const cpu = cpuMs(ctx.adapter.pid) - cpu0;
  let connected = 0;
  for (const r of replies) {
    connected += Number(r.connected);
    ctx.errors.add(r.errors);
  }
  if (connected !== n) ctx.errors.add({ [`connected-${connected}-of-${n}`]: 1 });
  return { ms, cpu, connected };
}

/** Main-thread GC pauses of a server so far (its adapter's `gcPause`). */
interface GcPause {
  ms: number;
  minor: number;
  major: number;
}

async function calls(ctx: Ctx, phase: string, group: string, mode: 'max' | 'rate', count: number) {
  const { c, adapter, workers } = ctx;
  const warmMs = c.warmup * 1000;
  const durMs = c.duration * 1000;
  const startAt = Date.now() + 300;
  const shares = split(count, workers.length);
  const profile = c.profile === phase;
  const file = resolve(c.out, profileFile(ctx, phase));
  let cpuStart = 0;
  let cpuEnd = 0;
  let gcStart: GcPause = { ms: 0, minor: 0, major: 0 };
  let gcEnd: GcPause = gcStart;
  const marks = [
    sleep(startAt + warmMs - Date.now()).then(async () => {
      cpuStart = cpuMs(adapter.pid);
      gcStart = (await adapter.request('gcPause', {})) as unknown as GcPause;
      if (profile) await adapter.request('profileStart', { kind: c.profileKind });
    }),
    sleep(startAt + warmMs + durMs - Date.now()).then(async () => {
      cpuEnd = cpuMs(adapter.pid);
      gcEnd = (await adapter.request('gcPause', {})) as unknown as GcPause;
    }),
  ];
  const replies = await Promise.all(
    workers.map((w, i) =>
      w.request(
        'run',
        {
          group,
          count: shares[i]![1],
          mode,
          startAt,
          warmMs,
          durMs,
          rate: c.rate / workers.length,
          drainMs: 15_000,
        },
        warmMs + durMs + 30_000,
      ),
    ),
  );
  await Promise.all(marks);
  if (profile) console.log(`  profile: ${(await adapter.request('profileStop', { file })).file}`);
  let completed = 0;
  let backlog = 0;
  let loadCpu = 0;
  for (const r of replies) {
    completed += Number(r.completed);
    backlog += Number(r.backlog);
    ctx.errors.add(r.errors);
    loadCpu += Number(r.windowCpuMs);
  }
  if (completed === 0) ctx.errors.add({ [`${phase}-no-calls-completed`]: 1 });
  const lat = latencyPercentiles(replies.map((r) => r.latencies as number[]));
  return {
    completed,
    backlog,
    perSec: completed / c.duration,
    cpuPerCallUs: ((cpuEnd - cpuStart) * 1000) / completed,
    gc: {
      perCallUs: ((gcEnd.ms - gcStart.ms) * 1000) / completed,
      minor: gcEnd.minor - gcStart.minor,
      major: gcEnd.major - gcStart.major,
    },
    lat,
    loadgenCores: loadCpu / durMs,
  };
}

async function serverRound(
  c: Config,
  workers: Child[],
  server: ServerName,
  round: number,
): Promise<RoundRecord> {
  const errors = new Errors();
  const m: Record<string, number> = {};
  const began = performance.now();
  const adapter = Child.fork(
    server,
    `bench/load/adapters/${server}.ts`,
    [],
    ['--expose-gc', ...ADAPTER_FLAGS, ...TSX],
  );
  if (PINNING) pinToCpus(adapter.pid, PINNING.server);
  try {
    const info = await adapter.whenReady();
    const ctx: Ctx = { c, workers, server, round, adapter, url: `ws://127.0.0.1:${info.port}`, errors, m };
    const say = (s: string) =>
      console.log(`  [${server} r${round} ${((performance.now() - began) / 1000).toFixed(0)}s] ${s}`);

    await connect(ctx, 'warm', 'ocpp1.6', 20, 'W');
    const warmCalls = await calls(
      { ...ctx, c: { ...c, warmup: 0, duration: 1, profile: '' } },
      'warm',
      'warm',
      'max',
      20,
    );
    // 2.0.1 too when it is measured: its schemas compile on first use, which is not a per-connect cost.
    if (c.v201 > 0) {
      await connect(ctx, 'warm201', 'ocpp2.0.1', 20, 'X');
      await calls({ ...ctx, c: { ...c, warmup: 0, duration: 1, profile: '' } }, 'warm', 'warm201', 'max', 20);
    }
    await Promise.all(
      workers.map((w) =>
        Promise.all(
          ['warm', ...(c.v201 > 0 ? ['warm201'] : [])].map((group) =>
            w.request('close', { group }).then((r) => errors.add(r.errors)),
          ),
        ),
      ),
    );
    await sleep(300);
    const heap0 = Number((await adapter.request('gc')).heapUsed);
    const rss0 = rssBytes(adapter.pid);
    say(
      `up (pid ${adapter.pid}), warm-up ${warmCalls.completed} calls, baseline RSS ${(rss0 / 2 ** 20).toFixed(1)} MB`,
    );

    const con = await profiled(ctx, 'connect', () => connect(ctx, 'main', 'ocpp1.6', c.stations, 'S'));
    m.connectPerSec = (con.connected / con.ms) * 1000;
    m.cpuPerConnectMs = con.cpu / c.stations;
    await sleep(300);
    const heap1 = Number((await adapter.request('gc')).heapUsed);
    m.rssPerIdleKB = (rssBytes(adapter.pid) - rss0) / 1024 / c.stations;
    m.heapPerIdleKB = (heap1 - heap0) / 1024 / c.stations;
    say(
      `connect ${Math.round(m.connectPerSec)}/s, ${m.cpuPerConnectMs.toFixed(3)} ms CPU each; ` +
        `RSS/idle station ${m.rssPerIdleKB.toFixed(1)} KB (JS heap ${m.heapPerIdleKB.toFixed(1)} KB)`,
    );

    await Promise.all(workers.map((w) => w.request('stats').then((r) => errors.add(r.errors))));
    const f0 = cpuMs(adapter.pid);
    const t0 = performance.now();
    const fan = await profiled(ctx, 'fanout', () =>
      adapter.request('fanout', { action: FANOUT.action, payload: FANOUT.payload }, 90_000),
    );
    m.fanoutS = (performance.now() - t0) / 1000;
    m.fanoutCpuPerCallUs = ((cpuMs(adapter.pid) - f0) * 1000) / Math.max(1, Number(fan.answered));
    const answeredAt = await Promise.all(workers.map((w) => w.request('stats')));
    const stationCalls = answeredAt.reduce((a, r) => a + Number(r.serverCalls), 0);
    for (const r of answeredAt) errors.add(r.errors);
    if (Number(fan.answered) !== c.stations || stationCalls !== c.stations) {
      errors.add({ [`fanout-${fan.answered}-answered-${stationCalls}-received-of-${c.stations}`]: 1 });
    }
    say(`fan-out ${m.fanoutS.toFixed(2)} s, ${m.fanoutCpuPerCallUs.toFixed(0)} µs CPU/call`);

    const max = await calls(ctx, 'max16', 'main', 'max', c.callStations);
    m.maxCallsPerSec = max.perSec;
    m.maxCpuPerCallUs = max.cpuPerCallUs;
    m.maxP50Ms = max.lat.p50;
    m.maxP95Ms = max.lat.p95;
    m.maxP99Ms = max.lat.p99;
    say(
      `max16 ${Math.round(max.perSec)} calls/s, ${max.cpuPerCallUs.toFixed(1)} µs CPU/call, p50 ${max.lat.p50} ms; ` +
        `GC pauses ${max.gc.perCallUs.toFixed(1)} µs/call (${max.gc.minor} minor, ${max.gc.major} major)`,
    );

    m.loadgenCores = max.loadgenCores;
    const rate = await calls(ctx, 'rate16', 'main', 'rate', c.stations);
    m.rateCallsPerSec = rate.perSec;
    m.rateCpuPerCallUs = rate.cpuPerCallUs;
    m.rateP50Ms = rate.lat.p50;
    m.rateP95Ms = rate.lat.p95;
    m.rateP99Ms = rate.lat.p99;
    if (rate.backlog > 0) errors.add({ 'rate16-backlog': rate.backlog });
    say(
      `rate16 ${Math.round(rate.perSec)} calls/s, ${rate.cpuPerCallUs.toFixed(1)} µs CPU/call, p50 ${rate.lat.p50} ms`,
    );

    if (c.v201 > 0) {
      const con201 = await connect(ctx, 'v201', 'ocpp2.0.1', c.v201, 'T');
      m.v201CpuPerConnectMs = con201.cpu / c.v201;
      const max201 = await calls(ctx, 'max201', 'v201', 'max', c.v201);
      m.v201CallsPerSec = max201.perSec;
      m.v201CpuPerCallUs = max201.cpuPerCallUs;
      m.v201P50Ms = max201.lat.p50;
      m.v201P99Ms = max201.lat.p99;
      say(`max201 ${Math.round(max201.perSec)} calls/s, ${max201.cpuPerCallUs.toFixed(1)} µs CPU/call`);
    }

    for (const r of await Promise.all(workers.map((w) => w.request('close', {}, 30_000))))
      errors.add(r.errors);
    await sleep(200);
    const stats = await adapter.request('stats');
    errors.add(stats.errors, 'server:');
    if ((stats.samples as string[]).length) say(`server errors: ${(stats.samples as string[]).join(' | ')}`);
    errors.add((await adapter.request('close', {}, 30_000)).errors, 'server:');
    say('closed');
  } catch (e) {
    errors.add({ [`exception: ${String((e as Error).message ?? e).slice(0, 200)}`]: 1 });
    console.error(`  [${server} r${round}] failed:`, e);
    await Promise.all(workers.map((w) => w.request('close', {}, 30_000).catch(() => undefined)));
  } finally {
    await adapter.stop();
  }
  return { server, round, metrics: m, errors: errors.counts, seconds: (performance.now() - began) / 1000 };
}

async function main(): Promise<void> {
  const c = parseConfig(process.argv.slice(2), process.env);
  if (c.help) return console.log(USAGE);
  const started = Date.now();
  await checkFrames();
  mkdirSync(c.out, { recursive: true });
  const file = resolve(c.out, `load-${new Date(started).toISOString().replace(/[:.]/g, '-')}.jsonl`);
  const write = (o: Message) => appendFileSync(file, `${JSON.stringify(o)}\n`);
  const config = { ...c, node: process.version, cores: (await import('node:os')).availableParallelism() };
  write({ type: 'config', ...config });
  console.log(
    `load benchmark: ${c.servers.join(', ')}; ${c.rounds} round(s); ${c.stations} stations (1.6)` +
      `${c.v201 ? ` + ${c.v201} (2.0.1)` : ''}; max rate over ${c.callStations}; ${c.rate} calls/s fixed; ` +
      `${c.warmup}+${c.duration} s per call phase; ${c.workers} load workers`,
  );

  const workers = Array.from({ length: c.workers }, (_, i) =>
    Child.fork(`worker${i}`, 'bench/load/worker.ts', [], TSX),
  );
  if (CPUS >= 2 && (c.pin === 'on' || (c.pin === 'auto' && CPUS >= 4))) {
    const pinning = { server: String(CPUS - 1), load: CPUS === 2 ? '0' : `0-${CPUS - 2}` };
    if ([process.pid, ...workers.map((w) => w.pid)].every((pid) => pinToCpus(pid, pinning.load))) {
      PINNING = pinning;
      console.log(
        `  pinned: server on CPU ${pinning.server}, driver and load workers on CPU ${pinning.load}`,
      );
    } else console.log('  not pinned: taskset unavailable');
  }
  const records: RoundRecord[] = [];
  try {
    await Promise.all(workers.map((w) => w.whenReady()));
    for (let round = 0; round < c.rounds; round++) {
      const order = round % 2 === 0 ? c.servers : [...c.servers].reverse();
      for (const server of order) {
        const rec = await serverRound(c, workers, server, round);
        records.push(rec);
        write({ type: 'round', ...rec, errorTotal: errorTotal(rec) });
      }
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }

  const defs = metricDefs(c);
  const { text, targets, medians } = render(records, c.servers, defs, c.baseline);
  const seconds = (Date.now() - started) / 1000;
  console.log(text);
  console.log(
    `\nrun took ${seconds.toFixed(0)} s (${seconds < 600 ? 'under' : 'OVER'} 10 min); raw results: ${file}`,
  );
  write({ type: 'summary', seconds, medians, targets });
  if (records.some((r) => errorTotal(r) > 0)) process.exitCode = 1;
}

await main();
