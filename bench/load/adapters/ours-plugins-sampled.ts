/**
 * `ours-plugins` with otelPlugin's `sampleRatio: 0.1`: 10 % of the CALLs that went well get a span
 * (every failed one does), decided before the SDK is asked for anything; the usual set-up at thousands
 * of calls per second. The report compares it with plain `ours` in the same run, beside the always-on
 * `ours-plugins`. (`BENCH_OTEL_TRACER=ratio:0.1` gives the SDK's own ratio sampler instead, which is
 * consulted only after the span and its trace id are made.)
 */

process.env.BENCH_OTEL_SAMPLE ??= '0.1';
await import('./ours-plugins.js');
