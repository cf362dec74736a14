import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { otelPlugin } from '../../src/plugins/index.js';
import { cleanup, gate, nextEvent, startCsms, until } from '../runtime/harness.js';

afterEach(cleanup);

const durationMs = (d: [number, number]) => d[0] * 1_000 + d[1] / 1e6;

describe('otelPlugin', () => {
  it('makes a span per CALL each way, request to answer, with OCPP attributes, linked to a short connection span', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const otel = otelPlugin({ tracer: provider.getTracer('test') });
    const t = await startCsms({ plugins: [otel] });
    const hold = gate();
    const entered = gate();
    t.csms.handle('DataTransfer', async () => {
      entered.open();
      await hold.promise;
      return { status: 'Accepted' };
    });
    const s = await t.boot('CP1');
    const dt = s.call('DataTransfer', { vendorId: 'v' }, 'dt-1');
    await entered.promise;
    const heldFrom = performance.now();
    // The handler is held; the span must cover the whole handling, not end at once.
    await until(() => performance.now() - heldFrom >= 25);
    expect(otel.traceContext('CP1', 'dt-1').traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    hold.open();
    await dt;
    const out = t.csms.call('CP1', 'ClearCache', {});
    const req = await s.waitFor((m) => m[0] === 2 && m[2] === 'ClearCache');
    s.send([4, req[1], 'NotSupported', 'no', {}]);
    await expect(out).rejects.toThrow();
    const gone = nextEvent(t.csms, 'disconnected');
    await s.close();
    await gone;
    await until(() => exporter.getFinishedSpans().length >= 4);

    const spans = exporter.getFinishedSpans();
    const connect = spans.find((x) => x.name === 'ocpp.connect')!;
    const inbound = spans.find((x) => x.name === 'ocpp DataTransfer')!;
    const outbound = spans.find((x) => x.name === 'ocpp ClearCache')!;
    expect(connect.attributes).toMatchObject({ 'ocpp.identity': 'CP1', 'ocpp.protocol': 'ocpp1.6' });
    expect(durationMs(connect.duration)).toBeLessThan(50);
    expect(inbound.attributes).toMatchObject({
      'ocpp.action': 'DataTransfer',
      'ocpp.message_id': 'dt-1',
      'ocpp.identity': 'CP1',
      'ocpp.protocol': 'ocpp1.6',
    });
    expect(durationMs(inbound.duration)).toBeGreaterThanOrEqual(25);
    expect(inbound.links[0]?.context.spanId).toBe(connect.spanContext().spanId);
    expect(outbound.attributes).toMatchObject({
      'ocpp.action': 'ClearCache',
      'ocpp.error_code': 'NotSupported',
    });
    expect(durationMs(outbound.duration)).toBeGreaterThan(0);
    await provider.shutdown();
  });
});
