import type { Consumer, ConsumerMessages, JsMsg } from 'nats';
import { onAbort } from '../abort.js';
import type { Command, CommandConsumer, Delivery } from '../types.js';
import { parseJson } from './codec.js';
import { isExpired, type NatsContext } from './context.js';
import { apiErrorCode, JsErr, toBusError } from './errors.js';
import type { CommandQueues } from './queue.js';

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });
/**
 * How long one pull waits at the server before it is renewed. A stopped pull's inbox is
 * unsubscribed and the server skips it for new commands (conformance: "a reader that stopped while
 * waiting takes nothing from the next one"), but NATS 2.9.10 still hands it REDELIVERIES until it
 * expires (the command then waits out the ack-wait): short, so that window stays small.
 */
const PULL_EXPIRES_MS = 5_000;

/**
 * Reads one station's commands. A command is pulled only when `next()` asks for one, never ahead:
 * with `max_ack_pending: 1` a pulled-ahead command would sit here while another node's reader
 * waits. What this reader holds un-settled when it ends is nacked, so the next reader (on any node)
 * gets it at once instead of after the ack-wait.
 */
export class NatsCommandConsumer implements CommandConsumer {
  private ended = false;
  /** Deliveries handed out and not settled: nacked when this reader ends. */
  private readonly held = new Set<JsMsg>();
  private readonly pulls = new Set<ConsumerMessages>();
  private readonly waiters = new Set<() => void>();
  private readonly detachSignal: (() => void) | undefined;

  constructor(
    readonly station: string,
    private readonly ctx: NatsContext,
    private readonly queues: CommandQueues,
    private readonly onEnd: (c: NatsCommandConsumer) => void,
    signal?: AbortSignal,
  ) {
    this.detachSignal = onAbort(signal, () => void this.return());
    if (!this.detachSignal) this.ended = true;
  }

  get closed(): boolean {
    return this.ended;
  }

  async next(): Promise<IteratorResult<Delivery, undefined>> {
    let backoff = 100;
    while (!this.ended) {
      let msg: JsMsg | undefined;
      try {
        msg = await this.pullOne();
        backoff = 100;
      } catch (err) {
        if (this.ended) break;
        this.ctx.counters.errors++;
        if (apiErrorCode(err) === JsErr.ConsumerNotFound) this.consumer = undefined;
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, 2_000);
        continue;
      }
      if (!msg) continue;
      if (this.ended) {
        msg.nak();
        break;
      }
      const command = parseJson<Command>(msg.data);
      if (isExpired(command, this.ctx.o.now())) {
        // Dropped, not sent late; reported once (only the node whose ack the server confirmed).
        if (await msg.ackAck().catch(() => false)) {
          this.ctx.counters.expired++;
          await this.ctx.reportExpired(this.station, msg.seq, command).catch(() => undefined);
        }
        continue;
      }
      return { done: false, value: this.delivery(msg, command) };
    }
    return DONE;
  }

  async return(): Promise<IteratorResult<Delivery, undefined>> {
    if (this.ended) return DONE;
    this.ended = true;
    this.detachSignal?.();
    for (const wake of this.waiters) wake();
    if (this.held.size > 0) this.ctx.counters.redelivered++;
    for (const msg of this.held) msg.nak();
    this.held.clear();
    // A command the server sent before this round trip still arrives and is nacked by next(); only
    // then are the pulls stopped (a command arriving after that would wait out the ack-wait).
    await this.ctx.nc.flush().catch(() => undefined);
    for (const pull of this.pulls) pull.stop();
    this.onEnd(this);
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Bound on first pull; dropped (and re-created) if the server lost it. */
  private consumer: Consumer | undefined;

  private async pullOne(): Promise<JsMsg | undefined> {
    if (!this.consumer) {
      const name = await this.queues.ensureConsumer(this.station);
      this.consumer = await this.ctx.js.consumers.get(this.ctx.names.commands, name);
    }
    const consumer = this.consumer;
    if (this.ended) return undefined;
    const pull = await consumer.fetch({ max_messages: 1, expires: PULL_EXPIRES_MS });
    this.pulls.add(pull);
    try {
      for await (const m of pull) return m;
      return undefined;
    } finally {
      this.pulls.delete(pull);
      pull.stop();
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiters.add(wake);
    });
  }

  private delivery(msg: JsMsg, command: Command): Delivery {
    this.held.add(msg);
    const { counters, nc } = this.ctx;
    // Settles once, and only while this reader still holds it: a late settle after the reader
    // ended (its delivery already nacked to another reader) must not touch the redelivered copy.
    const take = (): boolean => this.held.delete(msg);
    return {
      station: this.station,
      seq: msg.seq,
      command,
      deliveryCount: msg.info.deliveryCount,
      ack: async () => {
        if (!take()) return;
        try {
          await msg.ackAck();
        } catch (err) {
          // Unknown whether the server removed it: if not, it is delivered again after the ack-wait.
          counters.errors++;
          throw toBusError('ack', err);
        }
        counters.acked++;
      },
      nack: async (delayMs?: number) => {
        if (!take()) return;
        msg.nak(delayMs !== undefined && delayMs > 0 ? delayMs : undefined);
        counters.redelivered++;
        await nc.flush().catch((err: unknown) => {
          counters.errors++;
          throw toBusError('nack', err);
        });
      },
      // No reason on the wire: NATS 2.9 ignores `+TERM <reason>` entirely (the command would come
      // back after the ack-wait); plain `+TERM` removes it from the work queue.
      term: async () => {
        if (!take()) return;
        msg.term();
        counters.terminated++;
        await nc.flush().catch((err: unknown) => {
          counters.errors++;
          throw toBusError('term', err);
        });
      },
    };
  }
}
