import { assign, emit, type SnapshotFrom, setup } from 'xstate';
import {
  type BootStatus,
  bootRecord,
  REGISTRATION_STATE,
  type RegistrationChange,
  type RegistrationState,
} from './station.js';

/**
 * The charging-station side of one OCPP-J link: connecting, open, backing off between attempts, closed
 * for good. The CSMS-side `stationMachine` starts from an accepted socket and forgets idle stations,
 * neither of which a client does, so this is a machine of its own.
 *
 * Pure: the runtime provides `openSocket` (I/O) and the notify* actions, and the retry delay is drawn
 * from the injected `random`, so tests drive it with a SimulatedClock. Two orthogonal regions, as on the
 * CSMS side: the BootNotification answer outlives sockets (2.x §5.4: no new boot on reconnect).
 */

export type ClientConnectionState = 'idle' | 'connecting' | 'open' | 'backingOff' | 'closed';

/** 2.0.1/2.1 OCPPCommCtrlr.RetryBackOff*, in milliseconds. */
export interface RetryBackOff {
  /** RetryBackOffWaitMinimum: the delay before the first retry, before the random part. */
  waitMinimumMs: number;
  /** RetryBackOffRandomRange: a random 0..range is added to every delay. */
  randomRangeMs: number;
  /** RetryBackOffRepeatTimes: how often the delay doubles; it then stays at the last value. */
  repeatTimes: number;
  /** Our own cap on the doubled part (the random part still spreads stations out at the cap). */
  maxDelayMs: number;
}

/** Defaults of EVerest libocpp's device model (3 s, 10 s, 3 times); the spec fixes none. */
export const DEFAULT_RETRY_BACK_OFF: RetryBackOff = {
  waitMinimumMs: 3_000,
  randomRangeMs: 10_000,
  repeatTimes: 3,
  maxDelayMs: 5 * 60_000,
};

/**
 * The wait before retry number `attempt` (1-based): WaitMinimum doubled (attempt - 1) times but at most
 * RepeatTimes times, plus random ≤ RandomRange (2.0.1/2.1 Part 4 §5.3). `random` returns [0, 1).
 */
export function retryBackOffMs(attempt: number, b: RetryBackOff, random: () => number = Math.random): number {
  const doublings = Math.min(Math.max(0, attempt - 1), b.repeatTimes);
  const base = Math.min(b.maxDelayMs, b.waitMinimumMs * 2 ** doublings);
  return Math.round(base + random() * b.randomRangeMs);
}

export interface ClientConnectionInput extends Partial<RetryBackOff> {
  identity: string;
}

/**
 * Where the machine's time and randomness come from: injected with `clientConnectionMachineWith`, never
 * kept in context, so a snapshot is plain data.
 */
export interface ClientConnectionEnv {
  now: () => number;
  /** [0, 1), for the random part of the back-off. */
  random: () => number;
}

export interface ClientConnectionContext {
  identity: string;
  backOff: RetryBackOff;
  /** Failed attempts since the link was last open; the back-off grows with it. */
  attempt: number;
  /** The wait chosen when entering `backingOff`. */
  delayMs: number;
  /** Sockets that opened so far. */
  connections: number;
  protocol: string | undefined;
  openedAt: number | undefined;
  bootStatus: BootStatus | undefined;
  bootedAt: number | undefined;
  /** Seconds; set only by an Accepted answer, where `interval` is the heartbeat interval. */
  heartbeatInterval: number | undefined;
  /** Seconds; set by Pending/Rejected, where `interval` is the minimum wait before the next boot. */
  bootRetryInterval: number | undefined;
}

export type ClientConnectionEvent =
  | { type: 'CONNECT' }
  | { type: 'OPENED'; protocol: string }
  /** The attempt failed before the socket opened (refused, HTTP error, no common subprotocol, timeout). */
  | { type: 'FAILED'; error: Error }
  /** The open socket closed (peer, network, or a missing pong). */
  | { type: 'DROPPED'; code: number; reason: string }
  | { type: 'CLOSE' }
  | { type: 'BOOT_RESULT'; status: BootStatus; interval: number };

export interface BackingOff {
  cause: 'failed' | 'dropped';
  /** The failed attempt's number since the link was last open (1-based); 0 after a drop. */
  attempt: number;
  delayMs: number;
  error: Error | undefined;
}

/** The same change as on the CSMS side. */
export type ClientRegistrationChange = RegistrationChange;

/** What the machine tells its owner, through XState's `emit` (subscribe with `actor.on`). */
export type ClientConnectionEmitted =
  | ({ type: 'backingOff' } & BackingOff)
  | ({ type: 'registered' } & RegistrationChange);

