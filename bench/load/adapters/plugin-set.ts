/**
 * The observability plugins a production CSMS would run, as bench:load's `ours-plugins` and
 * `bench:inproc ... plugins` register them: metricsPlugin, otelPlugin on the OpenTelemetry SDK (every
 * span recorded and batched, then dropped by a no-op exporter: the cost is ours and the SDK's, not an
 * exporter's I/O) and sessionLogPlugin (no-op logger). Loaded from the compiled `dist/`.
 * `BENCH_OTEL_TRACER=noop` gives otelPlugin the API's no-op tracer instead of the SDK's: the
 * difference is what the SDK costs, the rest is the runtime's events and the plugin's own work.
 * `BENCH_OTEL_TRACER=ratio:0.1`: the SDK with a parent-based trace-id ratio sampler (10 % of root spans
 * recorded). `BENCH_OTEL_SAMPLE=0.1`: otelPlugin's own `sampleRatio` instead (decided before the SDK is
 * asked for a span; failed calls always traced). `BENCH_OTEL_PROCESSOR=noop`: spans made, then dropped at
 * once rather than batched: the difference is what the batch processor's holding of spans costs.
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';

type Plugins = typeof import('../../../src/plugins/index.js');

/** `only`: a subset by plugin name (metrics, otel, session-log), to see what each costs. */
export async function observabilityPlugins(only?: readonly string[]) {
  const p: Plugins = await import(pathToFileURL(resolve('dist/plugins/index.js')).href);
  const noopExporter: SpanExporter = {
    export: (_spans, done) => done({ code: 0 }),
    shutdown: async () => {},
  };
  const ratio = process.env.BENCH_OTEL_TRACER?.startsWith('ratio:')
    ? Number(process.env.BENCH_OTEL_TRACER.slice(6))
    : undefined;
  const provider = new BasicTracerProvider({
    spanProcessors: [
      process.env.BENCH_OTEL_PROCESSOR === 'noop'
        ? new NoopSpanProcessor()
        : new BatchSpanProcessor(
            noopExporter,
            process.env.BENCH_OTEL_BATCH ? { maxExportBatchSize: Number(process.env.BENCH_OTEL_BATCH) } : {},
          ),
    ],
    ...(ratio === undefined
      ? {}
      : { sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }) }),
  });
  const quiet = { info: () => {}, warn: () => {} };
  const all = [
    p.metricsPlugin({ intervalMs: 0 }),
    p.otelPlugin({
      tracer: process.env.BENCH_OTEL_TRACER === 'noop' ? undefined : provider.getTracer('bench'),
      ...(process.env.BENCH_OTEL_SAMPLE ? { sampleRatio: Number(process.env.BENCH_OTEL_SAMPLE) } : {}),
    }),
    p.sessionLogPlugin({ logger: quiet }),
  ];
  return only ? all.filter((plugin) => only.includes(plugin.name)) : all;
}
