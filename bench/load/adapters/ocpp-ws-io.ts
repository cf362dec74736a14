/**
 * `ocpp-ws-io` as its README shows it: an OCPPServer, handlers registered per client on 'client'.
 * Validation off (`strictMode` unset, its default), keep-alive pings off, logging off (`logging:
 * false`; its logger dependency `voltlog-io` is replaced by the no-op package in bench/peers, since
 * this machine's registry does not serve it).
 */

import { OCPPServer } from 'ocpp-ws-io';
import { ANSWERS, PROTOCOLS } from './answers.js';
import { type Adapter, ErrorCounter, runAdapter, settleAll } from './common.js';

const errors = new ErrorCounter();
let closing = false;

const server = new OCPPServer({
  protocols: PROTOCOLS as ('ocpp1.6' | 'ocpp2.0.1')[],
  logging: false,
  pingIntervalMs: 0,
});
server.on('error', (e) => errors.add('server-error', e));
server.on('upgradeError', (e) => errors.add('upgrade-error', e.error));
server.on('upgradeAborted', (e) => errors.add('upgrade-aborted', e));
server.on('securityEvent', (e) => errors.add(`security:${e.type}`, e));
server.on('client', (client) => {
  client.once('close', ({ code }) => {
    if (!closing && code !== 1000 && code !== 1005) errors.add(`disconnected:${code}`);
  });
  const answers = ANSWERS[client.protocol ?? ''] ?? {};
  for (const [method, answer] of Object.entries(answers)) {
    client.handle(method, ({ params }) => answer(params as Record<string, unknown>));
  }
});

const adapter: Adapter = {
  listen: async () => {
    const http = await server.listen(0, '127.0.0.1');
    return (http.address() as { port: number }).port;
  },
  connected: () => server.clients.size,
  fanout: (action, payload) =>
    settleAll(
      [...server.clients].map((c) => c.call(action, payload)),
      errors,
    ),
  close: async () => {
    closing = true;
    await server.close({ force: true });
  },
};

await runAdapter('ocpp-ws-io', adapter, errors);
