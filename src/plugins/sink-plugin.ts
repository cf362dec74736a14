import type { CsmsEventMap, CsmsEventName, OcppPlugin } from '../hooks/types.js';
import type { AsyncWorkerPlugin } from './async-worker.js';
import {
  ALL_SINK_EVENTS,
  SINK_EVENTS,
  type SinkEventName,
  type SinkRecord,
  type SinkRecordOptions,
  sinkRecord,
} from './sink-events.js';
import { type SendBatch, SinkQueue, type SinkQueueOptions, type SinkQueueStats } from './sink-queue.js';

/** Options every sink plugin takes: which events, how records are built, and its queue. */
export interface SinkOptions extends SinkRecordOptions {
  /** Which events to forward (the reference's names). */
  readonly events?: readonly SinkEventName[];
  /** Buffering, batching, retries and drain of the shared sink queue. */
  readonly queue?: SinkQueueOptions;
  /**
   * Run each batch's send on this worker (an `asyncWorkerPlugin`, as in ocpp-ws-io), so several sinks
   * share one bound on sends in flight. Batching and retries stay the sink's; a send the worker drops
   * fails and is retried like any other.
   */
  readonly worker?: Pick<AsyncWorkerPlugin, 'enqueue'>;
}

/** A sink plugin: an observer plugin that also shows its queue's counters. */
export interface SinkPlugin extends OcppPlugin {
  stats(): SinkQueueStats;
}

/**
 * Where a sink's asynchronous failures go: the plugin context's `reportError` (a `pluginError` with the
 * plugin's name), once the plugin is registered. Failures before that (none in practice: nothing is
 * queued before events flow) wait, bounded, and are reported at registration.
 */
export class SinkReporter {
  private report: ((error: Error) => void) | undefined;
  private readonly early: Error[] = [];
  private beyondBound = 0;

  attach(report: (error: Error) => void): void {
    this.report = report;
    for (const e of this.early.splice(0)) report(e);
    if (this.beyondBound > 0)
      report(new Error(`${this.beyondBound} more sink failure(s) before registration`));
    this.beyondBound = 0;
  }

  failed = (error: Error): void => {
    if (this.report) this.report(error);
    else if (this.early.length < 100) this.early.push(error);
    else this.beyondBound++;
  };
}

/**
 * Build a sink plugin: each selected event becomes a record on the shared queue; `send` delivers
 * batches of records. The `closed` event is queued first, then the queue drained (bounded wait): the
 * plugin owns its queue and releases it on close. Every delivery failure is a `pluginError`.
 */
export function sinkPlugin(
  name: string,
  options: SinkOptions,
  defaultEvents: readonly SinkEventName[],
  send: SendBatch<SinkRecord>,
  extra: { onClose?: () => Promise<void> } = {},
): SinkPlugin {
  const reporter = new SinkReporter();
  const worker = options.worker;
  const queue = new SinkQueue<SinkRecord>(
    name,
    worker ? onWorker(worker, name, send) : send,
    reporter.failed,
    options.queue,
  );
  const selected = new Set(options.events ?? defaultEvents);
  for (const e of selected) {
    if (!(e in SINK_EVENTS)) {
      throw new TypeError(`${name}: unknown event '${e}'; one of ${ALL_SINK_EVENTS.join(', ')}`);
    }
  }
  const events: { [K in CsmsEventName]?: (event: CsmsEventMap[K]) => void } = {};
  for (const sinkEvent of selected) {
    for (const runtimeEvent of SINK_EVENTS[sinkEvent] as readonly CsmsEventName[]) {
      if (runtimeEvent === 'closed') continue;
      events[runtimeEvent] = (e: CsmsEventMap[CsmsEventName]) => {
        const record = sinkRecord(sinkEvent, e, options);
        if (record) queue.push(record);
      };
    }
  }
  events.closed = async (e) => {
    if (selected.has('close')) {
      const record = sinkRecord('close', e, options);
      if (record) queue.push(record);
    }
    await closeSink(queue, extra.onClose);
  };
  return {
    name,
    setup(ctx) {
      reporter.attach((error) => ctx.reportError(error, 'sink'));
    },
    events: events as OcppPlugin['events'],
    stats: () => queue.stats(),
    getCustomMetrics: () => sinkMetrics(name, queue.stats()),
  };
}

/**
 * Tell a user's observational callback (a sink's `onError`, `onPublishError`) of a failure. What the
 * callback throws is returned, for the caller to report in place of the error it was told of; it never
 * breaks the send that failed.
 */
export function tell<A extends unknown[]>(callback: ((...args: A) => void) | undefined, ...args: A): unknown {
  try {
    callback?.(...args);
    return undefined;
  } catch (thrown) {
    return thrown;
  }
}

/** A sink's sends through a shared worker: the worker runs them, the sink still sees each outcome. */
function onWorker<T>(
  worker: Pick<AsyncWorkerPlugin, 'enqueue'>,
  name: string,
  send: SendBatch<T>,
): SendBatch<T> {
  return (batch, signal) =>
    new Promise<void>((resolve, reject) => {
      const queued = worker.enqueue(`${name}-publish`, async () => {
        // The sink gave up on this attempt while it waited (its send timeout): it retries on its own.
        if (signal.aborted) return reject(signal.reason);
        await send(batch, signal).then(resolve, reject);
      });
      if (!queued) reject(new Error(`${name}: the worker dropped this send`));
    });
}

/** Drain a sink's queue (bounded; what it could not deliver is reported by the queue) and release what the plugin owns. */
export async function closeSink(
  queue: Pick<SinkQueue<unknown>, 'close'>,
  release?: () => Promise<void>,
): Promise<void> {
  await queue.close();
  await release?.();
}

/** Prometheus lines for one sink's counters (merged into the CSMS's metrics text). */
function sinkMetrics(plugin: string, s: SinkQueueStats): string[] {
  const l = `plugin="${plugin}"`;
  return [
    `ocpp_sink_queued{${l}} ${s.queued}`,
    `ocpp_sink_in_flight{${l}} ${s.inFlight}`,
    `ocpp_sink_events_total{${l},outcome="delivered"} ${s.delivered}`,
    `ocpp_sink_events_total{${l},outcome="failed"} ${s.failed}`,
    `ocpp_sink_events_total{${l},outcome="dropped"} ${s.dropped}`,
    `ocpp_sink_batches_total{${l}} ${s.batches}`,
    `ocpp_sink_retries_total{${l}} ${s.retries}`,
  ];
}
