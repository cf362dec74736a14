import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  SinkDeliveryError,
  SinkDrainTimeoutError,
  SinkOverflowError,
  SinkRejectedError,
} from '../../src/plugins/sink-errors.js';
import { SinkQueue, type SinkQueueOptions } from '../../src/plugins/sink-queue.js';
import { gate, until } from '../support/wait.js';

/** A queue whose backend records batches; `fail` decides per attempt whether it throws. */
function harness(
  options: SinkQueueOptions,
  fail: (attempt: number, batch: number[]) => Error | undefined = () => undefined,
) {
  const batches: number[][] = [];
  const reports: Error[] = [];
  let attempts = 0;
  const q = new SinkQueue<number>(
    'test-sink',
    async (batch) => {
      attempts++;
      const error = fail(attempts, batch);
      if (error) throw error;
      batches.push(batch);
    },
    (e) => reports.push(e),
    options,
  );
  return { q, batches, reports, attempts: () => attempts };
}

describe('SinkQueue', () => {
  it('sends a full batch at once and the rest after maxWaitMs, not one send per event', async () => {
    const h = harness({ maxBatchSize: 10, maxWaitMs: 50 });
    for (let i = 0; i < 25; i++) h.q.push(i);
    await until(() => h.batches.flat().length === 25);
    expect(h.batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(h.batches.flat()).toEqual([...Array(25).keys()]);
    expect(h.q.stats()).toMatchObject({ delivered: 25, batches: 3, queued: 0, inFlight: 0 });
  });

  it('keeps at most `concurrency` batches in flight', async () => {
    const release = gate();
    let inFlight = 0;
    let peak = 0;
    const q = new SinkQueue<number>(
      's',
      async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await release.promise;
        inFlight--;
      },
      () => {},
      { concurrency: 2, maxBatchSize: 1 },
    );
    for (let i = 0; i < 6; i++) q.push(i);
    await until(() => inFlight === 2);
    expect(q.stats()).toMatchObject({ inFlight: 2, queued: 4 });
    release.open();
    await until(() => q.stats().delivered === 6);
    expect(peak).toBe(2);
  });

  it.each([
    ['drop-oldest', [3, 4, 5]],
    ['drop-newest', [0, 1, 2]],
  ] as const)('%s: a full queue drops, counts and reports', async (overflow, kept) => {
    const release = gate();
    const sent: number[][] = [];
    const reports: Error[] = [];
    const q = new SinkQueue<number>(
      's',
      async (b) => {
        await release.promise;
        sent.push(b);
      },
      (e) => reports.push(e),
      { maxQueued: 3, maxBatchSize: 1, overflow },
    );
    q.push(-1); // taken into flight at once; the queue behind it holds 3
    for (let i = 0; i < 6; i++) q.push(i);
    expect(q.stats()).toMatchObject({ dropped: 3, queued: 3 });
    expect(reports[0]).toBeInstanceOf(SinkOverflowError);
    expect(reports[0]).toMatchObject({ plugin: 's', dropped: 1, policy: overflow });
    release.open();
    await until(() => sent.length === 4);
    expect(sent.flat()).toEqual([-1, ...kept]);
    await q.close();
    // The drops after the first report are summarised (here at close), not lost from the count.
    const reported = reports.filter((r) => r instanceof SinkOverflowError).reduce((n, r) => n + r.dropped, 0);
    expect(reported).toBe(3);
  });

  it('retries a failed batch with back-off and delivers it', async () => {
    const h = harness({ retries: 3, retryDelayMs: 10, maxWaitMs: 0 }, (attempt) =>
      attempt <= 2 ? new Error('backend down') : undefined,
    );
    h.q.push(1);
    await until(() => h.batches.length === 1);
    expect(h.attempts()).toBe(3);
    expect(h.q.stats()).toMatchObject({ delivered: 1, retries: 2, failed: 0 });
    expect(h.reports).toEqual([]);
  });

  it('reports a batch lost after its retries, with the cause; never swallows it', async () => {
    const cause = new Error('connection refused');
    const h = harness({ retries: 2, retryDelayMs: 5, maxWaitMs: 0 }, () => cause);
    h.q.push(1);
    h.q.push(2);
    await until(() => h.reports.length === 1);
    expect(h.reports[0]).toBeInstanceOf(SinkDeliveryError);
    expect(h.reports[0]).toMatchObject({ plugin: 'test-sink', attempts: 3, cause });
    // Both events waited for the same batch (maxWaitMs 0 still batches what arrives in one tick).
    expect(h.q.stats()).toMatchObject({ failed: 2, batches: 1, delivered: 0 });
  });

  it('does not retry an error marked not retryable', async () => {
    const h = harness({ retries: 5, retryDelayMs: 5, maxWaitMs: 0 }, () => new SinkRejectedError('HTTP 400'));
    h.q.push(1);
    await until(() => h.reports.length === 1);
    expect(h.attempts()).toBe(1);
    expect(h.reports[0]).toMatchObject({ attempts: 1 });
  });

  it('close sends what waits without waiting for maxWaitMs, then later pushes are dropped', async () => {
    const h = harness({ maxWaitMs: 60_000, maxBatchSize: 100 });
    for (let i = 0; i < 5; i++) h.q.push(i);
    await h.q.close();
    expect(h.batches).toEqual([[0, 1, 2, 3, 4]]);
    h.q.push(99);
    expect(h.q.stats().dropped).toBe(1);
  });

  it('close waits at most drainTimeoutMs and reports what is lost', async () => {
    let aborted = false;
    const reports: Error[] = [];
    const q = new SinkQueue<number>(
      's',
      (_b, signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason);
          });
        }),
      (e) => reports.push(e),
      { drainTimeoutMs: 100, maxBatchSize: 2, maxWaitMs: 0 },
    );
    for (let i = 0; i < 5; i++) q.push(i);
    const started = Date.now();
    await q.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(aborted).toBe(true);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toBeInstanceOf(SinkDrainTimeoutError);
    expect(reports[0]).toMatchObject({ events: 5 });
    expect(q.stats()).toMatchObject({ failed: 5, delivered: 0 });
  });
});

