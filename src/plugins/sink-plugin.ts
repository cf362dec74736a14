import type { CsmsEventMap, CsmsEventName, OcppPlugin } from '../hooks/types.js';
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
}

/** A sink plugin: an observer plugin that also shows its queue's counters. */
export interface SinkPlugin extends OcppPlugin {
  stats(): SinkQueueStats;
}

/**
 * Turns asynchronous sink failures into `pluginError` events with the plugin's name, through the
 * only channel an observer has: a promise returned from one of its hooks, which the dispatcher
 * reports when it rejects. One pending "carrier" promise is handed to the next observer call; a
 * failure rejects it (one report per failure, never per event), and the next call gets a new one.
 */
export class HookReporter {
  private reject: ((error: Error) => void) | undefined;
  private resolve: (() => void) | undefined;
  private readonly pending: Error[] = [];
  /** Failures beyond the pending bound, summarised at close rather than kept one by one. */
  private beyondBound = 0;

  /**
   * What an observer returns: a failure that found no carrier, else a new carrier if none is out.
   * `awaited` hooks (init, closing: the CSMS waits for them) get only the failure, never a carrier.
   */
  carrier(awaited = false): Promise<void> | undefined {
    const failed = this.pending.shift();
    if (failed) return Promise.reject(failed);
    if (this.reject || awaited) return undefined;
    return new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  report = (error: Error): void => {
    const reject = this.reject;
    this.reject = this.resolve = undefined;
    if (reject) reject(error);
    else if (this.pending.length < 100) this.pending.push(error);
    else this.beyondBound++;
  };

  /** Settle the carrier; failures no observer call could carry are returned to be thrown by close. */
  settle(): Error[] {
    this.resolve?.();
    this.reject = this.resolve = undefined;
    const out = this.pending.splice(0);
    if (this.beyondBound > 0)
      out.push(new Error(`${this.beyondBound} more sink failure(s) while none could be reported`));
    this.beyondBound = 0;
    return out;
  }
}

/** Events whose hooks the CSMS awaits: a pending carrier there would hold up start and shutdown. */
const AWAITED: ReadonlySet<CsmsEventName> = new Set(['init', 'closing', 'closed']);

/**
 * Build a sink plugin: each selected event becomes a record on the shared queue; `send` delivers
 * batches of records. The `closed` event is queued first, then the queue drained (bounded wait):
 * the plugin owns its queue and releases it on close, and what close could not deliver rejects the
 * close hook (a `pluginError`).
 */
export function sinkPlugin(
  name: string,
  options: SinkOptions,
  defaultEvents: readonly SinkEventName[],
  send: SendBatch<SinkRecord>,
  extra: { onClose?: () => Promise<void> } = {},
): SinkPlugin {
  const reporter = new HookReporter();
  const queue = new SinkQueue<SinkRecord>(name, send, reporter.report, options.queue);
  const selected = new Set(options.events ?? defaultEvents);
  for (const e of selected) {
    if (!(e in SINK_EVENTS)) {
      throw new TypeError(`${name}: unknown event '${e}'; one of ${ALL_SINK_EVENTS.join(', ')}`);
    }
  }
  const events: { [K in CsmsEventName]?: (event: CsmsEventMap[K]) => unknown } = {};
  for (const sinkEvent of selected) {
    for (const runtimeEvent of SINK_EVENTS[sinkEvent] as readonly CsmsEventName[]) {
      if (runtimeEvent === 'closed') continue;
      const awaited = AWAITED.has(runtimeEvent);
      events[runtimeEvent] = (e: CsmsEventMap[CsmsEventName]) => {
        const record = sinkRecord(sinkEvent, e, options);
        if (record) queue.push(record);
        return reporter.carrier(awaited);
      };
    }
  }
  events.closed = async (e) => {
    if (selected.has('close')) {
      const record = sinkRecord('close', e, options);
      if (record) queue.push(record);
    }
    await closeSink(name, queue, reporter, extra.onClose);
  };
  return {
    name,
    events: events as OcppPlugin['events'],
    stats: () => queue.stats(),
    getCustomMetrics: () => sinkMetrics(name, queue.stats()),
  };
}

/**
 * Drain a sink's queue (bounded), release what the plugin owns, and throw what no observer call
 * could carry: the close hook's rejection is the last `pluginError` the sink can raise.
 */
export async function closeSink(
  name: string,
  queue: Pick<SinkQueue<unknown>, 'close'>,
  reporter: HookReporter,
  release?: () => Promise<void>,
): Promise<void> {
  await queue.close();
  await release?.();
  const unreported = reporter.settle();
  if (unreported.length === 1) throw unreported[0];
  if (unreported.length > 1) throw new AggregateError(unreported, `${name}: sink failures`);
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
