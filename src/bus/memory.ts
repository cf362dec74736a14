import { randomUUID } from 'node:crypto';
import { DEFAULT_BUFFER_SIZE } from './channel.js';
import { BusClosedError } from './errors.js';
import { MemoryCluster, type MemoryClusterOptions } from './memory-cluster.js';
import { durableState, MemoryDurable } from './memory-durable.js';
import { MemoryKvBucket } from './memory-kv-buckets.js';
import type {
  BufferedIterator,
  Bus,
  BusData,
  BusStats,
  CallClaim,
  ClaimOptions,
  ClaimResult,
  CommandConsumer,
  CommandInput,
  ConsumeOptions,
  DurableConsumer,
  DurableOptions,
  EnqueueAck,
  IteratorOptions,
  KvBucket,
  Ownership,
  OwnershipChange,
  PublishAck,
  PublishOptions,
  QueuedCommand,
  RequestHandler,
  RequestOptions,
  Service,
  Subscription,
  WatchOptions,
} from './types.js';

export interface MemoryBusOptions extends MemoryClusterOptions {
  /**
   * Shared state to join, making this bus one node of a simulated cluster. Cluster settings (clock,
   * limits, windows) then come from the cluster: passing them here too is an error.
   */
  cluster?: MemoryCluster;
  /** Default: a random id. */
  nodeId?: string;
  /** Default buffer of subscriptions and watchers. Default 10_000. */
  bufferSize?: number;
  /** Default request timeout. Default 5_000. */
  requestTimeoutMs?: number;
}

export interface MemoryBus extends Bus {
  readonly cluster: MemoryCluster;
  /** Runs the expiry sweep now (dedup keys, leases, aged commands), e.g. after moving a test clock. */
  sweep(): void;
  /** In memory the answer needs no I/O: always known. */
  knownEmpty(station: string): boolean;
}

const CLUSTER_KEYS = [
  'now',
  'maxPerStation',
  'maxDedupKeys',
  'duplicateWindowMs',
  'leaseMs',
  'sweepIntervalMs',
  'maxRetained',
];

/**
 * The embedded bus: everything in process, nothing to run. Alone it is the single-node runtime's
 * bus; several sharing one `cluster` stand in for NATS-connected nodes in tests.
 */
export function createMemoryBus(opts: MemoryBusOptions = {}): MemoryBus {
  const { cluster, nodeId, bufferSize, requestTimeoutMs, ...clusterOpts } = opts;
  if (cluster) {
    const clash = CLUSTER_KEYS.filter((k) => (clusterOpts as Record<string, unknown>)[k] !== undefined);
    if (clash.length > 0) throw new TypeError(`set ${clash.join(', ')} on the cluster, not the bus`);
  }
  return new MemoryBusImpl(
    cluster ?? new MemoryCluster(clusterOpts),
    nodeId ?? `node-${randomUUID()}`,
    bufferSize ?? DEFAULT_BUFFER_SIZE,
    requestTimeoutMs ?? 5_000,
  );
}

/** An open iterator (`return`) or service (`stop`) of this node. */
interface Endable {
  readonly closed: boolean;
  return?(): Promise<unknown>;
  stop?(): Promise<unknown>;
}

class MemoryBusImpl implements MemoryBus {
  private isClosed = false;
  /** Open iterators of this node, ended by close(); each removes itself when it ends. */
  private readonly open = new Set<Endable>();

  constructor(
    readonly cluster: MemoryCluster,
    readonly nodeId: string,
    private readonly bufferSize: number,
    private readonly requestTimeoutMs: number,
  ) {
    cluster.attach();
  }

  get closed(): boolean {
    return this.isClosed;
  }

  async publish(subject: string, data: BusData, opts?: PublishOptions): Promise<PublishAck> {
    this.guard();
    return this.cluster.publish(this.nodeId, subject, data, opts?.msgId);
  }

  subscribe(subjectPattern: string, opts?: IteratorOptions): Subscription {
    this.guard();
    const sub: Subscription = this.cluster.subscribe(
      subjectPattern,
      opts?.bufferSize ?? this.bufferSize,
      () => this.open.delete(sub),
      opts?.signal,
    );
    return this.track(sub);
  }

  async remember(key: string, ttlMs: number): Promise<boolean> {
    this.guard();
    return this.cluster.dedup.add(`r\0${key}`, ttlMs) === undefined;
  }

  async enqueue(station: string, input: CommandInput): Promise<EnqueueAck> {
    this.guard();
    const dedupKey = input.messageId === undefined ? undefined : `q\0${station}\0${input.messageId}`;
    const first = dedupKey === undefined ? undefined : this.cluster.dedup.seen(dedupKey);
    if (first) {
      this.cluster.duplicates++;
      return { seq: first.seq, duplicate: true };
    }
    // A snapshot, as a durable store would keep: later changes to the caller's object do not leak in.
    const command = structuredClone({ ...input, enqueuedAt: input.enqueuedAt ?? this.cluster.now() });
    const seq = this.cluster.queues.enqueue(station, command);
    // Recorded only once accepted: a refused (QueueFullError) enqueue may be retried with the same id.
    if (dedupKey !== undefined) this.cluster.dedup.add(dedupKey, this.cluster.duplicateWindowMs, seq);
    return { seq, duplicate: false };
  }

