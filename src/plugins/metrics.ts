import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OcppPlugin } from '../hooks/types.js';

export interface MetricsSnapshot {
  readonly activeConnections: number;
  readonly peakConnections: number;
  readonly totalConnections: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly totalValidationFailures: number;
  readonly totalSecurityEvents: number;
  readonly totalPluginErrors: number;
  /** Circuits open (or half open) now. */
  readonly openBreakers: number;
  /** CALLERRORs sent and received since start, by error code (codes past the 64th counted as "other"). */
  readonly callErrors: Readonly<Record<string, number>>;
  readonly uptimeSeconds: number;
}

export interface MetricsOptions {
  /** onSnapshot interval; 0 disables it. Default 30000. */
  intervalMs?: number;
  onSnapshot?: (snapshot: MetricsSnapshot) => void;
  /** Path served on the CSMS's own HTTP server (`listen()`); false to serve nothing. Default `/metrics`. */
  path?: string | false;
  /** Latency histogram buckets, seconds. */
  buckets?: number[];
}

export interface MetricsPlugin extends OcppPlugin {
  /** The plugin's prom-client registry (register your own metrics on it, or merge it). */
  readonly registry: Registry;
  getMetrics(): MetricsSnapshot;
  /** A request handler answering with Prometheus text, for servers of your own (`attach()`). */
  handler(req: IncomingMessage, res: ServerResponse): void;
}