describe('SinkQueue send timeout', () => {
  it('abandons a send that never settles after sendTimeoutMs, retries, and reports', async () => {
    const reports: Error[] = [];
    let attempts = 0;
    const q = new SinkQueue<number>(
      's',
      () => {
        attempts++;
        return new Promise(() => {}); // a client queueing commands while its server is down
      },
      (e) => reports.push(e),
      { sendTimeoutMs: 50, retries: 1, retryDelayMs: 5, maxWaitMs: 0 },
    );
    q.push(1);
    await until(() => reports.length === 1);
    expect(attempts).toBe(2);
    expect(reports[0]).toMatchObject({ attempts: 2, cause: { name: 'TimeoutError' } });
    q.push(2); // the queue is not stalled behind the hung send
    // At least: the new batch's own retry may already have started when the poll looks.
    await until(() => attempts >= 3);
  });

  it('abandons a hung send at its deadline even when the GC runs meanwhile', async () => {
    // Node 20 can collect an AbortSignal.timeout held only through AbortSignal.any before it fires
    // (nodejs/node#57736): the deadline must hold its own timer.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const reports: Error[] = [];
    const q = new SinkQueue<number>(
      's',
      () => new Promise(() => {}),
      (e) => reports.push(e),
      { sendTimeoutMs: 150, retries: 0, maxWaitMs: 0 },
    );
    q.push(1);
    for (let i = 0; i < 5 && reports.length === 0; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    await until(() => reports.length === 1, 3_000, 'the hung send reported');
    expect(reports[0]).toMatchObject({ attempts: 1, cause: { name: 'TimeoutError' } });
  });
});
