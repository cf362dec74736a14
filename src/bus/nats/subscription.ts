import { consumerOpts, type JetStreamSubscription, type JsMsg } from 'nats';
import { BufferedChannel } from '../channel.js';
import { compilePattern } from '../subject.js';
import type { BusMessage, Subscription } from '../types.js';
import { decodeData, parseMeta } from './codec.js';
import type { NatsContext } from './context.js';

/**
 * An at-most-once subscription: an ordered consumer (ephemeral, in server memory, no acks) on the
 * events stream, so it sees only stored events (a de-duplicated publish never), in stream order
 * with their seq, from the stream's end when subscribe() ran. `ready` is the consumer's creation.
 */
export class NatsSubscription extends BufferedChannel<BusMessage> implements Subscription {
  private sub: JetStreamSubscription | undefined;
  /** Seq of the last event handed on: where a resumed consumer continues. */
  private lastSeq = 0;

  constructor(
    private readonly ctx: NatsContext,
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
    this.ready = this.start();
    this.ready.catch(() => {
      ctx.counters.errors++;
      this.end();
    });
  }

  unsubscribe(): void {
    this.end();
  }

  /**
   * After a reconnect the server may have lost the ordered consumer (a restarted server keeps
   * none). The bus calls this on reconnect: a new consumer continues right after the last event seen.
   */
  resume(): void {
    if (this.closed || !this.sub) return;
    this.sub.unsubscribe();
    this.sub = undefined;
    this.open(this.lastSeq + 1).catch(() => this.end());
  }

  private async start(): Promise<void> {
    // From the stream's end at subscribe time: what is published after the call is seen, even
    // while the consumer is still being created.
    this.lastSeq = (await this.ctx.jsm.streams.info(this.ctx.names.events)).state.last_seq;
    await this.open(this.lastSeq + 1);
  }

  private async open(from: number): Promise<void> {
    const { names } = this.ctx;
    const strip = names.eventRoot.length + 1;
    const opts = consumerOpts();
    opts.orderedConsumer();
    // Also re-created by the client after two missed heartbeats (the default 5 s made ~14 s).
    opts.idleHeartbeat(1_000);
    opts.startSequence(from);
    opts.bindStream(names.events);
    opts.callback((err, m) => {
      if (err || !m || m.seq <= this.lastSeq) return; // a replaced consumer's late message
      this.lastSeq = m.seq;
      this.push(toBusMessage(m, strip));
    });
    const sub = await this.ctx.js.subscribe(`${names.eventRoot}.${this.pattern}`, opts);
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
