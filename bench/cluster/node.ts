/**
 * A CSMS node of `npm run bench:cluster`, in a process of its own (the one the benchmark kills).
 * Same stdin/stdout protocol as test/cluster/node-process.ts; `load` drives calls to stations
 * connected HERE, the baseline the routed calls are compared with.
 */
import { createInterface } from 'node:readline';
import { createCsms } from '../../src/actors/csms.js';
import { registerDefaultHandlers } from '../../src/actors/default-handlers.js';
import { createNatsBus } from '../../src/bus/nats/index.js';
import { benchPublishEvents, callLoad } from './load.js';

const [url, nodeId] = process.argv.slice(2) as [string, string];
const out = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const bus = await createNatsBus({ servers: url, nodeId });
const csms = registerDefaultHandlers(
  createCsms({
    bus,
    nodeId,
    pingIntervalMs: 0,
    cluster: { publishEvents: benchPublishEvents() },
  }),
);
const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });

type Command = { id: number; op: string; identities: string[]; seconds: number };
createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line) as Command;
  if (c.op === 'load')
    void callLoad(csms, c.identities, c.seconds).then((result) => out({ id: c.id, result }));
  else if (c.op === 'stats') out({ id: c.id, result: { connected: csms.connectedCount } });
  else if (c.op === 'close')
    void csms
      .close({ drainMs: 0 })
      .then(() => bus.close())
      // Exits by itself (a profile from CLUSTER_NODE_ARGS=--cpu-prof is written at exit).
      .then(() => process.exit(0));
});
out({ event: 'ready', port, nodeId });
