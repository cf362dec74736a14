/** Settings of a NATS JetStream bus node. Every node of one cluster must use the same `prefix`. */
export interface NatsBusOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** This node's id. Default: a random id. */
  nodeId?: string;
  /**
   * Names every stream, bucket and subject of this bus (`<prefix>_EVENTS`, `<prefix>.evt.…`): two
   * clusters on one NATS server need two prefixes. Letters, digits, `-` and `_`. Default `OCPP`.
   */
  prefix?: string;
  /** Commands one station's queue holds before enqueue refuses. Default 1_000. */
  maxPerStation?: number;
  /** How long a publish `msgId` or enqueue `messageId` is remembered. Default 120_000. */
  duplicateWindowMs?: number;
  /** Keys `remember` and `claimCall` keep before forgetting the oldest. Default 100_000. */
  maxDedupKeys?: number;
  /** Default ownership lease; undefined: claims do not expire. */
  leaseMs?: number;
  /** Events kept for durable consumers: the oldest go first past either bound. */
  eventRetention?: { maxMsgs?: number; maxAgeMs?: number; maxBytes?: number };
  /** A command delivery not settled within this is delivered again. Default 30_000. */
  ackWaitMs?: number;
  /**
   * Publishes awaiting the server's acknowledgement at once. Default 256: enough to keep nats-server
   * busy on loopback; a deeper window only lengthens each publish's life (at 4,096 every pending
   * publish outlived two young-generation GCs and was promoted: half the client's CPU per event).
   */
  maxInFlight?: number;
  /** Publishes waiting for an in-flight slot before publish refuses (BusBackpressureError). Default 10_000. */
  maxBuffered?: number;
  /** Default buffer of subscriptions and watchers. Default 10_000. */
  bufferSize?: number;
  /** Default request timeout. Default 5_000. */
  requestTimeoutMs?: number;
  /** How often watchers look for lapsed leases (NATS 2.9 writes nothing when one lapses). Default 1_000. */
  sweepIntervalMs?: number;
  /** JetStream API timeout for every bus operation. Default 5_000. */
  apiTimeoutMs?: number;
  /** Where streams live on the server. Default `file`. */
  storage?: 'file' | 'memory';
  /** Clock (ms) for ttls, leases and windows. Nodes' clocks must agree (NTP). Default Date.now. */
  now?: () => number;
}

export interface ResolvedOptions {
  readonly servers: string[];
  readonly nodeId: string;
  readonly prefix: string;
  readonly maxPerStation: number;
  readonly duplicateWindowMs: number;
  readonly maxDedupKeys: number;
  readonly leaseMs: number | undefined;
  readonly eventMaxMsgs: number;
  readonly eventMaxAgeMs: number;
  readonly eventMaxBytes: number;
  readonly ackWaitMs: number;
  readonly maxInFlight: number;
  readonly maxBuffered: number;
  readonly bufferSize: number;
  readonly requestTimeoutMs: number;
  readonly sweepIntervalMs: number;
  readonly apiTimeoutMs: number;
  readonly storage: 'file' | 'memory';
  readonly now: () => number;
}

const PREFIX = /^[A-Za-z0-9_-]+$/;

export function resolveOptions(opts: NatsBusOptions, randomId: () => string): ResolvedOptions {
  const prefix = opts.prefix ?? 'OCPP';
  if (!PREFIX.test(prefix))
    throw new TypeError(`prefix ${JSON.stringify(prefix)}: use letters, digits, - and _`);
  const positive = (name: string, v: number | undefined, dflt: number): number => {
    const value = v ?? dflt;
    if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be > 0`);
    return value;
  };
  if (opts.leaseMs !== undefined) positive('leaseMs', opts.leaseMs, 0);
  return {
    servers: Array.isArray(opts.servers) ? [...opts.servers] : [opts.servers],
    nodeId: opts.nodeId ?? `node-${randomId()}`,
    prefix,
    maxPerStation: positive('maxPerStation', opts.maxPerStation, 1_000),
    duplicateWindowMs: positive('duplicateWindowMs', opts.duplicateWindowMs, 120_000),
    maxDedupKeys: positive('maxDedupKeys', opts.maxDedupKeys, 100_000),
    leaseMs: opts.leaseMs,
    eventMaxMsgs: positive('eventRetention.maxMsgs', opts.eventRetention?.maxMsgs, 1_000_000),
    eventMaxAgeMs: positive('eventRetention.maxAgeMs', opts.eventRetention?.maxAgeMs, 24 * 3_600_000),
    eventMaxBytes: positive('eventRetention.maxBytes', opts.eventRetention?.maxBytes, 1024 ** 3),
    ackWaitMs: positive('ackWaitMs', opts.ackWaitMs, 30_000),
    maxInFlight: positive('maxInFlight', opts.maxInFlight, 256),
    maxBuffered: positive('maxBuffered', opts.maxBuffered, 10_000),
    bufferSize: positive('bufferSize', opts.bufferSize, 10_000),
    requestTimeoutMs: positive('requestTimeoutMs', opts.requestTimeoutMs, 5_000),
    sweepIntervalMs: positive('sweepIntervalMs', opts.sweepIntervalMs, 1_000),
    apiTimeoutMs: positive('apiTimeoutMs', opts.apiTimeoutMs, 5_000),
    storage: opts.storage ?? 'file',
    now: opts.now ?? Date.now,
  };
}