const base = setup({
  types: {
    context: {} as ClientConnectionContext,
    events: {} as ClientConnectionEvent,
    input: {} as ClientConnectionInput,
    emitted: {} as ClientConnectionEmitted,
  },
  actions: {
    /** The runtime opens a socket and reports OPENED or FAILED for it. */
    openSocket: () => {},
    // Params are resolved before context is updated; listeners hear them after the transition.
    notifyBackingOff: emit((_, b: BackingOff) => ({ type: 'backingOff' as const, ...b })),
    notifyRegistered: emit((_, c: RegistrationChange) => ({ type: 'registered' as const, ...c })),
    // Placeholders for the clock- and randomness-reading actions `clientConnectionMachineWith` provides.
    recordOpen: () => {},
    planRetry: () => {},
    recordBoot: () => {},
  },
  guards: {
    bootStatusIs: ({ event }, params: { status: BootStatus }) =>
      event.type === 'BOOT_RESULT' && event.status === params.status,
  },
  delays: {
    retryDelay: ({ context }) => context.delayMs,
  },
}).createMachine({
  id: 'clientConnection',
  type: 'parallel',
  context: ({ input }) => ({
    identity: input.identity,
    backOff: {
      waitMinimumMs: input.waitMinimumMs ?? DEFAULT_RETRY_BACK_OFF.waitMinimumMs,
      randomRangeMs: input.randomRangeMs ?? DEFAULT_RETRY_BACK_OFF.randomRangeMs,
      repeatTimes: input.repeatTimes ?? DEFAULT_RETRY_BACK_OFF.repeatTimes,
      maxDelayMs: input.maxDelayMs ?? DEFAULT_RETRY_BACK_OFF.maxDelayMs,
    },
    attempt: 0,
    delayMs: 0,
    connections: 0,
    protocol: undefined,
    openedAt: undefined,
    bootStatus: undefined,
    bootedAt: undefined,
    heartbeatInterval: undefined,
    bootRetryInterval: undefined,
  }),
  states: {
    connection: {
      initial: 'idle',
      // close() wins from every state, and nothing leaves `closed`: a closed client is not reused.
      on: { CLOSE: '.closed' },
      states: {
        idle: {
          on: { CONNECT: 'connecting' },
        },
        connecting: {
          entry: 'openSocket',
          on: {
            OPENED: { target: 'open', actions: 'recordOpen' },
            FAILED: {
              target: 'backingOff',
              actions: [
                'planRetry',
                {
                  type: 'notifyBackingOff',
                  params: ({ context, event }) => ({
                    cause: 'failed' as const,
                    attempt: context.attempt,
                    delayMs: context.delayMs,
                    error: event.type === 'FAILED' ? event.error : undefined,
                  }),
                },
              ],
            },
          },
        },
        open: {
          on: {
            DROPPED: {
              target: 'backingOff',
              actions: [
                'planRetry',
                {
                  type: 'notifyBackingOff',
                  params: ({ context }) => ({
                    cause: 'dropped' as const,
                    attempt: 0,
                    delayMs: context.delayMs,
                    error: undefined,
                  }),
                },
              ],
            },
          },
        },
        backingOff: {
          // Leaving (close()) cancels the timer.
          after: { retryDelay: 'connecting' },
        },
        closed: { type: 'final' },
      },
    },
    registration: {
      initial: 'unregistered',
      on: {
        BOOT_RESULT: (['Accepted', 'Pending', 'Rejected'] as const).map((status) => ({
          guard: { type: 'bootStatusIs' as const, params: { status } },
          target: `.${REGISTRATION_STATE[status]}` as const,
          actions: [
            {
              type: 'notifyRegistered' as const,
              params: ({
                context,
                event,
              }: {
                context: ClientConnectionContext;
                event: ClientConnectionEvent;
              }) => ({
                previous: context.bootStatus,
                status,
                interval: event.type === 'BOOT_RESULT' ? event.interval : 0,
              }),
            },
            'recordBoot' as const,
          ],
        })),
      },
      states: {
        unregistered: {},
        pending: {},
        accepted: {},
        rejected: {},
      },
    },
  },
});

type Ctx = { context: ClientConnectionContext; event: ClientConnectionEvent };

/** The machine with its clock and randomness; the runtime uses the defaults, tests a SimulatedClock. */
export function clientConnectionMachineWith(env: Partial<ClientConnectionEnv>): ClientConnectionMachine {
  const now = env.now ?? Date.now;
  const random = env.random ?? Math.random;
  return base.provide({
    actions: {
      recordOpen: assign(({ context, event }: Ctx) => ({
        attempt: 0,
        connections: context.connections + 1,
        openedAt: now(),
        protocol: event.type === 'OPENED' ? event.protocol : context.protocol,
      })),
      // A failed attempt counts towards the doubling; a drop starts over at WaitMinimum (§5.3 "first
      // reconnection attempt").
      planRetry: assign(({ context, event }: Ctx) => {
        const attempt = event.type === 'FAILED' ? context.attempt + 1 : 0;
        return { attempt, delayMs: retryBackOffMs(Math.max(1, attempt), context.backOff, random) };
      }),
      recordBoot: assign(({ context, event }: Ctx) =>
        event.type === 'BOOT_RESULT'
          ? bootRecord(event.status, event.interval, now(), context.heartbeatInterval)
          : {},
      ),
    },
  });
}

export type ClientConnectionMachine = typeof base;
/** With the real clock and Math.random. */
export const clientConnectionMachine: ClientConnectionMachine = clientConnectionMachineWith({});
export type ClientConnectionSnapshot = SnapshotFrom<ClientConnectionMachine>;

export const clientConnectionOf = (s: ClientConnectionSnapshot): ClientConnectionState => s.value.connection;
export const clientRegistrationOf = (s: ClientConnectionSnapshot): RegistrationState => s.value.registration;
