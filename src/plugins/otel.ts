import {
  type Attributes,
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { OcppPlugin, StationRef } from '../hooks/types.js';

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

interface StationSpans {
  /** The short span marking the connection; CALL spans link to it. */
  link: Link | undefined;
  open: Map<string, Span>;
}

/**
 * A span per CALL each way, from the request to its answer (`ocpp.action`, `ocpp.message_id`,
 * `ocpp.identity`, `ocpp.protocol`, and `ocpp.error_code` on a CALLERROR), each linked to a short
 * `ocpp.connect` span of its connection.
 */
export function otelPlugin(options: OtelOptions = {}): OtelPlugin {
  const tracer = options.tracer ?? trace.getTracer(options.serviceName ?? 'ocpp-server');
  const maxOpen = options.maxOpenSpansPerStation ?? 1_000;
  const stations = new Map<string, StationSpans>();

  const of = (identity: string): StationSpans => {
    let s = stations.get(identity);
    if (!s) {
      s = { link: undefined, open: new Map() };
      stations.set(identity, s);
    }
    return s;
  };

  const start = (station: StationRef, action: string, messageId: string, kind: SpanKind): void => {
    const s = of(station.identity);
    if (s.open.size >= maxOpen) return;
    const attributes: Attributes = {
      'ocpp.action': action,
      'ocpp.message_id': messageId,
      'ocpp.identity': station.identity,
      'ocpp.protocol': station.protocol,
    };
    const span = tracer.startSpan(`ocpp ${action}`, { kind, attributes, links: s.link ? [s.link] : [] });
    s.open.set(messageId, span);
  };

  const end = (identity: string, messageId: string, errorCode: string | undefined): void => {
    const s = stations.get(identity);
    const span = s?.open.get(messageId);
    if (!span) return;
    s!.open.delete(messageId);
    if (errorCode !== undefined) {
      span.setAttribute('ocpp.error_code', errorCode);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode });
    }
    span.end();
  };

  const endAll = (identity: string, why: string): void => {
    const s = stations.get(identity);
    if (!s) return;
    for (const span of s.open.values()) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: why });
      span.end();
    }
    s.open.clear();
  };

  return {
    name: 'otel',
    level: 1,
    traceContext(identity, messageId) {
      const span = stations.get(identity)?.open.get(messageId);
      if (!span) return {};
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
        of(station.identity).link = { context: span.spanContext() };
      },
      disconnected: ({ station, code }) => endAll(station.identity, `disconnected (${code})`),
      forgotten: ({ identity }) => stations.delete(identity),
      message: ({ station, message, direction }) => {
        switch (message.type) {
          case 2:
            start(
              station,
              message.action,
              message.messageId,
              direction === 'IN' ? SpanKind.SERVER : SpanKind.CLIENT,
            );
            return;
          case 3:
            end(station.identity, message.messageId, undefined);
            return;
          case 4:
            end(station.identity, message.messageId, message.errorCode);
            return;
        }
      },
    },
  };
}
