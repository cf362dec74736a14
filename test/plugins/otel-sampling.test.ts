/**
 * otelPlugin's `sampleRatio`: CALLs that went well get a span at that rate, decided before the SDK is
 * asked for anything; every CALL that failed keeps its span. A real CSMS on real sockets, the SDK with
 * an in-memory exporter.
 */
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { otelPlugin } from '../../src/plugins/index.js';
import { cleanup, gate, startCsms, until } from '../runtime/harness.js';

const providers: BasicTracerProvider[] = [];
afterEach(async () => {
  await cleanup();
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

async function sampled(sampleRatio: number) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  providers.push(provider);
  const otel = otelPlugin({ tracer: provider.getTracer('test'), sampleRatio });
  const t = await startCsms({ plugins: [otel] });
  const names = () => exporter.getFinishedSpans().map((s) => s.name);
  return { t, otel, names };
}

describe('otelPlugin sampleRatio', () => {
  it('at 0, traces only the CALLs that failed, and those whose trace context was asked for', async () => {
    const { t, otel, names } = await sampled(0);
    t.csms.handle('DataTransfer', () => {
      throw new Error('vendor table missing');
    });
    const hold = gate();
    const entered = gate();
    t.csms.handle('StatusNotification', async () => {
      entered.open();
      await hold.promise;
      return {};
    });
    const s = await t.boot('CP1');
    for (let i = 0; i < 5; i++) expect((await s.call('Heartbeat', {}))[0]).toBe(3);
    // A CALLERROR from us: a payload that broke the schema, and a handler that threw.
    expect((await s.call('Authorize', { idTag: 42 }))[0]).toBe(4);
    expect((await s.call('DataTransfer', { vendorId: 'v' }))[2]).toBe('InternalError');
    // Our CALLs: one refused by the station, one answered against the schema.
    const refused = t.csms.call('CP1', 'ClearCache', {});
    const req = await s.waitFor((m) => m[0] === 2 && m[2] === 'ClearCache');
    s.send([4, req[1], 'NotSupported', 'no', {}]);
    await expect(refused).rejects.toThrow();
    const invalid = t.csms.call('CP1', 'UnlockConnector', { connectorId: 1 });
    const unlock = await s.waitFor((m) => m[0] === 2 && m[2] === 'UnlockConnector');
    s.reply(unlock, { status: 'Maybe' });
    await expect(invalid).rejects.toThrow();
    // A call that went well, but someone asked for its trace context while it was in progress.
    const status = s.call(
      'StatusNotification',
      { connectorId: 1, errorCode: 'NoError', status: 'Available' },
      'st-1',
    );
    await entered.promise;
    expect(otel.traceContext('CP1', 'st-1').traceparent).toBeDefined();
    hold.open();
    expect((await status)[0]).toBe(3);

    await until(() => names().includes('ocpp StatusNotification'));
    expect(names().sort()).toEqual(
      [
        'ocpp.connect',
        // The boot's own calls went well: left out too.
        'ocpp Authorize',
        'ocpp DataTransfer',
        'ocpp ClearCache',
        'ocpp UnlockConnector',
        'ocpp StatusNotification',
      ].sort(),
    );
  });

  it('gives about that share of the CALLs that went well a span', async () => {
    const { t, names } = await sampled(0.5);
    const s = await t.boot('CP1');
    for (let i = 0; i < 400; i++) await s.call('Heartbeat', {});
    // The spans of answered calls are made before the station reads its answer's frame.
    const heartbeats = names().filter((n) => n === 'ocpp Heartbeat').length;
    // Binomial(400, 0.5): 120..280 is more than 8 standard deviations either side.
    expect(heartbeats).toBeGreaterThan(120);
    expect(heartbeats).toBeLessThan(280);
  });

  it('refuses a ratio outside 0..1', () => {
    expect(() => otelPlugin({ sampleRatio: 1.5 })).toThrow(RangeError);
    expect(() => otelPlugin({ sampleRatio: Number.NaN })).toThrow(RangeError);
  });
});
