/**
 * The part every server adapter shares: a child process, told what to do over IPC by the driver.
 * An adapter starts one server on 127.0.0.1 (a free port), answers station CALLs with schema-valid
 * answers, and on command calls every connected station at once (fan-out), runs the GC (so the driver
 * can read RSS), reports the server-side errors it saw, and closes.
 */

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { announce, type Message, serve } from '../ipc.js';

export interface FanoutResult {
  answered: number;
  failed: number;
}

export interface Adapter {
  /** Starts the server; resolves with its port. */
  listen(): Promise<number>;
  /** Connected stations right now. */
  connected(): number;
  /** Send `action` to every connected station at once; resolves when every call settled. */
  fanout(action: string, payload: Record<string, unknown>): Promise<FanoutResult>;
  close(): Promise<void>;
}

/** Server-side error events, by kind (the driver requires none). */
export class ErrorCounter {
  private counts = new Map<string, number>();
  private samples: string[] = [];

  add(kind: string, detail?: unknown): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    if (this.samples.length < 5 && detail !== undefined) {
      this.samples.push(`${kind}: ${String((detail as Error)?.message ?? detail).slice(0, 200)}`);
    }
  }

  take(): { errors: Record<string, number>; samples: string[] } {
    const out = { errors: Object.fromEntries(this.counts), samples: this.samples };
    this.counts = new Map();
    this.samples = [];
    return out;
  }
}

/** Settle every promise, counting outcomes. */
export async function settleAll(calls: Promise<unknown>[], errors: ErrorCounter): Promise<FanoutResult> {
  const results = await Promise.allSettled(calls);
  let answered = 0;
  for (const r of results) {
    if (r.status === 'fulfilled') answered++;
    else errors.add('fanout-call-failed', r.reason);
  }
  return { answered, failed: results.length - answered };
}

export async function runAdapter(name: string, adapter: Adapter, errors: ErrorCounter): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  let session: Session | undefined;
  let heap = false;
  // Main-thread GC pauses, cumulative, for the driver's GC share of a call phase.
  const gcPause = { ms: 0, minor: 0, major: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcPause.ms += e.duration;
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcPause.major++;
      else gcPause.minor++;
    }
  }).observe({ entryTypes: ['gc'] });
  serve({
    gcPause: (): Message => ({ ...gcPause }),
    gc: async (): Promise<Message> => {
      if (!gc) throw new Error('run the adapter with --expose-gc');
      // Twice, with a turn of the event loop between, so weak refs and finalizers settle.
      for (let i = 0; i < 2; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 50));
      }
      return { heapUsed: process.memoryUsage().heapUsed };
    },
    fanout: async (m): Promise<Message> => {
      const started = performance.now();
      const r = await adapter.fanout(String(m.action), m.payload as Record<string, unknown>);
      return { ...r, ms: performance.now() - started, stations: r.answered + r.failed };
    },
    stats: (): Message => ({ connected: adapter.connected(), ...errors.take() }),
    // kind 'cpu': V8 CPU profile; 'heap': sampling heap profile (allocations by function, every ~32 KB).
    profileStart: async (m): Promise<Message> => {
      session = new Session();
      session.connect();
      heap = m.kind === 'heap';
      if (heap) {
        await session.post('HeapProfiler.enable');
        // Collected objects too: what a call allocates is garbage by the time the profile stops.
        await session.post('HeapProfiler.startSampling', {
          samplingInterval: 4 * 1024,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: false,
        });
      } else {
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 200 });
        await session.post('Profiler.start');
      }
      return {};
    },
    profileStop: async (m): Promise<Message> => {
      if (!session) throw new Error('no profile running');
      const { profile } = heap
        ? await session.post('HeapProfiler.stopSampling')
        : await session.post('Profiler.stop');
      writeFileSync(String(m.file), JSON.stringify(profile));
      session.disconnect();
      session = undefined;
      return { file: m.file };
    },
    close: async (): Promise<Message> => {
      await adapter.close();
      return errors.take();
    },
  });
  process.on('uncaughtException', (e) => errors.add('uncaughtException', e));
  process.on('unhandledRejection', (e) => errors.add('unhandledRejection', e));
  const port = await adapter.listen();
  announce({ name, port, pid: process.pid, node: process.version });
}
