import { type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { OcppPlugin, StationRef } from '../hooks/types.js';
import { OpenCall, StationCalls } from './otel-calls.js';

export interface OtelOptions {
  /** Tracer name when no `tracer` is given. Default `"ocpp-server"`. */
  serviceName?: string;
  /** A tracer of your own; default `trace.getTracer(serviceName)` (a no-op until an SDK is registered). */
  tracer?: Tracer;
  /** Open CALL spans kept per station at most (calls that never get an answer end when it disconnects). */
  maxOpenSpansPerStation?: number;
}

export interface OtelPlugin extends OcppPlugin {
  /**
   * W3C trace context (`traceparent`, `tracestate`) of a station's call in progress, to carry on a bus
   * event or a sink's message about it; empty when the call has no span.
   */
  traceContext(identity: string, messageId: string): Record<string, string>;
}

/**
 * A span per CALL each way, from the request to its answer (`ocpp.action`, `ocpp.message_id`,
 * `ocpp.identity`, `ocpp.protocol`, and `ocpp.error_code` on a CALLERROR), each linked to a short
 * `ocpp.connect` span of its connection.
 */
export function otelPlugin(options: OtelOptions = {}): OtelPlugin {
  const tracer = options.tracer ?? trace.getTracer(options.serviceName ?? 'ocpp-server');
  const maxOpen = options.maxOpenSpansPerStation ?? 1_000;
  const stations = new Map<string, StationCalls>();

  const of = (station: StationRef): StationCalls => {
    let s = stations.get(station.identity);
    if (!s) {
      s = new StationCalls(station);
      stations.set(station.identity, s);
    }
    return s;
  };

  /**
   * The call's span, started now if it was not yet. Attributes and the link are set after the start
   * (the SDK copies and checks what `startSpan` is given twice over), and only on a recording span:
   * samplers see the span's name (`ocpp <action>`) and kind.
   */
  const spanOf = (s: StationCalls, call: OpenCall): Span => {
    if (call.span) return call.span;
    const kind = call.inbound ? SpanKind.SERVER : SpanKind.CLIENT;
    const span = tracer.startSpan(`ocpp ${call.action}`, { kind, startTime: call.at });
    if (span.isRecording()) {
      if (s.link) span.addLink(s.link);
      span.setAttributes({
        'ocpp.action': call.action,
        'ocpp.message_id': call.messageId,
        'ocpp.identity': s.station.identity,
        'ocpp.protocol': s.station.protocol,
      });
    }
    call.span = span;
    return span;
  };

  /** An answer to the CALL `messageId` made in direction `inbound` came. */
  const end = (
    identity: string,
    messageId: string,
    inbound: boolean,
    errorCode: string | undefined,
  ): void => {
    const s = stations.get(identity);
    const call = s?.take(messageId, inbound);
    if (!call) return;
    const span = spanOf(s!, call);
    if (errorCode !== undefined) {
      span.setAttribute('ocpp.error_code', errorCode);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode });
    }
    span.end(performance.now());
  };

  /** Calls that will get no answer (disconnect, shutdown) end as errors. */
  const endAll = (identity: string, why: string): void => {
    const s = stations.get(identity);
    if (!s) return;
    const now = performance.now();
    for (const call of s.drain()) {
      const span = spanOf(s, call);
      span.setStatus({ code: SpanStatusCode.ERROR, message: why });
      span.end(now);
    }
  };

  return {
    name: 'otel',
    level: 1,
    traceContext(identity, messageId) {
      const s = stations.get(identity);
      const call = s?.find(messageId);
      if (!call) return {};
      const span = spanOf(s!, call);
      // W3C Trace Context written directly: the global propagator is a no-op unless the app set one.
      const c = span.spanContext();
      const carrier: Record<string, string> = {
        traceparent: `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 0xff).toString(16).padStart(2, '0')}`,
      };
      const state = c.traceState?.serialize();
      if (state) carrier.tracestate = state;
      return carrier;
    },
    setup() {
      return () => {
        for (const id of stations.keys()) endAll(id, 'CSMS closed');
        stations.clear();
      };
    },
    events: {
      connected: ({ station, reconnect }) => {
        const span = tracer.startSpan('ocpp.connect', {
          kind: SpanKind.SERVER,
          attributes: {
            'ocpp.identity': station.identity,
            'ocpp.protocol': station.protocol,
            'net.peer.ip': station.remoteAddress ?? '',
            'ocpp.reconnect': reconnect,
          },
        });
        span.end();
        const s = of(station);
        s.station = station;
        s.link = { context: span.spanContext() };
      },
      disconnected: ({ station, code }) => endAll(station.identity, `disconnected (${code})`),
      forgotten: ({ identity }) => stations.delete(identity),
      message: ({ station, message, direction }) => {
        switch (message.type) {
          case 2: {
            const s = of(station);
            if (s.size >= maxOpen) return;
            const inbound = direction === 'IN';
            s.add(new OpenCall(message.messageId, message.action, inbound, performance.now()));
            return;
          }
          // An answer travels the other way from its CALL.
          case 3:
            end(station.identity, message.messageId, direction === 'OUT', undefined);
            return;
          case 4:
            end(station.identity, message.messageId, direction === 'OUT', message.errorCode);
            return;
        }
      },
    },
  };
}
