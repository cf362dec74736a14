import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PlainHistogram } from '../../src/plugins/metrics-histogram.js';

describe('PlainHistogram (the metrics plugin latency histogram)', () => {
  it('exports cumulative buckets, +Inf, sum and count in Prometheus text, and resets with the registry', async () => {
    const registry = new Registry();
    const h = new PlainHistogram('latency_seconds', 'help text', [0.005, 0.01, 30], registry);
    const heartbeat = h.create({ action: 'Heartbeat', direction: 'in' });
    for (const v of [0.003, 0.005, 0.007, 100]) heartbeat.observe(v);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE latency_seconds histogram');
    expect(text).toMatch(/^latency_seconds_bucket\{action="Heartbeat",direction="in",le="0.005"\} 2$/m);
    expect(text).toMatch(/^latency_seconds_bucket\{action="Heartbeat",direction="in",le="0.01"\} 3$/m);
    expect(text).toMatch(/^latency_seconds_bucket\{action="Heartbeat",direction="in",le="30"\} 3$/m);
    expect(text).toMatch(/^latency_seconds_bucket\{action="Heartbeat",direction="in",le="\+Inf"\} 4$/m);
    expect(text).toMatch(/^latency_seconds_sum\{action="Heartbeat",direction="in"\} 100.015$/m);
    expect(text).toMatch(/^latency_seconds_count\{action="Heartbeat",direction="in"\} 4$/m);
    expect((await registry.getMetricsAsJSON())[0]).toMatchObject({
      name: 'latency_seconds',
      type: 'histogram',
    });
    registry.resetMetrics();
    heartbeat.observe(0.001);
    expect(await registry.metrics()).toMatch(
      /^latency_seconds_count\{action="Heartbeat",direction="in"\} 1$/m,
    );
  });
});
