/**
 * One CSMS node of the cluster tests, in a process of its own: `node --import tsx node-process.ts
 * <nats url> <node id>`. Commands arrive as JSON lines on stdin (`{ id, op, ... }`) and are answered
 * on stdout (`{ id, result }` / `{ id, error: { name, code, message } }`); runtime events go to stdout
 * as `{ event, ... }`. A `DataTransfer` handler counts its runs (the de-duplication test reads them).
 */
import { createInterface } from 'node:readline';
import { createCsms } from '../../src/actors/csms.js';
import { registerDefaultHandlers } from '../../src/actors/default-handlers.js';
import { createNatsBus } from '../../src/bus/nats/index.js';

const [url, nodeId] = process.argv.slice(2) as [string, string];
const out = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const bus = await createNatsBus({
  servers: url,
  nodeId,
  ackWaitMs: 1_500,
  requestTimeoutMs: 3_000,
  apiTimeoutMs: 2_000,
});
const csms = registerDefaultHandlers(
  createCsms({
    bus,
    nodeId,
    callTimeoutMs: 1_000,
    cluster: { leaseMs: 3_000, registrationTtlMs: 4_000 },
    pingIntervalMs: 0,
  }),
);
let runs = 0;
csms.handle('ocpp1.6', 'DataTransfer', () => {
  runs++;
  return { status: 'Accepted', data: `${nodeId}:${runs}` };
});
csms.on('connected', ({ station, reconnect }) =>
  out({ event: 'connected', identity: station.identity, reconnect }),
);
csms.on('registered', ({ station, status }) =>
  out({ event: 'registered', identity: station.identity, status }),
);
csms.on('disconnected', ({ station, code, reason }) =>
  out({ event: 'disconnected', identity: station.identity, code, reason }),
);
csms.on('evicted', ({ station, replacement }) =>
  out({ event: 'evicted', identity: station.identity, station, replacement }),
);
csms.on('commandDelivered', ({ identity, seq, action, response, error }) =>
  out({ event: 'commandDelivered', identity, seq, action, response, error: error?.message }),
);
csms.on('clusterError', ({ operation, identity, error }) =>
  out({ event: 'clusterError', operation, identity, error: String(error) }),
);

const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });

type Command = { id: number; op: string; identity: string; action: string; payload: object; ttlMs?: number };
const ops: Record<string, (c: Command) => Promise<unknown>> = {
  call: (c) => csms.call(c.identity, c.action as 'Reset', c.payload as { type: 'Soft' }),
  enqueue: (c) =>
    csms.enqueue(c.identity, c.action as 'Reset', c.payload as { type: 'Soft' }, { ttlMs: c.ttlMs }),
  stats: async () => ({ runs, connected: csms.connectedCount, bus: bus.stats() }),
  owner: async (c) => (await bus.owner(c.identity)) ?? null,
  registration: async (c) => {
    const entry = await (await bus.kv('registrations')).get(c.identity);
    return entry ? { ...JSON.parse(Buffer.from(entry.value).toString()), revision: entry.revision } : null;
  },
  close: async () => {
    await csms.close({ drainMs: 0 });
    await bus.close();
    return true;
  },
};
createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line) as Command;
  ops[c.op]!(c).then(
    (result) => out({ id: c.id, result }),
    (e: Error & { code?: string; kind?: string }) =>
      out({ id: c.id, error: { name: e.name, code: e.code, kind: e.kind, message: e.message } }),
  );
});
out({ event: 'ready', port, nodeId });
