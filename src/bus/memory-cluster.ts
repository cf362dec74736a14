import { BufferedChannel } from './channel.js';
import { DedupWindow } from './dedup.js';
import type { DurableState } from './memory-durable.js';
import { OwnershipTable } from './memory-kv.js';
import type { MemoryKvBucket } from './memory-kv-buckets.js';
import { type QueueCounters, StationQueues, type Stored } from './memory-queue.js';
import { MemoryServices } from './memory-services.js';
import { assertPublishSubject, type CompiledPattern, compilePattern } from './subject.js';
import {
  type BusData,
  type BusMessage,
  COMMAND_EXPIRED_SUBJECT,
  type CommandExpiredEvent,
  type OwnershipChange,
  type Subscription,
} from './types.js';

export interface MemoryClusterOptions {
  /** Clock (ms) for windows, TTLs and leases; inject one to drive time in tests. */
  now?: () => number;
  /** Commands one station's queue holds before enqueue refuses. Default 1_000. */
  maxPerStation?: number;
  /**
   * Keys the de-duplication window holds before forgetting the oldest: `remember` keys, publish
   * msgIds and enqueue messageIds together. Default 100_000.
   */
  maxDedupKeys?: number;
  /** How long a publish `msgId` or enqueue `messageId` is remembered. Default 120_000 (JetStream's). */
  duplicateWindowMs?: number;
  /** Default ownership lease; undefined: claims do not expire. */
  leaseMs?: number;
  /** Events one durable consumer keeps un-acked before dropping its oldest. Default 100_000. */
  maxRetained?: number;
  /** Period of the expiry sweep while any bus is attached; 0: only explicit `sweep()`. Default 1_000. */
  sweepIntervalMs?: number;
}

export interface MemoryClusterStats extends QueueCounters {
  published: number;
  duplicates: number;
  dedupKeys: number;
  dedupEvicted: number;
}

interface SubEntry {
  readonly compiled: CompiledPattern;
  readonly channel: BufferedChannel<BusMessage>;
}

/**
 * The state every node of a simulated cluster shares: what the NATS server holds in a deployment.
 * One process, one cluster per test; buses made with `{ cluster }` behave as separate nodes.
 */
export class MemoryCluster {
  readonly now: () => number;
  readonly duplicateWindowMs: number;
  readonly dedup: DedupWindow;
  readonly queues: StationQueues;
  readonly ownership: OwnershipTable;
  readonly services = new MemoryServices();
  readonly durables = new Map<string, DurableState>();
  readonly buckets = new Map<string, MemoryKvBucket>();
  /** Events a durable consumer keeps before dropping its oldest (the NATS stream's max_msgs). */
  readonly maxRetained: number;
  private readonly exact = new Map<string, Set<SubEntry>>();
  private readonly wildcard = new Set<SubEntry>();
  private readonly watchers = new Set<BufferedChannel<OwnershipChange>>();
  private readonly sweepIntervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private attached = 0;
  private seq = 0;
  private published = 0;
  duplicates = 0;

  constructor(opts: MemoryClusterOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.duplicateWindowMs = opts.duplicateWindowMs ?? 120_000;
    this.sweepIntervalMs = opts.sweepIntervalMs ?? 1_000;
    this.maxRetained = opts.maxRetained ?? 100_000;
    this.dedup = new DedupWindow(opts.maxDedupKeys ?? 100_000, this.now);
    this.queues = new StationQueues(opts.maxPerStation ?? 1_000, this.now, (s) => this.reportExpired(s));
    this.ownership = new OwnershipTable(this.now, opts.leaseMs, (change) => {
      for (const watcher of this.watchers) watcher.push(change);
    });
  }

  get stats(): MemoryClusterStats {
    return {
      ...this.queues.counters,
      published: this.published,
      duplicates: this.duplicates,
      dedupKeys: this.dedup.size,
      dedupEvicted: this.dedup.evicted,
    };
  }

