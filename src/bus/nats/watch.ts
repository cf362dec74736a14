import { type KV, KvWatchInclude, type KvEntry as NatsKvEntry, type QueuedIterator } from 'nats';
import { BufferedChannel } from '../channel.js';
import { decodeToken } from '../subject.js';
import type { OwnershipChange } from '../types.js';
import { parseJson } from './codec.js';
import type { NatsContext } from './context.js';
import { liveValue, type OwnerValue, withExpiry } from './ownership.js';

interface Lease {
  readonly revision: number;
  readonly expiresAt: number;
}

/**
 * Ownership changes from the KV bucket's watch. NATS 2.9 writes nothing when a lease lapses, so
 * each watcher keeps the leases it has seen and reports `expire` itself once one passes its
 * `expiresAt` unrenewed (checked every `sweepIntervalMs`); its revision is the lapsed claim's.
 */
export class OwnershipWatch extends BufferedChannel<OwnershipChange> {
  private iter: QueuedIterator<NatsKvEntry> | undefined;
  private readonly leases = new Map<string, Lease>();
  private timer: NodeJS.Timeout | undefined;
  private kv: KV | undefined;
  /** Highest revision reported: where a resumed watch continues. */
  private lastRevision = 0;

  constructor(
    private readonly ctx: NatsContext,
    kv: KV,
    includeCurrent: boolean,
    bufferSize: number,
    onEnd: () => void,
    signal?: AbortSignal,
  ) {
    super(
      bufferSize,
      () => {
        clearInterval(this.timer);
        this.iter?.stop();
        onEnd();
      },
      signal,
    );
    if (this.closed) return;
    this.ready = this.start(kv, includeCurrent);
    this.ready.catch(() => this.end());
  }

  /**
   * After a reconnect the server may have lost the watch's ordered consumer (a restarted server
   * keeps none); the client would notice only after missed heartbeats (~14 s measured). The bus
   * calls this on reconnect: a new watch continues right after the last revision seen.
   */
  resume(): void {
    if (this.closed || !this.kv) return;
    this.iter?.stop();
    this.iter = undefined;
    void this.open(this.kv, KvWatchInclude.AllHistory, 0, this.lastRevision + 1).catch(() => this.end());
  }

  private async start(kv: KV, includeCurrent: boolean): Promise<void> {
    // Entries up to this revision are the current state (reported as claims); the client's
    // "initialized" callback can fire before those entries are read, so it is not used.
    this.lastRevision = (await kv.status()).streamInfo.state.last_seq;
    const include = includeCurrent ? KvWatchInclude.LastValue : KvWatchInclude.UpdatesOnly;
    await this.open(kv, include, includeCurrent ? this.lastRevision : 0, undefined);
    this.kv = kv;
    this.timer = setInterval(() => this.sweep(), this.ctx.o.sweepIntervalMs);
    this.timer.unref?.();
  }

  private async open(kv: KV, include: KvWatchInclude, currentUpTo: number, from: number | undefined) {
    const iter = await kv.watch(from === undefined ? { include } : { include, resumeFromRevision: from });
    if (this.closed) return void iter.stop();
    this.iter = iter;
    void (async () => {
      for await (const e of iter) {
        if (e.revision <= this.lastRevision && !(e.revision <= currentUpTo)) continue; // seen already
        this.lastRevision = Math.max(this.lastRevision, e.revision);
        this.entry(e, e.revision <= currentUpTo);
      }
    })().catch(() => {
      if (this.iter === iter) this.end();
    });
  }

  private entry(e: NatsKvEntry, initial: boolean): void {
    const station = decodeToken(e.key);
    if (e.operation !== 'PUT') {
      this.leases.delete(e.key);
      if (!initial) this.push({ op: 'release', station, owner: undefined, revision: e.revision });
      return;
    }
    const live = liveValue(e, this.ctx.o.now());
    if (initial && !live) return;
    const value = live ?? parseJson<OwnerValue>(e.value);
    if (value.expiresAt === undefined) this.leases.delete(e.key);
    else this.leases.set(e.key, { revision: e.revision, expiresAt: value.expiresAt });
    const op = initial ? 'claim' : value.op;
    this.push(withExpiry({ op, station, owner: value.owner, revision: e.revision }, value.expiresAt));
  }

  private sweep(): void {
    const now = this.ctx.o.now();
    for (const [key, lease] of this.leases) {
      if (lease.expiresAt > now) continue;
      this.leases.delete(key);
      this.push({ op: 'expire', station: decodeToken(key), owner: undefined, revision: lease.revision });
    }
  }
}
