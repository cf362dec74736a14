import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusConnectError, BusUnavailableError } from '../../src/bus/errors.js';
import { createNatsBus, type NatsBus } from '../../src/bus/nats/index.js';
import type { NatsBusOptions } from '../../src/bus/nats/options.js';
import { deleteStreams, freePort, type NatsServer, startNatsServer } from '../support/nats-server.js';
import { type BusFixture, busConformance, nextOf, until } from './conformance.js';

let server: NatsServer;
let fixtures = 0;

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.dispose();
});

/** Each fixture is a fresh cluster on the shared server: its own prefix, so its own streams. */
function natsFixture(
  extra: Partial<NatsBusOptions> = {},
): BusFixture & { node(nodeId: string, more?: Partial<NatsBusOptions>): Promise<NatsBus> } {
  const prefix = `T${++fixtures}_`;
  return {
    node: (nodeId: string, more: Partial<NatsBusOptions> = {}) =>
      createNatsBus({
        servers: server.url,
        nodeId,
        prefix,
        maxPerStation: 5,
        sweepIntervalMs: 50,
        storage: 'memory',
        eventRetention: { maxBytes: 8 * 1024 ** 2 },
        ...extra,
        ...more,
      }),
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    maxPerStation: 5,
    quietMs: 150,
    dispose: () => deleteStreams(server.url, prefix),
  };
}

busConformance('nats', () => natsFixture());

describe('NATS bus specifics', () => {
  it('an unreachable server is a BusConnectError naming the URL', async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const err = await createNatsBus({ servers: url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusConnectError);
    expect(err).toMatchObject({ code: 'CONNECT_FAILED', servers: [url] });
    expect((err as Error).message).toContain(url);
  });

  it('the per-station bound holds on the server: discard_new_per_subject, not dropping the oldest', async () => {
    const fx = natsFixture();
    const bus = await fx.node('solo');
    for (let n = 1; n <= 5; n++) await bus.enqueue('cs', { action: 'Reset', payload: { n } });
    await expect(bus.enqueue('cs', { action: 'Reset', payload: { n: 6 } })).rejects.toMatchObject({
      code: 'QUEUE_FULL',
    });
    expect((await bus.list('cs')).map((q) => (q.command.payload as { n: number }).n)).toEqual([
      1, 2, 3, 4, 5,
    ]);
    await bus.close();
  });

  it('leaseMs: null claims without expiry, whatever the default lease', async () => {
    let now = 1_000;
    const bus = await natsFixture({ leaseMs: 1_000, now: () => now }).node('n');
    const leased = await bus.claim('cs-l', 'n');
    const kept = await bus.claim('cs-k', 'n', { leaseMs: null });
    expect(leased).toMatchObject({ ok: true, expiresAt: 2_000 });
    expect(kept).toEqual({ ok: true, revision: expect.any(Number) });
    now += 60_000;
    expect(await bus.owner('cs-l')).toBeUndefined();
    expect(await bus.owner('cs-k')).toMatchObject({ owner: 'n' });
    await bus.close();
  });

  it('bounds the de-duplication keys on the server, forgetting the oldest first', async () => {
    const bus = await natsFixture({ maxDedupKeys: 3 }).node('d');
    for (const k of ['k1', 'k2', 'k3', 'k4']) expect(await bus.remember(k, 60_000)).toBe(true);
    expect(await bus.remember('k4', 60_000)).toBe(false);
    expect(await bus.remember('k1', 60_000)).toBe(true); // forgotten: the price of the bound
    await expect(bus.remember('k', 0)).rejects.toBeInstanceOf(RangeError);
    await bus.close();
  });

  it('pipelines publishes: many in flight, none lost, bounded', async () => {
    const bus = (await natsFixture({ maxInFlight: 64, maxBuffered: 100_000 }).node('p')) as NatsBus;
    const sub = bus.subscribe('load.>', { bufferSize: 20_000 });
    await sub.ready;
    const acks = await Promise.all(
      Array.from({ length: 5_000 }, (_, n) => bus.publish(`load.${n % 7}`, { n })),
    );
    expect(new Set(acks.map((a) => a.seq)).size).toBe(5_000);
    await until(() => sub.pending === 5_000, 5_000);
    expect(bus.stats()).toMatchObject({ published: 5_000, inFlight: 0, buffered: 0, bufferFull: 0 });
    await bus.close();
  });

  it('refuses, counts and reports publishes past the in-flight window and its buffer', async () => {
    const bus = (await natsFixture({ maxInFlight: 2, maxBuffered: 3 }).node('p')) as NatsBus;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, n) => bus.publish('bp.x', { n })),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBe(15);
    for (const r of refused)
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'BACKPRESSURE' });
    expect(bus.stats()).toMatchObject({ published: 5, bufferFull: 15 });
    await bus.close();
  });
});

