import type { OcppVersion } from '../protocol/versions.js';
import { type ResolvedSimOptions, resolveSimOptions, type SimulationOptions } from './options.js';
import type { SimStation } from './station.js';
import { SimStation2x } from './station-2x.js';
import { SimStation16 } from './station-16.js';
import { type SimErrorCounts, SimStats } from './stats.js';

export interface SimProgress {
  elapsedS: number;
  stations: number;
  /** Stations started so far (the ramp). */
  started: number;
  /** Stations that have connected / booted (Accepted) at least once. */
  connected: number;
  booted: number;
  /** Stations connected per second since the start. */
  stationsPerSecond: number;
}

export interface SimulationSummary {
  protocol: OcppVersion;
  url: string;
  stations: number;
  durationS: number;
  /** Stations that connected / booted at least once. */
  connected: number;
  booted: number;
  /** Connections open when the run ended. */
  connectedAtEnd: number;
  ramp: {
    /** Seconds from the start to the last station's first connection (all of them when `connected` = `stations`). */
    connectedS: number;
    /** connected / connectedS. */
    stationsPerSecond: number;
    /** Seconds from the start to the last station's first Accepted boot. */
    bootedS: number;
  };
  /** CALLs the stations made that were answered. */
  calls: number;
  /** CALLs the CSMS made to the stations. */
  commands: number;
  transactions: { started: number; stopped: number };
  /** Round trip of the stations' CALLs (CALL sent to answer received). */
  latencyMs: { p50: number; p99: number; max: number };
  errors: SimErrorCounts;
  /** The first few distinct errors. */
  errorSamples: string[];
}

export interface Simulation {
  readonly options: ResolvedSimOptions;
  readonly stations: readonly SimStation[];
  readonly stats: SimStats;
  progress(): SimProgress;
  /** Stop every station (closing its connection), then resolve with the summary. Idempotent. */
  stop(): Promise<SimulationSummary>;
  /** Resolves with the summary once the run ends: `durationS` elapsed, `signal` aborted or `stop()`. */
  readonly done: Promise<SimulationSummary>;
}

/** Start N virtual stations, `ramp` per second, against the CSMS at `url`. */
export function startSimulation(input: SimulationOptions): Simulation {
  const o = resolveSimOptions(input);
  const stats = new SimStats();
  const stations: SimStation[] = [];
  const t0 = performance.now();
  const elapsedS = () => (performance.now() - t0) / 1000;
  const sinceStart = (at: number) => (at === 0 ? 0 : round((at - t0) / 1000, 3));

  const rate = (count: number, lastAt: number) => (lastAt > t0 ? (count * 1000) / (lastAt - t0) : 0);

  const progress = (): SimProgress => {
    const e = elapsedS();
    return {
      elapsedS: round(e, 3),
      stations: o.stations,
      started: stations.length,
      connected: stats.everConnected,
      booted: stats.everBooted,
      // Over the time it took to connect them, so that the rate does not decay once all are in.
      stationsPerSecond: round(rate(stats.everConnected, stats.lastFirstConnectAt), 1),
    };
  };

  // Stations start on a 10 ms tick, as many as are due: a timer per station would cost more than the ramp.
  const rampTimer = setInterval(() => {
    const due = Math.min(o.stations, Math.floor(elapsedS() * o.ramp) + 1);
    while (stations.length < due) {
      const ctx = { options: o, stats };
      const s =
        o.protocol === 'ocpp1.6'
          ? new SimStation16(stations.length, ctx)
          : new SimStation2x(stations.length, ctx);
      stations.push(s);
      s.start();
    }
    if (stations.length >= o.stations) clearInterval(rampTimer);
  }, 10);

  const progressTimer = setInterval(() => {
    const p = progress();
    o.onProgress?.(p);
    if (p.booted >= o.stations) clearInterval(progressTimer);
  }, o.progressIntervalMs);

  let resolveDone!: (s: SimulationSummary) => void;
  const done = new Promise<SimulationSummary>((resolve) => {
    resolveDone = resolve;
  });
  let stopping: Promise<SimulationSummary> | undefined;

  const stop = (): Promise<SimulationSummary> => {
    stopping ??= (async () => {
      clearInterval(rampTimer);
      clearInterval(progressTimer);
      clearTimeout(durationTimer);
      o.signal?.removeEventListener('abort', onAbort);
      const durationS = round(elapsedS(), 3);
      const connectedAtEnd = stats.connectedNow;
      await Promise.all(stations.map((s) => s.stop()));
      const connectedS = sinceStart(stats.lastFirstConnectAt);
      const summary: SimulationSummary = {
        protocol: o.protocol,
        url: o.url,
        stations: o.stations,
        durationS,
        connected: stats.everConnected,
        booted: stats.everBooted,
        connectedAtEnd,
        ramp: {
          connectedS,
          stationsPerSecond: round(rate(stats.everConnected, stats.lastFirstConnectAt), 1),
          bootedS: sinceStart(stats.lastFirstBootAt),
        },
        calls: stats.calls,
        commands: stats.commands,
        transactions: { started: stats.transactionsStarted, stopped: stats.transactionsStopped },
        latencyMs: {
          p50: round(stats.latency.quantile(0.5), 2),
          p99: round(stats.latency.quantile(0.99), 2),
          max: round(stats.latency.max, 2),
        },
        errors: stats.errorCounts(),
        errorSamples: [...stats.samples],
      };
      resolveDone(summary);
      return summary;
    })();
    return stopping;
  };

  const onAbort = () => void stop();
  const durationTimer = o.durationS === undefined ? undefined : setTimeout(onAbort, o.durationS * 1000);
  if (o.signal?.aborted) queueMicrotask(onAbort);
  else o.signal?.addEventListener('abort', onAbort);

  return { options: o, stations, stats, progress, stop, done };
}

/** Run a simulation to its end (duration, abort signal) and resolve with the summary. */
export function runSimulation(options: SimulationOptions): Promise<SimulationSummary> {
  return startSimulation(options).done;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
