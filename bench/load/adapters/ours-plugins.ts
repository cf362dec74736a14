/**
 * Ours (see ours.ts) with the observability plugins a production CSMS would run: metricsPlugin,
 * otelPlugin on the OpenTelemetry SDK (every span recorded and batched, then dropped by a no-op
 * exporter: the cost is ours and the SDK's, not an exporter's I/O) and sessionLogPlugin (no-op logger).
 * The report compares its CPU per call with plain `ours` in the same run (target <= 1.15x).
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

type Plugins = typeof import('../../../src/plugins/index.js');
const p: Plugins = await import(pathToFileURL(resolve('dist/plugins/index.js')).href);

const noopExporter: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => {},
};
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopExporter)] });
const quiet = { info: () => {}, warn: () => {} };

(globalThis as { benchPlugins?: object }).benchPlugins = {
  plugins: [
    p.metricsPlugin({ intervalMs: 0 }),
    p.otelPlugin({ tracer: provider.getTracer('bench') }),
    p.sessionLogPlugin({ logger: quiet }),
  ],
};
await import('./ours.js');
