import { randomUUID } from 'node:crypto';
import type { Msg, MsgHdrs, NatsConnection, Subscription } from 'nats';
import { BusClosedError, BusRemoteError, NoRespondersError, RequestTimeoutError } from '../errors.js';
import { decodeData, ERROR_HEADER } from './codec.js';
import type { Outbox } from './outbox.js';

/** Status the server answers a request with when nobody subscribes to its subject. */
const NO_RESPONDERS = 503;

interface Pending {
  readonly subject: string;
  readonly timer: NodeJS.Timeout;
  readonly resolve: (msg: Msg) => void;
  readonly reject: (err: Error) => void;
}

/**
 * Requests of one node on ONE reply subscription, matched by id. The client's `request` builds
 * three Error objects per call (async stack traces, its timeout, and a "cancelled" rejection made
 * even after success): ~13 % of a routing node's busy CPU in bench:cluster. Here a request costs a
 * map entry and a timer. Answers that arrive after their timeout are dropped.
 */
export class Requests {
  private readonly pending = new Map<number, Pending>();
  private readonly inbox: string;
  private readonly sub: Subscription;
  private nextId = 0;

  constructor(
    nc: NatsConnection,
    private readonly outbox: Outbox,
    private readonly nodeId: string,
  ) {
    this.inbox = `_INBOX.req-${randomUUID().replaceAll('-', '')}.`;
    this.sub = nc.subscribe(`${this.inbox}*`, { callback: (err, msg) => err || this.settle(msg) });
  }

  /**
   * Sends `payload` to `subject` (the full NATS subject; `shown` is the one errors name) and
   * resolves with the answer's data. Rejects with NoRespondersError, RequestTimeoutError or
   * BusRemoteError (the service threw).
   */
  send(subject: string, shown: string, payload: Uint8Array, headers: MsgHdrs | undefined, timeoutMs: number) {
    const id = ++this.nextId;
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestTimeoutError(shown, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { subject: shown, timer, resolve, reject });
      this.outbox.publish(subject, payload, `${this.inbox}${id}`, headers, (err) => {
        if (this.take(id)) reject(err);
      });
    });
  }

  /** The answer's data, or the service's failure as BusRemoteError. */
  static data(msg: Msg, shown: string, kind: string | undefined): unknown {
    const failure = msg.headers?.get(ERROR_HEADER);
    if (failure) {
      const { name, code, message } = JSON.parse(failure) as { name: string; code?: string; message: string };
      throw new BusRemoteError(shown, name, code, message);
    }
    return decodeData(msg.data, kind);
  }

  /** Pending requests fail with BusClosedError. */
  stop(): void {
    this.sub.unsubscribe();
    for (const id of [...this.pending.keys()]) this.take(id)?.reject(new BusClosedError(this.nodeId));
  }

  private settle(msg: Msg): void {
    const p = this.take(Number(msg.subject.slice(this.inbox.length)));
    if (!p) return; // timed out already
    if (msg.headers?.code === NO_RESPONDERS && msg.data.length === 0)
      p.reject(new NoRespondersError(p.subject));
    else p.resolve(msg);
  }

  private take(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    clearTimeout(p.timer);
    return p;
  }
}
