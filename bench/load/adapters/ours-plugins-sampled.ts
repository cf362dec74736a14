/**
 * `ours-plugins` with the OpenTelemetry SDK sampling: a parent-based trace-id ratio sampler recording
 * 10 % of root spans (every CALL span of a station is a root span: OCPP carries no trace context), the
 * usual set-up at thousands of calls per second. The report compares it with plain `ours` in the same
 * run, beside the always-on `ours-plugins`.
 */

process.env.BENCH_OTEL_TRACER = 'ratio:0.1';
await import('./ours-plugins.js');
