import type { OcppPlugin } from '../hooks/types.js';
import { SinkReporter } from './sink-plugin.js';

export interface AsyncWorkerOptions {
  /** Tasks running at once. Default 10. */
  concurrency?: number;
  /** Tasks waiting at most; past it `overflowStrategy` decides which is dropped (counted, reported). Default 1000. */
  maxQueueSize?: number;
  /** Which task a full queue drops: the oldest waiting, or the new one (`enqueue` returns false). Default 'drop-oldest'. */
  overflowStrategy?: 'drop-oldest' | 'drop-newest';
  /** Called with each failed task's error, besides the `pluginError` every failure is. */
  onError?: (error: Error, taskName: string) => void;
  /** For a line about drops and the drain at shutdown. */
  logger?: { warn: (...args: unknown[]) => void };
  /**
   * At shutdown, how long running and waiting tasks may take before the rest are abandoned (reported).
   * Default 3000 (ocpp-ws-io: 5000): below the time the CSMS waits for a closing hook, so the report lands.
   */
  drainTimeoutMs?: number;
}

export interface AsyncWorkerPlugin extends OcppPlugin {
  /** Run `fn` in the background, bounded; false when it was dropped (full queue, or shut down). */
  enqueue(taskName: string, fn: () => Promise<void>): boolean;
  /** Tasks waiting. */
  queueSize(): number;
  /** Tasks running. */
  activeCount(): number;
  /** Tasks dropped by the overflow strategy or refused after shutdown, since start. */
  droppedCount(): number;
}

/**
 * Tasks were dropped: the queue was full, or the worker had shut down. The first drop is reported at
 * once, then at most one report a second while dropping goes on: `count` since the last report, the
 * latest being `taskName`.
 */
export class AsyncWorkerOverflowError extends Error {
  override readonly name = 'AsyncWorkerOverflowError';
  constructor(
    readonly taskName: string,
    /** Dropped since start. */
    readonly dropped: number,
    readonly reason: 'full' | 'closed',
    /** Dropped since the last report. */
    readonly count = 1,
  ) {
    super(
      `async-worker: ${reason === 'full' ? 'queue full' : 'shut down'}, dropped ${count === 1 ? taskName : `${count} tasks, the latest ${taskName}`} (${dropped} so far)`,
    );
  }
}

/** While tasks keep being dropped, one report per this long. */
const DROP_REPORT_MS = 1_000;

/** Shutdown waited `drainTimeoutMs` and these tasks had not finished: abandoned. */
export class AsyncWorkerDrainTimeoutError extends Error {
  override readonly name = 'AsyncWorkerDrainTimeoutError';
  constructor(
    readonly running: number,
    readonly waiting: number,
  ) {
    super(`async-worker: drain timed out with ${running} task(s) running and ${waiting} waiting`);
  }
}

interface Task {
  readonly name: string;
  readonly fn: () => Promise<void>;
}

/**
 * A bounded background queue for work that must not hold up the message path (ocpp-ws-io's
 * `asyncWorkerPlugin`): your own side effects, or the sinks' sends (`worker` option of kafkaPlugin,
 * amqpPlugin, mqttPlugin, redisPubSubPlugin, webhookPlugin), which then share its concurrency. Every
 * failed task is a `pluginError`, and so are drops (the first at once, then one a second with their
 * count while they go on); at shutdown it drains within `drainTimeoutMs`.
 */
export function asyncWorkerPlugin(options: AsyncWorkerOptions = {}): AsyncWorkerPlugin {
  const concurrency = Math.max(1, options.concurrency ?? 10);
  const maxQueueSize = Math.max(0, options.maxQueueSize ?? 1_000);
  const dropNewest = options.overflowStrategy === 'drop-newest';
  const drainTimeoutMs = options.drainTimeoutMs ?? 3_000;
  const waiting: Task[] = [];
  let running = 0;
  let dropped = 0;
  let open = true;
  let idle: (() => void) | undefined;
  // Failures before registration wait (bounded) and are reported at setup, as a sink's do.
  const reporter = new SinkReporter();

  const failed = (error: unknown, name: string) => {
    const e = error instanceof Error ? error : new Error(String(error));
    options.onError?.(e, name);
    reporter.failed(e);
  };
  // A full queue under load drops thousands a second: one report a second says so, not thousands.
  let unreported: { name: string; reason: 'full' | 'closed'; count: number } | undefined;
  let reportTimer: ReturnType<typeof setTimeout> | undefined;
  const reportDrops = () => {
    if (!unreported) return;
    const { name, reason, count } = unreported;
    unreported = undefined;
    const error = new AsyncWorkerOverflowError(name, dropped, reason, count);
    options.logger?.warn(`[${error.name}] ${error.message}`);
    reporter.failed(error);
  };
  const drop = (name: string, reason: 'full' | 'closed') => {
    dropped++;
    unreported = { name, reason, count: (unreported?.count ?? 0) + 1 };
    if (reportTimer) return;
    reportDrops();
    const quiet = () => {
      reportTimer = undefined;
      if (unreported) {
        reportDrops();
        reportTimer = setTimeout(quiet, DROP_REPORT_MS).unref();
      }
    };
    reportTimer = setTimeout(quiet, DROP_REPORT_MS).unref();
  };

  const pump = () => {
    while (running < concurrency && waiting.length > 0) {
      const task = waiting.shift()!;
      running++;
      let result: Promise<void>;
      try {
        result = Promise.resolve(task.fn());
      } catch (error) {
        result = Promise.reject(error);
      }
      result
        .catch((error: unknown) => failed(error, task.name))
        .finally(() => {
          running--;
          if (running === 0 && waiting.length === 0) idle?.();
          pump();
        });
    }
  };

  const drain = async () => {
    open = false;
    // Drops not yet reported are reported now: after shutdown nothing would.
    clearTimeout(reportTimer);
    reportTimer = undefined;
    reportDrops();
    if (running === 0 && waiting.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = new Promise<void>((resolve) => {
      idle = resolve;
    });
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), drainTimeoutMs);
    });
    if ((await Promise.race([done, late])) === 'late') {
      const error = new AsyncWorkerDrainTimeoutError(running, waiting.length);
      options.logger?.warn(`[${error.name}] ${error.message}`);
      reporter.failed(error);
      waiting.length = 0;
    }
    clearTimeout(timer);
  };

  return {
    name: 'async-worker',
    level: 1,
    enqueue(name, fn) {
      if (!open) {
        drop(name, 'closed');
        return false;
      }
      if (waiting.length >= maxQueueSize) {
        if (dropNewest || maxQueueSize === 0) {
          drop(name, 'full');
          return false;
        }
        drop(waiting.shift()!.name, 'full');
      }
      waiting.push({ name, fn });
      pump();
      return true;
    },
    queueSize: () => waiting.length,
    activeCount: () => running,
    droppedCount: () => dropped,
    setup(ctx) {
      reporter.attach((error) => ctx.reportError(error, 'task'));
    },
    onClosing: drain,
    getCustomMetrics: () => [
      `ocpp_async_worker_queue_size ${waiting.length}`,
      `ocpp_async_worker_active_tasks ${running}`,
      `ocpp_async_worker_dropped_total ${dropped}`,
    ],
  };
}
