/**
 * The protocol proxy as shipped (compiled `dist/`), in a process of its own for bench:proxy: 1.6
 * stations in through our CSMS adapter (strict), one station client each to the CSMS at argv[2] in 2.1
 * (strict). As bench/load/adapters/ours.ts, only the per-address rate limit and pings are off.
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Adapter, ErrorCounter, runAdapter } from '../load/adapters/common.js';

type Api = typeof import('../../src/proxy/index.js');
/** argv[3]: the build to run (default dist/; bench:proxy --baseline runs another one beside it). */
const api: Api = await import(pathToFileURL(resolve(process.argv[3] ?? 'dist', 'proxy/index.js')).href);

const upstream = process.argv[2];
if (!upstream) throw new Error('usage: adapter.ts <upstream ws url> [dist dir]');
const errors = new ErrorCounter();
// BENCH_PROXY_CALLS_PER_TURN / BENCH_PROXY_FRAMES_PER_TURN: this build's `callsPerTurn` and its
// adapter's `framesPerTurn` (default: their own); a --baseline build's proxy keeps its defaults.
const thisBuild = process.argv[3] === undefined || process.argv[3] === 'dist';
const perTurn = thisBuild ? process.env.BENCH_PROXY_CALLS_PER_TURN : undefined;
const framesPerTurn = thisBuild ? process.env.BENCH_PROXY_FRAMES_PER_TURN : undefined;
const proxy = new api.OCPPProtocolProxy({
  upstreamEndpoint: upstream,
  upstreamProtocol: 'ocpp2.1',
  ...(perTurn === undefined ? {} : { callsPerTurn: Number(perTurn) }),
});
proxy.translate(api.presets.ocpp16_to_ocpp21);
for (const kind of ['translationError', 'middlewareError'] as const)
  proxy.on(kind, (e) => errors.add(kind, e));
proxy.on('upstreamError', (e) => errors.add('upstreamError', e));
const stationLeg = new api.CsmsAdapter({
  port: 0,
  host: '127.0.0.1',
  protocols: ['ocpp1.6'],
  connectionRateLimit: false,
  pingIntervalMs: 0,
  ...(framesPerTurn === undefined ? {} : { framesPerTurn: Number(framesPerTurn) }),
});
for (const kind of [
  'badMessage',
  'validationFailure',
  'handlerError',
  'transportError',
  'backpressure',
] as const)
  stationLeg.csms.on(kind, (e: unknown) => errors.add(kind, (e as { error?: unknown }).error ?? kind));

const adapter: Adapter = {
  listen: async () => {
    await proxy.listenOnAdapter(stationLeg);
    return stationLeg.port ?? 0;
  },
  connected: () => proxy.connections,
  fanout: async () => {
    throw new Error('bench:proxy does not fan out');
  },
  close: () => proxy.close(),
};

await runAdapter('proxy', adapter, errors);