const MAX_ACTIONS = 256;
/** OCPP has about 15 error codes; a station inventing codes cannot grow the snapshot past this. */
const MAX_ERROR_CODES = 64;
const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Prometheus metrics of connections, messages, call latency, errors, breakers and plugin errors. */
export function metricsPlugin(options: MetricsOptions = {}): MetricsPlugin {
  const registry = new Registry();
  const registers = [registry];
  const active = new Gauge({ name: 'ocpp_connections_active', help: 'Stations connected now', registers });
  const peak = new Gauge({
    name: 'ocpp_connections_peak',
    help: 'Most stations connected at once',
    registers,
  });
  const total = new Counter({
    name: 'ocpp_connections_total',
    help: 'Station connections accepted',
    registers,
  });
  /**
   * Frames counted in plain numbers and handed to prom-client when it collects: its inc() hashes and
   * validates the label set on every call (~1 µs), which per frame was most of this plugin's cost.
   */
  const frameCounts = new Map<
    string,
    { labels: { action: string; direction: string; type: string }; n: number; synced: number }
  >();
  new Counter({
    name: 'ocpp_messages_total',
    help: 'OCPP frames by action, direction (in/out) and type',
    labelNames: ['action', 'direction', 'type'] as const,
    registers,
    collect() {
      for (const c of frameCounts.values()) {
        if (c.n === c.synced) continue;
        this.inc(c.labels, c.n - c.synced);
        c.synced = c.n;
      }
    },
  });
  const latency = new Histogram({
    name: 'ocpp_call_duration_seconds',
    help: 'CALL to answer: handling time (in) or round trip (out), by action',
    labelNames: ['action', 'direction'] as const,
    buckets: options.buckets ?? DEFAULT_BUCKETS,
    registers,
  });
  const errors = new Counter({
    name: 'ocpp_call_errors_total',
    help: 'CALLERRORs by error code and direction',
    labelNames: ['code', 'direction'] as const,
    registers,
  });
  const validation = new Counter({
    name: 'ocpp_validation_failures_total',
    help: 'Schema failures',
    registers,
  });
  const security = new Counter({
    name: 'ocpp_security_events_total',
    help: 'Security events by type',
    labelNames: ['type'] as const,
    registers,
  });
  const breakers = new Gauge({
    name: 'ocpp_breakers',
    help: 'Stations whose circuit is open or half open',
    labelNames: ['state'] as const,
    registers,
  });
  const pluginErrors = new Counter({
    name: 'ocpp_plugin_errors_total',
    help: 'Plugin hook failures by plugin',
    labelNames: ['plugin'] as const,
    registers,
  });

  // Label sets resolved once per (action, direction, type): prom-client hashes labels on every inc().
  const latencyChild = new Map<string, { observe(v: number): void }>();
  // Action names come from stations: past MAX_ACTIONS distinct ones (far more than OCPP has), the rest
  // are counted as "other" so a station sending made-up actions cannot grow the registry without bound.
  const actions = new Set<string>();
  const actionLabel = (action: string) => {
    if (actions.has(action)) return action;
    if (actions.size >= MAX_ACTIONS) return 'other';
    actions.add(action);
    return action;
  };
  const countMessage = (raw: string, direction: string, type: string) => {
    const action = actionLabel(raw);
    const key = `${action}\u0000${direction}\u0000${type}`;
    let c = frameCounts.get(key);
    if (!c) {
      c = { labels: { action, direction, type }, n: 0, synced: 0 };
      frameCounts.set(key, c);
    }
    c.n++;
  };
  const observeLatency = (raw: string, direction: string, seconds: number) => {
    const action = actionLabel(raw);
    const key = `${action}\u0000${direction}`;
    let h = latencyChild.get(key);
    if (!h) {
      h = latency.labels(action, direction);
      latencyChild.set(key, h);
    }
    h.observe(seconds);
  };

  const errorCounts = new Map<string, number>();
  const countError = (code: string) => {
    const key = errorCounts.has(code) || errorCounts.size < MAX_ERROR_CODES ? code : 'other';
    errorCounts.set(key, (errorCounts.get(key) ?? 0) + 1);
  };

  const startedAt = Date.now();
  const breakerOf = new Map<string, 'open' | 'halfOpen'>();
  const n = {
    active: 0,
    peak: 0,
    total: 0,
    messagesIn: 0,
    messagesOut: 0,
    validation: 0,
    security: 0,
    pluginErrors: 0,
  };

  const snapshot = (): MetricsSnapshot => ({
    activeConnections: n.active,
    peakConnections: n.peak,
    totalConnections: n.total,
    messagesIn: n.messagesIn,
    messagesOut: n.messagesOut,
    totalValidationFailures: n.validation,
    totalSecurityEvents: n.security,
    totalPluginErrors: n.pluginErrors,
    openBreakers: breakerOf.size,
    callErrors: Object.fromEntries(errorCounts),
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  });

  const handler = (_req: IncomingMessage, res: ServerResponse): void => {
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(error)),
    );
  };
  const path = options.path ?? '/metrics';
  const intervalMs = options.intervalMs ?? 30_000;

  return {
    name: 'metrics',
    level: 1,
    registry,
    getMetrics: snapshot,
    handler,
    setup() {
      if (!options.onSnapshot || intervalMs <= 0) return undefined;
      const onSnapshot = options.onSnapshot;
      const timer = setInterval(() => onSnapshot(snapshot()), intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
    onHttpRequest(req, res) {
      if (path === false || req.method !== 'GET' || req.url?.split('?')[0] !== path) return false;
      handler(req, res);
      return true;
    },
    async getCustomMetrics() {
      return (await registry.metrics()).trimEnd().split('\n');
    },
    events: {
      connected: () => {
        n.active++;
        n.total++;
        active.set(n.active);
        total.inc();
        if (n.active > n.peak) {
          n.peak = n.active;
          peak.set(n.peak);
        }
      },
      disconnected: () => {
        n.active--;
        active.set(n.active);
      },
      message: ({ message, direction, ctx }) => {
        const dir = direction === 'IN' ? 'in' : 'out';
        if (direction === 'IN') n.messagesIn++;
        else n.messagesOut++;
        countMessage(ctx.action ?? 'unknown', dir, ctx.type);
        // An answer's latency is its CALL's: the CALL went the other way.
        const callDir = direction === 'IN' ? 'out' : 'in';
        if (ctx.latencyMs !== undefined && ctx.action)
          observeLatency(ctx.action, callDir, ctx.latencyMs / 1000);
        if (message.type === 4) {
          errors.inc({ code: message.errorCode, direction: dir });
          countError(message.errorCode);
        }
      },
      validationFailure: () => {
        n.validation++;
        validation.inc();
      },
      securityEvent: ({ type }) => {
        n.security++;
        security.inc({ type });
      },
      breakerChanged: ({ identity, to }) => {
        if (to === 'closed') breakerOf.delete(identity);
        else breakerOf.set(identity, to);
        let open = 0;
        for (const s of breakerOf.values()) if (s === 'open') open++;
        breakers.set({ state: 'open' }, open);
        breakers.set({ state: 'halfOpen' }, breakerOf.size - open);
      },
      forgotten: ({ identity }) => {
        breakerOf.delete(identity);
      },
      pluginError: ({ plugin }) => {
        n.pluginErrors++;
        pluginErrors.inc({ plugin });
      },
    },
  };
}
