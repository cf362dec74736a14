/**
 * `npm run bench:cluster`: two CSMS nodes on one private nats-server, in one run.
 *  - calls routed across nodes (from B to stations held by A) against the same calls made on A, with
 *    the CPU each process spent per call (node A, this process = node B + the stations, nats-server);
 *  - events published per second through the bus, with and without de-duplication ids;
 *  - time from SIGKILL of node A until every one of its stations is served again on B.
 * Node A runs in a process of its own (it is killed); node B and the stations run here.
 * Usage: node --import tsx bench/cluster/run.ts [stations=100] [seconds=5] [events=100000]
 * BENCH_VARIANTS=on,off (default `on`): node set-ups measured in turn, BENCH_ROUNDS times (default 1),
 * each on a fresh nats-server, so their ratios come from one run on the same (shared) machine:
 *   on          every runtime event published (the default configuration)
 *   off         no runtime events published
 *   no-message  every event but `message`
 * CLUSTER_NODE_ARGS='--cpu-prof' profiles node A (the profile lands in the repository root).
 */
import { createCsms } from '../../src/actors/csms.js';
import { registerDefaultHandlers } from '../../src/actors/default-handlers.js';
import { createNatsBus } from '../../src/bus/nats/index.js';
import { NodeProcess, RawStation } from '../../test/cluster/harness.js';
import { type NatsServer, startNatsServer } from '../../test/support/nats-server.js';
import { cpuPer } from './cpu.js';
import { benchPublishEvents, callLoad, type LoadResult } from './load.js';

const stationCount = Number(process.argv[2] ?? 100);
const seconds = Number(process.argv[3] ?? 5);
const eventCount = Number(process.argv[4] ?? 100_000);
const variants = (process.env.BENCH_VARIANTS ?? 'on').split(',').filter(Boolean);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
const identities = Array.from({ length: stationCount }, (_, i) => `CP-${String(i).padStart(4, '0')}`);

interface Cluster {
  readonly nats: NatsServer;
  readonly a: NodeProcess;
  readonly b: ReturnType<typeof createCsms>;
  readonly busB: Awaited<ReturnType<typeof createNatsBus>>;
  readonly portB: number;
  readonly stations: RawStation[];
}

