/**
 * The cross-node bus: how runtime nodes exchange events, share de-duplication, queue CALLs for
 * stations and agree on which node holds each station. Two implementations share this contract and
 * one conformance suite: the embedded in-memory bus (one node, or simulated nodes in one process)
 * and NATS JetStream (src/bus/nats: an events stream with `Nats-Msg-Id` de-duplication, a
 * work-queue stream with one subject per station, KV buckets for ownership and de-duplication). Where the two could differ, the JetStream behaviour is the contract.
 *
 * Station ids are opaque strings: implementations encode them wherever they must become subject
 * tokens. Iterators are ended by `return()` (what `break` in `for await` calls), an `AbortSignal`,
 * their own stop method, or `Bus.close()`; an ended iterator yields `done` and never throws.
 */

import type {
  BusStats,
  CallClaim,
  DurableConsumer,
  DurableOptions,
  KvBucket,
  RequestHandler,
  RequestOptions,
  Service,
} from './types-extra.js';

export type * from './types-extra.js';

/** Event payload: raw bytes pass through untouched; any other object travels as JSON. */
export type BusData = Uint8Array | object;

export interface PublishOptions {
  /**
   * De-duplication id (`Nats-Msg-Id`): a second publish with the same id inside the bus's duplicate
   * window is not delivered and resolves with `duplicate: true` and the first publish's `seq`.
   */
  msgId?: string;
}

export interface PublishAck {
  /** Position of the event (stream sequence); increases with every stored publish. */
  readonly seq: number;
  readonly duplicate: boolean;
}

export interface BusMessage {
  readonly subject: string;
  /** As published. The memory bus hands over the very object (no copy): treat it as read-only. */
  readonly data: BusData;
  readonly seq: number;
  /** Node that published it. */
  readonly origin: string;
  readonly msgId?: string;
  /** Clock time (ms) at publish. */
  readonly publishedAt: number;
}

export interface IteratorOptions {
  /** Ends the iterator when aborted, as `return()` would. */
  signal?: AbortSignal;
  /** Most items held for a slow reader; see {@link BufferedIterator}. Default 10_000. */
  bufferSize?: number;
}

/**
 * An async iterator fed by the bus that never blocks the feeding side. Items wait in a bounded
 * buffer; when the buffer is full the OLDEST item is dropped to make room, and `dropped` counts
 * the losses. A reader that sees `dropped` grow has missed data and must resynchronise (read the
 * state it tracks again) rather than assume continuity.
 */
export interface BufferedIterator<T> extends AsyncIterableIterator<T> {
  /**
   * Resolves once the iterator is registered on the bus: items produced on ANY node after that are
   * seen. Items produced by this node after the call are always seen (the memory bus is ready at once).
   */
  readonly ready: Promise<void>;
  /** Items buffered, not yet read. */
  readonly pending: number;
  /** Items discarded because the buffer was full. */
  readonly dropped: number;
  readonly closed: boolean;
  /** Ends the iterator now, discarding what is buffered; a pending `next()` resolves done. */
  return(): Promise<IteratorResult<T, undefined>>;
}

export interface Subscription extends BufferedIterator<BusMessage> {
  readonly pattern: string;
  /** Same as `return()`, synchronous and idempotent. */
  unsubscribe(): void;
}

/** A CALL waiting to be sent to a station. Stored as JSON: no functions, no class instances. */
export interface Command {
  readonly action: string;
  readonly payload: object;
  /** OCPP message id if already chosen; also de-duplicates enqueues (see {@link Bus.enqueue}). */
  readonly messageId?: string;
  /** Clock time (ms) the command was created; `ttlMs` counts from here. */
  readonly enqueuedAt: number;
  /** Commands older than this when due for delivery are dropped (and reported), not sent late. */
  readonly ttlMs?: number;
}

/** What `enqueue` takes: `enqueuedAt` defaults to the bus clock. */
export type CommandInput = Omit<Command, 'enqueuedAt'> & { readonly enqueuedAt?: number };

export interface EnqueueAck {
  /** Position in the station's queue; increases per station, gaps allowed. */
  readonly seq: number;
  /** True when `messageId` was already enqueued inside the duplicate window: nothing was added. */
  readonly duplicate: boolean;
}

export interface QueuedCommand {
  readonly station: string;
  readonly seq: number;
  readonly command: Command;
  /** Times it was handed to a consumer so far (0 while never delivered). */
  readonly deliveryCount: number;
}

