import type { ServerResponse } from 'node:http';
import type { PluginContext, StationRef } from '../hooks/types.js';
import { FleetHistory } from './fleet.js';
import type { ResolvedOperatorOptions } from './options.js';
import { activeStates, rowOf, statusView } from './rows.js';
import { StationWatch } from './station-watch.js';
import { BrowserStream, sseChunk } from './stream.js';
import type { HelloEvent, RowsEvent, SnapshotEvent, StationEvent, StationRow } from './wire.js';

/** How often the list's last-message times are looked at: they change with every frame, so no event says so. */
const SEEN_SCAN_MS = 2_000;

export interface OperatorStats {
  /** Browsers connected now. */
  readonly browsers: number;
  /** Updates dropped for browsers that fell behind, since start. */
  readonly dropped: number;
  /** Full snapshots sent to browsers after a drop, since start. */
  readonly resyncs: number;
  /** Whether the runtime's events are listened to now (only while a browser is connected). */
  readonly listening: boolean;
}

/**
 * The live side of the page. While no browser is connected it listens to nothing and runs no timer
 * (but the fleet sampler). The first browser subscribes it to the runtime's state-change events (never
 * to `message`, which would make every station build an event per frame): they mark stations dirty;
 * last-message times are read from the stations every two seconds; the stations a browser has open are
 * tapped for their frames (their log). Every `listIntervalMs` one batch is built and the same bytes go
 * to each browser's own bounded stream.
 */
export class OperatorHub {
  private readonly streams = new Set<BrowserStream>();
  private lastScan = 0;
  private readonly dirty = new Set<string>();
  private readonly removed = new Set<string>();
  private readonly watches = new Map<string, StationWatch>();
  private unsubscribe: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private fleetTimer: NodeJS.Timeout | undefined;
  private readonly untaps = new Map<string, () => void>();
  private dropped = 0;
  private resyncs = 0;
  readonly fleet: FleetHistory;

  constructor(
    private readonly ctx: PluginContext,
    private readonly o: ResolvedOperatorOptions,
  ) {
    this.fleet = new FleetHistory(ctx.csms, o.metrics, o.fleetSamples);
    this.fleet.sample();
    this.fleetTimer = setInterval(() => {
      this.fleet.sample();
      if (this.streams.size) this.broadcast(sseChunk('fleet', this.fleet.event(false)));
    }, o.fleetSampleMs);
    this.fleetTimer.unref();
  }

  stats(): OperatorStats {
    let dropped = this.dropped;
    let resyncs = this.resyncs;
    for (const s of this.streams) {
      dropped += s.dropped;
      resyncs += s.resyncs;
    }
    return { browsers: this.streams.size, dropped, resyncs, listening: this.unsubscribe.length > 0 };
  }

  /** Every known station's row, now. */
  rows(): StationRow[] {
    const out: StationRow[] = [];
    const csms = this.ctx.csms;
    for (const id of csms.stationIds()) {
      const s = csms.stationStatus(id);
      if (s) out.push(rowOf(s));
    }
    return out;
  }

  /** A browser's stream: the whole list first, then batches. */
  open(res: ServerResponse): BrowserStream {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const stream = new BrowserStream(
      res,
      this.o.maxQueuedBytes,
      (s) => this.resyncOf(s),
      (s) => this.closed(s),
    );
    if (this.streams.size === 0) this.listen();
    this.streams.add(stream);
    const hello: HelloEvent = { stream: stream.id, rows: this.rows(), at: Date.now() };
    stream.send(sseChunk('hello', hello));
    stream.send(sseChunk('fleet', this.fleet.event(true)));
    return stream;
  }

  /** Open a station's page in one browser (undefined closes it); false when no such stream. */
  select(streamId: string, identity: string | undefined): boolean {
    const stream = [...this.streams].find((s) => s.id === streamId);
    if (!stream) return false;
    if (stream.selected === identity) return true;
    if (stream.selected !== undefined) this.unwatch(stream.selected);
    stream.selected = identity;
    if (identity === undefined) return true;
    let w = this.watches.get(identity);
    if (!w) {
      w = new StationWatch(identity, this.o.logSize);
      this.watches.set(identity, w);
    }
    w.viewers++;
    this.tap(identity);
    this.refreshQueue(w);
    stream.send(sseChunk('station', this.stationEvent(w, true)));
    return true;
  }

  /** Stop: every browser's stream ends (a CSMS closing). */
  close(): void {
    clearInterval(this.fleetTimer);
    for (const s of [...this.streams]) s.end();
    this.stopListening();
  }

