/**
 * Our CSMS as shipped: the compiled `dist/` (run `npm run build` first), strict validation on,
 * `registerDefaultHandlers`. Only what a load test must turn off is off: the per-address connection
 * rate limit (every station comes from 127.0.0.1) and keep-alive pings (the peers get the same).
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Adapter, ErrorCounter, runAdapter, settleAll } from './common.js';

type Api = typeof import('../../../src/index.js');
const api: Api = await import(pathToFileURL(resolve('dist/index.js')).href);

const errors = new ErrorCounter();
// bench:proxy runs it with 2.1 too (the CSMS behind the proxy).
const protocols = (process.env.BENCH_OURS_PROTOCOLS?.split(',') ?? ['ocpp1.6', 'ocpp2.0.1']) as (
  | 'ocpp1.6'
  | 'ocpp2.0.1'
  | 'ocpp2.1'
)[];
/** What the `ours-plugins` and `ours-ops` adapters set before importing this one. */
const variant = (
  globalThis as {
    benchPlugins?: Parameters<Api['createCsms']>[0] & {
      name?: string;
      /** Runs once listening, e.g. to open the operator page in another process. */
      afterListen?: (port: number) => Promise<void>;
    };
  }
).benchPlugins;
const plugins = variant?.plugins;
const csms = api.createCsms({
  protocols,
  connectionRateLimit: false,
  pingIntervalMs: 0,
  ...(plugins ? { plugins } : {}),
});
if (!csms.options.strict) throw new Error('our adapter must run with strict validation on');
api.registerDefaultHandlers(csms);

const live = new Set<string>();
let closing = false;
csms.on('connected', ({ station }) => live.add(station.identity));
csms.on('disconnected', ({ station, code }) => {
  live.delete(station.identity);
  if (!closing && code !== 1000 && code !== 1005) errors.add(`disconnected:${code}`);
});
for (const kind of [
  'badMessage',
  'validationFailure',
  'handlerError',
  'callRefused',
  'unknownResponse',
  'transportError',
  'backpressure',
  'pongTimeout',
  'pluginError',
  'authFailed',
] as const) {
  csms.on(kind, (e: unknown) => errors.add(kind, (e as { error?: unknown }).error ?? kind));
}

const adapter: Adapter = {
  listen: async () => {
    const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });
    await variant?.afterListen?.(port);
    return port;
  },
  connected: () => csms.connectedCount,
  fanout: (action, payload) =>
    settleAll(
      [...live].map((id) =>
        csms.call(id, action as 'TriggerMessage', payload as { requestedMessage: 'Heartbeat' }),
      ),
      errors,
    ),
  close: () => {
    closing = true;
    return csms.close({ drainMs: 1_000 });
  },
};

await runAdapter(variant?.name ?? (plugins ? 'ours-plugins' : 'ours'), adapter, errors);
