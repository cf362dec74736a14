import type { Histogram, Registry } from 'prom-client';

/** One label set's observations: a count per bucket (not cumulative), their sum and count. */
export class Buckets {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    // Above the last bound: only +Inf (the count) holds it.
    if (i < b.length) this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

interface Value {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

/**
 * A Prometheus histogram kept in plain numbers and exported in prom-client's format when the registry
 * collects. prom-client's own `observe` validates and hashes the label set on every call (~1 µs), which
 * on the message path cost more than the rest of the metrics plugin; here a caller resolves its label
 * set once (`series`) and each observation is a few additions.
 */
export class PlainHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series: Buckets[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    // The registry reads metrics through get(); the cast is for its type, which lists prom-client's classes.
    registry.registerMetric(this as unknown as Histogram);
  }

  /** The buckets of one label set; keep it and observe into it. */
  create(labels: Readonly<Record<string, string>>): Buckets {
    const b = new Buckets(this.bounds, labels);
    this.series.push(b);
    return b;
  }

  async get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: Value[];
  }> {
    const values: Value[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i]!;
        values.push({ value: acc, labels: { ...s.labels, le: this.bounds[i]! }, metricName: bucket });
      }
      values.push({ value: s.count, labels: { ...s.labels, le: '+Inf' }, metricName: bucket });
      values.push({ value: s.sum, labels: { ...s.labels }, metricName: `${this.name}_sum` });
      values.push({ value: s.count, labels: { ...s.labels }, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** `registry.resetMetrics()`: every series back to zero (callers keep their Buckets). */
  reset(): void {
    for (const s of this.series) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