  private closed(stream: BrowserStream): void {
    if (!this.streams.delete(stream)) return;
    this.dropped += stream.dropped;
    this.resyncs += stream.resyncs;
    if (stream.selected !== undefined) this.unwatch(stream.selected);
    if (this.streams.size === 0) this.stopListening();
  }

  private unwatch(identity: string): void {
    const w = this.watches.get(identity);
    if (w && --w.viewers <= 0) {
      this.watches.delete(identity);
      this.untaps.get(identity)?.();
      this.untaps.delete(identity);
    }
  }

  /** The frames of a station a browser has open feed its log (again after it was forgotten and came back). */
  private tap(identity: string): void {
    const w = this.watches.get(identity);
    if (!w) return;
    this.untaps.get(identity)?.();
    const untap = this.ctx.csms.tap(identity, (e) => {
      try {
        w.record(e);
      } catch (error) {
        this.ctx.reportError(error, 'tap');
      }
    });
    if (untap) this.untaps.set(identity, untap);
    else this.untaps.delete(identity);
  }

  private resyncOf(stream: BrowserStream): string {
    const event: SnapshotEvent = { rows: this.rows(), at: Date.now(), dropped: stream.dropped };
    let chunk = sseChunk('snapshot', event);
    const w = stream.selected === undefined ? undefined : this.watches.get(stream.selected);
    if (w) chunk += sseChunk('station', this.stationEvent(w, true));
    return chunk;
  }

  private listen(): void {
    const on = this.ctx.on;
    const mark = (station: StationRef) => this.touch(station.identity);
    this.lastScan = Date.now();
    this.unsubscribe = [
      on('connected', (e) => {
        mark(e.station);
        if (this.watches.has(e.station.identity)) this.tap(e.station.identity);
      }),
      on('disconnected', (e) => mark(e.station)),
      on('registered', (e) => mark(e.station)),
      on('breakerChanged', (e) => this.touch(e.identity)),
      on('replayProgress', (e) => this.touch(e.identity)),
      on('commandDelivered', (e) => this.touch(e.identity)),
      on('forgotten', (e) => {
        this.dirty.delete(e.identity);
        this.removed.add(e.identity);
        const w = this.watches.get(e.identity);
        if (w) w.changed = true;
      }),
    ];
    this.timer = setInterval(() => this.batch(), this.o.listIntervalMs);
    this.timer.unref();
  }

  private stopListening(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    clearInterval(this.timer);
    this.timer = undefined;
    for (const untap of this.untaps.values()) untap();
    this.untaps.clear();
    // Nothing is listened to now: what was kept would only go stale.
    this.dirty.clear();
    this.removed.clear();
    this.watches.clear();
  }

  private touch(identity: string): void {
    this.dirty.add(identity);
    this.removed.delete(identity);
    const w = this.watches.get(identity);
    if (w) w.changed = true;
  }

  private batch(): void {
    const csms = this.ctx.csms;
    const now = Date.now();
    if (now - this.lastScan >= SEEN_SCAN_MS) {
      const since = this.lastScan;
      this.lastScan = now;
      for (const id of csms.stationIds()) {
        const at = csms.stationStatus(id)?.lastMessageAt;
        if (at !== undefined && at >= since) this.touch(id);
      }
    }
    if (this.dirty.size || this.removed.size) {
      const rows: StationRow[] = [];
      for (const id of this.dirty) {
        const s = csms.stationStatus(id);
        if (s) rows.push(rowOf(s));
      }
      const event: RowsEvent = { rows, removed: [...this.removed] };
      this.dirty.clear();
      this.removed.clear();
      this.broadcast(sseChunk('rows', event));
    }
    for (const w of this.watches.values()) {
      if (!w.changed) continue;
      w.changed = false;
      this.refreshQueue(w);
      const chunk = sseChunk('station', this.stationEvent(w, false));
      w.fresh = [];
      for (const s of this.streams) if (s.selected === w.identity) s.send(chunk);
    }
  }

  private broadcast(chunk: string): void {
    for (const s of this.streams) s.send(chunk);
  }

  private refreshQueue(w: StationWatch): void {
    this.ctx.csms.offlineQueueSize(w.identity).then(
      (n) => {
        if (n !== w.offlineQueue) {
          w.offlineQueue = n;
          w.changed = true;
        }
      },
      (error: unknown) => this.ctx.reportError(error, 'offlineQueueSize'),
    );
  }

  private stationEvent(w: StationWatch, full: boolean): StationEvent {
    const s = this.ctx.csms.stationStatus(w.identity);
    return {
      identity: w.identity,
      known: s !== undefined,
      status: s ? statusView(s) : null,
      active: s ? activeStates(s) : {},
      counters: w.counters(),
      log: full ? w.whole() : w.fresh,
      fullLog: full,
    };
  }
}
