import { describe, expect, it } from 'vitest';
import { CallQueueFullError } from '../../src/actors/errors.js';
import { CallQueue, type OverflowPolicy, type PendingCall } from '../../src/client/call-queue.js';
import { OfflineCallDroppedError, OfflineQueueFullError } from '../../src/client/errors.js';

interface Made extends PendingCall {
  outcome: string | undefined;
}

function make(n: number, keepOffline = true): Made {
  const c: Made = {
    kind: 'call',
    action: `A${n}`,
    payload: { n },
    messageId: `m${n}`,
    timeoutMs: undefined,
    keepOffline,
    request: undefined,
    preparedFor: undefined,
    sends: 0,
    outcome: undefined,
    resolve: () => {
      c.outcome = 'ok';
    },
    reject: (e) => {
      c.outcome = (e as { code?: string }).code ?? e.message;
    },
  };
  return c;
}

function queue(overflow: OverflowPolicy = 'drop-oldest', offlineMax = 3, maxWaiting = 2) {
  const dropped: string[] = [];
  const q = new CallQueue({
    identity: 'CS',
    maxWaiting,
    offlineMax,
    overflow,
    dropped: (c) => dropped.push(c.action),
  });
  const drain = () => {
    const out: string[] = [];
    for (let c = q.take(); c; c = q.take()) {
      out.push(c.action);
      q.finish(c);
    }
    return out;
  };
  return { q, dropped, drain };
}

describe('CallQueue', () => {
  it('is one FIFO with two bounds: a large backlog never counts against calls made while connected', () => {
    const { q, drain } = queue('drop-oldest', 5, 2);
    for (let n = 1; n <= 5; n++) q.addOffline(make(n));
    // The link is back: the backlog drains first, calls made now wait behind it, bounded on their own.
    q.addOnline(make(6));
    q.addOnline(make(7));
    expect(() => q.addOnline(make(8))).toThrow(CallQueueFullError);
    expect([q.backlogCount, q.waitingCount]).toEqual([5, 2]);
    const first = q.take()!;
    expect(first.action).toBe('A1');
    // Dropped again: everything left, the interrupted call first, is backlog now.
    q.requeue((c) => new Error(c.action));
    expect([q.backlogCount, q.waitingCount]).toEqual([5, 0]);
    expect(drain()).toEqual(['A3', 'A4', 'A5', 'A6', 'A7']);
  });

  it('keeps one call in flight and sends the backlog before calls made online', () => {
    const { q, drain } = queue();
    q.addOffline(make(1));
    q.addOffline(make(2));
    q.addOnline(make(3));
    const first = q.take()!;
    expect(first.action).toBe('A1');
    expect(q.take()).toBeUndefined();
    expect(q.finish(make(9))).toBe(false);
    expect(q.finish(first)).toBe(true);
    expect(drain()).toEqual(['A2', 'A3']);
  });

  it('bounds the calls waiting online with CallQueueFullError', () => {
    const { q } = queue('drop-oldest', 3, 2);
    q.addOnline(make(1));
    q.addOnline(make(2));
    expect(() => q.addOnline(make(3))).toThrow(CallQueueFullError);
  });

  it("'drop-oldest' makes room by dropping the oldest, reported and rejected", () => {
    const { q, dropped, drain } = queue('drop-oldest');
    const calls = [1, 2, 3, 4, 5].map((n) => make(n));
    for (const c of calls) q.addOffline(c);
    expect(dropped).toEqual(['A1', 'A2']);
    expect(calls[0]!.outcome).toBe('OFFLINE_CALL_DROPPED');
    expect(drain()).toEqual(['A3', 'A4', 'A5']);
  });

  it("'reject-new' refuses what does not fit", () => {
    const { q, dropped, drain } = queue('reject-new');
    for (const n of [1, 2, 3]) q.addOffline(make(n));
    expect(() => q.addOffline(make(4))).toThrow(OfflineQueueFullError);
    expect(dropped).toEqual([]);
    expect(drain()).toEqual(['A1', 'A2', 'A3']);
  });

  it('on a drop, puts the call in flight back in front of the rest, in order', () => {
    const { q, drain } = queue('drop-oldest', 10, 10);
    q.addOffline(make(1));
    q.addOffline(make(2));
    q.addOnline(make(3));
    const inFlight = q.take()!;
    q.requeue(() => new Error('lost'));
    expect(q.current).toBeUndefined();
    expect(q.backlogCount).toBe(3);
    expect(q.finish(inFlight)).toBe(false);
    expect(drain()).toEqual(['A1', 'A2', 'A3']);
  });

  it('on a drop, trims to the offline bound by the policy and fails calls that may not wait', () => {
    for (const [policy, kept, droppedOnes] of [
      ['drop-oldest', ['A3', 'A4', 'A5'], ['A1', 'A2']],
      ['reject-new', ['A1', 'A2', 'A3'], ['A4', 'A5']],
    ] as const) {
      const { q, dropped, drain } = queue(policy, 3, 10);
      const calls = [1, 2, 3, 4, 5, 6].map((n) => make(n, n !== 6));
      for (const c of calls) q.addOnline(c);
      q.take();
      q.requeue((c, sent) => new Error(`lost ${c.action} sent=${sent}`));
      expect(calls[5]!.outcome).toBe('lost A6 sent=false');
      expect(dropped).toEqual(droppedOnes);
      expect(drain()).toEqual(kept);
    }
  });

  it('rejectAll settles everything, the call in flight included', () => {
    const { q } = queue();
    const calls = [make(1), make(2), make(3)];
    q.addOffline(calls[0]!);
    q.addOffline(calls[1]!);
    q.take();
    q.addOnline(calls[2]!);
    q.rejectAll(() => new OfflineCallDroppedError('CS', 'x', 'y'));
    expect(calls.map((c) => c.outcome)).toEqual([
      'OFFLINE_CALL_DROPPED',
      'OFFLINE_CALL_DROPPED',
      'OFFLINE_CALL_DROPPED',
    ]);
    expect(q.take()).toBeUndefined();
  });
});
