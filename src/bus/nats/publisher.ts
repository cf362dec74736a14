import { randomUUID } from 'node:crypto';
import { type Msg, type MsgHdrs, type NatsConnection, headers as natsHeaders, type Subscription } from 'nats';
import { Deque } from '../deque.js';
import { BusBackpressureError, BusError, BusUnavailableError } from '../errors.js';
import type { Outbox } from './outbox.js';

export interface StoredAck {
  readonly seq: number;
  readonly duplicate: boolean;
}

interface Pending {
  readonly id: number;
  readonly sentAt: number;
  readonly resolve: (ack: StoredAck) => void;
  readonly reject: (err: Error) => void;
}

interface PubAckJson {
  seq?: number;
  duplicate?: boolean;
  error?: { code: number; err_code?: number; description: string };
}

/**
 * Pipelined JetStream publishing. `js.publish` costs a request (inbox, timer, promise chain) per
 * message and, awaited one by one, a round trip per event: ~12k/s here. This sends plain NATS
 * publishes with a reply subject on ONE inbox subscription of this node and matches the stream's
 * acknowledgements by id; one timer per node fails what was not acknowledged within `timeoutMs`.
 * Up to `maxInFlight` publishes await their acknowledgement, up to `maxBuffered` more wait for a
 * slot, and past that a publish is refused with BusBackpressureError and counted: memory stays
 * bounded however slow the server is. A publish that timed out (BusUnavailableError) may still be
 * stored once the connection is back (the client sends what it buffered): publish again with the
 * same `msgId` to have it exactly once.
 */
export class Publisher {
  bufferFull = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly waiting = new Deque<() => void>();
  private readonly inbox: string;
  private readonly sub: Subscription;
  private readonly timer: NodeJS.Timeout;
  private nextId = 0;

  constructor(
    nc: NatsConnection,
    private readonly outbox: Outbox,
    private readonly maxInFlight: number,
    private readonly maxBuffered: number,
    private readonly timeoutMs: number,
  ) {
    this.inbox = `_INBOX.bus-${randomUUID().replaceAll('-', '')}.`;
    this.sub = nc.subscribe(`${this.inbox}*`, { callback: (err, msg) => err || this.settle(msg) });
    this.timer = setInterval(() => this.expire(), Math.max(10, Math.min(250, timeoutMs / 4)));
    this.timer.unref?.();
  }

  get inFlight(): number {
    return this.pending.size;
  }

  get buffered(): number {
    return this.waiting.length;
  }

  async publish(subject: string, payload: Uint8Array, headers: MsgHdrs): Promise<StoredAck> {
    if (this.pending.size >= this.maxInFlight) {
      if (this.waiting.length >= this.maxBuffered) {
        this.bufferFull++;
        throw new BusBackpressureError(this.maxBuffered);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    const id = ++this.nextId;
    return new Promise<StoredAck>((resolve, reject) => {
      this.pending.set(id, { id, sentAt: Date.now(), resolve, reject });
      this.outbox.publish(subject, payload, `${this.inbox}${id}`, headers, (err) =>
        this.finish(id)?.reject(new BusUnavailableError('publish', { cause: err })),
      );
    });
  }

  /** Resolves once nothing is in flight or waiting (close waits for this). */
  async idle(): Promise<void> {
    while (this.pending.size > 0 || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  stop(): void {
    clearInterval(this.timer);
    this.sub.unsubscribe();
  }

  private settle(msg: Msg): void {
    const p = this.finish(Number(msg.subject.slice(this.inbox.length)));
    if (!p) return; // already timed out
    if (msg.headers?.hasError) {
      // 503: no stream listens (JetStream unavailable on this server).
      p.reject(
        new BusUnavailableError('publish', {
          cause: new Error(`${msg.headers.code} ${msg.headers.description}`),
        }),
      );
      return;
    }
    let ack: PubAckJson;
    try {
      ack = JSON.parse(Buffer.from(msg.data).toString('utf8')) as PubAckJson;
    } catch (err) {
      p.reject(new BusError('BUS_FAILED', 'unreadable publish acknowledgement', { cause: err }));
      return;
    }
    if (ack.error || ack.seq === undefined) {
      p.reject(new BusError('BUS_FAILED', `publish refused: ${ack.error?.description ?? 'no sequence'}`));
      return;
    }
    p.resolve({ seq: ack.seq, duplicate: ack.duplicate === true });
  }

  private finish(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    this.waiting.shift()?.();
    return p;
  }

  /** Pending publishes are in send order (Map insertion order): only the oldest need looking at. */
  private expire(): void {
    const limit = Date.now() - this.timeoutMs;
    for (const p of this.pending.values()) {
      if (p.sentAt > limit) return;
      this.finish(p.id);
      p.reject(new BusUnavailableError('publish'));
    }
  }
}

/** Headers of one event: its metadata and, for de-duplication, `Nats-Msg-Id`. */
export function eventHeaders(meta: string, msgId: string | undefined): MsgHdrs {
  const h = natsHeaders();
  h.set('Bus-Meta', meta);
  if (msgId !== undefined) h.set('Nats-Msg-Id', msgId);
  return h;
}
