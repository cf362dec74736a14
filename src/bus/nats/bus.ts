import { randomUUID } from 'node:crypto';
import { connect, type JetStreamManager, type KV, type NatsConnection } from 'nats';
import { BusBackpressureError, BusClosedError, BusConnectError, BusError } from '../errors.js';
import { assertPublishSubject } from '../subject.js';
import {
  type BufferedIterator,
  type Bus,
  type BusData,
  type BusStats,
  type CallClaim,
  type ClaimOptions,
  type ClaimResult,
  COMMAND_EXPIRED_SUBJECT,
  type Command,
  type CommandConsumer,
  type CommandExpiredEvent,
  type CommandInput,
  type ConsumeOptions,
  type DurableConsumer,
  type DurableOptions,
  type EnqueueAck,
  type IteratorOptions,
  type KvBucket,
  type Ownership,
  type OwnershipChange,
  type PublishAck,
  type PublishOptions,
  type QueuedCommand,
  type RequestHandler,
  type RequestOptions,
  type Service,
  type Subscription,
  type WatchOptions,
} from '../types.js';
import { encodeData } from './codec.js';
import { NatsCommandConsumer } from './consumer.js';
import type { Counters, NatsContext } from './context.js';
import { NatsDedup } from './dedup.js';
import { deleteDurable, NatsDurable } from './durable.js';
import { toBusError } from './errors.js';
import { NatsKvBucket } from './kv.js';
import { Names } from './names.js';
import { type NatsBusOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { Outbox } from './outbox.js';
import { OwnershipRegistry } from './ownership.js';
import { eventHeaders, Publisher } from './publisher.js';
import { CommandQueues } from './queue.js';
import { Requests } from './requests.js';
import { NatsService, request } from './rpc.js';
import { ensureStreams, openBucket } from './setup.js';
import { NatsSubscription } from './subscription.js';
import { OwnershipWatch } from './watch.js';

interface Endable {
  readonly closed: boolean;
  return?(): Promise<unknown>;
  stop?(): Promise<unknown>;
}

/**
 * Connects a node to the NATS JetStream bus, creating the streams and buckets it needs. Rejects
 * with BusConnectError (naming the URLs) when no server answers, and BusError when the server has
 * no JetStream. Reconnects for ever once connected; operations during an outage reject with
 * BusUnavailableError after `apiTimeoutMs`.
 */
export async function createNatsBus(options: NatsBusOptions): Promise<NatsBus> {
  let o = resolveOptions(options, randomUUID);
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: o.servers,
      name: `ocpp-actors ${o.nodeId}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: o.apiTimeoutMs,
      // Async stack traces cost an Error per request and per JetStream API call; our errors name the operation.
      noAsyncTraces: true,
    });
  } catch (err) {
    throw new BusConnectError(o.servers, { cause: err });
  }
  try {
    const jsm = await nc.jetstreamManager({ timeout: o.apiTimeoutMs });
    const js = nc.jetstream({ timeout: o.apiTimeoutMs });
    const names = new Names(o.prefix);
    o = await ensureStreams(jsm, names, o);
    const owners = await openBucket(js, jsm, names.owners, o);
    const dedup = await openBucket(js, jsm, names.dedup, o, o.maxDedupKeys);
    return new NatsBus(nc, jsm, o, names, owners, dedup);
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw err instanceof BusError
      ? err
      : new BusError('BUS_FAILED', `JetStream set-up failed on ${o.servers.join(', ')}`, { cause: err });
  }
}

/** A node of the NATS JetStream bus: the cross-node implementation of {@link Bus}. */
export class NatsBus implements Bus {
  readonly nodeId: string;
  readonly shared = true;
  private isClosed = false;
  private readonly ctx: NatsContext;
  private readonly counters: Counters = {
    published: 0,
    deduplicated: 0,
    enqueued: 0,
    acked: 0,
    terminated: 0,
    redelivered: 0,
    expired: 0,
    errors: 0,
  };
  private readonly publisher: Publisher;
  private readonly requests: Requests;
  private readonly queues: CommandQueues;
  private readonly ownership: OwnershipRegistry;
  private readonly dedupe: NatsDedup;
  private readonly buckets = new Map<string, Promise<KvBucket>>();
  private readonly open = new Set<Endable>();
  private connected = true;
  private disconnects = 0;
  /** `ready` of subscriptions still being created on the server. */
  private readonly starting = new Set<Promise<void>>();

  /** @internal use createNatsBus */
  constructor(
    private readonly nc: NatsConnection,
    jsm: JetStreamManager,
    private readonly o: ResolvedOptions,
    names: Names,
    private readonly ownersKv: KV,
    dedupKv: KV,
  ) {
    this.nodeId = o.nodeId;
    const js = nc.jetstream({ timeout: o.apiTimeoutMs });
    const outbox = new Outbox(nc);
    this.ctx = {
      outbox,
      nc,
      js,
      jsm,
      names,
      o,
      counters: this.counters,
      reportExpired: (station, seq, command) => this.reportExpired(station, seq, command),
    };
    this.publisher = new Publisher(nc, outbox, o.maxInFlight, o.maxBuffered, o.apiTimeoutMs);
    this.requests = new Requests(nc, outbox, o.nodeId);
    this.queues = new CommandQueues(this.ctx);
    this.ownership = new OwnershipRegistry(this.ctx, ownersKv);
    this.dedupe = new NatsDedup(this.ctx, dedupKv);
    void this.followStatus();
  }

  /** Connection state for stats: operations during an outage reject with BusUnavailableError. */
  private async followStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        if (this.connected) this.disconnects++;
        this.connected = false;
      } else if (s.type === 'reconnect') {
        this.connected = true;
        for (const it of this.open) {
          if (it instanceof OwnershipWatch || it instanceof NatsSubscription) it.resume();
        }
      }
    }
  }

  get closed(): boolean {
    return this.isClosed;
  }

  async publish(subject: string, data: BusData, opts?: PublishOptions): Promise<PublishAck> {
    this.guard();
    assertPublishSubject(subject);
    await this.started();
    const { payload, kind } = encodeData(data);
    const headers = eventHeaders(`${kind} ${this.o.now()} ${this.nodeId}`, opts?.msgId);
    try {
      const ack = await this.publisher.publish(`${this.ctx.names.eventRoot}.${subject}`, payload, headers);
      if (ack.duplicate) this.counters.deduplicated++;
      else this.counters.published++;
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      if (err instanceof BusBackpressureError) throw err; // counted as bufferFull
      this.counters.errors++;
      throw toBusError('publish', err);
    }
  }

  subscribe(subjectPattern: string, opts?: IteratorOptions): Subscription {
    this.guard();
    const sub: NatsSubscription = new NatsSubscription(
      this.ctx,
      subjectPattern,
      opts?.bufferSize ?? this.o.bufferSize,
      () => this.open.delete(sub),
      opts?.signal,
    );
    return this.track(this.starts(sub));
  }

  async remember(key: string, ttlMs: number): Promise<boolean> {
    this.guard();
    return this.dedupe.remember(key, ttlMs);
  }

  async enqueue(station: string, command: CommandInput): Promise<EnqueueAck> {
    this.guard();
    return this.queues.enqueue(station, command);
  }

  async size(station: string): Promise<number> {
    this.guard();
    return this.queues.size(station);
  }

  async peek(station: string): Promise<QueuedCommand | undefined> {
    this.guard();
    return (await this.queues.list(station, 1))[0];
  }

  async list(station: string, opts?: { limit?: number }): Promise<QueuedCommand[]> {
    this.guard();
    return this.queues.list(station, opts?.limit);
  }

  async purge(station: string): Promise<number> {
    this.guard();
    return this.queues.purge(station);
  }

  consume(station: string, opts?: ConsumeOptions): CommandConsumer {
    this.guard();
    const consumer: NatsCommandConsumer = new NatsCommandConsumer(
      station,
      this.ctx,
      this.queues,
      () => this.open.delete(consumer),
      opts?.signal,
    );
    return this.track(consumer);
  }

  async claim(station: string, nodeId: string, opts?: ClaimOptions): Promise<ClaimResult> {
    this.guard();
    await this.started();
    return this.ownership.claim(station, nodeId, opts?.expectRevision, opts?.leaseMs);
  }

  async renew(station: string, nodeId: string, revision: number, opts?: { leaseMs?: number }) {
    this.guard();
    await this.started();
    return this.ownership.renew(station, nodeId, revision, opts?.leaseMs);
  }

  async owner(station: string): Promise<Ownership | undefined> {
    this.guard();
    return this.ownership.owner(station);
  }

  async release(station: string, nodeId: string, revision: number): Promise<boolean> {
    this.guard();
    await this.started();
    return this.ownership.release(station, nodeId, revision);
  }

  watch(opts?: WatchOptions): BufferedIterator<OwnershipChange> {
    this.guard();
    const watcher: OwnershipWatch = new OwnershipWatch(
      this.ctx,
      this.ownersKv,
      opts?.includeCurrent ?? false,
      opts?.bufferSize ?? this.o.bufferSize,
      () => this.open.delete(watcher),
      opts?.signal,
    );
    return this.track(this.starts(watcher));
  }

  async request(subject: string, data: BusData, opts?: RequestOptions): Promise<BusData> {
    this.guard();
    return request(this.ctx, this.requests, subject, data, opts?.timeoutMs ?? this.o.requestTimeoutMs);
  }

  serve(subject: string, handler: RequestHandler): Service {
    this.guard();
    const service: NatsService = new NatsService(this.ctx, subject, handler, () => this.open.delete(service));
    return this.track(service);
  }

  durable(name: string, subjectPattern: string, opts: DurableOptions = {}): DurableConsumer {
    this.guard();
    const d: NatsDurable = new NatsDurable(this.ctx, name, subjectPattern, opts, () => this.open.delete(d));
    return this.track(this.starts(d));
  }

  async deleteDurable(name: string): Promise<boolean> {
    this.guard();
    return deleteDurable(this.ctx, name);
  }

  kv(bucket: string): Promise<KvBucket> {
    if (this.isClosed) return Promise.reject(new BusClosedError(this.nodeId));
    let b = this.buckets.get(bucket);
    if (!b) {
      b = openBucket(this.ctx.js, this.ctx.jsm, this.ctx.names.bucket(bucket), this.o).then(
        (kv) => new NatsKvBucket(this.ctx, kv),
      );
      b.catch(() => this.buckets.delete(bucket));
      this.buckets.set(bucket, b);
    }
    return b;
  }

  async claimCall(station: string, messageId: string, windowMs: number): Promise<CallClaim> {
    this.guard();
    return this.dedupe.claimCall(station, messageId, windowMs);
  }

  async recordAnswer(station: string, messageId: string, answer: string): Promise<void> {
    this.guard();
    return this.dedupe.recordAnswer(station, messageId, answer);
  }

  stats(): BusStats {
    return {
      ...this.counters,
      connected: this.connected,
      disconnects: this.disconnects,
      bufferFull: this.publisher.bufferFull,
      inFlight: this.publisher.inFlight,
      buffered: this.publisher.buffered,
    };
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await Promise.all([...this.open].map((it) => (it.return ? it.return() : it.stop?.())));
    await this.publisher.idle();
    this.publisher.stop();
    this.requests.stop();
    this.ctx.outbox.flush();
    await this.nc.flush().catch(() => undefined);
    await this.nc.close();
  }

  private async reportExpired(station: string, seq: number, command: Command): Promise<void> {
    const event: CommandExpiredEvent = { station, seq, command };
    await this.publish(COMMAND_EXPIRED_SUBJECT, event, {
      msgId: `expired:${this.ctx.names.commandSubject(station)}:${seq}`,
    });
  }

  /**
   * Iterators of this node see what this node does after making them (as in memory): publishes and
   * ownership writes wait while any is still being created on the server (a size test otherwise).
   */
  private starts<T extends { readonly ready: Promise<void> }>(it: T): T {
    const ready = it.ready;
    this.starting.add(ready);
    void ready.then(
      () => this.starting.delete(ready),
      () => this.starting.delete(ready),
    );
    return it;
  }

  private async started(): Promise<void> {
    if (this.starting.size > 0) await Promise.allSettled([...this.starting]);
  }

  private track<T extends Endable>(it: T): T {
    if (!it.closed) this.open.add(it);
    return it;
  }

  private guard(): void {
    if (this.isClosed) throw new BusClosedError(this.nodeId);
  }
}
