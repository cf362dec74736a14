import { describe, expect, it } from 'vitest';
import {
  createMemoryBus,
  createMemoryCluster,
  type MemoryClusterOptions,
  QueueFullError,
} from '../../src/bus/index.js';
import { type BusFixture, busConformance, nextOf } from './conformance.js';

/** A clock tests move by hand: no fake timers, no sleeping for TTLs. */
function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

function memoryFixture(opts: MemoryClusterOptions = {}): BusFixture {
  const clock = manualClock();
  const cluster = createMemoryCluster({ now: clock.now, maxPerStation: 5, sweepIntervalMs: 0, ...opts });
  return {
    node: (nodeId) => createMemoryBus({ cluster, nodeId }),
    advance: async (ms) => {
      clock.advance(ms);
      cluster.sweep();
    },
    maxPerStation: 5,
    quietMs: 10,
    dispose: async () => {},
  };
}

busConformance('memory', () => memoryFixture());

describe('memory bus specifics', () => {
  const cmd = (n: number, ttlMs?: number) => ({
    action: 'Reset',
    payload: { n },
    ...(ttlMs ? { ttlMs } : {}),
  });

  it('runs standalone with defaults and a random node id', async () => {
    const bus = createMemoryBus();
    expect(bus.nodeId).toMatch(/^node-/);
    const sub = bus.subscribe('a.*');
    await bus.publish('a.b', Uint8Array.of(7));
    expect((await nextOf(sub)).data).toEqual(Uint8Array.of(7));
    expect((await bus.claim('cs', bus.nodeId)).ok).toBe(true);
    await bus.close();
    expect(sub.closed).toBe(true);
  });

  it('knows an empty station queue without a round trip, and says so only while open', async () => {
    const bus = createMemoryBus();
    expect(bus.knownEmpty('cs')).toBe(true);
    await bus.enqueue('cs', { action: 'Reset', payload: {} });
    expect(bus.knownEmpty('cs')).toBe(false);
    await bus.close();
    expect(bus.knownEmpty('other')).toBe(false);
  });

  it('refuses cluster settings on a bus that joins a cluster', () => {
    const cluster = createMemoryCluster({ sweepIntervalMs: 0 });
    expect(() => createMemoryBus({ cluster, maxPerStation: 3 })).toThrow(/on the cluster/);
  });

  it('defaults enqueuedAt to the cluster clock and snapshots the command', async () => {
    const clock = manualClock(1_000);
    const bus = createMemoryBus({ now: clock.now, sweepIntervalMs: 0 });
    const payload = { n: 1 };
    await bus.enqueue('cs', { action: 'Reset', payload });
    payload.n = 2;
    expect((await bus.peek('cs'))?.command).toEqual({
      action: 'Reset',
      payload: { n: 1 },
      enqueuedAt: 1_000,
    });
    await bus.enqueue('cs', { action: 'Reset', payload, enqueuedAt: 5 });
    expect((await bus.list('cs'))[1]?.command.enqueuedAt).toBe(5);
    await bus.close();
  });

  it('a full queue first reclaims expired commands, and sweep drops them with no consumer', async () => {
    const clock = manualClock();
    const bus = createMemoryBus({ now: clock.now, maxPerStation: 2, sweepIntervalMs: 0 });
    const expired = bus.subscribe('_bus.command.expired');
    await bus.enqueue('cs', cmd(1, 100));
    await bus.enqueue('cs', cmd(2));
    await expect(bus.enqueue('cs', cmd(3))).rejects.toBeInstanceOf(QueueFullError);
    clock.advance(100);
    await bus.enqueue('cs', cmd(3)); // room made by dropping n=1
    expect((await bus.list('cs')).map((q) => q.command.payload)).toEqual([{ n: 2 }, { n: 3 }]);
    await bus.enqueue('other', cmd(9, 50));
    clock.advance(50);
    bus.sweep();
    expect(await bus.size('other')).toBe(0);
    expect(expired.pending).toBe(2);
    expect(bus.cluster.stats.expired).toBe(2);
    await bus.close();
  });

  it('never expires the command in flight behind its consumer', async () => {
    const clock = manualClock();
    const bus = createMemoryBus({ now: clock.now, sweepIntervalMs: 0 });
    await bus.enqueue('cs', cmd(1, 100));
    const d = await nextOf(bus.consume('cs'));
    clock.advance(500);
    bus.sweep();
    expect(await bus.size('cs')).toBe(1);
    await d.ack();
    expect(await bus.size('cs')).toBe(0);
    await bus.close();
  });

  it('bounds the de-duplication window and counts evictions', async () => {
    const bus = createMemoryBus({ maxDedupKeys: 3, sweepIntervalMs: 0 });
    for (const k of ['k1', 'k2', 'k3', 'k4']) expect(await bus.remember(k, 60_000)).toBe(true);
    expect(bus.cluster.stats).toMatchObject({ dedupKeys: 3, dedupEvicted: 1 });
    expect(await bus.remember('k4', 60_000)).toBe(false);
    expect(await bus.remember('k1', 60_000)).toBe(true); // forgotten: the price of the bound
    await expect(bus.remember('k', 0)).rejects.toBeInstanceOf(RangeError);
    await bus.close();
  });

  it('sweeps expired keys as new ones arrive, without a timer', async () => {
    const clock = manualClock();
    const bus = createMemoryBus({ now: clock.now, sweepIntervalMs: 0 });
    for (let i = 0; i < 5; i++) await bus.remember(`old-${i}`, 10);
    clock.advance(10);
    await bus.remember('new', 10);
    expect(bus.cluster.stats.dedupKeys).toBe(1);
    await bus.close();
  });

  it('uses the default lease of the cluster', async () => {
    const clock = manualClock(0);
    const bus = createMemoryBus({ now: clock.now, leaseMs: 30_000, sweepIntervalMs: 0 });
    expect(await bus.claim('cs', bus.nodeId)).toEqual({ ok: true, revision: 1, expiresAt: 30_000 });
    expect(await bus.owner('cs')).toEqual({
      station: 'cs',
      owner: bus.nodeId,
      revision: 1,
      expiresAt: 30_000,
    });
    clock.advance(30_000);
    expect(await bus.owner('cs')).toBeUndefined();
    await expect(bus.claim('cs', 'x', { leaseMs: -1 })).rejects.toBeInstanceOf(RangeError);
    await bus.close();
  });

  it('leaseMs: null claims without expiry, whatever the default lease', async () => {
    const clock = manualClock(0);
    const bus = createMemoryBus({ now: clock.now, leaseMs: 1_000, sweepIntervalMs: 0 });
    expect(await bus.claim('cs', bus.nodeId, { leaseMs: null })).toEqual({ ok: true, revision: 1 });
    clock.advance(60_000);
    expect(await bus.owner('cs')).toEqual({ station: 'cs', owner: bus.nodeId, revision: 1 });
    await bus.close();
  });

  it('counts queue traffic in cluster stats', async () => {
    const bus = createMemoryBus({ sweepIntervalMs: 0 });
    await bus.enqueue('cs', cmd(1));
    await bus.enqueue('cs', cmd(2));
    const consumer = bus.consume('cs');
    await (await nextOf(consumer)).nack();
    await (await nextOf(consumer)).ack();
    await (await nextOf(consumer)).term();
    await bus.publish('s', {});
    expect(bus.cluster.stats).toMatchObject({
      enqueued: 2,
      acked: 1,
      terminated: 1,
      redelivered: 1,
      published: 1,
    });
    await bus.close();
  });

  it('keeps the sweep timer only while a bus is attached', async () => {
    const cluster = createMemoryCluster({ sweepIntervalMs: 5, leaseMs: 1 });
    const a = createMemoryBus({ cluster, nodeId: 'a' });
    const w = a.watch();
    await a.claim('cs', 'a');
    expect((await nextOf(w)).op).toBe('claim');
    expect((await nextOf(w)).op).toBe('expire'); // emitted by the periodic sweep, nobody read it
    await a.close();
  });
});