  /** Runs all expiry work now: dedup keys, leases (emitting `expire`), aged commands. */
  sweep(): void {
    this.dedup.sweep();
    this.ownership.sweep();
    this.queues.sweep();
  }

  publish(
    origin: string,
    subject: string,
    data: BusData,
    msgId?: string,
  ): { seq: number; duplicate: boolean } {
    assertPublishSubject(subject);
    if (msgId !== undefined) {
      const first = this.dedup.add(`e\0${msgId}`, this.duplicateWindowMs, this.seq + 1);
      if (first) {
        this.duplicates++;
        return { seq: first.seq, duplicate: true };
      }
    }
    const seq = ++this.seq;
    this.published++;
    const message: BusMessage =
      msgId === undefined
        ? { subject, data, seq, origin, publishedAt: this.now() }
        : { subject, data, seq, origin, msgId, publishedAt: this.now() };
    const exact = this.exact.get(subject);
    if (exact) for (const sub of exact) sub.channel.push(message);
    for (const sub of this.wildcard) if (sub.compiled.matches(subject)) sub.channel.push(message);
    for (const durable of this.durables.values()) durable.offer(message);
    return { seq, duplicate: false };
  }

  /** `onEnd` runs once the subscription ends, however it ends. */
  subscribe(
    pattern: string,
    bufferSize: number,
    onEnd: () => void,
    signal?: AbortSignal,
  ): MemorySubscription {
    const compiled = compilePattern(pattern);
    let entry: SubEntry | undefined;
    const end = () => {
      if (entry) this.unindex(entry);
      onEnd();
    };
    const channel = new MemorySubscription(pattern, bufferSize, end, signal);
    if (channel.closed) return channel; // signal already aborted
    entry = { compiled, channel };
    if (compiled.literal === undefined) this.wildcard.add(entry);
    else {
      const set = this.exact.get(compiled.literal);
      if (set) set.add(entry);
      else this.exact.set(compiled.literal, new Set([entry]));
    }
    return channel;
  }

  watch(
    bufferSize: number,
    includeCurrent: boolean,
    onEnd: () => void,
    signal?: AbortSignal,
  ): BufferedChannel<OwnershipChange> {
    const end = () => {
      this.watchers.delete(channel);
      onEnd();
    };
    const channel: BufferedChannel<OwnershipChange> = new BufferedChannel(bufferSize, end, signal);
    if (channel.closed) return channel;
    if (includeCurrent) for (const o of this.ownership.all()) channel.push({ op: 'claim', ...o });
    this.watchers.add(channel);
    return channel;
  }

  /** @internal bus lifecycle: the sweep timer runs only while some bus uses the cluster. */
  attach(): void {
    if (this.attached++ === 0 && this.sweepIntervalMs > 0) {
      this.timer = setInterval(() => this.sweep(), this.sweepIntervalMs);
      this.timer.unref?.();
    }
  }

  detach(): void {
    if (--this.attached === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.queues.shutdown();
    }
  }

  private unindex(entry: SubEntry): void {
    const literal = entry.compiled.literal;
    if (literal === undefined) return void this.wildcard.delete(entry);
    const set = this.exact.get(literal);
    set?.delete(entry);
    if (set?.size === 0) this.exact.delete(literal);
  }

  private reportExpired(stored: Stored): void {
    const event: CommandExpiredEvent = { station: stored.station, seq: stored.seq, command: stored.command };
    this.publish('_bus', COMMAND_EXPIRED_SUBJECT, event);
  }
}

export class MemorySubscription extends BufferedChannel<BusMessage> implements Subscription {
  constructor(
    readonly pattern: string,
    bufferSize: number,
    onEnd: () => void,
    signal?: AbortSignal,
  ) {
    super(bufferSize, onEnd, signal);
  }

  unsubscribe(): void {
    this.end();
  }
}

export function createMemoryCluster(opts: MemoryClusterOptions = {}): MemoryCluster {
  return new MemoryCluster(opts);
}
