import { BusUnavailableError } from '../../bus/errors.js';
import type { Bus, KvBucket, OwnershipChange } from '../../bus/types.js';
import type { RestoredRegistration } from '../../machines/station.js';
import type { ClusterHost } from './host.js';

const encoder = new TextEncoder();
/** Lease renewals in flight at once (10k stations: 40 round trips per pass). */
const RENEW_BATCH = 256;
const decoder = new TextDecoder();

/**
 * Which node holds which station, from this node's side: claims on accept (taking over from
 * whoever held it: the station is here now), renews the leases it holds on one timer, releases on
 * forget and close, and follows every node's claims through the bus's ownership watch. That watch
 * is also the routing table: `ownerOf` answers without I/O.
 *
 * A station's registration (its last BootNotification answer) is kept in a bucket beside its
 * ownership, so a node that has never seen the station serves it at once (RESTORED) instead of
 * refusing its CALLs until it boots again.
 */
export class Ownerships {
  /** Stations this node holds, with the revision its renewals must name. */
  private readonly held = new Map<string, number>();
  /** Every node's stations, as the watch last said. */
  private readonly owners = new Map<string, string>();
  /** Stations served here whose claim failed (bus outage): claimed again on the next renewal tick. */
  private readonly unclaimed = new Set<string>();
  /** Registrations read during the handshake, taken by the actor when it is created. */
  private readonly prefetched = new Map<string, RestoredRegistration>();
  private renewTimer: NodeJS.Timeout | undefined;
  private watching: AsyncIterator<OwnershipChange> | undefined;
  private stopped = false;
  private renewing = false;

  private constructor(
    private readonly host: ClusterHost,
    private readonly bus: Bus,
    private readonly registrations: KvBucket,
  ) {}

  static async start(host: ClusterHost): Promise<Ownerships> {
    const o = new Ownerships(host, host.bus, await host.bus.kv('registrations'));
    const watch = host.bus.watch({ includeCurrent: true });
    o.watching = watch;
    void o.follow(watch);
    await watch.ready;
    o.renewTimer = setInterval(() => void o.renewAll(), Math.max(50, host.leaseMs / 3));
    o.renewTimer.unref();
    return o;
  }

  get nodeId(): string {
    return this.host.nodeId;
  }

  ownerOf(identity: string): string | undefined {
    return this.owners.get(identity);
  }

  holds(identity: string): boolean {
    return this.held.has(identity);
  }

  get heldCount(): number {
    return this.held.size;
  }

  /**
   * During the handshake (before the socket is taken): claim the station, taking it over from the
   * node that held it, and read its registration. A bus failure is reported and does not refuse
   * the station: this node serves it, and claims again on its next renewal.
   */
  async admit(identity: string): Promise<void> {
    // Known to be cut off: do not hold the handshake for the bus's timeout; claim once it is back.
    if (!this.bus.stats().connected) {
      this.unclaimed.add(identity);
      this.host.busError('claim', identity, new BusUnavailableError('claim'));
      return;
    }
    const [, registration] = await Promise.all([
      this.claim(identity),
      this.registrations.get(identity).then(
        (entry) => (entry ? (JSON.parse(decoder.decode(entry.value)) as RestoredRegistration) : undefined),
        (error) => this.host.busError('registration', identity, error),
      ),
    ]);
    if (registration) this.prefetched.set(identity, registration);
  }

  /** The registration read at admission, once (the actor is created right after). */
  takeRegistration(identity: string): RestoredRegistration | undefined {
    const r = this.prefetched.get(identity);
    if (r) this.prefetched.delete(identity);
    return r;
  }

  async claim(identity: string): Promise<boolean> {
    const leaseMs = this.host.leaseMs;
    try {
      let r = await this.bus.claim(identity, this.nodeId, { leaseMs });
      // A claim held elsewhere is taken over with compare-and-set: exactly one of two racing nodes wins.
      for (let i = 0; !r.ok && i < 3; i++)
        r = await this.bus.claim(identity, this.nodeId, { leaseMs, expectRevision: r.revision });
      this.unclaimed.delete(identity);
      if (!r.ok) return false;
      this.held.set(identity, r.revision);
      this.owners.set(identity, this.nodeId);
      return true;
    } catch (error) {
      this.unclaimed.add(identity);
      this.host.busError('claim', identity, error);
      return false;
    }
  }

  /** Store the registration beside the ownership (only while this node holds the station). */
  recordRegistration(identity: string, registration: RestoredRegistration): void {
    this.registrations
      .put(identity, encoder.encode(JSON.stringify(registration)))
      .catch((error) => this.host.busError('registration', identity, error));
  }

  /** Forgotten here: give the station up; its registration goes with it unless another node holds it. */
  async forgotten(identity: string): Promise<void> {
    this.unclaimed.delete(identity);
    const revision = this.held.get(identity);
    if (revision === undefined) return;
    this.held.delete(identity);
    try {
      if (await this.bus.release(identity, this.nodeId, revision)) {
        this.owners.delete(identity);
        await this.registrations.delete(identity);
      }
    } catch (error) {
      this.host.busError('release', identity, error);
    }
  }

  /** Shutdown: release every station (registrations stay: their stations reconnect elsewhere). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.renewTimer);
    await this.watching?.return?.();
    const held = [...this.held];
    this.held.clear();
    await Promise.all(
      held.map(([identity, revision]) =>
        this.bus
          .release(identity, this.nodeId, revision)
          .catch((error) => this.host.busError('release', identity, error)),
      ),
    );
  }

  /** One pass at a time (a slow bus must not stack passes), RENEW_BATCH renewals in flight. */
  private async renewAll(): Promise<void> {
    if (this.renewing || !this.bus.stats().connected) return;
    this.renewing = true;
    try {
      for (const identity of this.unclaimed) {
        if (this.host.isConnected(identity)) await this.claim(identity);
        else this.unclaimed.delete(identity);
      }
      const held = [...this.held];
      for (let i = 0; i < held.length && !this.stopped; i += RENEW_BATCH)
        await Promise.all(held.slice(i, i + RENEW_BATCH).map(([id, revision]) => this.renew(id, revision)));
    } finally {
      this.renewing = false;
    }
  }

  private async renew(identity: string, revision: number): Promise<void> {
    let r: Awaited<ReturnType<Bus['renew']>>;
    try {
      r = await this.bus.renew(identity, this.nodeId, revision, { leaseMs: this.host.leaseMs });
    } catch (error) {
      // The bus is down: keep serving; the next pass tries again (after the lease lapsed, a claim).
      this.host.busError('renew', identity, error);
      return;
    }
    if (this.stopped || this.held.get(identity) !== revision) return;
    if (r.ok) this.held.set(identity, r.revision);
    else if (r.owner === undefined) await this.claim(identity);
    else this.lost(identity, r.owner);
  }

  private async follow(watch: AsyncIterable<OwnershipChange>): Promise<void> {
    for await (const change of watch) {
      const { station, owner } = change;
      if (owner === undefined) {
        if (this.owners.get(station) !== this.nodeId || !this.held.has(station)) this.owners.delete(station);
        continue;
      }
      this.owners.set(station, owner);
      if (owner !== this.nodeId && this.held.has(station)) this.lost(station, owner);
    }
  }

  /** Another node holds the station now: close our socket so exactly one node serves it. */
  private lost(identity: string, owner: string | undefined): void {
    this.held.delete(identity);
    this.host.evict(identity, owner);
  }
}
