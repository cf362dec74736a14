/**
 * In-process driver of the per-call path, without sockets: N station actors bound to stand-in
 * sockets, CALL text fed to them round-robin; prints ns per call. For quick A/B work on the hot path
 * (node --trace-gc shows what survives a scavenge); the load benchmark is the measurement of record.
 * Usage: node --import tsx bench/inproc.ts [stations=1000] [seconds=3] [plugins]   (seconds 0: connect
 * phase only; `plugins`: with the `ours-plugins` set of bench:load, to A/B the plugins' cost per call;
 * or some of them by name: `metrics,otel`)
 */
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { observabilityPlugins } from './load/adapters/plugin-set.js';
import { FRAMES } from './load/frames.js';

type Api = typeof import('../src/index.js');
const api: Api = await import(pathToFileURL(resolve('dist/index.js')).href);

const stations = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 3);

class StandInSocket extends EventEmitter {
  bufferedAmount = 0;
  sent = 0;
  send(_text: string) {
    this.sent++;
  }
  close() {}
  terminate() {}
  pause() {}
  resume() {}
  ping() {}
}

const pluginArg = process.argv[4];
const plugins =
  pluginArg === undefined
    ? undefined
    : await observabilityPlugins(pluginArg === 'plugins' ? undefined : pluginArg.split(','));
const csms = api.createCsms({
  protocols: ['ocpp1.6'],
  connectionRateLimit: false,
  pingIntervalMs: 0,
  ...(plugins ? { plugins } : {}),
});
api.registerDefaultHandlers(csms);
let errors = 0;
for (const k of ['badMessage', 'validationFailure', 'handlerError', 'callRefused'] as const)
  csms.on(k, () => errors++);
const sockets: StandInSocket[] = [];
const directory = (csms as unknown as { stations: { accept(ws: unknown, h: unknown): void } }).stations;
const accept = directory.accept.bind(directory);
const f = FRAMES['ocpp1.6'];
// Connect phase without the socket: actor created, Boot and Status handled.
const connectCpu0 = process.cpuUsage();
for (let i = 0; i < stations; i++) {
  const ws = new StandInSocket();
  sockets.push(ws);
  accept(ws, { identity: `S${i}`, protocol: 'ocpp1.6', remoteAddress: '127.0.0.1' });
  ws.emit('message', Buffer.from(`[2,"b${i}"${f.boot.tail}`), false);
  ws.emit('message', Buffer.from(`[2,"s${i}"${f.status.tail}`), false);
}
await new Promise((r) => setTimeout(r, 50));
const connectCpu = process.cpuUsage(connectCpu0);
console.log(
  `connect (actor + Boot + Status, no socket): ${((connectCpu.user + connectCpu.system) / stations).toFixed(1)} µs CPU/station`,
);
if (seconds === 0) {
  await csms.close({ drainMs: 0 });
  process.exit(0);
}
const mix = f.mix.map((t) => t.tail);
// Calls fed per turn of the event loop: a server woken at 10,000 calls/s reads a few frames a turn,
// not a thousand, and what is cheap in a long run (code and data in cache) may not be in a short one.
const perTurn = Number(process.env.BENCH_INPROC_PER_TURN ?? 1000);
let n = 0;
function round(count: number) {
  for (let k = 0; k < count; k++) {
    const i = n % stations;
    const tail = mix[Math.floor(n / stations) % mix.length]!;
    sockets[i]!.emit('message', Buffer.from(`[2,"m${n.toString(36)}"${tail}`), false);
    n++;
  }
}
// Warm up, then measure in slices that yield to the event loop (as a server does between reads).
const warmEnd = performance.now() + 1000;
while (performance.now() < warmEnd) {
  round(perTurn);
  await new Promise((r) => setImmediate(r));
}
const n0 = n;
// Time in GC pauses during the measurement, so a change's cost can be told from its garbage.
let gcMs = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
});
gcObserver.observe({ entryTypes: ['gc'] });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
while (performance.now() - t0 < seconds * 1000) {
  round(perTurn);
  await new Promise((r) => setImmediate(r));
}
const cpu = process.cpuUsage(cpu0);
gcObserver.disconnect();
if (process.env.BENCH_HEAP_SNAPSHOT)
  (await import('node:v8')).writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT);
const calls = n - n0;
console.log(
  `${calls} calls over ${stations} stations: ${(((cpu.user + cpu.system) * 1000) / calls).toFixed(0)} ns CPU/call (GC ${((gcMs * 1e6) / calls).toFixed(0)} ns), errors ${errors}${plugins ? ` (with ${plugins.map((x) => x.name).join(', ')})` : ''}`,
);
await csms.close({ drainMs: 0 });
