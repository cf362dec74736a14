import { consumerOpts, type JetStreamSubscription, type JsMsg } from 'nats';
import { onAbort } from '../abort.js';
import { Deque } from '../deque.js';
import { BusError } from '../errors.js';
import { compilePattern } from '../subject.js';
import type { DurableConsumer, DurableOptions, EventDelivery } from '../types.js';
import { decodeData, parseMeta } from './codec.js';
import type { NatsContext } from './context.js';
import { apiErrorCode, JsErr, toBusError } from './errors.js';

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A reader of a durable consumer on the events stream (explicit ack, `max_ack_pending` bounding
 * what is out across all readers). The server pushes to the readers' queue group; what waits here
 * is bounded by `max_ack_pending`; what this reader holds when it ends is nacked for the next one.
 */
export class NatsDurable implements DurableConsumer {
  readonly ready: Promise<void>;
  private ended = false;
  private sub: JetStreamSubscription | undefined;
  private readonly local = new Deque<JsMsg>();
  private readonly held = new Set<JsMsg>();
  private readonly readers: ((r: IteratorResult<EventDelivery, undefined>) => void)[] = [];
  private readonly detachSignal: (() => void) | undefined;

  constructor(
    private readonly ctx: NatsContext,
    readonly name: string,
    readonly pattern: string,
    private readonly opts: DurableOptions,
    private readonly onEnd: (d: NatsDurable) => void,
  ) {
    compilePattern(pattern);
    this.detachSignal = onAbort(opts.signal, () => void this.return());
    if (!this.detachSignal) {
      this.ended = true;
      this.ready = Promise.resolve();
      return;
    }
    this.ready = this.start();
    this.ready.catch(() => void this.return());
  }

  get closed(): boolean {
    return this.ended;
  }

  next(): Promise<IteratorResult<EventDelivery, undefined>> {
    const m = this.local.shift();
    if (m) return Promise.resolve({ done: false, value: this.delivery(m) });
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve) => this.readers.push(resolve));
  }

  async return(): Promise<IteratorResult<EventDelivery, undefined>> {
    if (this.ended) return DONE;
    this.ended = true;
    this.detachSignal?.();
    for (const r of this.readers.splice(0)) r(DONE);
    // Drain: the server stops routing to this reader, and what it sent before that still arrives
    // and is nacked by the callback (ended) instead of being dropped.
    await this.sub?.drain().catch(() => undefined);
    for (const m of this.local) m.nak();
    for (const m of this.held) m.nak();
    this.local.clear();
    this.held.clear();
    this.onEnd(this);
    await this.ctx.nc.flush().catch(() => undefined);
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async start(): Promise<void> {
    const { jsm, js, names, nc } = this.ctx;
    const consumerName = names.durableConsumer(this.name);
    const filter = `${names.eventRoot}.${this.pattern}`;
    try {
      const info = await jsm.consumers.info(names.events, consumerName).catch((err: unknown) => {
        if (apiErrorCode(err) === JsErr.ConsumerNotFound) return undefined;
        throw err;
      });
      if (info && info.config.filter_subject !== filter) {
        throw new BusError(
          'BUS_FAILED',
          `durable ${this.name} reads ${info.config.filter_subject}, not ${filter}`,
        );
      }
      const opts = consumerOpts();
      opts.durable(consumerName);
      // A push consumer with a queue group: the server hands each event, and each redelivery, to
      // one reader that is subscribed NOW (core routing). Pull requests outlive a reader that
      // stopped, and NATS 2.9.10 hands redeliveries to them (the event then waits out ack-wait).
      opts.deliverTo(`${names.prefix}.dlv.${consumerName}`);
      opts.queue(consumerName);
      opts.filterSubject(filter);
      opts.manualAck();
      opts.ackExplicit();
      opts.maxAckPending(this.opts.maxAckPending ?? 256);
      opts.ackWait(this.opts.ackWaitMs ?? 30_000);
      if (this.opts.deliver === 'all') opts.deliverAll();
      else opts.deliverNew();
      opts.bindStream(names.events);
      opts.callback((err, m) => {
        if (err || !m) return;
        if (this.ended) return void m.nak();
        const reader = this.readers.shift();
        if (reader) reader({ done: false, value: this.delivery(m) });
        else this.local.push(m);
      });
      if (this.ended) return;
      this.sub = await js.subscribe(filter, opts);
      if (this.ended) return void this.sub.unsubscribe();
      await nc.flush();
    } catch (err) {
      this.ctx.counters.errors++;
      throw toBusError(`durable ${this.name}`, err);
    }
  }

  private delivery(m: JsMsg): EventDelivery {
    this.held.add(m);
    const meta = parseMeta(m.headers);
    const msgId = m.headers?.get('Nats-Msg-Id');
    const take = () => this.held.delete(m);
    const base = {
      subject: m.subject.slice(this.ctx.names.eventRoot.length + 1),
      data: decodeData(m.data, meta.kind),
      seq: m.seq,
      origin: meta.origin,
      publishedAt: meta.publishedAt,
      deliveryCount: m.info.deliveryCount,
      ack: async () => {
        if (take()) m.ack();
      },
      nack: async (delayMs?: number) => {
        if (take()) m.nak(delayMs !== undefined && delayMs > 0 ? delayMs : undefined);
      },
    };
    return msgId ? { ...base, msgId } : base;
  }
}

export async function deleteDurable(ctx: NatsContext, name: string): Promise<boolean> {
  try {
    return await ctx.jsm.consumers.delete(ctx.names.events, ctx.names.durableConsumer(name));
  } catch (err) {
    if (apiErrorCode(err) === JsErr.ConsumerNotFound) return false;
    ctx.counters.errors++;
    throw toBusError('deleteDurable', err);
  }
}
