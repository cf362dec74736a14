import { BusUnavailableError } from '../../bus/errors.js';
import type { Bus, OwnershipChange } from '../../bus/types.js';
import type { RestoredRegistration } from '../../machines/station.js';
import type { ClusterHost } from './host.js';
import { NodeLeases } from './node-leases.js';
import { Registrations } from './registrations.js';

/** Releases of a lapsed node's claims in flight at once. */
const RELEASE_BATCH = 256;

/**
 * Which node holds which station, from this node's side. A station's claim names its node and
 * changes only when the station is claimed or taken over (compare-and-set: exactly one of two
 * racing nodes wins); it is valid while that node's lease in the `nodes` bucket is live
 * ({@link NodeLeases}). Upkeep is one write per node per third of a lease, whatever the number of
 * stations. When a node's lease lapses (killed, or cut off from NATS for longer than a lease), the
 * other nodes release its claims (compare-and-set on each claim's revision, so a station taken over
 * meanwhile is left alone); a node that was only cut off claims its stations again on its next tick.
 *
 * The ownership watch is also the routing table: `ownerOf` answers without I/O.
 *
 * A station's registration (its last BootNotification answer) is kept in a bucket beside its
 * ownership, so a node that has never seen the station serves it at once (RESTORED) instead of
 * refusing its CALLs until it boots again.
 */
export class Ownerships {
  /** Stations this node holds, with the revision of its claim (what a release must name). */
  private readonly held = new Map<string, number>();
  /** Every node's claims, as the watch last said. */
  private readonly owners = new Map<string, { readonly node: string; readonly revision: number }>();
  /** Stations served here whose claim failed or was released by others: claimed on the next tick. */
  private readonly unclaimed = new Set<string>();
  /** Registrations read during the handshake, taken by the actor when it is created. */
  private readonly prefetched = new Map<string, RestoredRegistration>();
  private tickTimer: NodeJS.Timeout | undefined;
  private watching: AsyncIterator<OwnershipChange> | undefined;
  private stopped = false;
  private renewing = false;
  private housekeeping = false;

  private constructor(
    private readonly host: ClusterHost,
    private readonly bus: Bus,
    private readonly registrations: Registrations,
    private readonly leases: NodeLeases,
  ) {}

  static async start(host: ClusterHost): Promise<Ownerships> {
    const [registrations, nodes] = await Promise.all([host.bus.kv('registrations'), host.bus.kv('nodes')]);
    const leases = new NodeLeases(nodes, host.nodeId, host.leaseMs);
    // Live before the first claim names this node, so no other node ever sees a claim without a lease.
    await leases.renew();
    await leases.refresh();
    const sweepEveryMs = Math.min(3_600_000, Math.max(host.leaseMs, host.registrationTtlMs / 4));
    const kept = new Registrations(registrations, host.registrationTtlMs, sweepEveryMs, (op, id, e) =>
      host.busError(op, id, e),
    );
    const o = new Ownerships(host, host.bus, kept, leases);
    const watch = host.bus.watch({ includeCurrent: true });
    o.watching = watch;
    void o.follow(watch);
    await watch.ready;
    o.tickTimer = setInterval(() => void o.tick(), Math.max(50, host.leaseMs / 3));
    o.tickTimer.unref();
    return o;
  }

  get nodeId(): string {
    return this.host.nodeId;
  }

