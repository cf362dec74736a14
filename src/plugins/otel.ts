import {
  type Exception,
  type Meter,
  metrics,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { OcppPlugin, StationRef } from '../hooks/types.js';
import { OpenCall, StationCalls } from './otel-calls.js';
import { OtelMetrics } from './otel-metrics.js';

export interface OtelOptions {
  /** Tracer name when no `tracer` is given. Default `"ocpp-server"`. */
  serviceName?: string;
  /** A tracer of your own; default `trace.getTracer(serviceName)` (a no-op until an SDK is registered). */
  tracer?: Tracer;
  /** A meter of your own; default `metrics.getMeter(serviceName)` (a no-op until an SDK is registered). */
  meter?: Meter;
  /** Open CALL spans kept per station at most (calls that never get an answer end when it disconnects). */
  maxOpenSpansPerStation?: number;
  /**
   * Share of CALLs that went well given a span, 0 to 1 (default 1: every CALL). Decided when the
   * answer has come, before the SDK is asked for anything, so the calls left out cost next to nothing
   * (an SDK sampler is consulted only after a span and its trace id are made). A CALL that failed (a
   * CALLERROR either way, a handler's exception, an answer that broke the schema, no answer before the
   * disconnect) always gets its span, and so does one whose trace context was asked for.
   */
  sampleRatio?: number;
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
 * `ocpp.connect` span of its connection; a handler's exception and a schema violation of the answer
 * are events on the CALL's span. Faults and refusals (bad frames, validation failures, rate limits,
 * backpressure, pong timeouts, security events, refused handshakes, evictions) are counted on
 * `ocpp.incidents`, and the CSMS's telemetry is reported as metrics (see `OtelMetrics`). With
 * `sampleRatio`, a CALL that went well gets its span at that rate: the span is made once the answer has
 * come, so whether the call failed is known before any span is.
 */
export function otelPlugin(options: OtelOptions = {}): OtelPlugin {
  const serviceName = options.serviceName ?? 'ocpp-server';
  const tracer = options.tracer ?? trace.getTracer(serviceName);
  const meters = new OtelMetrics(options.meter ?? metrics.getMeter(serviceName));
  const maxOpen = options.maxOpenSpansPerStation ?? 1_000;
  const ratio = options.sampleRatio ?? 1;
  if (!(ratio >= 0 && ratio <= 1))
    throw new RangeError(`otelPlugin: sampleRatio ${ratio} is not within 0..1`);
  /** A CALL that went well and has no span yet is left out (no span, ever)? */
  const leftOut = (call: OpenCall): boolean =>
    ratio < 1 && call.span === undefined && (ratio === 0 || Math.random() >= ratio);
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
    errorDescription?: string,
  ): void => {
    const s = stations.get(identity);
    const call = s?.take(messageId, inbound);
    if (!call) return;
    if (errorCode === undefined && leftOut(call)) return;
    const span = spanOf(s!, call);
    if (errorCode !== undefined) {
      span.setAttribute('ocpp.error_code', errorCode);
      // What a schema violation or a handler's failure says, as the station was told it.
      if (errorDescription) span.setAttribute('ocpp.error_description', errorDescription);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode });
    }
    span.end(performance.now());
  };

  /**
   * Answers to our own CALLs wait a microtask before their span ends: the runtime checks such an
   * answer against the schema after it is observed, and a CALL whose answer was invalid failed.
   */
  let answered: { s: StationCalls; call: OpenCall; at: number; invalid?: string }[] = [];
  const endAnswered = () => {
    const list = answered;
    answered = [];
    for (const a of list) {
      if (a.invalid === undefined && leftOut(a.call)) continue;
      const span = spanOf(a.s, a.call);
      if (a.invalid !== undefined) {
        span.addEvent('ocpp.validation_failure', { 'exception.message': a.invalid });
        span.setStatus({ code: SpanStatusCode.ERROR, message: a.invalid });
      }
      span.end(a.at);
    }
  };
  const resultCame = (identity: string, messageId: string): void => {
    const s = stations.get(identity);
    const call = s?.take(messageId, false);
    if (!call) return;
    if (answered.length === 0) queueMicrotask(endAnswered);
    answered.push({ s: s!, call, at: performance.now() });
  };

  /** A call of this station still open (its span not ended), to put an event on. */
  const openSpan = (identity: string, messageId: string): Span | undefined => {
    const s = stations.get(identity);
    const call = s?.find(messageId);
    return call ? spanOf(s!, call) : undefined;
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
    setup(ctx) {
      meters.connectedCount = () => ctx.csms.connectedCount;
      return () => {
        endAnswered();
        for (const id of stations.keys()) endAll(id, 'CSMS closed');
        stations.clear();
        meters.close();
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
            if (direction === 'IN') resultCame(station.identity, message.messageId);
            else end(station.identity, message.messageId, true, undefined);
            return;
          case 4:
            end(
              station.identity,
              message.messageId,
              direction === 'OUT',
              message.errorCode,
              message.errorDescription,
            );
            return;
        }
      },
      validationFailure: ({ station, direction, message, error }) => {
        meters.count('validation_failure', { 'ocpp.direction': direction });
        if (message.type !== 3) return;
        if (direction === 'IN') {
          const a = answered.find(
            (x) => x.call.messageId === message.messageId && x.s.station.identity === station.identity,
          );
          if (a) a.invalid = error.message;
          return;
        }
        // Our handler's answer broke the schema: the station is told InternalError, the span says why.
        openSpan(station.identity, message.messageId)?.addEvent('ocpp.validation_failure', {
          'exception.message': error.message,
        });
      },
      handlerError: ({ station, action, messageId, error }) => {
        meters.count('handler_error', { 'ocpp.action': action });
        const exception: Exception =
          error instanceof Error ? error : { name: 'HandlerError', message: String(error) };
        openSpan(station.identity, messageId)?.recordException(exception);
      },
      badMessage: ({ reason }) => meters.count('bad_message', { 'ocpp.reason': reason }),
      callRefused: ({ reason }) => meters.count('call_refused', { 'ocpp.reason': reason }),
      rateLimitExceeded: () => meters.count('rate_limit_exceeded'),
      backpressure: () => meters.count('backpressure'),
      pongTimeout: () => meters.count('pong_timeout'),
      securityEvent: ({ type }) => meters.count('security_event', { 'ocpp.security_event': type }),
      authFailed: ({ status }) => meters.count('auth_failed', { 'http.response.status_code': status }),
      evicted: () => meters.count('eviction'),
      transportError: () => meters.count('transport_error'),
      commandExpired: ({ action }) => meters.count('command_expired', { 'ocpp.action': action }),
      commandDropped: ({ action }) => meters.count('command_dropped', { 'ocpp.action': action }),
      telemetry: (stats) => meters.telemetry(stats),
    },
  };
}
