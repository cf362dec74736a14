/**
 * Acknowledged means stored: on a cluster, a station's BootNotification answer goes out only after its
 * registration is on the bus. A station that boots on node A and reconnects to node B at once (its
 * load balancer's choice) is then served on B, never refused as unregistered because B read the
 * bucket before A's write landed. Two CSMS nodes in this process on one real nats-server.
 */
import { describe, expect, it } from 'vitest';
import { createCsms } from '../../src/actors/csms.js';
import { registerDefaultHandlers } from '../../src/actors/default-handlers.js';
import type { NatsBus } from '../../src/bus/nats/index.js';
import type { Bus, KvBucket } from '../../src/bus/types.js';
import { useInProcessCluster } from '../support/in-process-cluster.js';
import { bootPayload } from '../support/station-socket.js';

const cluster = useInProcessCluster();

/**
 * The node's real bus, with each write to the `registrations` bucket noted as it is made: `onPut`
 * runs before the write goes to nats-server.
 */
function notingRegistrationWrites(bus: NatsBus, onPut: (identity: string) => void): Bus {
  return new Proxy(bus, {
    get(target, key, receiver) {
      if (key !== 'kv') return Reflect.get(target, key, receiver);
      return async (name: string) => {
        const bucket = await target.kv(name);
        if (name !== 'registrations') return bucket;
        return new Proxy(bucket, {
          get(b, k, r) {
            if (k !== 'put') return Reflect.get(b, k, r);
            return (identity: string, value: Uint8Array) => {
              onPut(identity);
              return b.put(identity, value);
            };
          },
        }) as KvBucket;
      };
    },
  }) as Bus;
}

async function node(nodeId: string, onPut: (identity: string) => void = () => {}) {
  const bus = await cluster.bus(nodeId);
  const csms = registerDefaultHandlers(
    createCsms({
      bus: notingRegistrationWrites(bus, onPut),
      nodeId,
      pingIntervalMs: 0,
      cluster: { leaseMs: 3_000 },
    }),
  );
  cluster.track(csms);
  const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });
  return { csms, url: `ws://127.0.0.1:${port}` };
}

const connect = (url: string, identity: string) => cluster.connect(url, identity);

describe('BootNotification on a cluster', () => {
  it('is answered only after the registration is written to the bus', async () => {
    const answered: string[] = [];
    // What had gone out to the station when the registration write was made.
    const atWrite: string[][] = [];
    const a = await node('boot-A', () => atWrite.push([...answered]));
    a.csms.on('message', ({ message, direction }) => {
      if (direction === 'OUT' && message.type === 3) answered.push(message.messageId);
    });
    const station = await connect(a.url, 'CP-boot-order');
    const answer = await station.call('BootNotification', bootPayload('ocpp1.6'));
    expect(answer).toMatchObject([3, expect.any(String), { status: 'Accepted' }]);
    // The first write of the registration happened before the answer left the node.
    expect(atWrite.length).toBeGreaterThanOrEqual(1);
    expect(atWrite[0]).not.toContain(answer[1]);
    expect(answered).toContain(answer[1]);
  });

  it('a station that reconnects to another node the moment it is Accepted is served there', async () => {
    const [a, b] = await Promise.all([node('boot-A2'), node('boot-B2')]);
    for (let i = 0; i < 20; i++) {
      const id = `CP-quick-${i}`;
      const first = await connect(a.url, id);
      expect(await first.call('BootNotification', bootPayload('ocpp1.6'))).toMatchObject([
        3,
        expect.any(String),
        { status: 'Accepted' },
      ]);
      const second = await connect(b.url, id);
      // Registered on B without booting again: not SecurityError.
      expect(await second.call('Heartbeat', {})).toMatchObject([
        3,
        expect.any(String),
        { currentTime: expect.any(String) },
      ]);
      await first.closed;
    }
  });
});
