import type { InspectorPlugin } from '../plugins/inspector.js';
import type { MetricsPlugin } from '../plugins/metrics.js';

export interface OperatorPageOptions {
  /** Where the page is served on the CSMS's HTTP server. Default `/ops`. */
  path?: string;
  /** A bearer token (at least 16 characters): the page asks for it, scripts send `Authorization: Bearer`. */
  token?: string;
  /** HTTP Basic credentials instead of (or besides) a token: the browser asks for them. */
  basic?: { username: string; password: string };
  /** Serve peers that are not this machine (127.0.0.0/8, ::1). Default false: they get 403. */
  allowRemote?: boolean;
  /** The fleet view's calls per second and errors per code come from this plugin (register it too). */
  metrics?: MetricsPlugin;
  /** A station page's "Inspect in Stately" button selects the station on this plugin. */
  inspector?: InspectorPlugin;
  /** How often the list is updated in a browser, at most. Default 500 ms. */
  listIntervalMs?: number;
  /** Bytes a browser may have waiting before its updates are dropped and it is resynchronised. Default 1 MiB. */
  maxQueuedBytes?: number;
  /** Messages kept per selected station for its log. Default 200. */
  logSize?: number;
  /** Fleet sampling period (connected stations, calls/s); one hour of samples is kept. Default 5000 ms. */
  fleetSampleMs?: number;
}

export interface ResolvedOperatorOptions {
  readonly path: string;
  readonly token: string | undefined;
  readonly basic: { readonly username: string; readonly password: string } | undefined;
  readonly allowRemote: boolean;
  readonly metrics: MetricsPlugin | undefined;
  readonly inspector: InspectorPlugin | undefined;
  readonly listIntervalMs: number;
  readonly maxQueuedBytes: number;
  readonly logSize: number;
  readonly fleetSampleMs: number;
  readonly fleetSamples: number;
}

export class OperatorOptionsError extends Error {
  override readonly name = 'OperatorOptionsError';
}

const MIN_TOKEN = 16;

/** Checked at creation: an operator page never runs open, and a typo in its path fails loudly. */
export function resolveOperatorOptions(o: OperatorPageOptions): ResolvedOperatorOptions {
  const problems: string[] = [];
  if (o.token === undefined && o.basic === undefined)
    problems.push('operatorPage needs `token` or `basic`: the page is never served without authentication');
  if (o.token !== undefined && o.token.length < MIN_TOKEN)
    problems.push(`operatorPage token must be at least ${MIN_TOKEN} characters`);
  if (o.basic && (!o.basic.username || !o.basic.password || o.basic.username.includes(':')))
    problems.push('operatorPage basic needs a username (no ":") and a password');
  const path = (o.path ?? '/ops').replace(/\/+$/, '');
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(path) || path === '')
    problems.push(`operatorPage path must start with / and be a plain path, got ${o.path}`);
  const positive = (name: string, v: number | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    if (!Number.isFinite(v) || v <= 0) problems.push(`operatorPage ${name} must be a positive number`);
    return v;
  };
  const listIntervalMs = positive('listIntervalMs', o.listIntervalMs, 500);
  const maxQueuedBytes = positive('maxQueuedBytes', o.maxQueuedBytes, 1 << 20);
  const logSize = positive('logSize', o.logSize, 200);
  const fleetSampleMs = positive('fleetSampleMs', o.fleetSampleMs, 5_000);
  if (problems.length) throw new OperatorOptionsError(problems.join('; '));
  return {
    path,
    token: o.token,
    basic: o.basic,
    allowRemote: o.allowRemote ?? false,
    metrics: o.metrics,
    inspector: o.inspector,
    listIntervalMs,
    maxQueuedBytes,
    logSize: Math.floor(logSize),
    fleetSampleMs,
    fleetSamples: Math.max(2, Math.ceil(3_600_000 / fleetSampleMs)),
  };
}
