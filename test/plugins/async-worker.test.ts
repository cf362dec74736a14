/**
 * asyncWorkerPlugin on a real CSMS: bounded concurrency and queue, drops reported, failures reported,
 * a drain at shutdown; and two sinks sharing one worker, delivering to a real local HTTP server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AsyncWorkerDrainTimeoutError,
  AsyncWorkerOverflowError,
  asyncWorkerPlugin,
  webhookPlugin,
} from '../../src/plugins/index.js';
import { cleanup, gate, record, startCsms, until } from '../runtime/harness.js';
import { type Receiver, startReceiver } from './http-receiver.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await cleanup();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('asyncWorkerPlugin', () => {
  it('runs at most `concurrency` tasks, queues `maxQueueSize`, drops past it and reports the drop', async () => {
    const worker = asyncWorkerPlugin({ concurrency: 2, maxQueueSize: 2, overflowStrategy: 'drop-newest' });
    const t = await startCsms({ plugins: [worker] });
    const errors = record(t.csms, 'pluginError');
    const hold = gate();
    const done: number[] = [];
    const task = (n: number) => async () => {
      await hold.promise;
      done.push(n);
    };
    const accepted = [1, 2, 3, 4, 5].map((n) => worker.enqueue(`t${n}`, task(n)));
    expect(accepted).toEqual([true, true, true, true, false]);
    expect([worker.activeCount(), worker.queueSize(), worker.droppedCount()]).toEqual([2, 2, 1]);
    expect(errors.pluginError).toEqual([
      expect.objectContaining({ plugin: 'async-worker', error: expect.any(AsyncWorkerOverflowError) }),
    ]);
    hold.open();
    await until(() => done.length === 4);
    expect(done.sort()).toEqual([1, 2, 3, 4]);
  });

  it('reports a run of drops at once, then once a second with their count, and what is left at shutdown', async () => {
    const warnings: string[] = [];
    const worker = asyncWorkerPlugin({
      concurrency: 1,
      maxQueueSize: 0,
      logger: { warn: (line: unknown) => warnings.push(String(line)) },
    });
    const t = await startCsms({ plugins: [worker] });
    const errors = record(t.csms, 'pluginError');
    for (let i = 1; i <= 50; i++) worker.enqueue(`t${i}`, async () => {});
    expect(worker.droppedCount()).toBe(50);
    // The first at once; the other 49 wait for the next report, not 49 reports.
    expect(errors.pluginError.map((e) => (e.error as AsyncWorkerOverflowError).count)).toEqual([1]);
    await until(() => errors.pluginError.length === 2);
    const second = errors.pluginError[1]!.error as AsyncWorkerOverflowError;
    expect([second.count, second.dropped, second.taskName]).toEqual([49, 50, 't50']);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain('dropped 49 tasks, the latest t50 (50 so far)');
    // Within the next second: held for the next report, which shutdown gives at once.
    worker.enqueue('u1', async () => {});
    worker.enqueue('u2', async () => {});
    expect(errors.pluginError).toHaveLength(2);
    await t.csms.close();
    expect(errors.pluginError).toHaveLength(3);
    const last = errors.pluginError[2]!.error as AsyncWorkerOverflowError;
    expect([last.count, last.dropped, last.taskName]).toEqual([2, 52, 'u2']);
  });

  it('with drop-oldest makes room by dropping the oldest waiting task', async () => {
    const worker = asyncWorkerPlugin({ concurrency: 1, maxQueueSize: 1 });
    await startCsms({ plugins: [worker] });
    const hold = gate();
    const done: string[] = [];
    const task = (name: string) => async () => {
      await hold.promise;
      done.push(name);
    };
    expect(['a', 'b', 'c'].map((n) => worker.enqueue(n, task(n)))).toEqual([true, true, true]);
    hold.open();
    await until(() => done.length === 2);
    expect(done).toEqual(['a', 'c']);
    expect(worker.droppedCount()).toBe(1);
  });

  it('reports a failed task as a pluginError and to onError, and keeps running the others', async () => {
    const failures: string[] = [];
    const worker = asyncWorkerPlugin({ onError: (e, name) => failures.push(`${name}: ${e.message}`) });
    const t = await startCsms({ plugins: [worker] });
    const errors = record(t.csms, 'pluginError');
    let ran = false;
    worker.enqueue('bad', async () => {
      throw new Error('backend down');
    });
    worker.enqueue('good', async () => {
      ran = true;
    });
    await until(() => ran && failures.length === 1);
    expect(failures).toEqual(['bad: backend down']);
    expect(errors.pluginError).toEqual([
      expect.objectContaining({
        plugin: 'async-worker',
        error: expect.objectContaining({ message: 'backend down' }),
      }),
    ]);
  });

  it('drains at shutdown: waiting tasks run; one that outlasts drainTimeoutMs is reported, then nothing is taken', async () => {
    const worker = asyncWorkerPlugin({ concurrency: 1, drainTimeoutMs: 100 });
    const t = await startCsms({ plugins: [worker] });
    const errors = record(t.csms, 'pluginError');
    const done: string[] = [];
    worker.enqueue('quick', async () => {
      done.push('quick');
    });
    worker.enqueue('waiting', async () => {
      done.push('waiting');
    });
    worker.enqueue('stuck', () => new Promise<void>(() => {}));
    await t.csms.close({ drainMs: 0 });
    expect(done).toEqual(['quick', 'waiting']);
    expect(errors.pluginError.map((e) => e.error)).toContainEqual(expect.any(AsyncWorkerDrainTimeoutError));
    expect(worker.enqueue('late', async () => {})).toBe(false);
  });

  it("carries a sink's sends when given as its `worker`: they wait for the worker's bound like any task", async () => {
    const r = await startReceiver();
    receivers.push(r);
    const worker = asyncWorkerPlugin({ concurrency: 1 });
    const t = await startCsms({
      plugins: [
        worker,
        webhookPlugin({ url: r.url, events: ['connect'], queue: { maxBatchSize: 1 }, worker }),
      ],
    });
    const hold = gate();
    worker.enqueue('report', () => hold.promise);
    await t.boot('CP1');
    // The connect event's POST waits behind the task holding the only slot.
    await until(() => worker.queueSize() === 1);
    expect(r.received).toHaveLength(0);
    hold.open();
    await until(() => r.received.length === 1);
    expect((r.received[0]!.json as { events: { event: string }[] }).events[0]!.event).toBe('connect');
    expect(worker.droppedCount()).toBe(0);
  });
});
