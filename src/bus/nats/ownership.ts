import type { KV, KvEntry as NatsKvEntry } from 'nats';
import { encodeToken } from '../subject.js';
import type { ClaimResult, Ownership, OwnershipOp } from '../types.js';
import { jsonBytes, parseJson } from './codec.js';
import type { NatsContext } from './context.js';
import { apiErrorCode, JsErr, toBusError } from './errors.js';

/** What an ownership key holds. The lease is in the value: NATS 2.9 has no per-key TTL. */
export interface OwnerValue {
  readonly owner: string;
  readonly op: 'claim' | 'renew';
  readonly expiresAt?: number;
}

export interface Current {
  /** The stored entry (even a lapsed lease or a delete marker): what a write must compare against. */
  readonly entry: NatsKvEntry | null;
  /** The live owner: undefined when there is none or its lease lapsed. */
  readonly value: OwnerValue | undefined;
}

export function liveValue(entry: NatsKvEntry | null, now: number): OwnerValue | undefined {
  if (entry?.operation !== 'PUT') return undefined;
  const value = parseJson<OwnerValue>(entry.value);
  return value.expiresAt !== undefined && value.expiresAt <= now ? undefined : value;
}

/**
 * Station ownership in a KV bucket: key = station token, compare-and-set on the key's revision.
 * A lapsed lease reads as no owner with revision 0 (as in memory), while writes still compare
 * against the stored revision, so two nodes taking over one lapsed station cannot both win.
 */
export class OwnershipRegistry {
  constructor(
    private readonly ctx: NatsContext,
    private readonly kv: KV,
  ) {}

  async claim(
    station: string,
    nodeId: string,
    expectRevision?: number,
    leaseMs?: number | null,
  ): Promise<ClaimResult> {
    checkLease(leaseMs ?? undefined);
    const cur = await this.current(station);
    const curRevision = cur.value ? (cur.entry?.revision ?? 0) : 0;
    const allowed =
      expectRevision !== undefined
        ? expectRevision === curRevision
        : !cur.value || cur.value.owner === nodeId;
    if (!allowed) return { ok: false, owner: cur.value?.owner, revision: curRevision };
    return this.write(station, nodeId, cur, cur.value?.owner === nodeId ? 'renew' : 'claim', leaseMs);
  }

  async renew(station: string, nodeId: string, revision: number, leaseMs?: number): Promise<ClaimResult> {
    checkLease(leaseMs);
    const cur = await this.current(station);
    const curRevision = cur.value ? (cur.entry?.revision ?? 0) : 0;
    if (cur.value?.owner !== nodeId || curRevision !== revision) {
      return { ok: false, owner: cur.value?.owner, revision: curRevision };
    }
    return this.write(station, nodeId, cur, 'renew', leaseMs);
  }

  async owner(station: string): Promise<Ownership | undefined> {
    const cur = await this.current(station);
    if (!cur.value || !cur.entry) return undefined;
    return withExpiry({ station, owner: cur.value.owner, revision: cur.entry.revision }, cur.value.expiresAt);
  }

  async release(station: string, nodeId: string, revision: number): Promise<boolean> {
    const cur = await this.current(station);
    if (cur.value?.owner !== nodeId || cur.entry?.revision !== revision) return false;
    try {
      await this.kv.delete(encodeToken(station), { previousSeq: revision });
      return true;
    } catch (err) {
      if (apiErrorCode(err) === JsErr.WrongLastSequence) return false;
      throw this.fail('release', err);
    }
  }

  private async current(station: string): Promise<Current> {
    try {
      const entry = await this.kv.get(encodeToken(station));
      return { entry, value: liveValue(entry, this.ctx.o.now()) };
    } catch (err) {
      throw this.fail('ownership read', err);
    }
  }

  private async write(
    station: string,
    nodeId: string,
    cur: Current,
    op: Exclude<OwnershipOp, 'release' | 'expire'>,
    lease?: number | null,
  ): Promise<ClaimResult> {
    const leaseMs = lease === undefined ? this.ctx.o.leaseMs : (lease ?? undefined);
    const expiresAt = leaseMs === undefined ? undefined : this.ctx.o.now() + leaseMs;
    const value = jsonBytes(withExpiry({ owner: nodeId, op }, expiresAt));
    const key = encodeToken(station);
    try {
      const revision = cur.entry
        ? await this.kv.update(key, value, cur.entry.revision)
        : await this.kv.create(key, value);
      return withExpiry({ ok: true as const, revision }, expiresAt);
    } catch (err) {
      if (apiErrorCode(err) !== JsErr.WrongLastSequence) throw this.fail('claim', err);
      // Another node wrote first: report what it wrote.
      const now = await this.current(station);
      return { ok: false, owner: now.value?.owner, revision: now.value ? (now.entry?.revision ?? 0) : 0 };
    }
  }

  private fail(operation: string, err: unknown): Error {
    this.ctx.counters.errors++;
    return toBusError(operation, err);
  }
}

export function checkLease(leaseMs: number | undefined): void {
  if (leaseMs !== undefined && !(leaseMs > 0)) throw new RangeError('leaseMs must be > 0');
}

/** Adds `expiresAt` only when set, so results compare equal to the memory bus's. */
export function withExpiry<T extends object>(
  value: T,
  expiresAt: number | undefined,
): T & { expiresAt?: number } {
  return expiresAt === undefined ? value : { ...value, expiresAt };
}
