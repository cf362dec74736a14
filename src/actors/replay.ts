import { type Actor, createActor, fromPromise } from 'xstate';
import type { Bus, CommandInput, EnqueueAck } from '../bus/types.js';
import type { Dispatcher } from '../hooks/dispatcher.js';
import {
  type DeliveryResult,
  type ReplayMachine,
  replayDelaysWith,
  replayMachine,
  replayStateOf,
} from '../machines/replay.js';
import { RpcError } from '../protocol/errors.js';
import type { Payload } from '../protocol/frames.js';
import type { Jitter } from '../util/jitter.js';
import type { Logger } from '../util/logger.js';
import { CallTimeoutError, StationNotConnectedError } from './errors.js';
import type { StationSession } from './station-session.js';

/**
 * The durable offline queue of commands for stations, bound to the replay machine: commands wait
 * on the bus (in memory by default, JetStream in a cluster) and flush one CALL at a time once the
 * station is connected and Accepted. A command is acked only after the station answered it; a
 * CALLERROR is an answer too (acked, reported), so one command the station refuses cannot block
 * the queue. A timeout or disconnect leaves it queued for the next flush.
 *
 * The replay actor exists only while there is something to flush: stations that never have queued
 * commands pay nothing for this.
 */
export class OfflineQueues {
  private readonly actors = new Map<string, Actor<ReplayMachine>>();
  private readonly machine: ReplayMachine;
  /** Pause between two commands flushed to a station (flushes started from now on). */
  flushDelayMs = 0;
  /** Deliveries without an answer a command gets before it is dropped; 0: no limit. */
  maxAttempts = 0;
  /**
   * Unanswered deliveries of the command at the head of each station's queue (`identity` -> its seq
   * and count). Only timeouts count: a station gone mid-delivery did not refuse to answer.
   */
  private readonly unanswered = new Map<string, { seq: number; count: number }>();

  constructor(
    private readonly bus: Bus,
    private readonly stationOf: (identity: string) => StationSession | undefined,
    private readonly dispatcher: Dispatcher,
    private readonly logger: Logger,
    readonly jitter: Jitter,
  ) {
    this.machine = replayMachine.provide({
      delays: replayDelaysWith(jitter),
      actors: {
        deliverNext: fromPromise(({ input, signal }) => this.deliverNext(input.identity, signal)),
      },
      actions: {
        notifyReplayProgress: ({ context }, p) => {
          const identity = context.identity;
          void this.bus.size(identity).then(
            (remaining) =>
              this.dispatcher.emit('replayProgress', {
                identity,
                state: p.outcome,
                delivered: p.delivered,
                failed: p.failed,
                remaining,
              }),
            () => {},
          );
          if (p.outcome === 'drained') queueMicrotask(() => this.retire(identity));
        },
      },
    });
  }

  /** Queue a command; it flushes now if the station is ready, else when it next is. */
  async enqueue(identity: string, command: CommandInput): Promise<EnqueueAck> {
    const ack = await this.bus.enqueue(identity, command);
    const actor = this.actors.get(identity);
    if (actor) actor.send({ type: 'ENQUEUED' });
    else if (this.stationOf(identity)?.ready) this.start(identity);
    return ack;
  }

  /** Might a ready station have commands to flush? False only when that is known without I/O. */
  mayHaveWork(identity: string): boolean {
    return this.actors.has(identity) || !this.bus.knownEmpty?.(identity);
  }

  /** The station is connected and Accepted: flush whatever waits for it. */
  stationReady(identity: string): void {
    const actor = this.actors.get(identity);
    if (actor) {
      actor.send({ type: 'STATION_READY' });
      return;
    }
    if (this.bus.knownEmpty?.(identity)) return;
    this.bus.size(identity).then(
      (n) => {
        if (n > 0 && this.stationOf(identity)?.ready && !this.actors.has(identity)) this.start(identity);
      },
      (error) => this.logger.warn({ identity, err: error }, 'offline queue size unavailable'),
    );
  }

  stationGone(identity: string): void {
    this.actors.get(identity)?.send({ type: 'STATION_GONE' });
  }

  stateOf(identity: string): string {
    const actor = this.actors.get(identity);
    return actor ? replayStateOf(actor.getSnapshot()) : 'idle';
  }

  stop(): void {
    for (const a of this.actors.values()) a.stop();
    this.actors.clear();
    this.unanswered.clear();
  }

  private start(identity: string): void {
    const actor = createActor(this.machine, {
      id: identity,
      input: { identity, flushDelayMs: this.flushDelayMs },
    });
    this.actors.set(identity, actor);
    actor.start();
    actor.send({ type: 'STATION_READY' });
  }

  private retire(identity: string): void {
    const actor = this.actors.get(identity);
    if (actor && replayStateOf(actor.getSnapshot()) === 'drained') {
      this.actors.delete(identity);
      this.unanswered.delete(identity);
      actor.stop();
    }
  }

  /** One more unanswered delivery of `seq`, the head of `identity`'s queue; how many so far. */
  private unansweredOnce(identity: string, seq: number): number {
    const u = this.unanswered.get(identity);
    const count = u?.seq === seq ? u.count + 1 : 1;
    this.unanswered.set(identity, { seq, count });
    return count;
  }

  private async deliverNext(identity: string, signal: AbortSignal): Promise<DeliveryResult> {
    const station = this.stationOf(identity);
    if (!station?.connected) throw new StationNotConnectedError(identity);
    if ((await this.bus.size(identity)) === 0) return { empty: true };
    const consumer = this.bus.consume(identity, { signal });
    try {
      const next = await consumer.next();
      if (next.done) return { empty: true };
      const delivery = next.value;
      const { action, payload, messageId } = delivery.command;
      let response: Payload | undefined;
      try {
        response = await station.call(action, payload as Payload, messageId ? { messageId } : {});
      } catch (error) {
        if (!(error instanceof RpcError)) {
          const attempts =
            error instanceof CallTimeoutError ? this.unansweredOnce(identity, delivery.seq) : 0;
          if (this.maxAttempts > 0 && attempts >= this.maxAttempts) {
            this.unanswered.delete(identity);
            await delivery.term(`no answer after ${attempts} attempt(s)`);
            this.dispatcher.emit('commandDropped', { identity, seq: delivery.seq, action, attempts, error });
            return { dropped: true };
          }
          await delivery.nack();
          throw error;
        }
        this.unanswered.delete(identity);
        // The station answered with a CALLERROR (or the command can never pass validation): done with it.
        if (error.wireCode === undefined) await delivery.term(error.message);
        else await delivery.ack();
        this.dispatcher.emit('commandDelivered', {
          identity,
          seq: delivery.seq,
          action,
          response: undefined,
          error,
        });
        return { delivered: true };
      }
      this.unanswered.delete(identity);
      await delivery.ack();
      this.dispatcher.emit('commandDelivered', {
        identity,
        seq: delivery.seq,
        action,
        response,
        error: undefined,
      });
      return { delivered: true };
    } finally {
      await consumer.return();
    }
  }
}
