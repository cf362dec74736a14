import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { OcppPlugin } from '../hooks/types.js';
import { type Buckets, PlainHistogram } from './metrics-histogram.js';

/** Counts since the plugin started; the `total*` names and `uptimeMs`/`timestamp` are ocpp-ws-io's, kept so its users' `onSnapshot` reads them unchanged. */
export interface MetricsSnapshot {
  readonly activeConnections: number;
  readonly peakConnections: number;
  readonly totalConnections: number;
  readonly totalDisconnections: number;
  /** Mean duration of the connections that ended (0 before the first). */
  readonly connectionDurationAvgMs: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly totalMessagesIn: number;
  readonly totalMessagesOut: number;
  /** Frames by OCPP-J type, both directions. */
  readonly totalCalls: number;
  readonly totalCallResults: number;
  readonly totalCallErrors: number;
  /** Socket failures (`transportError`). */
  readonly totalErrors: number;
  readonly totalBadMessages: number;
  readonly totalHandlerErrors: number;
  readonly totalRateLimitHits: number;
  readonly totalAuthFailures: number;
  readonly totalEvictions: number;
  readonly totalBackpressureEvents: number;
  readonly totalPongTimeouts: number;
  readonly totalValidationFailures: number;
  readonly totalSecurityEvents: number;
  readonly totalPluginErrors: number;
  /** Circuits open (or half open) now. */
  readonly openBreakers: number;
  /** CALLERRORs sent and received since start, by error code (codes past the 64th counted as "other"). */
  readonly callErrors: Readonly<Record<string, number>>;
  readonly uptimeSeconds: number;
  readonly uptimeMs: number;
  /** When this snapshot was taken, ISO 8601. */
  readonly timestamp: string;
}

/** Faults and refusals counted in `ocpp_incidents_total{kind}` and the snapshot. */
const INCIDENTS = [
  'bad_message',
  'handler_error',
  'rate_limit_exceeded',
  'auth_failed',
  'eviction',
  'backpressure',
  'pong_timeout',
  'transport_error',
] as const;
type Incident = (typeof INCIDENTS)[number];

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
/** Frame types by OCPP-J message type number, from 2 (CALL). */
const FRAME_TYPES = ['CALL', 'CALLRESULT', 'CALLERROR', 'CALLRESULTERROR', 'SEND'] as const;

