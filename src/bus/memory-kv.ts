import type { ClaimResult, Ownership, OwnershipChange, OwnershipOp } from './types.js';

interface Entry {
  readonly owner: string;
  readonly revision: number;
  readonly expiresAt: number | undefined;
}

/**
 * Station ownership as a NATS KV bucket would hold it: one key per station, a bucket-wide revision
 * that moves on every write, create-if-absent and update-if-revision. A released or expired
 * station has no entry, so its revision reads as 0 (KV: `create` succeeds after a delete).
 * Leases expire lazily on read and on sweep: no timer per station.
 */
export class OwnershipTable {
  private readonly entries = new Map<string, Entry>();
  private revision = 0;

  constructor(
    private readonly now: () => number,
    private readonly defaultLeaseMs: number | undefined,
    private readonly emit: (change: OwnershipChange) => void,
  ) {
    checkLease(defaultLeaseMs);
  }

  claim(station: string, nodeId: string, expectRevision?: number, leaseMs?: number | null): ClaimResult {
    const cur = this.live(station);
    const curRevision = cur?.revision ?? 0;
    const allowed =
      expectRevision === undefined ? !cur || cur.owner === nodeId : expectRevision === curRevision;
    if (!allowed) return { ok: false, owner: cur?.owner, revision: curRevision };
    return this.write(station, nodeId, cur?.owner === nodeId ? 'renew' : 'claim', leaseMs);
  }

  renew(station: string, nodeId: string, revision: number, leaseMs?: number): ClaimResult {
    const cur = this.live(station);
    if (!cur || cur.owner !== nodeId || cur.revision !== revision) {
      return { ok: false, owner: cur?.owner, revision: cur?.revision ?? 0 };
    }
    return this.write(station, nodeId, 'renew', leaseMs);
  }

  release(station: string, nodeId: string, revision: number): boolean {
    const cur = this.live(station);
    if (!cur || cur.owner !== nodeId || cur.revision !== revision) return false;
    this.remove(station, 'release');
    return true;
  }

  get(station: string): Ownership | undefined {
    const cur = this.live(station);
    return cur && toOwnership(station, cur);
  }

  all(): Ownership[] {
    this.sweep();
    return [...this.entries].map(([station, entry]) => toOwnership(station, entry));
  }

  /** Expires every lapsed lease, emitting `expire` for each. */
  sweep(): void {
    const now = this.now();
    for (const [station, entry] of this.entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.remove(station, 'expire');
    }
  }

  private live(station: string): Entry | undefined {
    const entry = this.entries.get(station);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      this.remove(station, 'expire');
      return undefined;
    }
    return entry;
  }

  private write(
    station: string,
    owner: string,
    op: OwnershipOp,
    lease: number | null | undefined,
  ): ClaimResult {
    const leaseMs = lease === undefined ? this.defaultLeaseMs : (lease ?? undefined);
    checkLease(leaseMs);
    const revision = ++this.revision;
    const expiresAt = leaseMs === undefined ? undefined : this.now() + leaseMs;
    this.entries.set(station, { owner, revision, expiresAt });
    this.emit(withExpiry({ op, station, owner, revision }, expiresAt));
    return withExpiry({ ok: true, revision }, expiresAt);
  }

  private remove(station: string, op: 'release' | 'expire'): void {
    this.entries.delete(station);
    this.emit({ op, station, owner: undefined, revision: ++this.revision });
  }
}

function checkLease(leaseMs: number | undefined): void {
  if (leaseMs !== undefined && !(leaseMs > 0)) throw new RangeError('leaseMs must be > 0');
}

/** Adds `expiresAt` only when set, so results compare equal to ones that never had it. */
function withExpiry<T extends object>(value: T, expiresAt: number | undefined): T & { expiresAt?: number } {
  return expiresAt === undefined ? value : { ...value, expiresAt };
}

function toOwnership(station: string, entry: Entry): Ownership {
  return withExpiry({ station, owner: entry.owner, revision: entry.revision }, entry.expiresAt);
}
