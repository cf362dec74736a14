import type { Msg, NatsConnection, Subscription as NatsSub } from 'nats';
import { BufferedChannel } from '../channel.js';
import { compilePattern } from '../subject.js';
import type { BusMessage, Subscription } from '../types.js';
import { decodeData, parseMeta } from './codec.js';
import type { Names } from './names.js';

/**
 * An at-most-once subscription: a plain NATS subscription on the events stream's republished
 * copies, so it sees only stored events (duplicates never) with their stream seq, and costs the
 * server no consumer. `ready` is the subscription's round trip to the server.
 */
export class NatsSubscription extends BufferedChannel<BusMessage> implements Subscription {
  private sub: NatsSub | undefined;

  constructor(
    nc: NatsConnection,
    names: Names,
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
    const strip = names.republishRoot.length + 1;
    this.sub = nc.subscribe(`${names.republishRoot}.${pattern}`, {
      callback: (err, msg) => {
        if (!err) this.push(toBusMessage(msg, strip));
      },
    });
    this.ready = nc.flush();
  }

  unsubscribe(): void {
    this.end();
  }
}

function toBusMessage(msg: Msg, strip: number): BusMessage {
  const h = msg.headers;
  const meta = parseMeta(h);
  const msgId = h?.get('Nats-Msg-Id');
  const base = {
    subject: msg.subject.slice(strip),
    data: decodeData(msg.data, meta.kind),
    seq: Number(h?.get('Nats-Sequence') ?? 0),
    origin: meta.origin,
    publishedAt: meta.publishedAt,
  };
  return msgId ? { ...base, msgId } : base;
}