/** One action's frame counts and latency series, resolved once so that a frame costs a few additions. */
class ActionStats {
  /** Frames since start, by direction (in, then out) and type: [direction * 5 + type - 2]. */
  readonly frames = new Float64Array(2 * FRAME_TYPES.length);
  /** What prom-client was last given of each. */
  readonly synced = new Float64Array(2 * FRAME_TYPES.length);
  /** Handling time of the stations' CALLs; round trip of ours. Created on first use. */
  latencyIn: Buckets | undefined;
  latencyOut: Buckets | undefined;
  constructor(readonly action: string) {}
}

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
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers });
  const total = counter('ocpp_connections_total', 'Station connections accepted');
  const byAction = new Map<string, ActionStats>();
  /**
   * Frames counted in plain numbers and handed to prom-client when it collects: its inc() hashes and
   * validates the label set on every call (~1 µs), which per frame was most of this plugin's cost.
   */
  new Counter({
    name: 'ocpp_messages_total',
    help: 'OCPP frames by action, direction (in/out) and type',
    labelNames: ['action', 'direction', 'type'] as const,
    registers,
    collect() {
      for (const s of byAction.values()) {
        for (let i = 0; i < s.frames.length; i++) {
          const delta = s.frames[i]! - s.synced[i]!;
          if (delta === 0) continue;
          const type = FRAME_TYPES[i % FRAME_TYPES.length]!;
          this.inc({ action: s.action, direction: i < FRAME_TYPES.length ? 'in' : 'out', type }, delta);
          s.synced[i] = s.frames[i]!;
        }
      }
    },
  });
  const latency = new PlainHistogram(
    'ocpp_call_duration_seconds',
    'CALL to answer: handling time (in) or round trip (out), by action',
    options.buckets ?? DEFAULT_BUCKETS,
    registry,
  );
  const errors = counter('ocpp_call_errors_total', 'CALLERRORs by error code and direction', [
    'code',
    'direction',
  ]);
  const validation = counter('ocpp_validation_failures_total', 'Schema failures');
  const security = counter('ocpp_security_events_total', 'Security events by type', ['type']);
  const breakers = new Gauge({
    name: 'ocpp_breakers',
    help: 'Stations whose circuit is open or half open',
    labelNames: ['state'] as const,
    registers,
  });
  const pluginErrors = counter('ocpp_plugin_errors_total', 'Plugin hook failures by plugin', ['plugin']);
  const incidentCounter = counter(
    'ocpp_incidents_total',
    'Faults and refusals by kind (bad_message, handler_error, rate_limit_exceeded, auth_failed, ...)',
    ['kind'],
  );
  // The offline queue's outcomes: an operator alerts on commands that never reached their station.
  const commands = counter(
    'ocpp_offline_commands_total',
    'Commands from the offline queue by outcome: delivered (answered), expired (ttl), dropped (unanswered)',
    ['outcome'],
  );
  const incidents = Object.fromEntries(INCIDENTS.map((kind) => [kind, 0])) as Record<Incident, number>;
  const incident = (kind: Incident) => () => {
    incidents[kind]++;
    incidentCounter.inc({ kind });
  };
  /** Frames of OCPP-J type `type` since start, both directions: summed when asked, not per frame. */
  const framesOfType = (type: number): number => {
    let sum = 0;
    for (const s of byAction.values()) sum += s.frames[type - 2]! + s.frames[FRAME_TYPES.length + type - 2]!;
    return sum;
  };

  // Action names come from stations: past MAX_ACTIONS distinct ones (far more than OCPP has), the rest
  // are counted as "other" so a station sending made-up actions cannot grow the registry without bound.
  const statsOf = (raw: string | undefined): ActionStats => {
    const action = raw ?? 'unknown';
    let s = byAction.get(action);
    if (s) return s;
    if (byAction.size >= MAX_ACTIONS && action !== 'other') return statsOf('other');
    s = new ActionStats(action);
    byAction.set(action, s);
    return s;
  };

  const latencyOf = (s: ActionStats, direction: 'in' | 'out'): Buckets => {
    const series = latency.create({ action: s.action, direction });
    if (direction === 'in') s.latencyIn = series;
    else s.latencyOut = series;
    return series;
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
    ended: 0,
    endedMs: 0,
    messagesIn: 0,
    messagesOut: 0,
    validation: 0,
    security: 0,
    pluginErrors: 0,
  };

  const snapshot = (): MetricsSnapshot => {
    const now = Date.now();
    return {
      activeConnections: n.active,
      peakConnections: n.peak,
      totalConnections: n.total,
      totalDisconnections: n.ended,
      connectionDurationAvgMs: n.ended === 0 ? 0 : Math.round(n.endedMs / n.ended),
      messagesIn: n.messagesIn,
      messagesOut: n.messagesOut,
      totalMessagesIn: n.messagesIn,
      totalMessagesOut: n.messagesOut,
      totalCalls: framesOfType(2),
      totalCallResults: framesOfType(3),
      totalCallErrors: framesOfType(4),
      totalErrors: incidents.transport_error,
      totalBadMessages: incidents.bad_message,
      totalHandlerErrors: incidents.handler_error,
      totalRateLimitHits: incidents.rate_limit_exceeded,
      totalAuthFailures: incidents.auth_failed,
      totalEvictions: incidents.eviction,
      totalBackpressureEvents: incidents.backpressure,
      totalPongTimeouts: incidents.pong_timeout,
      totalValidationFailures: n.validation,
      totalSecurityEvents: n.security,
      totalPluginErrors: n.pluginErrors,
      openBreakers: breakerOf.size,
      callErrors: Object.fromEntries(errorCounts),
      uptimeSeconds: Math.round((now - startedAt) / 1000),
      uptimeMs: now - startedAt,
      timestamp: new Date(now).toISOString(),
    };
  };

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
      disconnected: ({ durationMs }) => {
        n.active--;
        n.ended++;
        n.endedMs += durationMs;
        active.set(n.active);
      },
      badMessage: incident('bad_message'),
      handlerError: incident('handler_error'),
      rateLimitExceeded: incident('rate_limit_exceeded'),
      authFailed: incident('auth_failed'),
      evicted: incident('eviction'),
      backpressure: incident('backpressure'),
      pongTimeout: incident('pong_timeout'),
      transportError: incident('transport_error'),
      commandDelivered: () => commands.inc({ outcome: 'delivered' }),
      commandExpired: () => commands.inc({ outcome: 'expired' }),
      commandDropped: () => commands.inc({ outcome: 'dropped' }),
      message: ({ message, direction, ctx }) => {
        const inbound = direction === 'IN';
        if (inbound) n.messagesIn++;
        else n.messagesOut++;
        const s = statsOf(ctx.action);
        s.frames[(inbound ? 0 : FRAME_TYPES.length) + message.type - 2]!++;
        // An answer's latency is its CALL's: the CALL went the other way.
        if (ctx.latencyMs !== undefined && ctx.action !== undefined) {
          const series = inbound ? s.latencyOut : s.latencyIn;
          (series ?? latencyOf(s, inbound ? 'out' : 'in')).observe(ctx.latencyMs / 1000);
        }
        if (message.type === 4) {
          errors.inc({ code: message.errorCode, direction: inbound ? 'in' : 'out' });
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