/**
 * One command handed to a consumer. Exactly one of ack/nack/term settles it; later calls, and calls
 * on a delivery that was already taken back (its consumer stopped, the queue was purged), are
 * ignored, as JetStream ignores acks for messages it no longer tracks.
 */
export interface Delivery extends QueuedCommand {
  /** Done: removes the command and lets the next one through. */
  ack(): Promise<void>;
  /** Not now: the same command is delivered again first (order kept), after `delayMs` if given. */
  nack(delayMs?: number): Promise<void>;
  /** Never: removes the command without success (poison command, station gone). */
  term(reason?: string): Promise<void>;
}

export interface ConsumeOptions {
  signal?: AbortSignal;
}

export interface CommandConsumer extends AsyncIterableIterator<Delivery> {
  readonly station: string;
  readonly closed: boolean;
  /** Ends the consumer; an un-settled delivery goes back to the queue for the next consumer. */
  return(): Promise<IteratorResult<Delivery, undefined>>;
}

/** Subject on which every bus reports commands dropped for age. Data: {@link CommandExpiredEvent}. */
export const COMMAND_EXPIRED_SUBJECT = '_bus.command.expired';

export interface CommandExpiredEvent {
  readonly station: string;
  readonly seq: number;
  readonly command: Command;
}

export interface Ownership {
  readonly station: string;
  readonly owner: string;
  /** Changes on every write (claim, renew, release, expiry); the compare-and-set token. */
  readonly revision: number;
  /** Clock time (ms) the lease runs out unless renewed; absent for leases without expiry. */
  readonly expiresAt?: number;
}

export interface ClaimOptions {
  /**
   * Compare-and-set takeover: succeed only if the station's current revision is exactly this,
   * whoever owns it (0: only if it never had or no longer has an owner). Without it a claim
   * succeeds only for an unowned station or one this node already owns (which renews it).
   */
  expectRevision?: number;
  /**
   * Lease length for this claim; default: the bus's lease setting (none: no expiry). `null`: no
   * expiry whatever the bus's setting (a claim whose liveness is kept elsewhere, e.g. per node).
   */
  leaseMs?: number | null;
}

export type ClaimResult =
  | { readonly ok: true; readonly revision: number; readonly expiresAt?: number }
  /** `owner` is who holds it now (undefined: nobody), `revision` what to expect next time. */
  | { readonly ok: false; readonly owner: string | undefined; readonly revision: number };

export type OwnershipOp = 'claim' | 'renew' | 'release' | 'expire';

export interface OwnershipChange {
  readonly op: OwnershipOp;
  readonly station: string;
  /** Owner after the change: undefined for release and expire. */
  readonly owner: string | undefined;
  /**
   * Revision after the change. An `expire` writes nothing on NATS (2.9 has no per-key TTL): it
   * carries the lapsed claim's revision there, a new one in memory.
   */
  readonly revision: number;
  readonly expiresAt?: number;
}

export interface WatchOptions extends IteratorOptions {
  /** First yield a `claim` for every current owner (KV "last values"), then the changes. */
  includeCurrent?: boolean;
}

export interface Bus {
  /** This node's id: what it claims stations with. */
  readonly nodeId: string;
  /**
   * True for a bus other processes share (NATS): a CSMS on it runs as a cluster node (ownership,
   * routing, events out) unless told otherwise. Absent or false for the embedded memory bus.
   */
  readonly shared?: boolean;

  // ---- events: at most once, fan-out to every matching subscription on any node, no replay ----

  /** Delivers to current subscribers without waiting for them; resolves once stored/delivered. */
  publish(subject: string, data: BusData, opts?: PublishOptions): Promise<PublishAck>;
  /**
   * Subscribes with NATS wildcards: `*` matches one token, a final `>` one or more. Only events
   * published after this call are seen. Buffering and overflow: {@link BufferedIterator}.
   */
  subscribe(subjectPattern: string, opts?: IteratorOptions): Subscription;

  // ---- de-duplication (JetStream duplicate-window semantics) ----

  /**
   * True the first time `key` is seen within `ttlMs`, false for a repeat inside that window (a repeat
   * does not extend it). Bounded: past the bus's key limit the oldest keys are forgotten first.
   */
  remember(key: string, ttlMs: number): Promise<boolean>;

  // ---- per-station command queue: durable FIFO, one un-acked delivery per station ----

