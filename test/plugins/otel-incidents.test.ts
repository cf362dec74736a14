/**
 * otelPlugin beyond the CALL spans: what went wrong on a call is on its span, faults and refusals are
 * counted on `ocpp.incidents`, and the CSMS's telemetry is reported as OTel metrics. A real CSMS on
 * real sockets, the OpenTelemetry SDKs with in-memory readers.
 */
import {
  AggregationTemporality,
  type DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import type { CsmsOptions } from '../../src/actors/options.js';
import { otelPlugin } from '../../src/plugins/index.js';
import { cleanup, nextEvent, startCsms, until } from '../runtime/harness.js';

const providers: { shutdown(): Promise<void> }[] = [];
afterEach(async () => {
  await cleanup();
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

async function withOtel(options: CsmsOptions = {}) {
  const spans = new InMemorySpanExporter();
  const tracing = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const exported = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Collected on demand (forceFlush); the interval only has to be long enough never to fire in a test.
  const reader = new PeriodicExportingMetricReader({ exporter: exported, exportIntervalMillis: 3_600_000 });
  const metering = new MeterProvider({ readers: [reader] });
  providers.push(tracing, metering);
  const otel = otelPlugin({ tracer: tracing.getTracer('test'), meter: metering.getMeter('test') });
  const t = await startCsms({ ...options, plugins: [otel] });
  const metrics = async (): Promise<Map<string, MetricData>> => {
    exported.reset();
    await reader.forceFlush();
    const out = new Map<string, MetricData>();
    for (const rm of exported.getMetrics())
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.descriptor.name, m);
    return out;
  };
  const span = (name: string): ReadableSpan | undefined =>
    spans.getFinishedSpans().find((s) => s.name === name);
  return { t, metrics, span, spans };
}

/** How many incidents with these attributes the plugin counted. */
const incidentCount = (m: Map<string, MetricData>, attrs: Record<string, unknown>): unknown =>
  pointValue(m.get('ocpp.incidents'), attrs);

/** The value of the data point of `metric` whose attributes include `attrs`. */
function pointValue(metric: MetricData | undefined, attrs: Record<string, unknown>): unknown {
  const points = (metric?.dataPoints ?? []) as DataPoint<unknown>[];
  return points.find((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))?.value;
}

describe('otelPlugin: faults on the CALL span, incidents counted', () => {
  it('puts the reason for a CALLERROR on the span and counts the validation failure', async () => {
    const { t, metrics, span } = await withOtel();
    const s = await t.boot('CP1');
    const answer = await s.call('Authorize', { idTag: 42 }, 'bad-1');
    expect(answer.slice(0, 3)).toEqual([4, 'bad-1', 'TypeConstraintViolation']);
    await until(() => span('ocpp Authorize') !== undefined);
    expect(span('ocpp Authorize')!.attributes).toMatchObject({
      'ocpp.error_code': 'TypeConstraintViolation',
      'ocpp.error_description': expect.stringContaining('idTag'),
    });
    const m = await metrics();
    expect(incidentCount(m, { 'ocpp.incident': 'validation_failure', 'ocpp.direction': 'IN' })).toBe(1);
  });

  it("records a handler's exception on its CALL's span", async () => {
    const { t, metrics, span } = await withOtel();
    t.csms.handle('DataTransfer', () => {
      throw new Error('vendor table missing');
    });
    const s = await t.boot('CP1');
    expect((await s.call('DataTransfer', { vendorId: 'v' }))[2]).toBe('InternalError');
    await until(() => span('ocpp DataTransfer') !== undefined);
    const events = span('ocpp DataTransfer')!.events;
    expect(events).toContainEqual(
      expect.objectContaining({
        name: 'exception',
        attributes: expect.objectContaining({ 'exception.message': 'vendor table missing' }),
      }),
    );
    const m = await metrics();
    expect(
      incidentCount(m, {
        'ocpp.incident': 'handler_error',
        'ocpp.action': 'DataTransfer',
      }),
    ).toBe(1);
  });

  it('fails the span of a CSMS call whose answer broke the schema, though the answer came', async () => {
    const { t, span } = await withOtel();
    const s = await t.boot('CP1');
    const out = t.csms.call('CP1', 'ClearCache', {});
    const req = await s.waitFor((m) => m[0] === 2 && m[2] === 'ClearCache');
    s.reply(req, { status: 'Maybe' });
    await expect(out).rejects.toThrow();
    await until(() => span('ocpp ClearCache') !== undefined);
    const cleared = span('ocpp ClearCache')!;
    expect(cleared.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(cleared.events.map((e) => e.name)).toContain('ocpp.validation_failure');
  });

  it('counts bad frames by reason, refused calls, refused handshakes and security events', async () => {
    const { t, metrics } = await withOtel({
      securityProfile: 1,
      auth: (req) => req.password?.toString() === 'secret',
    });
    const refused = await t.refused('CP9', { auth: { password: 'wrong' } });
    expect(refused.status).toBe(401);
    const s = await t.connect('CP1', { auth: { password: 'secret' } });
    const bad = nextEvent(t.csms, 'badMessage');
    s.send('this is not JSON');
    await bad;
    // Before its BootNotification was accepted: refused, and a security event.
    expect((await s.call('Heartbeat', {}))[2]).toBe('SecurityError');
    const m = await metrics();
    expect(incidentCount(m, { 'ocpp.incident': 'bad_message', 'ocpp.reason': 'invalid-json' })).toBe(1);
    expect(incidentCount(m, { 'ocpp.incident': 'auth_failed', 'http.response.status_code': 401 })).toBe(1);
    expect(incidentCount(m, { 'ocpp.incident': 'call_refused', 'ocpp.reason': 'not-accepted' })).toBe(1);
    expect(
      incidentCount(m, {
        'ocpp.incident': 'security_event',
        'ocpp.security_event': 'CALL_BEFORE_ACCEPTED',
      }),
    ).toBe(1);
  });
});

describe('otelPlugin: the offline queue', () => {
  it('counts a queued command dropped unanswered as an incident', async () => {
    const { t, metrics } = await withOtel({ callTimeoutMs: 100, replay: { maxAttempts: 1 } });
    const dropped = nextEvent(t.csms, 'commandDropped', undefined, 5_000);
    await t.csms.enqueue('CP1', 'ClearCache', {});
    const s = await t.boot('CP1');
    await s.waitFor((m) => m[0] === 2 && m[2] === 'ClearCache');
    await dropped;
    const m = await metrics();
    expect(
      incidentCount(m, {
        'ocpp.incident': 'command_dropped',
        'ocpp.action': 'ClearCache',
      }),
    ).toBe(1);
  });
});

describe('otelPlugin: telemetry as metrics', () => {
  it('reports stations connected and known, and messages each way', async () => {
    const { t, metrics } = await withOtel({ telemetryIntervalMs: 20 });
    const a = await t.boot('CP1');
    await t.boot('CP2');
    const gone = nextEvent(t.csms, 'disconnected');
    await a.close();
    await gone;
    const tick = nextEvent(t.csms, 'telemetry');
    const stats = await tick;
    const m = await metrics();
    expect(pointValue(m.get('ocpp.stations.connected'), {})).toBe(1);
    expect(pointValue(m.get('ocpp.stations.known'), {})).toBe(stats.knownStations);
    expect(stats.knownStations).toBe(2);
    const inbound = pointValue(m.get('ocpp.messages'), { 'ocpp.direction': 'IN' }) as number;
    expect(inbound).toBeGreaterThanOrEqual(2);
    expect(pointValue(m.get('ocpp.messages'), { 'ocpp.direction': 'OUT' })).toBe(stats.messagesOut);
  });
});
