import { createActor, fromPromise, SimulatedClock } from 'xstate';
import {
  type DeliveryInput,
  type DeliveryResult,
  type ReplayInput,
  type ReplayProgress,
  replayDelaysWith,
  replayMachine,
  replayStateOf,
} from '../../src/machines/replay.js';

/** A deliverNext the test settles by hand. */
export interface PendingDelivery {
  input: DeliveryInput;
  signal: AbortSignal;
  resolve(result: DeliveryResult): void;
  reject(error: Error): void;
}

/**
 * A replay actor on a simulated clock. `auto` delivers from `queue` as a station would (one command per
 * CALL, acked only once answered and only if the delivery was not abandoned); `failures` makes the next
 * deliveries time out. `manual` leaves every delivery in `pending` for the test to settle.
 */
export function startReplay(options: {
  mode?: 'auto' | 'manual';
  queue?: string[];
  input?: Partial<ReplayInput>;
  jitter?: (ms: number) => number;
}) {
  const clock = new SimulatedClock();
  const queue = [...(options.queue ?? [])];
  const sent: string[] = [];
  const inputs: DeliveryInput[] = [];
  const pending: PendingDelivery[] = [];
  const progress: ReplayProgress[] = [];
  const station = { failures: 0, hang: false };

  const deliverNext = fromPromise<DeliveryResult, DeliveryInput>(({ input, signal }) => {
    inputs.push(input);
    if (options.mode === 'manual') {
      return new Promise((resolve, reject) => {
        const done = () => {
          const at = pending.indexOf(entry);
          if (at >= 0) pending.splice(at, 1);
        };
        const entry: PendingDelivery = {
          input,
          signal,
          resolve: (result) => {
            done();
            resolve(result);
          },
          reject: (error) => {
            done();
            reject(error);
          },
        };
        pending.push(entry);
        signal.addEventListener('abort', done);
      });
    }
    const command = queue[0];
    if (command === undefined) return Promise.resolve({ empty: true });
    sent.push(command);
    return new Promise((resolve, reject) => {
      const answer = () => {
        if (signal.aborted) return;
        if (station.failures > 0) {
          station.failures--;
          reject(new Error(`${command}: no answer`));
          return;
        }
        queue.shift();
        resolve({ delivered: true });
      };
      if (station.hang) pending.push({ input, signal, resolve: answer, reject });
      else queueMicrotask(answer);
    });
  });

  const machine = replayMachine.provide({
    ...(options.jitter && { delays: replayDelaysWith(options.jitter) }),
    actors: { deliverNext },
    actions: { notifyReplayProgress: (_, p) => void progress.push(p) },
  });
  const actor = createActor(machine, {
    clock,
    input: { identity: 'CS-1', retryBaseMs: 1_000, retryMaxMs: 8_000, ...options.input },
  }).start();
  return {
    actor,
    clock,
    queue,
    sent,
    inputs,
    pending,
    progress,
    station,
    state: () => replayStateOf(actor.getSnapshot()),
    context: () => actor.getSnapshot().context,
  };
}
