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

  private async start(kv: KV, includeCurrent: boolean): Promise<void> {
    // What the watch delivers up to this revision is the current state (reported as claims); the
    // client's "initialized" callback can fire before those entries are read, so it is not used.
    const currentUpTo = includeCurrent ? (await kv.status()).streamInfo.state.last_seq : 0;
    const iter = await kv.watch({
      include: includeCurrent ? KvWatchInclude.LastValue : KvWatchInclude.UpdatesOnly,
    });
    if (this.closed) return void iter.stop();
    this.iter = iter;
    this.timer = setInterval(() => this.sweep(), this.ctx.o.sweepIntervalMs);
    this.timer.unref?.();
    void (async () => {
      for await (const e of iter) {
        const station = decodeToken(e.key);
        const initial = e.revision <= currentUpTo;
        if (e.operation !== 'PUT') {
          this.leases.delete(e.key);
          if (!initial) this.push({ op: 'release', station, owner: undefined, revision: e.revision });
          continue;
        }
        const live = liveValue(e, this.ctx.o.now());
        if (initial && !live) continue;
        const value = live ?? parseJson<OwnerValue>(e.value);
        if (value.expiresAt === undefined) this.leases.delete(e.key);
        else this.leases.set(e.key, { revision: e.revision, expiresAt: value.expiresAt });
        const op = initial ? 'claim' : value.op;
        this.push(withExpiry({ op, station, owner: value.owner, revision: e.revision }, value.expiresAt));
      }
    })().catch(() => this.end());
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
