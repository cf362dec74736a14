import type { PluginCsms } from '../hooks/types.js';
import type { MetricsPlugin } from '../plugins/metrics.js';
import type { FleetEvent, FleetSample } from './wire.js';

/**
 * The fleet over time: connected and known stations and frames per second, one sample per period,
 * the last hour kept. Reading two counters per period costs nothing worth gating on a browser.
 */
export class FleetHistory {
  private readonly samples: FleetSample[] = [];
  private last: { at: number; frames: number } | undefined;

  constructor(
    private readonly csms: PluginCsms,
    private readonly metrics: MetricsPlugin | undefined,
    private readonly keep: number,
  ) {}

  sample(at = Date.now()): FleetSample {
    let known = 0;
    for (const _ of this.csms.stationIds()) known++;
    let callsPerSecond: number | null = null;
    if (this.metrics) {
      const m = this.metrics.getMetrics();
      const frames = m.messagesIn + m.messagesOut;
      if (this.last && at > this.last.at)
        callsPerSecond = Math.round(((frames - this.last.frames) * 1000 * 10) / (at - this.last.at)) / 10;
      this.last = { at, frames };
    }
    const s: FleetSample = { at, connected: this.csms.connectedCount, known, callsPerSecond };
    this.samples.push(s);
    if (this.samples.length > this.keep) this.samples.shift();
    return s;
  }

  event(full: boolean): FleetEvent {
    return {
      samples: full ? [...this.samples] : this.samples.slice(-1),
      full,
      errorsByCode: this.metrics ? { ...this.metrics.getMetrics().callErrors } : null,
      metrics: this.metrics !== undefined,
    };
  }
}
