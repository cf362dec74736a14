/**
 * Contract additions for the cluster: request/reply, durable event consumers, key-value buckets,
 * de-duplication that keeps the answer, and counters. Part of {@link Bus} (see types.ts).
 */
import type { BusData, BusMessage } from './types.js';

// ---- request/reply ----

export interface RequestOptions {
  /** How long to wait for the answer. Default: the bus's `requestTimeoutMs` (5_000). */
  timeoutMs?: number;
}

/** Answers one request; a thrown error reaches the requester as {@link BusRemoteError}. */
export type RequestHandler = (data: BusData, subject: string) => BusData | Promise<BusData>;

export interface Service {
  readonly subject: string;
  /** Resolves once requests from any node reach this service. */
  readonly ready: Promise<void>;
  readonly closed: boolean;
  /**
   * Stops taking requests: once resolved, requests from any node no longer reach it. Handlers
   * already running still send their answer when they finish (stop does not wait for them).
   * Idempotent.
   */
  stop(): Promise<void>;
}

// ---- durable event consumers ----

export interface DurableOptions {
  signal?: AbortSignal;
  /**
   * Where a consumer that does not exist yet starts: `new` (default), events published after it
   * is created; `all`, every event the bus still retains (the memory bus retains none before a
   * durable exists, so there it is `new`). An existing consumer resumes where it was.
   */
  deliver?: 'new' | 'all';
  /** Un-acked deliveries handed out at once across all readers of this name. Default 256. */
  maxAckPending?: number;
  /**
   * A delivery neither acked nor nacked within this is delivered again. Default 30_000. (Memory
   * bus: no such timer; what a reader holds comes back when it stops.)
   */
  ackWaitMs?: number;
}

/** One event handed to a durable consumer: at least once, until acked. */
export interface EventDelivery extends BusMessage {
  /** 1 on first delivery, more on redelivery. */
  readonly deliveryCount: number;
  ack(): Promise<void>;
  /** Deliver again, after `delayMs` if given. */
  nack(delayMs?: number): Promise<void>;
}

export interface DurableConsumer extends AsyncIterableIterator<EventDelivery> {
  readonly name: string;
  readonly pattern: string;
  readonly closed: boolean;
  /** Resolves once the consumer exists on the bus (events published from then on are kept for it). */
  readonly ready: Promise<void>;
  /** Stops reading; what this reader held un-acked is delivered again to the next reader. */
  return(): Promise<IteratorResult<EventDelivery, undefined>>;
}

// ---- key-value (shared contract with src/translation: keep these signatures) ----

export interface KvEntry {
  readonly key: string;
  readonly value: Uint8Array;
  readonly revision: number;
}

export interface KvBucket {
  get(key: string): Promise<KvEntry | undefined>;
  /** Unconditional write; resolves with the new revision. */
  put(key: string, value: Uint8Array): Promise<number>;
  /** Write only if the key does not exist; rejects with KvConflictError otherwise. */
  create(key: string, value: Uint8Array): Promise<number>;
  /** Write only if the key's current revision is `revision`; rejects with KvConflictError otherwise. */
  update(key: string, value: Uint8Array, revision: number): Promise<number>;
  delete(key: string): Promise<void>;
  /** Keys, optionally only those starting with `prefix`. */
  keys(prefix?: string): AsyncIterable<string>;
}

// ---- de-duplication that keeps the answer ----

/**
 * What `claimCall` says about a CALL (station, message id):
 * - `first: true`: nobody handled it inside the window: run the handler, then `recordAnswer`.
 * - `first: false` with `answer`: handled already (on any node): send this answer again, do not run
 *   the handler.
 * - `first: false` without `answer`: another attempt is being handled right now (or its node died
 *   before answering). Send nothing: the station times out and retries, and the retry gets the
 *   recorded answer, or is `first` again once the window has passed.
 */
export type CallClaim = { readonly first: true } | { readonly first: false; readonly answer?: string };

// ---- telemetry ----

/** Counters of one node since it started. */
export interface BusStats {
  /** Events stored (duplicates excluded). */
  readonly published: number;
  /** Publishes, enqueues and CALLs recognised as duplicates. */
  readonly deduplicated: number;
  readonly enqueued: number;
  readonly acked: number;
  readonly terminated: number;
  readonly redelivered: number;
  /** Commands dropped for their ttl. */
  readonly expired: number;
  /** Publishes refused because the in-flight window and its buffer were full (BusBackpressureError). */
  readonly bufferFull: number;
  /** Publishes sent, not yet acknowledged by the bus. */
  readonly inFlight: number;
  /** Publishes waiting for a slot in the in-flight window. */
  readonly buffered: number;
  /** Operations that failed because the bus could not do them (not refusals like QueueFullError). */
  readonly errors: number;
  /** False while the connection to the bus is lost (NATS: reconnecting); the memory bus is always connected. */
  readonly connected: boolean;
  /** Times the connection was lost. */
  readonly disconnects: number;
}
