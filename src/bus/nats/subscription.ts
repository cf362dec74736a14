import { consumerOpts, type JetStreamSubscription, type JsMsg } from 'nats';
import { BufferedChannel } from '../channel.js';
import { compilePattern } from '../subject.js';
import type { BusMessage, Subscription } from '../types.js';
import { decodeData, parseMeta } from './codec.js';
import type { NatsContext } from './context.js';

/**
 * An at-most-once subscription: an ordered consumer (ephemeral, in server memory, no acks) on the
 * events stream from "new", so it sees only stored events (a de-duplicated publish never), in
 * stream order with their seq. `ready` is the consumer's creation; a networked subscriber misses
 * what was published before that (the contract's "only events after subscribing").
 */
export class NatsSubscription extends BufferedChannel<BusMessage> implements Subscription {
  private sub: JetStreamSubscription | undefined;

  constructor(
    ctx: NatsContext,
    readonly pattern: string,
    bufferSize: number,
    onEnd: () => void,
    signal?: AbortSignal,
  ) {
    super(
      bufferSize,
      () => {
        this.sub?.unsubscribe();
        onEnd();
      },
      signal,
    );
    if (this.closed) return;
    compilePattern(pattern); // the memory bus's rules, so both refuse the same patterns
    this.ready = this.start(ctx);
    this.ready.catch(() => {
      ctx.counters.errors++;
      this.end();
    });
  }

  unsubscribe(): void {
    this.end();
  }

  private async start(ctx: NatsContext): Promise<void> {
    const { names } = ctx;
    const strip = names.eventRoot.length + 1;
    const opts = consumerOpts();
    opts.orderedConsumer();
    opts.deliverNew();
    opts.bindStream(names.events);
    opts.callback((err, m) => {
      if (!err && m) this.push(toBusMessage(m, strip));
    });
    const sub = await ctx.js.subscribe(`${names.eventRoot}.${this.pattern}`, opts);
    if (this.closed) sub.unsubscribe();
    else this.sub = sub;
  }
}

function toBusMessage(m: JsMsg, strip: number): BusMessage {
  const meta = parseMeta(m.headers);
  const msgId = m.headers?.get('Nats-Msg-Id');
  const base = {
    subject: m.subject.slice(strip),
    data: decodeData(m.data, meta.kind),
    seq: m.seq,
    origin: meta.origin,
    publishedAt: meta.publishedAt,
  };
  return msgId ? { ...base, msgId } : base;
}
