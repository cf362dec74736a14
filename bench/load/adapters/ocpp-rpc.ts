/**
 * `ocpp-rpc` as its README shows it: an RPCServer, handlers registered per client on 'client'.
 * Validation off (`strictMode: false`, its default) and keep-alive pings off, as for every peer.
 */

import { RPCServer } from 'ocpp-rpc';
import { ANSWERS, PROTOCOLS } from './answers.js';
import { type Adapter, ErrorCounter, runAdapter, settleAll } from './common.js';

type Client = {
  protocol: string;
  handle(method: string, fn: (ctx: { params: Record<string, unknown> }) => unknown): void;
  call(method: string, params: unknown): Promise<unknown>;
  once(event: 'close', fn: (e: { code: number }) => void): void;
};

const errors = new ErrorCounter();
const clients = new Set<Client>();
let closing = false;

const server = new RPCServer({ protocols: PROTOCOLS, strictMode: false, pingIntervalMs: 0 });
server.on('error', (e: Error) => errors.add('server-error', e));
server.on('upgradeError', (e: unknown) => errors.add('upgrade-error', e));
server.on('client', (client: Client) => {
  clients.add(client);
  client.once('close', ({ code }) => {
    clients.delete(client);
    if (!closing && code !== 1000 && code !== 1005) errors.add(`disconnected:${code}`);
  });
  const answers = ANSWERS[client.protocol] ?? {};
  for (const [method, answer] of Object.entries(answers))
    client.handle(method, ({ params }) => answer(params));
});

const adapter: Adapter = {
  listen: async () => {
    const http = await server.listen(0, '127.0.0.1');
    return (http.address() as { port: number }).port;
  },
  connected: () => clients.size,
  fanout: (action, payload) =>
    settleAll(
      [...clients].map((c) => c.call(action, payload)),
      errors,
    ),
  close: async () => {
    closing = true;
    await server.close({ awaitPending: false, force: true });
  },
};

await runAdapter('ocpp-rpc', adapter, errors);