describe('NATS server restarted mid-traffic', () => {
  it('reconnects and loses nothing it acknowledged', async () => {
    const own = await startNatsServer();
    try {
      const opts = { servers: own.url, prefix: 'R', maxPerStation: 1_000 } as const;
      const a = await createNatsBus({ ...opts, nodeId: 'a' });
      const acked: number[] = [];
      let stop = false;
      const traffic = (async () => {
        for (let n = 0; !stop; n++) {
          try {
            await a.enqueue('cs', { action: 'DataTransfer', payload: { n } });
            acked.push(n);
          } catch {
            // refused during the outage: not acknowledged, so not expected back
          }
        }
      })();
      await until(() => acked.length >= 50, 5_000);
      await own.restart();
      const before = acked.length;
      await until(() => acked.length >= before + 50, 15_000);
      stop = true;
      await traffic;
      const b = await createNatsBus({ ...opts, nodeId: 'b' });
      const consumer = b.consume('cs');
      const got = new Set<number>();
      // A publish refused during the outage may still have been stored (its
      // acknowledgement was what got lost), so the queue can hold more than
      // `acked`: read until every acknowledged one is back, not by count.
      const missing = () => acked.some((n) => !got.has(n));
      while (missing()) {
        const d = await nextOf(consumer, 5_000);
        got.add((d.command.payload as { n: number }).n);
        await d.ack();
      }
      for (const n of acked) expect(got.has(n)).toBe(true);
      await a.close();
      await b.close();
    } finally {
      await own.dispose();
    }
  }, 60_000);
});

describe('NATS server lost while serving', () => {
  it('reports the outage with BusUnavailableError (never a guessed answer) and recovers', async () => {
    const own = await startNatsServer();
    try {
      const bus = await createNatsBus({ servers: own.url, prefix: 'O', nodeId: 'a', apiTimeoutMs: 300 });
      expect(await bus.claimCall('cs', 'm-1', 60_000)).toEqual({ first: true });
      const durable = bus.durable('audit', 'o.>');
      const live = bus.subscribe('o.>');
      const watch = bus.watch();
      await Promise.all([durable.ready, live.ready, watch.ready]);
      await bus.publish('o.before', { n: 1 });
      await own.stop();
      // A CALL de-duplication that cannot ask the bus must not claim "first" (fail open).
      await expect(bus.claimCall('cs', 'm-2', 60_000)).rejects.toBeInstanceOf(BusUnavailableError);
      await expect(bus.publish('o.during', { n: 2 })).rejects.toBeInstanceOf(BusUnavailableError);
      await expect(bus.enqueue('cs', { action: 'Reset', payload: {} })).rejects.toBeInstanceOf(
        BusUnavailableError,
      );
      expect(bus.stats()).toMatchObject({ connected: false, disconnects: 1 });
      expect(bus.stats().errors).toBeGreaterThanOrEqual(3);
      await own.start();
      await until(
        async () => (await bus.claimCall('cs', 'm-1', 60_000).catch(() => undefined)) !== undefined,
        10_000,
      );
      expect(await bus.claimCall('cs', 'm-1', 60_000)).toEqual({ first: false }); // kept across the restart
      expect(bus.stats().connected).toBe(true);
      await bus.publish('o.after', { n: 3 });
      const seen = [await nextOf(durable, 10_000), await nextOf(durable, 10_000)];
      expect(seen.map((d) => d.subject)).toEqual(['o.before', 'o.after']);
      for (const d of seen) await d.ack();
      // The subscription and the watch continue on the restarted server at once, not after the
      // client's missed-heartbeat detection (~14 s with the defaults).
      expect((await nextOf(live, 3_000)).subject).toBe('o.before');
      expect((await nextOf(live, 3_000)).subject).toBe('o.after');
      await bus.claim('after', 'a');
      expect((await nextOf(watch, 3_000)).station).toBe('after');
      await bus.close();
    } finally {
      await own.dispose();
    }
  }, 60_000);
});