async function startCluster(variant: string): Promise<Cluster> {
  // Node A reads the variant from its environment, node B (here) from the same variable.
  process.env.BENCH_EVENTS = variant;
  const nats = await startNatsServer();
  const a = await NodeProcess.start(nats.url, 'A', 'bench/cluster/node.ts');
  const busB = await createNatsBus({ servers: nats.url, nodeId: 'B' });
  const b = registerDefaultHandlers(
    createCsms({
      bus: busB,
      nodeId: 'B',
      pingIntervalMs: 0,
      cluster: { publishEvents: benchPublishEvents() },
    }),
  );
  const { port: portB } = await b.listen({ port: 0, host: '127.0.0.1' });
  const stations = await Promise.all(
    identities.map(async (id) => {
      const s = await RawStation.connect(a.url(id));
      await s.boot();
      return s;
    }),
  );
  // B routes once it has seen every claim.
  for (const id of identities) {
    for (let i = 0; ; i++) {
      try {
        await b.call(id, 'ClearCache', {});
        break;
      } catch (error) {
        if (i > 200) throw error;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }
  return { nats, a, b, busB, portB, stations };
}

async function stopCluster(c: Cluster): Promise<void> {
  for (const s of c.stations) s.close();
  await c.a.stop();
  await c.b.close({ drainMs: 0 });
  await c.busB.close();
  await c.nats.dispose();
}

interface Phases {
  readonly local: LoadResult;
  readonly routed: LoadResult;
  readonly localCpu: Record<string, number>;
  readonly routedCpu: Record<string, number>;
}

async function callPhases(c: Cluster): Promise<Phases> {
  const pids = { A: c.a.pid, 'B+stations': process.pid, nats: c.nats.pid };
  const calls = (r: LoadResult) => r.calls;
  const local = await cpuPer(pids, () => c.a.request<LoadResult>('load', { identities, seconds }), calls);
  const routed = await cpuPer(pids, () => callLoad(c.b, identities, seconds), calls);
  return {
    local: local.result,
    routed: routed.result,
    localCpu: local.usPerUnit,
    routedCpu: routed.usPerUnit,
  };
}

const results = new Map<string, Phases[]>(variants.map((v) => [v, []]));
let kept: Cluster | undefined;
for (let round = 0; round < rounds; round++) {
  for (const variant of variants) {
    const cluster = await startCluster(variant);
    results.get(variant)!.push(await callPhases(cluster));
    // The last set-up of the first variant stays up for the event and SIGKILL phases.
    if (round === rounds - 1 && variant === variants[0]) kept = cluster;
    else await stopCluster(cluster);
  }
}
const c = kept!;

async function publishRate(dedup: boolean): Promise<number> {
  const bus = await createNatsBus({ servers: c.nats.url, nodeId: `E${dedup ? 'd' : 'n'}` });
  // A sliding window, as the runtime publishes: events keep coming while earlier ones await their
  // acks (the bus keeps up to maxInFlight in flight and buffers the rest), never a stop to drain.
  const lanes = 1_024;
  let sent = 0;
  const lane = async () => {
    while (sent < eventCount) {
      const n = sent++;
      await bus.publish(
        `ocpp.evt.CP-${n % 100}.message`,
        { direction: 'IN', n },
        dedup ? { msgId: `m-${dedup}-${n}` } : undefined,
      );
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: lanes }, lane));
  const rate = Math.round(eventCount / ((performance.now() - started) / 1_000));
  await bus.close();
  return rate;
}
const eventsPlain = await publishRate(false);
const eventsDedup = await publishRate(true);

// SIGKILL A: its stations see the socket drop, reconnect to B and send a Heartbeat (no new boot).
const killedAt = performance.now();
const servedAgain = c.stations.map(async (s, i) => {
  await s.closed;
  const again = await RawStation.connect(`ws://127.0.0.1:${c.portB}/${identities[i]}`);
  const answer = await again.call('Heartbeat', {});
  if (answer[0] !== 3) throw new Error(`${identities[i]}: ${JSON.stringify(answer)}`);
  return { station: again, at: performance.now() - killedAt };
});
await c.a.kill('SIGKILL');
const after = await Promise.all(servedAgain);
const worst = Math.max(...after.map((x) => x.at));
const median = after.map((x) => x.at).sort((x, y) => x - y)[Math.floor(after.length / 2)]!;

const ratio = (x: number, y: number) => (y ? (x / y).toFixed(2) : '-');
const cpu = (u: Record<string, number>) =>
  Object.entries(u)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
console.log(
  `bench:cluster: ${stationCount} stations, ${seconds} s per call phase, ${rounds} round(s) of ` +
    `[${variants.join(', ')}], ${eventCount} events, nats-server private per set-up`,
);
for (const variant of new Set(variants)) {
  for (const [i, p] of results.get(variant)!.entries()) {
    const rows: [string, string, string][] = [
      [
        'routed calls/s (B -> stations on A)',
        String(p.routed.perSecond),
        `${ratio(p.routed.perSecond, p.local.perSecond)}x local; target >= 10000`,
      ],
      ['local calls/s (on A, the owner)', String(p.local.perSecond), ''],
      [
        'routed p50 / p99 ms',
        `${p.routed.p50Ms} / ${p.routed.p99Ms}`,
        `local ${p.local.p50Ms} / ${p.local.p99Ms}`,
      ],
      ['call errors routed / local', `${p.routed.errors} / ${p.local.errors}`, ''],
      ['CPU µs per routed call', '', cpu(p.routedCpu)],
      ['CPU µs per local call', '', cpu(p.localCpu)],
    ];
    console.log(` events ${variant}, round ${i + 1}`);
    for (const [what, value, note] of rows)
      console.log(`  ${what.padEnd(40)} ${value.padStart(12)}  ${note}`);
  }
}
const rows: [string, string, string][] = [
  ['events published/s, de-dup ids', String(eventsDedup), 'target >= 40000'],
  ['events published/s, no ids', String(eventsPlain), `de-dup costs ${ratio(eventsPlain, eventsDedup)}x`],
  ['SIGKILL -> all stations served on B, ms', worst.toFixed(0), `median ${median.toFixed(0)}; target < 2000`],
];
for (const [what, value, note] of rows) console.log(`  ${what.padEnd(40)} ${value.padStart(12)}  ${note}`);

for (const x of after) x.station.close();
await c.b.close({ drainMs: 0 });
await c.busB.close();
await c.nats.dispose();
process.exit(0);
