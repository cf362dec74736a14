import type { KvBucket } from '../../bus/types.js';
import type { RestoredRegistration } from '../../machines/station.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Writes and deletes in flight at once during a refresh or a sweep. */
const BATCH = 256;

/** A stored registration: the station's last BootNotification answer and when the entry lapses. */
type Stored = RestoredRegistration & { readonly expiresAt?: number };

/**
 * Registrations kept on the bus (bucket `registrations`, key = station), so the node a station
 * reaches next serves it at once. Each entry carries an `expiresAt` `ttlMs` after it was written:
 * the node holding the station writes it again once half of that has passed (one write per station
 * per half `ttlMs`), so a station that stays connected keeps its entry. A lapsed entry reads as
 * none, and one node (the live node whose id sorts first) deletes lapsed entries of stations nobody
 * holds, every quarter of `ttlMs` (at most hourly): a station that never returns is gone from the
 * bucket within `ttlMs` plus one sweep. Entries written without `expiresAt` count as lapsed.
 */
export class Registrations {
  /** Registrations of stations this node serves, with when their entry lapses. */
  private readonly kept = new Map<string, { registration: RestoredRegistration; expiresAt: number }>();
  private lastSweep: number;

  constructor(
    private readonly bucket: KvBucket,
    private readonly ttlMs: number,
    private readonly sweepEveryMs: number,
    private readonly failed: (operation: string, identity: string | undefined, error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSweep = now();
  }

  /** The station's registration, if one is stored and has not lapsed; kept for refreshing. */
  async read(identity: string): Promise<RestoredRegistration | undefined> {
    const entry = await this.bucket.get(identity);
    if (!entry) return undefined;
    const { expiresAt, ...registration } = JSON.parse(decoder.decode(entry.value)) as Stored;
    if (expiresAt === undefined || expiresAt <= this.now()) return undefined;
    this.kept.set(identity, { registration, expiresAt });
    return registration;
  }

  /**
   * A BootNotification is being answered here: store it before the station hears the answer, so a
   * station that moves to another node right after is served there at once. Resolves either way; a
   * failure is reported (the station is then asked to boot again by the node it reaches next).
   */
  async store(identity: string, registration: RestoredRegistration): Promise<void> {
    await this.write(identity, registration).catch((error) => this.failed('registration', identity, error));
  }

  /**
   * The station machine recorded a BootNotification answer: store it unless `store` already wrote the
   * same answer (same status and interval, booted within a second of it). Not awaited; a failure is
   * reported.
   */
  record(identity: string, registration: RestoredRegistration): void {
    const k = this.kept.get(identity)?.registration;
    if (
      k &&
      k.status === registration.status &&
      k.interval === registration.interval &&
      Math.abs(k.bootedAt - registration.bootedAt) < 1_000
    )
      return;
    this.write(identity, registration).catch((error) => this.failed('registration', identity, error));
  }

  /** The station is no longer served here: stop refreshing its entry. */
  leave(identity: string): void {
    this.kept.delete(identity);
  }

  /** The station was forgotten (and released) here: its entry goes. */
  async drop(identity: string): Promise<void> {
    this.kept.delete(identity);
    await this.bucket.delete(identity);
  }

  /** Writes again the entries of stations served here that are past half their `ttlMs`. */
  async refresh(served: (identity: string) => boolean): Promise<void> {
    const due = this.now() + this.ttlMs / 2;
    const stale = [...this.kept].filter(([identity, k]) => k.expiresAt <= due && served(identity));
    for (let i = 0; i < stale.length; i += BATCH)
      await Promise.all(
        stale
          .slice(i, i + BATCH)
          .map(([identity, k]) =>
            this.write(identity, k.registration).catch((e) => this.failed('registration', identity, e)),
          ),
      );
  }

  /**
   * Deletes lapsed entries of stations nobody holds, when this node is the sweeper and a sweep is
   * due. `held(identity)`: some live node holds it (that node refreshes it; it is left alone).
   */
  async sweep(isSweeper: boolean, held: (identity: string) => boolean): Promise<number> {
    const now = this.now();
    if (!isSweeper || now - this.lastSweep < this.sweepEveryMs) return 0;
    this.lastSweep = now;
    const lapsed: string[] = [];
    for await (const identity of this.bucket.keys()) {
      if (held(identity)) continue;
      const entry = await this.bucket.get(identity);
      const expiresAt = entry && (JSON.parse(decoder.decode(entry.value)) as Stored).expiresAt;
      if (entry && (expiresAt === undefined || expiresAt <= now)) lapsed.push(identity);
    }
    let deleted = 0;
    for (let i = 0; i < lapsed.length; i += BATCH)
      await Promise.all(
        lapsed.slice(i, i + BATCH).map(async (identity) => {
          // Claimed meanwhile: its new holder may be writing it; leave it.
          if (held(identity)) return;
          await this.bucket.delete(identity).then(
            () => deleted++,
            (e) => this.failed('registration', identity, e),
          );
        }),
      );
    return deleted;
  }

  /** Stops refreshing everything (shutdown: the entries stay for the stations' next node). */
  clear(): void {
    this.kept.clear();
  }

  private async write(identity: string, registration: RestoredRegistration): Promise<void> {
    const expiresAt = this.now() + this.ttlMs;
    const stored: Stored = { ...registration, expiresAt };
    await this.bucket.put(identity, encoder.encode(JSON.stringify(stored)));
    this.kept.set(identity, { registration, expiresAt });
  }
}
