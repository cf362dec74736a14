import { expect, it } from 'vitest';
import { InvalidSubjectError } from '../../src/bus/errors.js';
import type { BusMessage } from '../../src/bus/types.js';
import { type Ctx, nextOf, stillPending, until } from './conformance.js';

const subjects = (ms: BusMessage[]) => ms.map((m) => m.subject);

export function eventConformance(get: () => Ctx): void {
  it('fans out to exact, * and > subscriptions on every node', async () => {
    const { a, b } = get();
    const exact = b.subscribe('ocpp.cs1.in');
    const star = b.subscribe('ocpp.*.in');
    const rest = a.subscribe('ocpp.>');
    await Promise.all([exact.ready, star.ready, rest.ready]);
    for (const s of ['ocpp.cs1.in', 'ocpp.cs2.in', 'ocpp.cs1.out', 'ocpp.cs1.in.deep', 'other.cs1.in']) {
      await a.publish(s, { s });
    }
    expect(subjects([await nextOf(exact)])).toEqual(['ocpp.cs1.in']);
    expect(subjects([await nextOf(star), await nextOf(star)])).toEqual(['ocpp.cs1.in', 'ocpp.cs2.in']);
    const all = [];
    for (let i = 0; i < 4; i++) all.push(await nextOf(rest));
    expect(subjects(all)).toEqual(['ocpp.cs1.in', 'ocpp.cs2.in', 'ocpp.cs1.out', 'ocpp.cs1.in.deep']);
    expect(exact.pending + star.pending + rest.pending).toBe(0);
  });

  it('delivers data, origin and increasing seq; `>` needs at least one token', async () => {
    const { a, b, fx } = get();
    const sub = b.subscribe('ev.>');
    await sub.ready;
    const bytes = Uint8Array.of(1, 2, 3);
    const first = await a.publish('ev.x', { n: 1 });
    await a.publish('ev', { n: 0 }); // not matched by ev.>
    const second = await b.publish('ev.y', bytes);
    expect(second.seq).toBeGreaterThan(first.seq);
    const m1 = await nextOf(sub);
    expect(m1).toMatchObject({ subject: 'ev.x', data: { n: 1 }, origin: 'a', seq: first.seq });
    const m2 = await nextOf(sub);
    expect(m2).toMatchObject({ subject: 'ev.y', origin: 'b' });
    expect(Array.from(m2.data as Uint8Array)).toEqual([1, 2, 3]);
    expect(await stillPending(fx, sub.next())).toBe(true);
  });

  it('only sees events published after subscribing', async () => {
    const { a } = get();
    await a.publish('late.x', { n: 1 });
    const sub = a.subscribe('late.x');
    await a.publish('late.x', { n: 2 });
    expect((await nextOf(sub)).data).toEqual({ n: 2 });
  });

  it('drops a repeated msgId inside the duplicate window, on any node', async () => {
    const { a, b, fx } = get();
    const sub = b.subscribe('dup.x');
    await sub.ready;
    const first = await a.publish('dup.x', { n: 1 }, { msgId: 'm-1' });
    const again = await b.publish('dup.x', { n: 2 }, { msgId: 'm-1' });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ seq: first.seq, duplicate: true });
    expect((await nextOf(sub)).msgId).toBe('m-1');
    expect(await stillPending(fx, sub.next())).toBe(true);
  });

  it('rejects subjects NATS would reject', async () => {
    const { a } = get();
    await expect(a.publish('a.*', {})).rejects.toBeInstanceOf(InvalidSubjectError);
    await expect(a.publish('a..b', {})).rejects.toBeInstanceOf(InvalidSubjectError);
    await expect(a.publish('a b', {})).rejects.toBeInstanceOf(InvalidSubjectError);
    expect(() => a.subscribe('a.>.b')).toThrow(InvalidSubjectError);
    expect(() => a.subscribe('a.b*')).toThrow(InvalidSubjectError);
    expect(() => a.subscribe('')).toThrow(InvalidSubjectError);
  });

  it('never blocks the publisher: a full buffer drops the oldest and counts it', async () => {
    const { a } = get();
    const slow = a.subscribe('flood', { bufferSize: 3 });
    for (let n = 1; n <= 1_000; n++) await a.publish('flood', { n });
    await until(() => slow.pending + slow.dropped === 1_000);
    expect(slow.pending).toBe(3);
    expect(slow.dropped).toBe(997);
    const got = [await nextOf(slow), await nextOf(slow), await nextOf(slow)].map((m) => m.data);
    expect(got).toEqual([{ n: 998 }, { n: 999 }, { n: 1_000 }]);
  });

  it('stops on unsubscribe, return (break) and abort', async () => {
    const { a } = get();
    const byUnsub = a.subscribe('stop.x');
    const waiting = byUnsub.next();
    byUnsub.unsubscribe();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(byUnsub.closed).toBe(true);

    const byBreak = a.subscribe('stop.x');
    await a.publish('stop.x', { n: 1 });
    for await (const m of byBreak) {
      expect(m.data).toEqual({ n: 1 });
      break;
    }
    expect(byBreak.closed).toBe(true);

    const ac = new AbortController();
    const byAbort = a.subscribe('stop.x', { signal: ac.signal });
    const pending = byAbort.next();
    ac.abort();
    expect((await pending).done).toBe(true);
    const preAborted = a.subscribe('stop.x', { signal: ac.signal });
    expect((await preAborted.next()).done).toBe(true);

    await a.publish('stop.x', { n: 2 });
    for (const sub of [byUnsub, byBreak, byAbort]) expect((await sub.next()).done).toBe(true);
  });

  it('remember(): true the first time, false inside ttl on any node, true after ttl', async () => {
    const { a, b, fx } = get();
    expect(await a.remember('k1', 1_000)).toBe(true);
    expect(await a.remember('k1', 1_000)).toBe(false);
    expect(await b.remember('k1', 1_000)).toBe(false);
    expect(await b.remember('k2', 1_000)).toBe(true);
    await fx.advance(600);
    expect(await a.remember('k1', 1_000)).toBe(false); // a repeat does not extend the window
    await fx.advance(600);
    expect(await a.remember('k1', 1_000)).toBe(true);
    expect(await a.remember('k1', 1_000)).toBe(false);
  });
}