  async size(station: string): Promise<number> {
    this.guard();
    return this.cluster.queues.size(station);
  }

  knownEmpty(station: string): boolean {
    return !this.closed && this.cluster.queues.size(station) === 0;
  }

  async peek(station: string): Promise<QueuedCommand | undefined> {
    this.guard();
    return this.cluster.queues.list(station, 1)[0];
  }

  async list(station: string, opts?: { limit?: number }): Promise<QueuedCommand[]> {
    this.guard();
    return this.cluster.queues.list(station, opts?.limit);
  }

  async purge(station: string): Promise<number> {
    this.guard();
    return this.cluster.queues.purge(station);
  }

  consume(station: string, opts?: ConsumeOptions): CommandConsumer {
    this.guard();
    const consumer = this.cluster.queues.consumer(station, (c) => this.open.delete(c), opts?.signal);
    return this.track(consumer);
  }

  async claim(station: string, nodeId: string, opts?: ClaimOptions): Promise<ClaimResult> {
    this.guard();
    return this.cluster.ownership.claim(station, nodeId, opts?.expectRevision, opts?.leaseMs);
  }

  async renew(station: string, nodeId: string, revision: number, opts?: { leaseMs?: number }) {
    this.guard();
    return this.cluster.ownership.renew(station, nodeId, revision, opts?.leaseMs);
  }

  async owner(station: string): Promise<Ownership | undefined> {
    this.guard();
    return this.cluster.ownership.get(station);
  }

  async release(station: string, nodeId: string, revision: number): Promise<boolean> {
    this.guard();
    return this.cluster.ownership.release(station, nodeId, revision);
  }

  watch(opts?: WatchOptions): BufferedIterator<OwnershipChange> {
    this.guard();
    const watcher: BufferedIterator<OwnershipChange> = this.cluster.watch(
      opts?.bufferSize ?? this.bufferSize,
      opts?.includeCurrent ?? false,
      () => this.open.delete(watcher),
      opts?.signal,
    );
    return this.track(watcher);
  }

  async request(subject: string, data: BusData, opts?: RequestOptions): Promise<BusData> {
    this.guard();
    return this.cluster.services.request(subject, data, opts?.timeoutMs ?? this.requestTimeoutMs);
  }

  serve(subject: string, handler: RequestHandler): Service {
    this.guard();
    const service: Service = this.cluster.services.serve(subject, handler, () => this.open.delete(service));
    return this.track(service);
  }

  durable(name: string, subjectPattern: string, opts: DurableOptions = {}): DurableConsumer {
    this.guard();
    const state = durableState(this.cluster.durables, name, subjectPattern, opts, this.cluster.maxRetained);
    const d: MemoryDurable = new MemoryDurable(
      name,
      subjectPattern,
      state,
      () => this.open.delete(d),
      opts.signal,
    );
    return this.track(d);
  }

  async deleteDurable(name: string): Promise<boolean> {
    this.guard();
    return this.cluster.durables.delete(name);
  }

  async kv(bucket: string): Promise<KvBucket> {
    this.guard();
    let b = this.cluster.buckets.get(bucket);
    if (!b) {
      b = new MemoryKvBucket();
      this.cluster.buckets.set(bucket, b);
    }
    return b;
  }

  async claimCall(station: string, messageId: string, windowMs: number): Promise<CallClaim> {
    this.guard();
    const live = this.cluster.dedup.add(`c\0${station}\0${messageId}`, windowMs);
    if (!live) return { first: true };
    this.cluster.duplicates++;
    return live.answer === undefined ? { first: false } : { first: false, answer: live.answer };
  }

  async recordAnswer(station: string, messageId: string, answer: string): Promise<void> {
    this.guard();
    const key = `c\0${station}\0${messageId}`;
    // Not claimed (or its window passed): keep the answer for a window from now.
    if (!this.cluster.dedup.seen(key)) this.cluster.dedup.add(key, this.cluster.duplicateWindowMs);
    const entry = this.cluster.dedup.seen(key);
    if (entry) entry.answer = answer;
  }

  /** Counters of the whole memory cluster (normally a single node); publishing never waits here. */
  stats(): BusStats {
    const s = this.cluster.stats;
    return {
      published: s.published,
      deduplicated: s.duplicates,
      enqueued: s.enqueued,
      acked: s.acked,
      terminated: s.terminated,
      redelivered: s.redelivered,
      expired: s.expired,
      bufferFull: 0,
      inFlight: 0,
      buffered: 0,
      errors: 0,
      connected: !this.isClosed,
      disconnects: 0,
    };
  }

  sweep(): void {
    this.cluster.sweep();
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await Promise.all([...this.open].map((it) => (it.return ? it.return() : it.stop?.())));
    this.cluster.detach();
  }

  private track<T extends Endable>(it: T): T {
    if (!it.closed) this.open.add(it);
    return it;
  }

  private guard(): void {
    if (this.isClosed) throw new BusClosedError(this.nodeId);
  }
}
