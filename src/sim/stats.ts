import type { Station } from '../client/index.js';
import { RpcError, ValidationError } from '../protocol/errors.js';
import { CallTimeoutError, OcppActorsError } from '../rpc/errors.js';

/** Why something failed, as the summary counts it. */
export type SimErrorKind =
  /** A connection attempt failed (refused, HTTP 4xx/5xx such as 429 from a rate limit, timeout). */
  | 'connect'
  /** The CSMS answered one of our CALLs with a CALLERROR. */
  | 'callError'
  /** Refused locally by the strict client: our request, our answer, or the CSMS's answer broke its schema. */
  | 'validation'
  /** A CALL got no answer in time. */
  | 'timeout'
  /** Anything else (dropped connection with a call in flight, full queue, …). */
  | 'other';

const KINDS: readonly SimErrorKind[] = ['connect', 'callError', 'validation', 'timeout', 'other'];

export function errorKindOf(error: unknown): SimErrorKind {
  // ValidationError first: it is an RpcError too, but raised here rather than received.
  if (error instanceof ValidationError) return 'validation';
  if (error instanceof RpcError) return 'callError';
  if (error instanceof CallTimeoutError) return 'timeout';
  return 'other';
}

/**
 * Latencies on a log scale: bucket i holds values up to 1.04^i µs, so a percentile is off by at most
 * 4% whatever the count, in fixed memory (a run of 1000 stations for an hour records millions).
 */
export class LatencyHistogram {
  private static readonly BASE = Math.log(1.04);
  private readonly buckets = new Uint32Array(600); // 1.04^600 µs ≈ 16 min
  count = 0;
  max = 0;

  record(ms: number): void {
    const us = Math.max(1, ms * 1000);
    const i = Math.min(this.buckets.length - 1, Math.ceil(Math.log(us) / LatencyHistogram.BASE));
    this.buckets[i]! += 1;
    this.count += 1;
    if (ms > this.max) this.max = ms;
  }

  /** The value at quantile `q` (0..1), in ms; 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return Math.min(this.max, 1.04 ** i / 1000);
    }
    return this.max;
  }
}

export interface SimErrorCounts {
  total: number;
  connect: number;
  callError: number;
  validation: number;
  timeout: number;
  other: number;
  /** CALLs from the CSMS that broke their schema (the CSMS's fault; answered with a CALLERROR). */
  invalidFromCsms: number;
}

/** Counters shared by every virtual station of one run. */
export class SimStats {
  /** Stations that have connected at least once / whose boot was Accepted at least once. */
  everConnected = 0;
  everBooted = 0;
  /** Open connections right now. */
  connectedNow = 0;
  /** performance.now() of the latest first connection / first Accepted boot of a station. */
  lastFirstConnectAt = 0;
  lastFirstBootAt = 0;
  calls = 0;
  /** CALLs from the CSMS that a station answered (CALLRESULT or CALLERROR). */
  commands = 0;
  transactionsStarted = 0;
  transactionsStopped = 0;
  readonly latency = new LatencyHistogram();
  readonly errors: Record<SimErrorKind, number> = {
    connect: 0,
    callError: 0,
    validation: 0,
    timeout: 0,
    other: 0,
  };
  invalidFromCsms = 0;
  /** The first few distinct error messages, to tell what went wrong without a debugger. */
  readonly samples: string[] = [];

  error(kind: SimErrorKind, detail: string | Error): void {
    this.errors[kind] += 1;
    if (this.samples.length >= 5) return;
    const text = `${kind}: ${typeof detail === 'string' ? detail : describe(detail)}`.slice(0, 300);
    if (!this.samples.includes(text)) this.samples.push(text);
  }

  errorCounts(): SimErrorCounts {
    const total = KINDS.reduce((n, k) => n + this.errors[k], 0);
    return { total, ...this.errors, invalidFromCsms: this.invalidFromCsms };
  }
}

function describe(error: Error): string {
  const code = error instanceof RpcError || error instanceof OcppActorsError ? `${error.code} ` : '';
  return `${code}${error.message}`;
}

/** Count what a station client sees into `stats`. */
export function observeClient(
  client: Station,
  stats: SimStats,
  station: { readonly identity: string; readonly stopped: boolean },
): void {
  let everConnected = false;
  client.on('connected', () => {
    stats.connectedNow++;
    if (everConnected) return;
    everConnected = true;
    stats.everConnected++;
    stats.lastFirstConnectAt = performance.now();
  });
  client.on('disconnected', () => {
    stats.connectedNow--;
  });
  client.on('connectFailed', ({ error }) => {
    if (!station.stopped) stats.error('connect', `${station.identity}: ${error.message}`);
  });
  client.on('validationFailure', ({ direction, message, error }) => {
    // OUT: our answer to the CSMS. IN: a CSMS CALL is its fault; an invalid CALLRESULT rejects our call,
    // which the station's call counts.
    if (direction === 'OUT') stats.error('validation', error);
    else if (message.type === 2) stats.invalidFromCsms++;
  });
  client.on('handlerError', ({ action, error }) => stats.error('other', `${action} handler: ${error}`));
  client.on('message', ({ direction, message, ctx }) => {
    if (direction !== 'IN') return;
    if (message.type === 2) stats.commands++;
    else if (ctx.latencyMs !== undefined && (message.type === 3 || message.type === 4))
      stats.latency.record(ctx.latencyMs);
  });
}
