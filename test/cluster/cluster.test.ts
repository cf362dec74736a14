import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNatsBus } from '../../src/bus/nats/index.js';
import type { EventDelivery } from '../../src/bus/types.js';
import { type NatsServer, startNatsServer } from '../support/nats-server.js';
import { NodeProcess, RawStation, type RemoteError } from './harness.js';

/**
 * CSMS nodes as separate processes on one private nats-server: what a user of a cluster sees when
 * calls cross nodes, stations move, a node is killed and NATS restarts.
 */
let nats: NatsServer;
let nodes: NodeProcess[] = [];
let stations: RawStation[] = [];
let seq = 0;

beforeAll(async () => {
  nats = await startNatsServer();
}, 20_000);
afterAll(() => nats?.dispose());
afterEach(async () => {
  for (const s of stations) s.close();
  await Promise.all(nodes.map((n) => n.stop()));
  nodes = [];
  stations = [];
});

async function twoNodes(): Promise<[NodeProcess, NodeProcess]> {
  const prefix = `t${++seq}`;
  const [a, b] = await Promise.all([
    NodeProcess.start(nats.url, `${prefix}-A`),
    NodeProcess.start(nats.url, `${prefix}-B`),
  ]);
  nodes.push(a, b);
  return [a, b];
}

async function bootedOn(node: NodeProcess, identity: string): Promise<RawStation> {
  const s = await RawStation.connect(node.url(identity));
  stations.push(s);
  const answer = await s.boot();
  expect(answer[2]).toMatchObject({ status: 'Accepted' });
  return s;
}

