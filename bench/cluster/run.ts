/**
 * `npm run bench:cluster`: two CSMS nodes on one private nats-server, in one run.
 *  - calls routed across nodes (from B to stations held by A) against the same calls made on A;
 *  - events published per second through the bus, with and without de-duplication ids;
 *  - time from SIGKILL of node A until every one of its stations is served again on B.
 * Node A runs in a process of its own (it is killed); node B and the stations run here.
 * Usage: node --import tsx bench/cluster/run.ts [stations=100] [seconds=5] [events=100000]
 * BENCH_EVENTS=off: the nodes publish no runtime events; BENCH_EVENTS=no-message: all but `message`
 * (to see what events out costs per call).
 */
import { createCsms } from '../../src/actors/csms.js';
import { registerDefaultHandlers } from '../../src/actors/default-handlers.js';
import { createNatsBus } from '../../src/bus/nats/index.js';
import { NodeProcess, RawStation } from '../../test/cluster/harness.js';
import { startNatsServer } from '../../test/support/nats-server.js';
import { benchPublishEvents, callLoad, type LoadResult } from './load.js';

const stationCount = Number(process.argv[2] ?? 100);
const seconds = Number(process.argv[3] ?? 5);
const eventCount = Number(process.argv[4] ?? 100_000);

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

const identities = Array.from({ length: stationCount }, (_, i) => `CP-${String(i).padStart(4, '0')}`);
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

const local = await a.request<LoadResult>('load', { identities, seconds });
const routed = await callLoad(b, identities, seconds);

async function publishRate(dedup: boolean): Promise<number> {
  const bus = await createNatsBus({ servers: nats.url, nodeId: `E${dedup ? 'd' : 'n'}` });
  const window = 4_096;
  const started = performance.now();
  for (let sent = 0; sent < eventCount; ) {
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < window && sent < eventCount; i++, sent++)
      batch.push(
        bus.publish(
          `ocpp.evt.CP-${sent % 100}.message`,
          { direction: 'IN', n: sent },
          dedup ? { msgId: `m-${dedup}-${sent}` } : undefined,
        ),
      );
    await Promise.all(batch);
  }
  const rate = Math.round(eventCount / ((performance.now() - started) / 1_000));
  await bus.close();
  return rate;
}
const eventsPlain = await publishRate(false);
const eventsDedup = await publishRate(true);

// SIGKILL A: its stations see the socket drop, reconnect to B and send a Heartbeat (no new boot).
const killedAt = performance.now();
const servedAgain = stations.map(async (s, i) => {
  await s.closed;
  const again = await RawStation.connect(`ws://127.0.0.1:${portB}/${identities[i]}`);
  const answer = await again.call('Heartbeat', {});
  if (answer[0] !== 3) throw new Error(`${identities[i]}: ${JSON.stringify(answer)}`);
  return { station: again, at: performance.now() - killedAt };
});
await a.kill('SIGKILL');
const after = await Promise.all(servedAgain);
const worst = Math.max(...after.map((x) => x.at));
const median = after.map((x) => x.at).sort((x, y) => x - y)[Math.floor(after.length / 2)]!;

const ratio = (x: number, y: number) => (y ? (x / y).toFixed(2) : '-');
const rows: [string, string, string][] = [
  [
    'routed calls/s (B -> stations on A)',
    String(routed.perSecond),
    `${ratio(routed.perSecond, local.perSecond)}x local; target >= 10000`,
  ],
  ['local calls/s (on A, the owner)', String(local.perSecond), ''],
  ['routed p50 / p99 ms', `${routed.p50Ms} / ${routed.p99Ms}`, `local ${local.p50Ms} / ${local.p99Ms}`],
  ['call errors routed / local', `${routed.errors} / ${local.errors}`, ''],
  ['events published/s, de-dup ids', String(eventsDedup), 'target >= 40000'],
  ['events published/s, no ids', String(eventsPlain), `de-dup costs ${ratio(eventsPlain, eventsDedup)}x`],
  ['SIGKILL -> all stations served on B, ms', worst.toFixed(0), `median ${median.toFixed(0)}; target < 2000`],
];
console.log(
  `bench:cluster: ${stationCount} stations, ${seconds} s per call phase, ${eventCount} events, nats-server private`,
);
for (const [what, value, note] of rows) console.log(`  ${what.padEnd(40)} ${value.padStart(12)}  ${note}`);

for (const x of after) x.station.close();
await b.close({ drainMs: 0 });
await busB.close();
await nats.dispose();
process.exit(0);
