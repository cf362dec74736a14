import { AckPolicy, DeliverPolicy, type MsgRequest, nanos } from 'nats';
import { QueueFullError } from '../errors.js';
import { encodeToken } from '../subject.js';
import type { Command, CommandInput, EnqueueAck, QueuedCommand } from '../types.js';
import { jsonBytes, parseJson } from './codec.js';
import { isExpired, type NatsContext } from './context.js';
import { apiErrorCode, isNotFound, JsErr, toBusError } from './errors.js';

/**
 * The per-station command queues: one work-queue stream, one subject per station
 * (`<prefix>.cmd.<station token>`), `discard: new` with `discard_new_per_subject` so a full station
 * refuses (QueueFullError) instead of losing its oldest command, and a durable consumer per station
 * with `max_ack_pending: 1` for "one delivery in flight across every node".
 */
export class CommandQueues {
  constructor(private readonly ctx: NatsContext) {}

  async enqueue(station: string, input: CommandInput): Promise<EnqueueAck> {
    const { js, names, o, counters } = this.ctx;
    const command: Command = { ...input, enqueuedAt: input.enqueuedAt ?? o.now() };
    const subject = names.commandSubject(station);
    const opts = input.messageId === undefined ? {} : { msgID: `${encodeToken(station)}:${input.messageId}` };
    const payload = jsonBytes(command);
    for (let attempt = 0; ; attempt++) {
      try {
        const ack = await js.publish(subject, payload, opts);
        if (ack.duplicate) counters.deduplicated++;
        else counters.enqueued++;
        return { seq: ack.seq, duplicate: ack.duplicate };
      } catch (err) {
        if (apiErrorCode(err) !== JsErr.StoreFailed) throw this.fail('enqueue', err);
        // Full (or another store limit): expired commands would be dropped on delivery anyway.
        if (attempt === 0 && (await this.reclaimExpired(station)) > 0) continue;
        if ((await this.size(station)) >= o.maxPerStation) throw new QueueFullError(station, o.maxPerStation);
        throw this.fail('enqueue', err);
      }
    }
  }

  async size(station: string): Promise<number> {
    const subject = this.ctx.names.commandSubject(station);
    try {
      const info = await this.ctx.jsm.streams.info(this.ctx.names.commands, { subjects_filter: subject });
      return info.state.subjects?.[subject] ?? 0;
    } catch (err) {
      throw this.fail('size', err);
    }
  }

  async list(station: string, limit = Number.POSITIVE_INFINITY): Promise<QueuedCommand[]> {
    const { jsm, names } = this.ctx;
    const subject = names.commandSubject(station);
    const out: QueuedCommand[] = [];
    try {
      const delivered = await this.deliveredUpTo(station);
      let seq = 0;
      while (out.length < limit) {
        // The server (2.9+) takes next_by_subj on STREAM.MSG.GET; nats.js types it only for direct get.
        const query = { next_by_subj: subject, seq } as unknown as MsgRequest;
        const sm = await jsm.streams.getMessage(names.commands, query);
        if (!sm) break;
        // The server keeps exact delivery counts only on deliveries: here 1 means "handed out".
        out.push({
          station,
          seq: sm.seq,
          command: parseJson<Command>(sm.data),
          deliveryCount: sm.seq <= delivered ? 1 : 0,
        });
        seq = sm.seq + 1;
      }
    } catch (err) {
      if (!isNotFound(err)) throw this.fail('list', err);
    }
    return out;
  }

  async purge(station: string): Promise<number> {
    const { jsm, names } = this.ctx;
    try {
      const r = await jsm.streams.purge(names.commands, { filter: names.commandSubject(station) });
      return r.purged;
    } catch (err) {
      throw this.fail('purge', err);
    }
  }

  /** Creates the station's durable consumer if missing; returns its name. */
  async ensureConsumer(station: string): Promise<string> {
    const { jsm, names, o } = this.ctx;
    const name = names.commandConsumer(station);
    try {
      await jsm.consumers.add(names.commands, {
        durable_name: name,
        filter_subject: names.commandSubject(station),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        max_ack_pending: 1,
        ack_wait: nanos(o.ackWaitMs),
        // Stations that stopped connecting do not keep a consumer on the server forever.
        inactive_threshold: nanos(Math.max(3_600_000, o.ackWaitMs * 10)),
      });
    } catch (err) {
      // Exists with other settings (another node's options): use it as it is.
      await jsm.consumers.info(names.commands, name).catch(() => {
        throw this.fail('consume', err);
      });
    }
    return name;
  }

  /** Highest stream seq the station's consumer has handed out (0: none or no consumer). */
  private async deliveredUpTo(station: string): Promise<number> {
    const { jsm, names } = this.ctx;
    try {
      const info = await jsm.consumers.info(names.commands, names.commandConsumer(station));
      return info.num_ack_pending > 0 ? info.delivered.stream_seq : 0;
    } catch (err) {
      if (apiErrorCode(err) === JsErr.ConsumerNotFound) return 0;
      throw err;
    }
  }

  /** Deletes and reports the station's expired commands, except one handed out; returns how many. */
  private async reclaimExpired(station: string): Promise<number> {
    const { jsm, names, o } = this.ctx;
    const now = o.now();
    let removed = 0;
    for (const q of await this.list(station)) {
      if (q.deliveryCount > 0 || !isExpired(q.command, now)) continue;
      if (await jsm.streams.deleteMessage(names.commands, q.seq, false).catch(() => false)) {
        removed++;
        this.ctx.counters.expired++;
        await this.ctx.reportExpired(station, q.seq, q.command);
      }
    }
    return removed;
  }

  private fail(operation: string, err: unknown): Error {
    this.ctx.counters.errors++;
    return toBusError(operation, err);
  }
}
