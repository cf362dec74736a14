import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBus, createMemoryCluster } from '../../src/bus/index.js';
import type { BusMessage } from '../../src/bus/types.js';
import { otelPlugin } from '../../src/plugins/index.js';
import { cleanup, gate, startCsms, until } from '../runtime/harness.js';
import { within } from '../support/wait.js';

afterEach(cleanup);

describe('otelPlugin on bus events', () => {
  it("carries the W3C trace context of a call on the bus events about it: a consumer's span is the CALL span's child", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const cluster = createMemoryCluster();
    const t = await startCsms({
      bus: createMemoryBus({ cluster, nodeId: 'A' }),
      nodeId: 'A',
      cluster: { publishEvents: ['message', 'handlerError'] },
      plugins: [otelPlugin({ tracer: provider.getTracer('csms') })],
    });
    const hold = gate();
    t.csms.handle('DataTransfer', async () => {
      await hold.promise;
      throw new Error('vendor backend down');
    });
    const reader = createMemoryBus({ cluster, nodeId: 'consumer' }).subscribe('ocpp.evt.CP1.>');
    await reader.ready;
    const s = await t.boot('CP1');
    const answer = s.call('DataTransfer', { vendorId: 'v' }, 'dt-1');
    const events: BusMessage[] = [];
    const read = async () => {
      for await (const m of reader) {
        events.push(m);
        if (m.subject.endsWith('.handlerError')) return;
      }
    };
    const reading = read();
    await until(() =>
      events.some((m) => (m.data as { message?: { messageId?: string } }).message?.messageId === 'dt-1'),
    );
    hold.open();
    await answer;
    await within(reading, 'handlerError event');
    reader.unsubscribe();

    const call = events.find(
      (m) => (m.data as { message?: { messageId?: string } }).message?.messageId === 'dt-1',
    )!;
    const failed = events.find((m) => m.subject.endsWith('.handlerError'))!;
    const traceparent = (call.data as { trace?: { traceparent?: string } }).trace?.traceparent;
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // Events raised while the call is handled carry the same context.
    expect((failed.data as { trace?: object }).trace).toEqual({ traceparent });

    // A consumer continues the trace from the event alone.
    const [, traceId, spanId] = traceparent!.split('-');
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: traceId!,
      spanId: spanId!,
      traceFlags: 1,
      isRemote: true,
    });
    provider.getTracer('consumer').startSpan('bill the session', {}, parent).end();

    await until(() => exporter.getFinishedSpans().some((x) => x.name === 'ocpp DataTransfer'));
    const spans = exporter.getFinishedSpans();
    const callSpan = spans.find((x) => x.name === 'ocpp DataTransfer')!;
    const child = spans.find((x) => x.name === 'bill the session')!;
    expect(callSpan.spanContext()).toMatchObject({ traceId, spanId });
    expect(callSpan.attributes['ocpp.message_id']).toBe('dt-1');
    expect(child.spanContext().traceId).toBe(traceId);
    expect(child.parentSpanContext?.spanId).toBe(callSpan.spanContext().spanId);
    await provider.shutdown();
  });
});
