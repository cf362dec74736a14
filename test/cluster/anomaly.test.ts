/**
 * The anomaly plugin on a cluster: two CSMS nodes (in this process) on one real nats-server. A station
 * that moves to the other node is evicted on the first with `replacement.node` set and no address: a
 * reconnect, never an identity collision; two sockets of one identity on one node from different
 * addresses still are one.
 */
import { describe, expect, it } from 'vitest';
import { type Csms, createCsms } from '../../src/actors/csms.js';
import { registerDefaultHandlers } from '../../src/actors/default-handlers.js';
import { anomalyPlugin } from '../../src/plugins/index.js';
import { nextEvent, record } from '../support/events.js';
import { useInProcessCluster } from '../support/in-process-cluster.js';
import { bootPayload } from '../support/station-socket.js';

const cluster = useInProcessCluster();

interface ClusterNode {
  readonly csms: Csms;
  readonly url: string;
  readonly collisions: () => unknown[];
}

async function node(nodeId: string): Promise<ClusterNode> {
  const bus = await cluster.bus(nodeId);
  const csms = registerDefaultHandlers(
    createCsms({
      bus,
      nodeId,
      pingIntervalMs: 0,
      cluster: { leaseMs: 3_000 },
      // Threshold 1: any eviction the plugin counted as a collision is flagged at once.
      plugins: [anomalyPlugin({ collisionThreshold: 1 })],
    }),
  );
  cluster.track(csms);
  const events = record(csms, 'securityEvent');
  const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });
  return {
    csms,
    url: `ws://127.0.0.1:${port}`,
    collisions: () => events.securityEvent.filter((e) => e.type === 'ANOMALY_IDENTITY_COLLISION'),
  };
}

const connect = (n: ClusterNode, identity: string, localAddress = '127.0.0.1') =>
  cluster.connect(n.url, identity, { localAddress });

describe('anomalyPlugin on a cluster', () => {
  it('a station moving between nodes is no identity collision; two sockets of it on one node from two addresses are', async () => {
    const [a, b] = await Promise.all([node('anomaly-A'), node('anomaly-B')]);
    const id = 'CP-moving';
    const first = await connect(a, id);
    expect(await first.call('BootNotification', bootPayload('ocpp1.6'))).toMatchObject([
      3,
      expect.any(String),
      { status: 'Accepted' },
    ]);

    // To B and back to A: each node evicts it naming the other node, which holds it now. (Its frames
    // are not the point here: right after a boot, the registration's write to the bus may still be
    // under way when the other node reads it.)
    const moved = async (from: ClusterNode, to: ClusterNode, node: string) => {
      const evicted = nextEvent(from.csms, 'evicted', (e) => e.station.identity === id, 10_000);
      const connected = nextEvent(to.csms, 'connected', (e) => e.station.identity === id, 10_000);
      await connect(to, id);
      expect((await evicted).replacement).toEqual({ identity: id, node });
      await connected;
    };
    await moved(a, b, 'anomaly-B');
    await moved(b, a, 'anomaly-A');
    expect(a.collisions()).toEqual([]);
    expect(b.collisions()).toEqual([]);

    // Another host takes the identity over on A itself: that is a collision, flagged on A only.
    const evicted = nextEvent(a.csms, 'evicted', (e) => e.station.identity === id, 10_000);
    await connect(a, id, '127.0.0.2');
    expect((await evicted).replacement).toMatchObject({ identity: id, remoteAddress: '127.0.0.2' });
    expect(a.collisions()).toMatchObject([
      { identity: id, remoteAddress: '127.0.0.2', details: { count: 1, plugin: 'anomaly' } },
    ]);
    expect(b.collisions()).toEqual([]);
  }, 30_000);
});
