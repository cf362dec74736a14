import { expect, it } from 'vitest';
import { BusClosedError } from '../../src/bus/errors.js';
import type { ClaimResult, OwnershipChange } from '../../src/bus/types.js';
import { type Ctx, nextOf } from './conformance.js';

function revisionOf(r: ClaimResult): number {
  if (!r.ok) throw new Error(`claim failed: owned by ${r.owner}`);
  return r.revision;
}

const summary = (c: OwnershipChange) => [c.op, c.station, c.owner];

export function ownershipConformance(get: () => Ctx): void {
  it('claim succeeds once; a rival sees the owner and revision', async () => {
    const { a, b } = get();
    const rev = revisionOf(await a.claim('cs1', 'a'));
    expect(await b.claim('cs1', 'b')).toEqual({ ok: false, owner: 'a', revision: rev });
    expect(await b.owner('cs1')).toMatchObject({ station: 'cs1', owner: 'a', revision: rev });
    expect(await a.owner('nobody')).toBeUndefined();
  });

  it('claiming again as the owner renews with a new revision', async () => {
    const { a } = get();
    const r1 = revisionOf(await a.claim('cs2', 'a'));
    const r2 = revisionOf(await a.claim('cs2', 'a'));
    expect(r2).toBeGreaterThan(r1);
    expect((await a.owner('cs2'))?.revision).toBe(r2);
  });

  it('expectRevision is compare-and-set: takeover at the current revision, refusal at a stale one', async () => {
    const { a, b } = get();
    expect(await b.claim('cs3', 'b', { expectRevision: 5 })).toEqual({
      ok: false,
      owner: undefined,
      revision: 0,
    });
    const r1 = revisionOf(await a.claim('cs3', 'a', { expectRevision: 0 }));
    expect(await b.claim('cs3', 'b', { expectRevision: 0 })).toMatchObject({ ok: false, owner: 'a' });
    const r2 = revisionOf(await b.claim('cs3', 'b', { expectRevision: r1 }));
    expect(await a.claim('cs3', 'a', { expectRevision: r1 })).toEqual({
      ok: false,
      owner: 'b',
      revision: r2,
    });
    expect((await a.owner('cs3'))?.owner).toBe('b');
  });

  it('release is compare-and-set on node and revision', async () => {
    const { a, b } = get();
    const rev = revisionOf(await a.claim('cs4', 'a'));
    expect(await b.release('cs4', 'b', rev)).toBe(false);
    expect(await a.release('cs4', 'a', rev + 1_000)).toBe(false);
    expect(await b.release('cs4', 'a', rev)).toBe(true);
    expect(await a.owner('cs4')).toBeUndefined();
    expect(await a.release('cs4', 'a', rev)).toBe(false);
    expect((await b.claim('cs4', 'b')).ok).toBe(true);
  });

  it('watch reports claims, renewals and releases from every node', async () => {
    const { a, b } = get();
    await a.claim('old', 'a');
    const w = b.watch();
    const withCurrent = a.watch({ includeCurrent: true });
    await Promise.all([w.ready, withCurrent.ready]);
    expect(summary(await nextOf(withCurrent))).toEqual(['claim', 'old', 'a']);
    const rev = revisionOf(await a.claim('cs5', 'a'));
    const renewed = revisionOf(await a.renew('cs5', 'a', rev));
    await a.release('cs5', 'a', renewed);
    const seen = [await nextOf(w), await nextOf(w), await nextOf(w)];
    expect(seen.map(summary)).toEqual([
      ['claim', 'cs5', 'a'],
      ['renew', 'cs5', 'a'],
      ['release', 'cs5', undefined],
    ]);
    expect(seen.map((c) => c.revision)).toEqual([rev, renewed, expect.any(Number)]);
    expect(summary(await nextOf(withCurrent))).toEqual(['claim', 'cs5', 'a']);
  });

  it('leases expire unless renewed, and the expiry is watched', async () => {
    const { a, b, fx } = get();
    const w = b.watch();
    await w.ready;
    const rev = revisionOf(await a.claim('cs6', 'a', { leaseMs: 1_000 }));
    const kept = revisionOf(await a.claim('cs7', 'a', { leaseMs: 1_000 }));
    await fx.advance(600);
    const renewed = await a.renew('cs7', 'a', kept, { leaseMs: 1_000 });
    expect(renewed.ok).toBe(true);
    expect(await a.renew('cs7', 'a', kept)).toMatchObject({ ok: false, owner: 'a' }); // stale revision
    await fx.advance(600);
    expect(await b.owner('cs6')).toBeUndefined();
    expect((await b.owner('cs7'))?.owner).toBe('a');
    expect(await a.renew('cs6', 'a', rev)).toMatchObject({ ok: false, owner: undefined });
    const changes: OwnershipChange[] = [];
    while (changes.length < 4) changes.push(await nextOf(w));
    expect(changes.map(summary)).toContainEqual(['expire', 'cs6', undefined]);
    expect((await b.claim('cs6', 'b')).ok).toBe(true);
  });

  it('close ends every iterator and rejects later calls with BusClosedError', async () => {
    const { a } = get();
    const sub = a.subscribe('x.>');
    const watch = a.watch();
    const consumer = a.consume('cs8');
    const pending = [sub.next(), watch.next(), consumer.next()];
    await a.close();
    await a.close(); // idempotent
    for (const r of await Promise.all(pending)) expect(r.done).toBe(true);
    expect(a.closed).toBe(true);
    await expect(a.publish('x.y', {})).rejects.toBeInstanceOf(BusClosedError);
    await expect(a.enqueue('cs8', { action: 'Reset', payload: {} })).rejects.toBeInstanceOf(BusClosedError);
    await expect(a.claim('cs8', 'a')).rejects.toBeInstanceOf(BusClosedError);
    await expect(a.remember('k', 10)).rejects.toBeInstanceOf(BusClosedError);
    expect(() => a.subscribe('x')).toThrow(BusClosedError);
    expect(() => a.consume('cs8')).toThrow(BusClosedError);
  });

  it('a closing node hands its un-acked delivery to another node', async () => {
    const { a, b } = get();
    await b.enqueue('cs9', { action: 'Reset', payload: { type: 'Soft' } });
    const held = await nextOf(a.consume('cs9'));
    const waiting = b.consume('cs9').next();
    await a.close();
    const d = (await waiting).value;
    expect(d).toMatchObject({ seq: held.seq, deliveryCount: 2, command: { action: 'Reset' } });
  });
}
