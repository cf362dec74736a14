import type { Dispatcher } from '../hooks/dispatcher.js';
import type { CsmsEventMap, TelemetryStats } from '../hooks/types.js';
import type { RuntimeStats } from '../rpc/runtime.js';

/** Where the numbers come from, read when a report is made. */
export interface TelemetrySources {
  readonly stats: RuntimeStats;
  connected(): number;
  known(): number;
  pendingHandshakes(): { pending: number; tooManyPending: number; timedOut: number };
  forgottenAtCapacity(): number;
  bus(): object;
}

/** The `telemetry` event on a timer, and the Prometheus text of `csms.metrics()`, from one set of numbers. */
export class Telemetry {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly sources: TelemetrySources,
    private readonly dispatcher: Dispatcher<CsmsEventMap>,
  ) {}

  /** Emit `telemetry` every `intervalMs` (0: never); once started, later calls change nothing. */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.dispatcher.emit('telemetry', this.read()), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  read(): TelemetryStats {
    const s = this.sources;
    const p = s.pendingHandshakes();
    const connected = s.connected();
    return {
      connectedStations: connected,
      activeConnections: connected,
      knownStations: s.known(),
      ...s.stats,
      pendingHandshakes: p.pending,
      pendingHandshakesRefused: p.tooManyPending,
      handshakeTimeouts: p.timedOut,
      stationsForgottenAtCapacity: s.forgottenAtCapacity(),
      uptimeMs: Date.now() - this.startedAt,
      memory: process.memoryUsage(),
      bus: s.bus(),
    };
  }

  /** Prometheus text: the runtime's own gauges and counters, then the plugins' getCustomMetrics. */
  async prometheus(): Promise<string> {
    const s = this.sources;
    const p = s.pendingHandshakes();
    const own = [
      `ocpp_stations_connected ${s.connected()}`,
      `ocpp_stations_known ${s.known()}`,
      `ocpp_handshakes_pending ${p.pending}`,
      `ocpp_handshakes_refused_total{reason="too-many-pending"} ${p.tooManyPending}`,
      `ocpp_handshakes_refused_total{reason="handshake-timeout"} ${p.timedOut}`,
      `ocpp_stations_forgotten_at_capacity_total ${s.forgottenAtCapacity()}`,
    ];
    return `${[...own, ...(await this.dispatcher.customMetrics())].join('\n')}\n`;
  }
}