describe('a cluster of CSMS nodes on NATS', () => {
  it('routes a call to the node that holds the station; a station nobody holds fails fast', async () => {
    const [a, b] = await twoNodes();
    const id = `CP-route-${seq}`;
    const s = await bootedOn(a, id);
    s.answer = (action) => (action === 'Reset' ? { status: 'Rejected' } : undefined);
    // B learns the claim through the ownership watch.
    await expect
      .poll(() =>
        b.request('call', { identity: id, action: 'Reset', payload: { type: 'Soft' } }).catch((e) => e),
      )
      .toEqual({ status: 'Rejected' });
    const started = Date.now();
    const missing = await b
      .request('call', { identity: 'CP-nobody', action: 'Reset', payload: { type: 'Soft' } })
      .catch((e: RemoteError) => e);
    expect(missing).toMatchObject({ name: 'StationNotConnectedError', code: 'STATION_NOT_CONNECTED' });
    expect(Date.now() - started).toBeLessThan(1_000);
    // The station's CALLERROR comes back as the same typed error on the calling node.
    s.answer = undefined;
    s.ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      if (f[0] === 2) s.ws.send(JSON.stringify([4, f[1], 'NotSupported', 'no', {}]));
    });
    const refused = await b
      .request('call', { identity: id, action: 'Reset', payload: { type: 'Hard' } })
      .catch((e: RemoteError) => e);
    expect(refused).toMatchObject({ name: 'RpcError', kind: 'NotSupported' });
    // A node closing releases what it holds: nobody owns the station until it reconnects.
    await a.stop();
    expect(await b.request('owner', { identity: id })).toBeNull();
  }, 30_000);

  it('a station reconnecting on node B: A closes the old socket (4000, naming B), B serves it at once', async () => {
    const [a, b] = await twoNodes();
    const id = `CP-move-${seq}`;
    const first = await bootedOn(a, id);
    const second = await RawStation.connect(b.url(id));
    stations.push(second);
    const closed = await first.closed;
    expect(closed.code).toBe(4000);
    expect(closed.reason).toContain(b.nodeId);
    // A's `evicted` event names the node that holds the station now.
    const evicted = await a.waitFor((e) => e.event === 'evicted' && e.identity === id);
    expect(evicted.station).toMatchObject({ identity: id, protocol: 'ocpp1.6' });
    expect(evicted.replacement).toEqual({ identity: id, node: b.nodeId });
    // No new boot: the registration moved with the ownership.
    const hb = await second.call('Heartbeat', {});
    expect(hb[0]).toBe(3);
    // Exactly one owner: a call from A now goes to B's socket.
    await expect
      .poll(() =>
        a.request('call', { identity: id, action: 'Reset', payload: { type: 'Soft' } }).catch((e) => e),
      )
      .toEqual({ status: 'Accepted' });
    expect(second.received.some((f) => f[0] === 2 && f[2] === 'Reset')).toBe(true);
    expect(first.received.some((f) => f[0] === 2 && f[2] === 'Reset')).toBe(false);
  }, 30_000);

  it('answers a CALL retried on another node with the first answer; the handler runs once', async () => {
    const [a, b] = await twoNodes();
    const id = `CP-dup-${seq}`;
    const first = await bootedOn(a, id);
    const payload = { vendorId: 'V', messageId: 'x', data: 'once' };
    const original = await first.call('DataTransfer', payload, 'dup-1');
    expect(original[2]).toEqual({ status: 'Accepted', data: `${a.nodeId}:1` });
    first.close();
    const again = await RawStation.connect(b.url(id));
    stations.push(again);
    const retried = await again.call('DataTransfer', payload, 'dup-1');
    expect(retried).toEqual(original);
    expect(await b.request('stats')).toMatchObject({ runs: 0 });
    // A new message id is a new CALL.
    const fresh = await again.call('DataTransfer', payload, 'dup-2');
    expect(fresh[2]).toEqual({ status: 'Accepted', data: `${b.nodeId}:1` });
  }, 30_000);

  it('a node killed mid-flush: the unacked command is delivered once more, on the other node, and answered once', async () => {
    const [a, b] = await twoNodes();
    const id = `CP-kill-${seq}`;
    const onA = await bootedOn(a, id);
    onA.answer = undefined; // holds the command: A is mid-flush when it dies
    await b.request('enqueue', { identity: id, action: 'Reset', payload: { type: 'Soft' } });
    const sent = await onA.waitFor((f) => f[0] === 2 && f[2] === 'Reset');
    await a.kill('SIGKILL');
    const onB = await RawStation.connect(b.url(id));
    stations.push(onB);
    const again = await onB.waitFor((f) => f[0] === 2 && f[2] === 'Reset');
    expect(again[3]).toEqual(sent[3]);
    const delivered = await b.waitFor((e) => e.event === 'commandDelivered' && e.identity === id);
    expect(delivered.response).toEqual({ status: 'Accepted' });
    // Delivered once more, not twice: nothing else arrives and the queue is empty.
    await expect.poll(() => b.request<{ bus: { acked: number } }>('stats').then((s) => s.bus.acked)).toBe(1);
    expect(onB.received.filter((f) => f[0] === 2 && f[2] === 'Reset')).toHaveLength(1);
  }, 30_000);

  it("a killed node's stations: calls for them fail fast, and its leases lapse within leaseMs", async () => {
    const [a, b] = await twoNodes();
    const id = `CP-lapse-${seq}`;
    await bootedOn(a, id);
    await expect
      .poll(() => b.request('owner', { identity: id }).then((o) => (o as { owner: string }).owner))
      .toBe(a.nodeId);
    await a.kill('SIGKILL');
    const killedAt = Date.now();
    const started = Date.now();
    const missing = await b
      .request('call', { identity: id, action: 'Reset', payload: { type: 'Soft' } })
      .catch((e: RemoteError) => e);
    expect(missing).toMatchObject({ name: 'StationNotConnectedError' });
    expect(Date.now() - started).toBeLessThan(1_000);
    // node-process.ts sets leaseMs 3 s: the claim reads as gone after it, without the dead node's help.
    await expect
      .poll(() => b.request('owner', { identity: id }), { timeout: 8_000, interval: 100 })
      .toBeNull();
    expect(Date.now() - killedAt).toBeLessThan(3_000 + 2_000);
  }, 30_000);

  it('upkeep is one lease write per node per third of a lease, whatever the number of stations', async () => {
    const [a] = await twoNodes();
    const count = 30;
    await Promise.all(Array.from({ length: count }, (_, i) => bootedOn(a, `CP-scale-${seq}-${i}`)));
    const { connect } = await import('nats');
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await nc.jetstreamManager();
      const lastSeq = async (stream: string) => (await jsm.streams.info(stream)).state.last_seq;
      const revisions = () =>
        Promise.all(
          Array.from({ length: count }, (_, i) =>
            b!.request<{ revision: number } | null>('owner', { identity: `CP-scale-${seq}-${i}` }),
          ),
        );
      const [, b] = nodes;
      const claims = await revisions();
      expect(claims.every((c) => c !== null)).toBe(true);
      const leases = await lastSeq('KV_OCPP_kv_nodes');
      // node-process.ts: leaseMs 3 s, so each node writes its lease about once a second. Two
      // rounds of both nodes' lease writes later, not one claim of the 30 stations was rewritten.
      await expect
        .poll(() => lastSeq('KV_OCPP_kv_nodes'), { timeout: 10_000, interval: 100 })
        .toBeGreaterThanOrEqual(leases + 4);
      expect(await revisions()).toEqual(claims);
      // And the stations are still held by A: B routes to them.
      await expect
        .poll(() =>
          b!
            .request('call', { identity: `CP-scale-${seq}-7`, action: 'Reset', payload: { type: 'Soft' } })
            .catch((e) => e),
        )
        .toEqual({ status: 'Accepted' });
    } finally {
      await nc.close();
    }
  }, 30_000);

  it('a station that never returns: its registration is dropped from the bus within registrationTtlMs', async () => {
    const [a, b] = await twoNodes();
    const id = `CP-gone-${seq}`;
    await bootedOn(a, id);
    await expect
      .poll(() => b.request('registration', { identity: id }))
      .toMatchObject({ status: 'Accepted' });
    // A closes: it releases the station and keeps the registration for the station's next node.
    await a.stop();
    expect(await b.request('registration', { identity: id })).toMatchObject({ status: 'Accepted' });
    // node-process.ts: registrationTtlMs 4 s, swept by B (the only live node) every 3 s.
    await expect
      .poll(() => b.request('registration', { identity: id }), { timeout: 15_000, interval: 200 })
      .toBeNull();
  }, 30_000);

  it('a station connected for longer than registrationTtlMs keeps its registration: served at once after its node dies', async () => {
    const [a, b] = await twoNodes();
    const id = `CP-long-${seq}`;
    await bootedOn(a, id);
    await expect.poll(() => b.request('registration', { identity: id })).not.toBeNull();
    const first = await b.request<{ expiresAt: number }>('registration', { identity: id });
    // Outlive the first entry's ttl: the holder writes it again before it lapses.
    await expect
      .poll(() => b.request<{ expiresAt: number }>('registration', { identity: id }), {
        timeout: 15_000,
        interval: 200,
      })
      .toMatchObject({ expiresAt: expect.toSatisfy((at: number) => at > first.expiresAt + 2_000) });
    await a.kill('SIGKILL');
    const again = await RawStation.connect(b.url(id));
    stations.push(again);
    expect((await again.call('Heartbeat', {}))[0]).toBe(3);
  }, 30_000);

  it('NATS restarted mid-traffic: routed calls resume and a command queued before the outage is delivered', async () => {
    const [a, b] = await twoNodes();
    const id = `CP-restart-${seq}`;
    const s = await bootedOn(a, id);
    await expect
      .poll(() =>
        b.request('call', { identity: id, action: 'Reset', payload: { type: 'Soft' } }).catch((e) => e),
      )
      .toEqual({ status: 'Accepted' });
    s.answer = undefined;
    await b.request('enqueue', { identity: id, action: 'ClearCache', payload: {} });
    await s.waitFor((f) => f[0] === 2 && f[2] === 'ClearCache');
    await nats.restart();
    // Local service never stopped: the station is still answered by A.
    expect((await s.call('Heartbeat', {}))[0]).toBe(3);
    s.answer = () => ({ status: 'Accepted' });
    // The unacked command comes again after the ack wait and is answered.
    await a.waitFor((e) => e.event === 'commandDelivered' && e.identity === id, 15_000);
    await expect
      .poll(
        () => b.request('call', { identity: id, action: 'Reset', payload: { type: 'Soft' } }).catch((e) => e),
        {
          timeout: 15_000,
          interval: 250,
        },
      )
      .toEqual({ status: 'Accepted' });
  }, 45_000);

  it('NATS lost while serving: local stations keep being served, bus work is refused and reported, then resumes', async () => {
    const [a, b] = await twoNodes();
    const id = `CP-lost-${seq}`;
    const s = await bootedOn(a, id);
    await nats.stop();
    try {
      // Served by A without the bus: the CALL is answered and its de-duplication reported as skipped.
      const answered = await s.call('DataTransfer', { vendorId: 'V', data: 'offline' });
      expect(answered[2]).toEqual({ status: 'Accepted', data: `${a.nodeId}:1` });
      await a.waitFor((e) => e.event === 'clusterError' && e.operation === 'claimCall');
      // Nothing is acknowledged that the bus did not store.
      const refused = await a
        .request('enqueue', { identity: id, action: 'ClearCache', payload: {} })
        .catch((e: RemoteError) => e);
      expect(refused).toMatchObject({ name: 'BusUnavailableError' });
    } finally {
      await nats.start();
    }
    await expect
      .poll(
        () => b.request('call', { identity: id, action: 'Reset', payload: { type: 'Soft' } }).catch((e) => e),
        {
          timeout: 15_000,
          interval: 250,
        },
      )
      .toEqual({ status: 'Accepted' });
  }, 45_000);

  it('publishes runtime events to ocpp.evt.<identity>.<kind> for a durable reader on any node', async () => {
    const [a] = await twoNodes();
    const id = `CP-events-${seq}`;
    const reader = await createNatsBus({ servers: nats.url, nodeId: 'reader' });
    try {
      const audit = reader.durable(`audit-${seq}`, `ocpp.evt.${id}.>`);
      await audit.ready;
      const s = await bootedOn(a, id);
      s.close();
      const seen: EventDelivery[] = [];
      for await (const e of audit) {
        seen.push(e);
        await e.ack();
        if (e.subject.endsWith('.disconnected')) break;
      }
      const kinds = seen.map((e) => e.subject.split('.').at(-1));
      expect(kinds).toEqual(['connected', 'message', 'message', 'registered', 'disconnected']);
      expect(seen.every((e) => e.origin === a.nodeId)).toBe(true);
      expect(seen[1]!.data).toMatchObject({
        station: { identity: id, protocol: 'ocpp1.6' },
        direction: 'IN',
        message: { type: 2, action: 'BootNotification', payload: { chargePointVendor: 'V' } },
      });
    } finally {
      await reader.close();
    }
  }, 30_000);

  it('a slow event consumer never slows the node: what it has not read waits on the bus', async () => {
    const [a] = await twoNodes();
    const id = `CP-slow-${seq}`;
    const reader = await createNatsBus({ servers: nats.url, nodeId: 'slow-reader' });
    try {
      const slow = reader.durable(`slow-${seq}`, `ocpp.evt.${id}.message`, { maxAckPending: 1 });
      await slow.ready;
      const s = await bootedOn(a, id);
      // Answered while the reader has read nothing at all.
      for (let i = 0; i < 20; i++) expect((await s.call('Heartbeat', {}))[0]).toBe(3);
      let read = 0;
      for await (const e of slow) {
        await e.ack();
        if (++read === 42) break; // boot CALL + answer, then 20 heartbeats in and out
      }
      expect(read).toBe(42);
    } finally {
      await reader.close();
    }
  }, 30_000);
});
