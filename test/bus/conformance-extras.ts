import { expect, it } from 'vitest';
import {
  BusError,
  BusRemoteError,
  KvConflictError,
  NoRespondersError,
  RequestTimeoutError,
} from '../../src/bus/errors.js';
import { stationSubject } from '../../src/bus/subject.js';
import type { BusData, EventDelivery } from '../../src/bus/types.js';
import { type Ctx, nextOf, stillPending } from './conformance.js';

/** Identities NATS cannot take as subject tokens or KV keys as they are. */
const ODD_IDENTITIES = ['a.b', '*', '>', 'with space', 'ünï📦', '', '_5F', 'a_5F', 'CP-001', 'x/y\\z'];
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const nOf = (d: EventDelivery) => (d.data as { n: number }).n;

export function extrasConformance(get: () => Ctx): void {
  it('keeps free-form identities apart in queues, ownership and event subjects', async () => {
    const { a, b } = get();
    const subs = ODD_IDENTITIES.map((id) => b.subscribe(stationSubject('ocpp.evt', id, 'in')));
    await Promise.all(subs.map((s) => s.ready));
    for (const id of ODD_IDENTITIES) {
      await a.enqueue(id, { action: 'Reset', payload: { id } });
      expect((await a.claim(id, 'a')).ok).toBe(true);
      await a.publish(stationSubject('ocpp.evt', id, 'in'), { id });
    }
    for (const [i, id] of ODD_IDENTITIES.entries()) {
      expect(await b.size(id)).toBe(1);
      expect((await b.owner(id))?.owner).toBe('a');
      const d = await nextOf(b.consume(id));
      expect([d.station, d.command.payload]).toEqual([id, { id }]);
      await d.ack();
      expect((await nextOf(subs[i] as AsyncIterator<{ data: BusData }>)).data).toEqual({ id });
    }
  });

  it('request/reply reaches a service on another node; typed errors for none, slow and failing', async () => {
    const { a, b } = get();
    const echo = b.serve('route.*', async (data, subject) => ({ echo: data, subject }));
    const slow = b.serve('slow.x', () => new Promise<BusData>(() => {}));
    const failing = b.serve('fail.x', () => {
      throw Object.assign(new Error('station gone'), {
        name: 'StationNotConnectedError',
        code: 'NOT_CONNECTED',
      });
    });
    await Promise.all([echo.ready, slow.ready, failing.ready]);
    expect(await a.request('route.cs1', { n: 1 })).toEqual({ echo: { n: 1 }, subject: 'route.cs1' });
    const raw = b.serve('raw.x', (data) => data);
    await raw.ready;
    expect(Array.from((await a.request('raw.x', Uint8Array.of(1, 2))) as Uint8Array)).toEqual([1, 2]);

    const started = Date.now();
    await expect(a.request('nobody.x', {}, { timeoutMs: 5_000 })).rejects.toBeInstanceOf(NoRespondersError);
    expect(Date.now() - started).toBeLessThan(2_000); // known at once, not at the timeout
    const timedOut = await a.request('slow.x', {}, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(RequestTimeoutError);
    expect(timedOut).toMatchObject({ code: 'REQUEST_TIMEOUT', timeoutMs: 150 });
    const failed = await a.request('fail.x', {}).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(BusRemoteError);
    expect(failed).toMatchObject({ remoteName: 'StationNotConnectedError', remoteCode: 'NOT_CONNECTED' });

    await echo.stop();
    expect(echo.closed).toBe(true);
    await expect(a.request('route.cs1', {})).rejects.toBeInstanceOf(NoRespondersError);
    await slow.stop();
    await b.close(); // stops its services: nobody answers any more
    await expect(a.request('fail.x', {})).rejects.toBeInstanceOf(NoRespondersError);
    expect(failing.closed).toBe(true);
  });

  it('a durable consumer keeps un-acked events for the next reader, on any node', async () => {
    const { a, b, fx } = get();
    await b.publish('aud.cs1', { n: 0 }); // before the consumer exists: not kept
    const first = a.durable('audit', 'aud.>');
    await first.ready;
    for (let n = 1; n <= 3; n++) await b.publish(`aud.cs${n}`, { n });
    const d1 = await nextOf(first);
    expect([nOf(d1), d1.deliveryCount, d1.subject, d1.origin]).toEqual([1, 1, 'aud.cs1', 'b']);
    await d1.ack();
    const d2 = await nextOf(first);
    expect(nOf(d2)).toBe(2);
    await first.return(); // d2 un-acked: kept for the next reader
    await d2.ack(); // stale: ignored
    await b.publish('aud.cs4', { n: 4 }); // while nobody reads: kept

    const resumed = b.durable('audit', 'aud.>');
    await resumed.ready;
    // At least once, not in order: a redelivery may come before or after newer events.
    const got = new Map<number, EventDelivery>();
    while (got.size < 3) {
      const d = await nextOf(resumed);
      got.set(nOf(d), d);
    }
    expect([...got.keys()].sort()).toEqual([2, 3, 4]);
    expect(got.get(2)?.deliveryCount).toBeGreaterThanOrEqual(2);
    await got.get(4)?.nack();
    const again = await nextOf(resumed);
    expect([nOf(again), again.deliveryCount]).toEqual([4, 2]);
    for (const d of [...got.values(), again]) await d.ack();
    await resumed.return();

    const later = a.durable('audit', 'aud.>');
    await later.ready;
    expect(await stillPending(fx, later.next())).toBe(true);
    await later.return();
    await expect(Promise.resolve().then(() => a.durable('audit', 'other.>').ready)).rejects.toBeInstanceOf(
      BusError,
    );
    expect(await a.deleteDurable('audit')).toBe(true);
    expect(await a.deleteDurable('audit')).toBe(false);
  });

  it('kv: create, update by revision, put, delete and keys by prefix, shared by every node', async () => {
    const { a, b } = get();
    const ka = await a.kv('sessions');
    const kb = await b.kv('sessions');
    const key = 'cp/1 ü.*>';
    const r1 = await ka.create(key, bytes('v1'));
    const conflict = await kb.create(key, bytes('v2')).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(KvConflictError);
    expect(conflict).toMatchObject({ name: 'KvConflictError', key, expectedRevision: 0 });
    const seen = await kb.get(key);
    expect([text(seen?.value ?? new Uint8Array()), seen?.revision, seen?.key]).toEqual(['v1', r1, key]);
    const r2 = await kb.update(key, bytes('v2'), r1);
    expect(r2).toBeGreaterThan(r1);
    await expect(ka.update(key, bytes('v3'), r1)).rejects.toMatchObject({ expectedRevision: r1 });
    await ka.put('cp/2', bytes('x'));
    await ka.put('other', bytes('y'));
    const keys: string[] = [];
    for await (const k of kb.keys('cp/')) keys.push(k);
    expect(keys.sort()).toEqual(['cp/1 ü.*>', 'cp/2']);
    // A reader that does I/O for each key still sees every key.
    const read: string[] = [];
    for await (const k of kb.keys()) {
      if (await kb.get(k)) read.push(k);
    }
    expect(read.sort()).toEqual(['cp/1 ü.*>', 'cp/2', 'other']);
    await kb.delete(key);
    expect(await ka.get(key)).toBeUndefined();
    await expect(ka.update(key, bytes('v4'), r2)).rejects.toBeInstanceOf(KvConflictError);
    expect(await ka.create(key, bytes('again'))).toBeGreaterThan(r2);
    expect(await (await a.kv('elsewhere')).get('cp/2')).toBeUndefined();
    const odd = await b.kv('sessions/ü x.*');
    await odd.put('k', bytes('z'));
    expect(text((await (await a.kv('sessions/ü x.*')).get('k'))?.value ?? new Uint8Array())).toBe('z');
    expect(await ka.get('k')).toBeUndefined();
  });

  it('claimCall runs a CALL once per window and gives retries the recorded answer, on any node', async () => {
    const { a, b, fx } = get();
    expect(await a.claimCall('cs1', 'm-1', 1_000)).toEqual({ first: true });
    expect(await b.claimCall('cs1', 'm-1', 1_000)).toEqual({ first: false }); // still being handled
    await a.recordAnswer('cs1', 'm-1', '[3,"m-1",{"status":"Accepted"}]');
    expect(await b.claimCall('cs1', 'm-1', 1_000)).toEqual({
      first: false,
      answer: '[3,"m-1",{"status":"Accepted"}]',
    });
    expect(await b.claimCall('cs2', 'm-1', 1_000)).toEqual({ first: true }); // per station
    await fx.advance(1_200);
    expect(await b.claimCall('cs1', 'm-1', 1_000)).toEqual({ first: true });
  });

  it('racing nodes: one claimCall is first, one claim wins', async () => {
    const { a, b } = get();
    const calls = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).claimCall('race', 'm-1', 60_000)),
    );
    expect(calls.filter((c) => c.first)).toHaveLength(1);
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).claim('race', i % 2 ? 'a' : 'b')),
    );
    const owner = (await a.owner('race'))?.owner;
    // Renewals by the winner may succeed too; a claim by the other node never does.
    expect(claims.filter((c, i) => c.ok && (i % 2 ? 'a' : 'b') !== owner)).toHaveLength(0);
    expect(claims.some((c) => c.ok)).toBe(true);
  });

  it('stats count what this node published and de-duplicated', async () => {
    const { a } = get();
    const before = a.stats();
    await a.publish('st.x', { n: 1 }, { msgId: 'st-1' });
    await a.publish('st.x', { n: 1 }, { msgId: 'st-1' });
    const after = a.stats();
    expect(after.published - before.published).toBe(1);
    expect(after.deduplicated - before.deduplicated).toBe(1);
    expect(after).toMatchObject({ bufferFull: 0, inFlight: 0, buffered: 0, connected: true });
  });
}
