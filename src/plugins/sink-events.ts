import type { CsmsEventMap, CsmsEventName } from '../hooks/types.js';

/**
 * The events a sink can forward, by the reference's names (its `events` filters), and which runtime
 * events each stands for. The last group is ours; `pluginError` is left out on purpose: a sink
 * failing to deliver its own failure report would feed itself.
 */
export const SINK_EVENTS = {
  init: ['init'],
  connect: ['connected'],
  disconnect: ['disconnected'],
  eviction: ['evicted'],
  closing: ['closing'],
  close: ['closed'],
  message: ['message'],
  security: ['securityEvent'],
  auth_failed: ['authFailed'],
  error: ['transportError', 'handlerError'],
  registered: ['registered'],
  rate_limit: ['rateLimitExceeded'],
  handshake_rejected: ['handshakeRejected'],
  bad_message: ['badMessage'],
  validation_failure: ['validationFailure'],
  pong_timeout: ['pongTimeout'],
  backpressure: ['backpressure'],
  forgotten: ['forgotten'],
  command_delivered: ['commandDelivered'],
  breaker: ['breakerChanged'],
} as const satisfies Record<string, readonly CsmsEventName[]>;

export type SinkEventName = keyof typeof SINK_EVENTS;
export const ALL_SINK_EVENTS = Object.keys(SINK_EVENTS) as SinkEventName[];

/** What every sink sends per event: JSON-safe (Errors as { name, message, code }, Dates as ISO strings). */
export interface SinkRecord {
  readonly event: SinkEventName;
  /** The station's identity, where the event concerns one (known, or claimed in a handshake). */
  readonly identity: string | undefined;
  /** ISO 8601: the event's own time where it has one, else when the sink saw it. */
  readonly timestamp: string;
  readonly payload: Record<string, unknown>;
}

/** Options every sink shares for what it sends. */
export interface SinkRecordOptions {
  /** Include OCPP payloads in `message` records (they carry idTags and credentials). Default false. */
  readonly includePayload?: boolean;
  /**
   * Rewrite (e.g. redact) or drop (return undefined) a record before it is queued. Runs on the
   * observer path: keep it cheap.
   */
  readonly transform?: (record: SinkRecord) => SinkRecord | undefined;
}

type AnyEvent = CsmsEventMap[CsmsEventName];

/** Build the record of one runtime event. */
export function sinkRecord(
  event: SinkEventName,
  runtimeEvent: AnyEvent,
  options: SinkRecordOptions,
): SinkRecord | undefined {
  const e = runtimeEvent as Record<string, unknown>;
  const station = e.station as { identity?: string; protocol?: string; remoteAddress?: string } | undefined;
  const handshake = e.handshake as { identity?: string } | undefined;
  const identity =
    station?.identity ?? (e.identity as string | undefined) ?? handshake?.identity ?? undefined;
  const payload: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'station' && station) {
      payload.protocol = station.protocol;
      payload.remoteAddress = station.remoteAddress;
    } else if (k === 'message' && event === 'message') {
      const frame = v as { type: number; payload?: unknown };
      if (options.includePayload && 'payload' in frame) payload.payload = jsonSafe(frame.payload);
      else if (options.includePayload) payload.frame = jsonSafe(frame);
    } else if (k === 'ctx') {
      Object.assign(payload, jsonSafe(v) as object);
    } else if (k !== 'identity' && k !== 'timestamp') {
      payload[k] = jsonSafe(v);
    }
  }
  const at = e.timestamp instanceof Date ? e.timestamp : new Date();
  const record: SinkRecord = { event, identity, timestamp: at.toISOString(), payload };
  return options.transform ? options.transform(record) : record;
}

/** A value JSON.stringify keeps whole: Errors, Dates, bigints, Buffers and cycles made plain. */
export function jsonSafe(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'undefined' || typeof value === 'function' || typeof value === 'symbol') {
    return undefined;
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      name: value.name,
      message: value.message,
      ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    };
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (seen.has(value as object)) return '[Circular]';
  if (depth >= 16) return '[Truncated]';
  seen.add(value as object);
  try {
    if (Array.isArray(value)) return value.map((v) => jsonSafe(v, depth + 1, seen) ?? null);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as object)) {
      const s = jsonSafe(v, depth + 1, seen);
      if (s !== undefined) out[k] = s;
    }
    return out;
  } finally {
    seen.delete(value as object);
  }
}
