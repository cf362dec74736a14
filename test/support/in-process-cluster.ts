/**
 * CSMS nodes in this process on one real nats-server, for cluster tests that need no node process of
 * their own: starts the server for the file, and closes every station socket, CSMS and bus the test
 * opened after each test (sockets first, so nodes close without stations to drain).
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Csms } from '../../src/actors/csms.js';
import { createNatsBus, type NatsBus } from '../../src/bus/nats/index.js';
import { type NatsServer, startNatsServer } from './nats-server.js';
import { connectStation, type StationSocket, type StationSocketOptions } from './station-socket.js';

export interface InProcessCluster {
  /** A bus of node `nodeId` on the file's nats-server, closed after the test. */
  bus(nodeId: string): Promise<NatsBus>;
  /** Close `csms` after the test. */
  track(csms: Csms): Csms;
  /** A raw station socket, closed after the test. */
  connect(url: string, identity: string, options?: StationSocketOptions): Promise<StationSocket>;
}

export function useInProcessCluster(): InProcessCluster {
  let nats: NatsServer;
  const stations: StationSocket[] = [];
  const nodes: Csms[] = [];
  const buses: NatsBus[] = [];
  beforeAll(async () => {
    nats = await startNatsServer();
  }, 20_000);
  afterAll(() => nats?.dispose());
  afterEach(async () => {
    await Promise.all(stations.splice(0).map((s) => s.close()));
    await Promise.all(nodes.splice(0).map((c) => c.close({ drainMs: 0 })));
    await Promise.all(buses.splice(0).map((b) => b.close()));
  });
  return {
    async bus(nodeId) {
      const bus = await createNatsBus({
        servers: nats.url,
        nodeId,
        requestTimeoutMs: 3_000,
        apiTimeoutMs: 2_000,
      });
      buses.push(bus);
      return bus;
    },
    track(csms) {
      nodes.push(csms);
      return csms;
    },
    async connect(url, identity, options) {
      const s = await connectStation(url, identity, options);
      stations.push(s);
      return s;
    },
  };
}
