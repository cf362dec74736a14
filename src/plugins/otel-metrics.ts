import {
  type Attributes,
  type BatchObservableCallback,
  type Counter,
  type Meter,
  type Observable,
  ValueType,
} from '@opentelemetry/api';
import type { TelemetryStats } from '../hooks/types.js';

/** What `ocpp.incidents` counts, as its `ocpp.incident` attribute. */
export type IncidentKind =
  | 'bad_message'
  | 'validation_failure'
  | 'handler_error'
  | 'call_refused'
  | 'rate_limit_exceeded'
  | 'backpressure'
  | 'pong_timeout'
  | 'security_event'
  | 'auth_failed'
  | 'eviction'
  | 'transport_error'
  /** A command of the offline queue that never reached its station: past its ttl, or left unanswered. */
  | 'command_expired'
  | 'command_dropped';

const IN: Attributes = { 'ocpp.direction': 'IN' };
const OUT: Attributes = { 'ocpp.direction': 'OUT' };

/**
 * The otel plugin's metrics, on the OpenTelemetry metrics API: faults and refusals counted by kind,
 * and the CSMS's telemetry as observable instruments. Incidents are counted, not traced: a flood of
 * bad frames or refused handshakes would otherwise be a flood of spans with nothing to time. No
 * instrument carries the station's identity (one series per station would not scale to a fleet);
 * the CALL spans do.
 */
export class OtelMetrics {
  private readonly incidents: Counter;
  private readonly observe: BatchObservableCallback;
  private readonly observables: Observable[];
  private last: TelemetryStats | undefined = undefined;
  /** Read live at each collection: it needs no telemetry interval. */
  connectedCount: () => number = () => 0;

  constructor(private readonly meter: Meter) {
    this.incidents = meter.createCounter('ocpp.incidents', {
      description: 'Faults and refusals the CSMS saw, by kind (ocpp.incident)',
      unit: '{incident}',
      valueType: ValueType.INT,
    });
    const gauge = (name: string, description: string, unit: string) =>
      meter.createObservableGauge(name, { description, unit, valueType: ValueType.INT });
    const connected = gauge('ocpp.stations.connected', 'Stations connected to this node', '{station}');
    const known = gauge('ocpp.stations.known', 'Stations this node remembers, connected or not', '{station}');
    const pending = gauge('ocpp.handshakes.pending', 'Sockets accepted and not yet upgraded', '{socket}');
    const messages = meter.createObservableCounter('ocpp.messages', {
      description: 'OCPP frames received (IN) and sent (OUT) since start',
      unit: '{message}',
      valueType: ValueType.INT,
    });
    const heap = meter.createObservableGauge('ocpp.process.heap_used', {
      description: 'V8 heap in use at the last telemetry event',
      unit: 'By',
      valueType: ValueType.INT,
    });
    this.observe = (result) => {
      result.observe(connected, this.connectedCount());
      const t = this.last;
      if (!t) return;
      result.observe(known, t.knownStations);
      result.observe(pending, t.pendingHandshakes);
      result.observe(messages, t.messagesIn, IN);
      result.observe(messages, t.messagesOut, OUT);
      result.observe(heap, t.memory.heapUsed);
    };
    this.observables = [connected, known, pending, messages, heap];
    meter.addBatchObservableCallback(this.observe, this.observables);
  }

  count(kind: IncidentKind, attributes?: Attributes): void {
    this.incidents.add(1, attributes ? { 'ocpp.incident': kind, ...attributes } : { 'ocpp.incident': kind });
  }

  /** The CSMS's `telemetry` event (every `telemetryIntervalMs`): what the observables report next. */
  telemetry(stats: TelemetryStats): void {
    this.last = stats;
  }

  close(): void {
    this.meter.removeBatchObservableCallback(this.observe, this.observables);
  }
}