  /** The node holding the station, if its lease is live. */
  ownerOf(identity: string): string | undefined {
    const o = this.owners.get(identity);
    return o && this.leases.live(o.node) ? o.node : undefined;
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
      this.registrations.read(identity).then(
        (registration) => registration,
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
    try {
      // No lease of its own: the claim lives as long as this node's lease.
      let r = await this.bus.claim(identity, this.nodeId, { leaseMs: null });
      // A claim held elsewhere is taken over with compare-and-set: exactly one of two racing nodes wins.
      for (let i = 0; !r.ok && i < 3; i++)
        r = await this.bus.claim(identity, this.nodeId, { leaseMs: null, expectRevision: r.revision });
      this.unclaimed.delete(identity);
      if (!r.ok) return false;
      this.held.set(identity, r.revision);
      this.owners.set(identity, { node: this.nodeId, revision: r.revision });
      return true;
    } catch (error) {
      this.unclaimed.add(identity);
      this.host.busError('claim', identity, error);
      return false;
    }
  }

  /** Store the registration beside the ownership (only while this node holds the station). */
  recordRegistration(identity: string, registration: RestoredRegistration): void {
    this.registrations.record(identity, registration);
  }

  /** Store a registration now (a BootNotification answer waits for it). */
  storeRegistration(identity: string, registration: RestoredRegistration): Promise<void> {
    return this.registrations.store(identity, registration);
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
        await this.registrations.drop(identity);
      }
    } catch (error) {
      this.host.busError('release', identity, error);
    }
  }

  /** Shutdown: release every station and the node lease (registrations stay: their stations reconnect elsewhere). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.tickTimer);
    this.registrations.clear();
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
    await this.leases.stop().catch((error) => this.host.busError('lease', undefined, error));
  }

  /**
   * Every third of a lease: renew this node's lease, then the housekeeping (other nodes' leases,
   * claims to retry or release, registrations). The renewal never waits for housekeeping (a long
   * sweep must not let this node's lease lapse), and neither stacks on a slow bus.
   */
  private async tick(): Promise<void> {
    if (this.stopped || !this.bus.stats().connected) return;
    if (!this.renewing) {
      this.renewing = true;
      try {
        await this.leases.renew();
      } catch (error) {
        // The bus is down: keep serving; the next tick tries again.
        this.host.busError('lease', undefined, error);
      } finally {
        this.renewing = false;
      }
    }
    if (this.housekeeping) return;
    this.housekeeping = true;
    try {
      await this.leases.refresh();
      for (const identity of this.unclaimed) {
        if (this.host.isConnected(identity)) await this.claim(identity);
        else this.unclaimed.delete(identity);
      }
      await this.releaseLapsed();
      await this.registrations.refresh((identity) => this.held.has(identity));
      await this.registrations.sweep(
        this.leases.isSweeper(),
        (identity) => this.ownerOf(identity) !== undefined,
      );
    } catch (error) {
      this.host.busError('lease', undefined, error);
    } finally {
      this.housekeeping = false;
    }
  }

  /** Claims naming a node whose lease lapsed are released, so the station reads as held by nobody. */
  private async releaseLapsed(): Promise<void> {
    for (const node of this.leases.lapsed()) {
      const claims = [...this.owners].filter(([, o]) => o.node === node);
      for (let i = 0; i < claims.length && !this.stopped; i += RELEASE_BATCH)
        await Promise.all(
          claims.slice(i, i + RELEASE_BATCH).map(([identity, o]) =>
            // Another node may release it first or take the station over: either way, false.
            this.bus
              .release(identity, node, o.revision)
              .catch((e) => this.host.busError('release', identity, e)),
          ),
        );
      if (![...this.owners.values()].some((o) => o.node === node)) this.leases.forget(node);
    }
  }

  private async follow(watch: AsyncIterable<OwnershipChange>): Promise<void> {
    for await (const change of watch) {
      const { station, owner, revision } = change;
      // A change older than this node's own claim (the watch runs behind the writes) changes nothing.
      const stale = revision <= (this.held.get(station) ?? 0);
      if (owner === undefined) {
        if (stale) continue;
        this.owners.delete(station);
        // Released by another node while this one was cut off: still served here, so claimed again.
        if (this.held.has(station)) {
          this.held.delete(station);
          if (!this.stopped) this.unclaimed.add(station);
        }
        continue;
      }
      if (stale) continue;
      this.owners.set(station, { node: owner, revision });
      if (owner === this.nodeId) continue;
      this.leases.learn(owner, (error) => this.host.busError('lease', station, error));
      if (this.held.has(station)) this.lost(station, owner);
    }
  }

  /** Another node holds the station now: close our socket so exactly one node serves it. */
  private lost(identity: string, owner: string): void {
    this.held.delete(identity);
    this.registrations.leave(identity);
    this.host.evict(identity, owner);
  }
}
