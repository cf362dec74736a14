/**
 * Duplicate window: remembers keys until their expiry, like JetStream's per-stream `Nats-Msg-Id`
 * window. No timers: expired keys are swept from the oldest end as new keys arrive (amortised O(1),
 * since a Map iterates in insertion order, which is expiry order for a shared window) and fully by
 * `sweep()`. At `maxKeys` the oldest key is forgotten even if unexpired: memory stays bounded, at
 * the price of letting a very old duplicate through, which `evicted` counts.
 */
interface Entry {
  readonly expiresAt: number;
  /** What the first sighting returned (publish/enqueue seq), so a duplicate can report it. */
  readonly seq: number;
  /** The answer recorded for a de-duplicated CALL (claimCall/recordAnswer). */
  answer?: string;
}

/** Expired keys looked at per insert: bounds the work any single call does. */
const SWEEP_STEP = 8;

export class DedupWindow {
  private readonly entries = new Map<string, Entry>();
  evicted = 0;

  constructor(
    private readonly maxKeys: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError('maxKeys must be >= 1');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The live entry for `key`, if one is inside its window. */
  seen(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.now()) return entry;
    this.entries.delete(key);
    return undefined;
  }

  /** Records `key` for `ttlMs` unless live already; returns the live entry for a duplicate. */
  add(key: string, ttlMs: number, seq = 0): Entry | undefined {
    if (!(ttlMs > 0)) throw new RangeError('ttlMs must be > 0');
    const live = this.seen(key);
    if (live) return live;
    this.sweepSome(SWEEP_STEP);
    if (this.entries.size >= this.maxKeys) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) {
        this.entries.delete(oldest.value);
        this.evicted++;
      }
    }
    this.entries.set(key, { expiresAt: this.now() + ttlMs, seq });
    return undefined;
  }

  /** Drops every expired key. O(n); meant for the periodic sweep, not the hot path. */
  sweep(): number {
    const now = this.now();
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  private sweepSome(limit: number): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (limit-- <= 0 || entry.expiresAt > now) return;
      this.entries.delete(key);
    }
  }
}
