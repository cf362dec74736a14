import type { MsgHdrs, NatsConnection } from 'nats';

interface Outgoing {
  readonly subject: string;
  readonly payload: Uint8Array;
  readonly reply: string | undefined;
  readonly headers: MsgHdrs | undefined;
  readonly fail: ((err: unknown) => void) | undefined;
}

/**
 * Core NATS publishes of one node, sent together once per event-loop turn. The client writes to
 * its socket at the end of every microtask drain, so a publish made in each station's own callback
 * costs a write system call of its own: socket writes were ~35 % of a node's busy CPU in
 * bench:cluster. Sent from one `setImmediate`, the turn's publishes (events, answers to routed
 * calls, requests) leave in one write. Costs one event-loop turn of latency; holds no more than
 * the callers have in flight (each caller bounds its own).
 */
export class Outbox {
  private queue: Outgoing[] = [];
  private scheduled = false;

  constructor(private readonly nc: NatsConnection) {}

  /** `fail` hears of a publish the client refused (connection closed, payload too large). */
  publish(
    subject: string,
    payload: Uint8Array,
    reply: string | undefined,
    headers: MsgHdrs | undefined,
    fail?: (err: unknown) => void,
  ): void {
    this.queue.push({ subject, payload, reply, headers, fail });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Sends what is queued now (before a close). */
  readonly flush = (): void => {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    for (const m of queue) {
      try {
        this.nc.publish(m.subject, m.payload, { reply: m.reply, headers: m.headers });
      } catch (err) {
        m.fail?.(err);
      }
    }
  };
}