  /**
   * Appends a command. Rejects with `QueueFullError` when the station already holds the bus's
   * `maxPerStation` commands (in-flight included); never drops an accepted command to make room.
   * With `messageId`, a repeat inside the duplicate window is acknowledged but not added again.
   */
  enqueue(station: string, command: CommandInput): Promise<EnqueueAck>;
  /** Commands stored for the station, in-flight included. */
  size(station: string): Promise<number>;
  /**
   * Optional: true when the bus knows without any I/O that the station has no stored commands; false
   * when it has some or cannot tell without asking. Lets the runtime skip an asynchronous `size`
   * probe on every Accepted boot, where the answer is almost always 0.
   */
  knownEmpty?(station: string): boolean;
  /** The next command to be delivered (possibly in flight), without taking it. */
  peek(station: string): Promise<QueuedCommand | undefined>;
  /** Stored commands in delivery order, at most `limit`. */
  list(station: string, opts?: { limit?: number }): Promise<QueuedCommand[]>;
  /** Removes every stored command (an in-flight one too: its settlement is then ignored). */
  purge(station: string): Promise<number>;
  /**
   * Yields the station's commands in order, one at a time across ALL consumers of the station on
   * every node: the next command is delivered only after the previous one is acked or termed.
   * Expired commands are skipped and reported on {@link COMMAND_EXPIRED_SUBJECT}. Settle each
   * delivery promptly: the JetStream implementation redelivers after its ack-wait.
   */
  consume(station: string, opts?: ConsumeOptions): CommandConsumer;

  // ---- ownership registry (KV create / update-with-revision / delete-with-revision) ----

  claim(station: string, nodeId: string, opts?: ClaimOptions): Promise<ClaimResult>;
  /** Extends the lease of a claim this node holds at `revision`. */
  renew(station: string, nodeId: string, revision: number, opts?: { leaseMs?: number }): Promise<ClaimResult>;
  /** Current owner; an expired lease reads as no owner. */
  owner(station: string): Promise<Ownership | undefined>;
  /** Compare-and-set delete: true only if `nodeId` owns the station at exactly `revision`. */
  release(station: string, nodeId: string, revision: number): Promise<boolean>;
  /** Ownership changes on every node, buffered like subscriptions. */
  watch(opts?: WatchOptions): BufferedIterator<OwnershipChange>;

  // ---- request/reply (routing) ----

  /**
   * Sends `data` to one service of `subject` on any node and resolves with its answer. Rejects with
   * `NoRespondersError` when no node serves the subject (at once), `RequestTimeoutError` when none
   * answered in time, `BusRemoteError` when the handler threw.
   */
  request(subject: string, data: BusData, opts?: RequestOptions): Promise<BusData>;
  /** Answers requests on `subject` (wildcards allowed); several services share the load. */
  serve(subject: string, handler: RequestHandler): Service;

  // ---- durable event consumers: at least once, explicit ack, survive restarts ----

  /**
   * Reads events matching `subjectPattern` through the consumer `name`, which lives on the bus: it
   * keeps what its readers have not acked while they are gone (within the bus's event retention),
   * and readers of one name on several nodes share its events. The pattern of an existing name is
   * fixed; another pattern rejects with `BusError`.
   */
  durable(name: string, subjectPattern: string, opts?: DurableOptions): DurableConsumer;
  /** Removes a durable consumer and what it kept; false if there was none. */
  deleteDurable(name: string): Promise<boolean>;

  // ---- key-value ----

  /** A bucket shared by every node (created on first use). Keys are free-form strings. */
  kv(bucket: string): Promise<KvBucket>;

  // ---- de-duplication of CALLs, keeping the answer ----

  /**
   * Claims the handling of a station's CALL for `windowMs` (see {@link CallClaim}). Rejects with
   * `BusUnavailableError` when the bus cannot tell: the caller decides, the bus never fails open.
   */
  claimCall(station: string, messageId: string, windowMs: number): Promise<CallClaim>;
  /** Stores the answer sent for a claimed CALL, for retries inside its window. */
  recordAnswer(station: string, messageId: string, answer: string): Promise<void>;

  /** Counters of this node. */
  stats(): BusStats;

  // ---- lifecycle ----

  /**
   * Ends this node's iterators (un-settled deliveries go back to their queue). Afterwards every
   * promise-returning method rejects, and subscribe/consume/watch throw, `BusClosedError`.
   * Ownership is kept: leases run out or other nodes take over. Idempotent.
   */
  close(): Promise<void>;
  readonly closed: boolean;
}
