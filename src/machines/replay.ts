import { assign, fromPromise, type SnapshotFrom, setup } from 'xstate';
import type { Jitter } from '../util/jitter.js';

/**
 * Flushes the commands the CSMS queued for a station while it was offline, one CALL at a time (OCPP allows
 * one outstanding CALL per direction). The queue itself lives in the runtime (bus / JetStream); this
 * machine only decides when to take the next command. A command is acked only after the station answered,
 * so whatever was in flight when the station went away is delivered again on the next flush.
 */

/**
 * `dropped`: the command failed its last allowed attempt (the runtime's `maxAttempts`) and was taken
 * out of the queue, reported; the next one is due.
 */
export type DeliveryResult = { delivered: true } | { empty: true } | { dropped: true };

export interface DeliveryInput {
  identity: string;
  /** Consecutive failed deliveries before this one. */
  attempt: number;
}

export interface ReplayInput {
  identity: string;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A pause after each delivered command before the next is taken (0, the default: none). */
  flushDelayMs?: number;
}

export interface ReplayContext {
  identity: string;
  delivered: number;
  failed: number;
  attempt: number;
  /** ENQUEUED arrived while a delivery was in flight; its `{ empty: true }` may predate the command. */
  enqueuedMeanwhile: boolean;
  retryBaseMs: number;
  retryMaxMs: number;
  flushDelayMs: number;
}

export type ReplayEvent =
  /** Connected and registration Accepted. */
  | { type: 'STATION_READY' }
  /** No longer ready: disconnected, or registration lost. */
  | { type: 'STATION_GONE' }
  | { type: 'ENQUEUED' }
  /** The queue emptied by other means (commands expired or were withdrawn): stop waiting to retry. */
  | { type: 'QUEUE_EMPTY' };

export interface ReplayProgress {
  outcome: 'delivered' | 'failed' | 'dropped' | 'drained';
  delivered: number;
  failed: number;
}

export const DEFAULT_RETRY_BASE_MS = 1_000;
export const DEFAULT_RETRY_MAX_MS = 60_000;

/** Back-off before retry number `attempt` (1-based), before jitter: doubling, capped. */
export function replayBackoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

const progress = (outcome: ReplayProgress['outcome']) =>
  ({
    type: 'notifyReplayProgress',
    params: ({ context }: { context: ReplayContext }) => ({
      outcome,
      delivered: context.delivered,
      failed: context.failed,
    }),
  }) as const;

export const replayMachine = setup({
  types: {
    context: {} as ReplayContext,
    events: {} as ReplayEvent,
    input: {} as ReplayInput,
  },
  actors: {
    /**
     * Take the next command, send it as a CALL, await the station's answer, ack it. A CALLERROR is an
     * answer: ack (or dead-letter) the command and resolve, or one poison command blocks the queue.
     * Reject only on timeout or transport failure. The actor is stopped, and its `signal` aborted, when
     * the station goes away mid-delivery.
     */
    deliverNext: fromPromise<DeliveryResult, DeliveryInput>(async () => {
      throw new Error('replayMachine: provide the deliverNext actor');
    }),
  },
  actions: {
    // Runs after the counters are updated, so context and params agree.
    notifyReplayProgress: (_, _progress: ReplayProgress) => {},
    recordDelivered: assign({ delivered: ({ context }) => context.delivered + 1, attempt: 0 }),
    recordDropped: assign({ failed: ({ context }) => context.failed + 1, attempt: 0 }),
    recordFailure: assign({
      failed: ({ context }) => context.failed + 1,
      attempt: ({ context }) => context.attempt + 1,
    }),
    clearAttempts: assign({ attempt: 0 }),
    startFlush: assign({ enqueuedMeanwhile: false }),
    noteEnqueued: assign({ enqueuedMeanwhile: true }),
  },
  guards: {
    enqueuedMeanwhile: ({ context }) => context.enqueuedMeanwhile,
    paced: ({ context }) => context.flushDelayMs > 0,
  },
  delays: {
    retryBackoff: ({ context }) => replayBackoffMs(context.attempt, context.retryBaseMs, context.retryMaxMs),
    flushDelay: ({ context }) => context.flushDelayMs,
  },
}).createMachine({
  id: 'replay',
  initial: 'idle',
  context: ({ input }) => ({
    identity: input.identity,
    delivered: 0,
    failed: 0,
    attempt: 0,
    enqueuedMeanwhile: false,
    retryBaseMs: input.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
    retryMaxMs: input.retryMaxMs ?? DEFAULT_RETRY_MAX_MS,
    flushDelayMs: input.flushDelayMs ?? 0,
  }),
  states: {
    // Not ready yet; the queue may already hold commands, which the first flush finds.
    idle: {
      on: { STATION_READY: 'flushing' },
    },
    flushing: {
      entry: 'startFlush',
      invoke: {
        id: 'deliverNext',
        src: 'deliverNext',
        input: ({ context }) => ({ identity: context.identity, attempt: context.attempt }),
        onDone: [
          {
            guard: ({ event }) => 'delivered' in event.output,
            target: 'settled',
            actions: ['recordDelivered', progress('delivered')],
          },
          {
            guard: ({ event }) => 'dropped' in event.output,
            target: 'settled',
            actions: ['recordDropped', progress('dropped')],
          },
          { guard: 'enqueuedMeanwhile', target: 'flushing', reenter: true, actions: 'clearAttempts' },
          { target: 'drained', actions: ['clearAttempts', progress('drained')] },
        ],
        onError: { target: 'paused.backingOff', actions: ['recordFailure', progress('failed')] },
      },
      on: {
        ENQUEUED: { actions: 'noteEnqueued' },
        STATION_GONE: 'paused.offline',
      },
    },
    // A command is done with (delivered or dropped): the next one now, or after the pause.
    settled: {
      always: [{ guard: 'paced', target: 'pacing' }, { target: 'flushing' }],
    },
    // A station just back gets its backlog at a pace (replayBufferPlugin's flushDelayMs), not in a burst.
    pacing: {
      after: { flushDelay: 'flushing' },
      on: { STATION_GONE: 'paused.offline' },
    },
    drained: {
      on: {
        ENQUEUED: 'flushing',
        STATION_GONE: 'idle',
      },
    },
    paused: {
      initial: 'offline',
      states: {
        offline: {
          on: { STATION_READY: '#replay.flushing' },
        },
        backingOff: {
          after: { retryBackoff: '#replay.flushing' },
          on: {
            STATION_GONE: 'offline',
            QUEUE_EMPTY: { target: '#replay.drained', actions: ['clearAttempts', progress('drained')] },
          },
        },
      },
    },
  },
});

export type ReplayMachine = typeof replayMachine;
export type ReplaySnapshot = SnapshotFrom<ReplayMachine>;
export type ReplayState = 'idle' | 'flushing' | 'pacing' | 'drained' | 'paused.offline' | 'paused.backingOff';

export function replayStateOf(snapshot: ReplaySnapshot): ReplayState {
  const { value } = snapshot;
  if (typeof value !== 'string') return `paused.${value.paused}`;
  // `settled` only passes a command on (its eventless transitions are taken in the same step): no
  // snapshot rests there.
  return value as Exclude<typeof value, 'settled'>;
}

/** The replay back-off spread by `jitter`, for `provide({ delays })` (injected: the context stays data). */
export const replayDelaysWith = (jitter: Jitter) => ({
  retryBackoff: ({ context }: { context: ReplayContext }) =>
    jitter(replayBackoffMs(context.attempt, context.retryBaseMs, context.retryMaxMs)),
});
