import { expect, it } from 'vitest';
import { QueueFullError } from '../../src/bus/errors.js';
import { COMMAND_EXPIRED_SUBJECT, type CommandExpiredEvent, type Delivery } from '../../src/bus/types.js';
import { type Ctx, nextOf, stillPending, TIMEOUT, within } from './conformance.js';

const cmd = (n: number, extra: { ttlMs?: number; messageId?: string } = {}) => ({
  action: 'DataTransfer',
  payload: { n },
  ...extra,
});
const nOf = (d: Delivery) => (d.command.payload as { n: number }).n;

export function queueConformance(get: () => Ctx): void {
  it('delivers in order, one un-acked delivery at a time', async () => {
    const { a, fx } = get();
    const seqs = [];
    for (let n = 1; n <= 3; n++) seqs.push((await a.enqueue('cs1', cmd(n))).seq);
    expect(seqs[1]).toBeGreaterThan(seqs[0] as number);
    expect(await a.size('cs1')).toBe(3);
    const consumer = a.consume('cs1');
    const d1 = await nextOf(consumer);
    expect([nOf(d1), d1.deliveryCount, d1.seq, d1.station]).toEqual([1, 1, seqs[0], 'cs1']);
    expect(d1.command).toMatchObject({ action: 'DataTransfer', payload: { n: 1 } });
    expect(typeof d1.command.enqueuedAt).toBe('number');
    const second = consumer.next();
    expect(await stillPending(fx, second)).toBe(true);
    await d1.ack();
    expect(await a.size('cs1')).toBe(2);
    const d2 = (await second).value as Delivery;
    expect(nOf(d2)).toBe(2);
    await d2.ack();
    const d3 = await nextOf(consumer);
    await d3.ack();
    expect(nOf(d3)).toBe(3);
    expect(await a.size('cs1')).toBe(0);
    await consumer.return();
  });

  it('knownEmpty, where implemented, never calls a station with stored commands empty', async () => {
    const { a, b } = get();
    if (!a.knownEmpty) return;
    await a.enqueue('cs-known', cmd(1));
    // Another node's enqueue counts too: the queue is the cluster's, not the node's.
    expect(a.knownEmpty('cs-known')).toBe(false);
    expect(b.knownEmpty?.('cs-known') ?? false).toBe(false);
    const consumer = a.consume('cs-known');
    const d = await nextOf(consumer);
    // In flight is still stored.
    expect(a.knownEmpty('cs-known')).toBe(false);
    await d.ack();
    await consumer.return();
    expect(await a.size('cs-known')).toBe(0);
  });

  it('keeps one in flight across consumers on different nodes', async () => {
    const { a, b, fx } = get();
    await a.enqueue('cs2', cmd(1));
    await b.enqueue('cs2', cmd(2));
    const ca = a.consume('cs2');
    const cb = b.consume('cs2');
    const first = await nextOf(ca);
    const other = cb.next();
    expect(await stillPending(fx, other)).toBe(true);
    await first.ack();
    expect(nOf((await other).value as Delivery)).toBe(2);
  });

  it('a nack redelivers the same command first; with a delay, not before it', async () => {
    const { a } = get();
    await a.enqueue('cs3', cmd(1));
    await a.enqueue('cs3', cmd(2));
    const consumer = a.consume('cs3');
    const d1 = await nextOf(consumer);
    await d1.nack();
    const again = await nextOf(consumer);
    expect([nOf(again), again.seq, again.deliveryCount]).toEqual([1, d1.seq, 2]);
    const started = Date.now();
    await again.nack(60);
    const delayed = consumer.next();
    expect(await within(delayed, 20)).toBe(TIMEOUT);
    const third = (await delayed).value as Delivery;
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect([nOf(third), third.deliveryCount]).toEqual([1, 3]);
    await third.term('poison');
    expect(nOf(await nextOf(consumer))).toBe(2);
  });

  it('redelivers what a stopped consumer left un-acked; its late ack is ignored', async () => {
    const { a, b } = get();
    await a.enqueue('cs4', cmd(1));
    await a.enqueue('cs4', cmd(2));
    let held: Delivery | undefined;
    for await (const d of a.consume('cs4')) {
      held = d;
      break; // return(): stops without acking
    }
    const next = await nextOf(b.consume('cs4'));
    expect([nOf(next), next.deliveryCount]).toEqual([1, 2]);
    await held?.ack(); // stale: must not remove the redelivered copy
    expect(await b.size('cs4')).toBe(2);
    await next.ack();
    expect(await b.size('cs4')).toBe(1);
  });

  it('a reader that stopped while waiting takes nothing from the next one', async () => {
    const { a, b } = get();
    const gone = a.consume('cs4b');
    const waiting = gone.next();
    await gone.return();
    expect((await waiting).done).toBe(true);
    const next = b.consume('cs4b').next();
    await a.enqueue('cs4b', cmd(1));
    const d = (await within(next, 1_000)) as IteratorResult<Delivery>;
    expect(d).not.toBe(TIMEOUT);
    expect([nOf(d.value), d.value.deliveryCount]).toEqual([1, 1]);
  });

  it('refuses with QueueFullError at maxPerStation and loses nothing', async () => {
    const { a, b, fx } = get();
    const max = fx.maxPerStation;
    for (let n = 1; n <= max; n++) await a.enqueue('cs5', cmd(n));
    const err = await b.enqueue('cs5', cmd(max + 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueFullError);
    expect(err).toMatchObject({ code: 'QUEUE_FULL', station: 'cs5', limit: max });
    expect(await a.size('cs5')).toBe(max);
    expect(await a.size('other')).toBe(0); // the bound is per station
    await a.enqueue('other', cmd(1));
    const d = await nextOf(a.consume('cs5'));
    await d.ack();
    await b.enqueue('cs5', cmd(max + 1));
    const listed = await a.list('cs5');
    expect(listed.map((q) => (q.command.payload as { n: number }).n)).toEqual(
      Array.from({ length: max }, (_, i) => i + 2),
    );
  });

  it('drops commands past their ttl instead of sending them late, and reports them', async () => {
    const { a, b, fx } = get();
    const expired = b.subscribe(COMMAND_EXPIRED_SUBJECT);
    await expired.ready;
    await a.enqueue('cs6', cmd(1, { ttlMs: 500 }));
    await a.enqueue('cs6', cmd(2));
    await fx.advance(1_000);
    const d = await nextOf(a.consume('cs6'));
    expect(nOf(d)).toBe(2);
    const event = (await nextOf(expired)).data as CommandExpiredEvent;
    expect(event).toMatchObject({ station: 'cs6', command: { payload: { n: 1 }, ttlMs: 500 } });
  });

  it('de-duplicates enqueues by messageId', async () => {
    const { a, b } = get();
    const first = await a.enqueue('cs7', cmd(1, { messageId: 'id-1' }));
    const again = await b.enqueue('cs7', cmd(1, { messageId: 'id-1' }));
    expect(again).toEqual({ seq: first.seq, duplicate: true });
    expect(await a.size('cs7')).toBe(1);
    expect((await a.enqueue('cs8', cmd(1, { messageId: 'id-1' }))).duplicate).toBe(false);
  });

  it('peek, list and purge; settling a purged delivery is a no-op', async () => {
    const { a, b } = get();
    expect(await a.peek('cs9')).toBeUndefined();
    for (let n = 1; n <= 3; n++) await a.enqueue('cs9', cmd(n));
    const d = await nextOf(a.consume('cs9'));
    expect(await b.peek('cs9')).toMatchObject({ seq: d.seq, deliveryCount: 1, station: 'cs9' });
    expect((await b.list('cs9', { limit: 2 })).map((q) => q.seq)).toHaveLength(2);
    expect(await b.purge('cs9')).toBe(3);
    await d.ack();
    expect(await a.size('cs9')).toBe(0);
    await a.enqueue('cs9', cmd(4));
    expect(nOf(await nextOf(b.consume('cs9')))).toBe(4);
  });
}
