import type { KV } from 'nats';
import { encodeToken } from '../subject.js';
import type { CallClaim } from '../types.js';
import { jsonBytes, parseJson } from './codec.js';
import type { NatsContext } from './context.js';
import { apiErrorCode, JsErr, toBusError } from './errors.js';

interface Window {
  readonly expiresAt: number;
  readonly answer?: string;
}

/**
 * `remember` and CALL de-duplication on one KV bucket, bounded to `maxDedupKeys` (oldest forgotten
 * first). NATS 2.9 has no per-key TTL: each key holds its window's end; a lapsed key is taken over
 * by compare-and-set, so two nodes racing for it cannot both be first.
 */
export class NatsDedup {
  constructor(
    private readonly ctx: NatsContext,
    private readonly kv: KV,
  ) {}

  async remember(key: string, ttlMs: number): Promise<boolean> {
    if (!(ttlMs > 0)) throw new RangeError('ttlMs must be > 0');
    const r = await this.claim(`r.${encodeToken(key)}`, ttlMs, 'remember');
    return r.first;
  }

  async claimCall(station: string, messageId: string, windowMs: number): Promise<CallClaim> {
    if (!(windowMs > 0)) throw new RangeError('windowMs must be > 0');
    const r = await this.claim(callKey(station, messageId), windowMs, 'claimCall');
    if (!r.first) this.ctx.counters.deduplicated++;
    return r;
  }

  async recordAnswer(station: string, messageId: string, answer: string): Promise<void> {
    const key = callKey(station, messageId);
    try {
      const e = await this.kv.get(key);
      const cur = e?.operation === 'PUT' ? parseJson<Window>(e.value) : undefined;
      const expiresAt = cur?.expiresAt ?? this.ctx.o.now() + this.ctx.o.duplicateWindowMs;
      // Only this CALL's handler writes its answer: a plain put is enough.
      await this.kv.put(key, jsonBytes({ expiresAt, answer }));
    } catch (err) {
      throw this.fail('recordAnswer', err);
    }
  }

  private async claim(key: string, ttlMs: number, operation: string): Promise<CallClaim> {
    const now = this.ctx.o.now();
    const value = jsonBytes({ expiresAt: now + ttlMs });
    try {
      for (;;) {
        const e = await this.kv.get(key);
        const cur = e?.operation === 'PUT' ? parseJson<Window>(e.value) : undefined;
        if (cur && cur.expiresAt > now)
          return cur.answer === undefined ? { first: false } : { first: false, answer: cur.answer };
        try {
          if (e) await this.kv.update(key, value, e.revision);
          else await this.kv.create(key, value);
          return { first: true };
        } catch (err) {
          // Someone wrote between our read and write: read again and judge what they wrote.
          if (apiErrorCode(err) !== JsErr.WrongLastSequence) throw err;
        }
      }
    } catch (err) {
      throw this.fail(operation, err);
    }
  }

  private fail(operation: string, err: unknown): Error {
    this.ctx.counters.errors++;
    return toBusError(operation, err);
  }
}

const callKey = (station: string, messageId: string) => `c.${encodeToken(station)}.${encodeToken(messageId)}`;
