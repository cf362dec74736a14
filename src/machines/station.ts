import { and, assign, emit, type SnapshotFrom, setup, stateIn } from 'xstate';
import type { Jitter } from '../util/jitter.js';

/**
 * One actor per connected station. Two orthogonal regions, because the socket and the registration have
 * different lifetimes: a socket comes and goes, while the CSMS's answer to BootNotification outlives it
 * (OCPP 2.x §5.4: a station SHOULD NOT boot again on reconnect, so a reconnect must not demand one).
 */

export type BootStatus = 'Accepted' | 'Pending' | 'Rejected';
export type ConnectionState = 'open' | 'closing' | 'closed' | 'forgotten';
export type RegistrationState = 'unregistered' | 'pending' | 'accepted' | 'rejected';

export const DEFAULT_FORGET_AFTER_MS = 10 * 60_000;

export interface RestoredRegistration {
  status: BootStatus;
  /** Seconds, as in the BootNotification response. */
  interval: number;
  bootedAt: number;
}

export interface StationInput {
  identity: string;
  /** Negotiated subprotocol, e.g. 'ocpp2.0.1'. */
  protocol: string;
  /** Answer every CALL but BootNotification with SecurityError until Accepted (1.6 errata §3.8, B03.FR.07). */
  requireBoot?: boolean;
  forgetAfterMs?: number;
  /** When the socket was accepted (ms since epoch); now when not given. */
  connectedAt?: number;
}

/**
 * Where the machine's time and delay spread come from: injected with `stationMachineWith`, never kept
 * in context, so a snapshot is plain data that can be persisted.
 */
export interface StationEnv {
  now: () => number;
  /** Spreads the forget delay, so stations dropped together are not forgotten together. */
  jitter: Jitter;
}

export interface StationContext {
  identity: string;
  protocol: string;
  requireBoot: boolean;
  forgetAfterMs: number;
  connectedAt: number;
  disconnectedAt: number | undefined;
  /** When the last BootNotification was answered (any status). */
  bootedAt: number | undefined;
  /** Sockets this actor has seen, the first included. */
  connections: number;
  bootStatus: BootStatus | undefined;
  /** Seconds; set only by an Accepted answer, where `interval` means the heartbeat interval. */
  heartbeatInterval: number | undefined;
  /** Seconds; set by Pending/Rejected, where `interval` is the minimum wait before the next boot. */
  bootRetryInterval: number | undefined;
}

export type StationEvent =
  /** A socket for this identity was accepted; replaces any previous one. */
  | { type: 'CONNECTED'; protocol?: string }
  | { type: 'DISCONNECTED' }
  /** The CSMS started closing the socket; DISCONNECTED follows when it is gone. */
  | { type: 'CLOSE_REQUESTED' }
  /** The CSMS answered a BootNotification. Ignored unless the socket is open: the answer never arrived. */
  | { type: 'BOOT_RESULT'; status: BootStatus; interval: number }
  /**
   * A registration kept in storage, for a station this actor has not seen boot. Without it, a station
   * whose actor was forgotten (or whose CSMS node restarted) reconnects into `unregistered` and, with
   * requireBoot, is locked out until it boots again, which a 2.x station will not do on its own.
   * An event rather than input: a transient state choosing the initial registration would cost every
   * actor creation an eventless pass (measured ~35 µs of ~90), and restoring is the rare case.
   */
  | { type: 'RESTORED'; registration: RestoredRegistration };

export interface RegistrationChange {
  previous: BootStatus | undefined;
  status: BootStatus;
  interval: number;
}

/** What the machine tells its owner, through XState's `emit` (subscribe with `actor.on`). */
export type StationEmitted =
  /** A BootNotification answer was recorded (emitted after the transition: the snapshot has it). */
  | ({ type: 'registered' } & RegistrationChange)
  /** The forget timer ran out: the owner drops and stops the actor (its snapshot is `done` too). */
  | { type: 'forgotten' };

/** What an answer to BootNotification leaves in a registration, on either side. */
export interface BootRecord {
  bootStatus: BootStatus;
  bootedAt: number;
  heartbeatInterval: number | undefined;
  bootRetryInterval: number | undefined;
}

/**
 * `interval` means the heartbeat interval when Accepted and the minimum wait before the next boot
 * otherwise (1.6 §4.2, 2.x B01/B02), so a Pending or Rejected answer keeps the last heartbeat interval.
 */
export function bootRecord(
  status: BootStatus,
  interval: number,
  at: number,
  heartbeatBefore: number | undefined,
): BootRecord {
  const accepted = status === 'Accepted';
  return {
    bootStatus: status,
    bootedAt: at,
    heartbeatInterval: accepted ? interval : heartbeatBefore,
    bootRetryInterval: accepted ? undefined : interval,
  };
}

const sameDelay = (ms: number) => ms;

/** A new station actor's context; also what the runtime's actor template fills in per station. */
export function stationContext(input: StationInput): StationContext {
  return {
    identity: input.identity,
    protocol: input.protocol,
    requireBoot: input.requireBoot ?? true,
    forgetAfterMs: input.forgetAfterMs ?? DEFAULT_FORGET_AFTER_MS,
    connectedAt: input.connectedAt ?? Date.now(),
    disconnectedAt: undefined,
    bootedAt: undefined,
    connections: 1,
    bootStatus: undefined,
    heartbeatInterval: undefined,
    bootRetryInterval: undefined,
  };
}

/** The registration state a BootNotification answer leads to, on either side. */
export const REGISTRATION_STATE = { Accepted: 'accepted', Pending: 'pending', Rejected: 'rejected' } as const;

const base = setup({
  types: {
    context: {} as StationContext,
    events: {} as StationEvent,
    input: {} as StationInput,
    emitted: {} as StationEmitted,
  },
  actions: {
    // Placeholders for the clock-reading actions `implementations` provides.
    recordConnection: () => {},
    recordDisconnection: () => {},
    recordBoot: () => {},
    recordRestore: assign(({ event }) => {
      if (event.type !== 'RESTORED') return {};
      const { status, interval, bootedAt } = event.registration;
      return bootRecord(status, interval, bootedAt, undefined);
    }),
  },
  guards: {
    connectionOpen: stateIn('#station.connection.open'),
    bootStatusIs: ({ event }, params: { status: BootStatus }) =>
      event.type === 'BOOT_RESULT' && event.status === params.status,
    restoringAs: ({ event }, params: { status: BootStatus }) =>
      event.type === 'RESTORED' && event.registration.status === params.status,
  },
  delays: {
    forgetAfter: ({ context }) => context.forgetAfterMs,
  },
}).createMachine({
  id: 'station',
  type: 'parallel',
  context: ({ input }) => stationContext(input),
  states: {
    connection: {
      // The actor is created for a socket that has just been accepted.
      initial: 'open',
      states: {
        open: {
          on: {
            // A second socket for the same identity: the runtime drops the old one, the actor lives on.
            CONNECTED: { actions: 'recordConnection' },
            CLOSE_REQUESTED: { target: 'closing' },
            DISCONNECTED: { target: 'closed', actions: 'recordDisconnection' },
          },
        },
        closing: {
          on: {
            CONNECTED: { target: 'open', actions: 'recordConnection' },
            DISCONNECTED: { target: 'closed', actions: 'recordDisconnection' },
          },
        },
        closed: {
          // Leaving `closed` cancels the timer, so a reconnect within forgetAfter keeps the actor.
          after: {
            forgetAfter: { target: ['#station.connection.forgotten', '#station.registration.forgotten'] },
          },
          on: {
            CONNECTED: { target: 'open', actions: 'recordConnection' },
          },
        },
        // Both regions end here so the whole actor is done and no stray event can revive it.
        forgotten: { type: 'final', entry: emit({ type: 'forgotten' as const }) },
      },
    },
    registration: {
      initial: 'unregistered',
      on: {
        BOOT_RESULT: (['Accepted', 'Pending', 'Rejected'] as const).map((status) => ({
          guard: and(['connectionOpen', { type: 'bootStatusIs', params: { status } }]),
          target: `.${REGISTRATION_STATE[status]}` as const,
          actions: [
            // Resolved before `recordBoot` (so `previous` is the old status), delivered after the transition.
            emit(({ context, event }) => ({
              type: 'registered' as const,
              previous: context.bootStatus,
              status,
              interval: event.type === 'BOOT_RESULT' ? event.interval : 0,
            })),
            'recordBoot' as const,
          ],
        })),
      },
      states: {
        unregistered: {
          // Not reported as `registered`: the station did not boot, its stored answer came back.
          on: {
            RESTORED: (['Accepted', 'Pending', 'Rejected'] as const).map((status) => ({
              guard: { type: 'restoringAs' as const, params: { status } },
              target: REGISTRATION_STATE[status],
              actions: 'recordRestore' as const,
            })),
          },
        },
        pending: {},
        accepted: {},
        rejected: {},
        forgotten: { type: 'final' },
      },
    },
  },
});

/** The actions that read the clock and the delay that spreads, from `env`. */
function implementations(env: StationEnv) {
  return {
    actions: {
      recordConnection: assign(({ context, event }: { context: StationContext; event: StationEvent }) => ({
        connections: context.connections + 1,
        connectedAt: env.now(),
        protocol: (event.type === 'CONNECTED' && event.protocol) || context.protocol,
      })),
      recordDisconnection: assign(() => ({ disconnectedAt: env.now() })),
      recordBoot: assign(({ context, event }: { context: StationContext; event: StationEvent }) =>
        event.type === 'BOOT_RESULT'
          ? bootRecord(event.status, event.interval, env.now(), context.heartbeatInterval)
          : {},
      ),
    },
    delays: {
      forgetAfter: ({ context }: { context: StationContext }) => env.jitter(context.forgetAfterMs),
    },
  } as Parameters<typeof base.provide>[0];
}

/** The station machine on the wall clock, forget delay not spread. */
export const stationMachine = base.provide(implementations({ now: Date.now, jitter: sameDelay }));

/** The station machine with another clock or a spread forget delay (the CSMS's jitter, a test's clock). */
export function stationMachineWith(env: Partial<StationEnv>): StationMachine {
  return base.provide(implementations({ now: env.now ?? Date.now, jitter: env.jitter ?? sameDelay }));
}

export type StationMachine = typeof base;
/** A station machine snapshot (the public per-station view is `StationSnapshot` in src/rpc/). */
export type StationMachineSnapshot = SnapshotFrom<StationMachine>;

export const connectionOf = (snapshot: StationMachineSnapshot): ConnectionState => snapshot.value.connection;

/**
 * The region's final `forgotten` node exists only so the actor completes, so a forgotten station
 * reports the registration it last had.
 */
export function registrationOf(snapshot: StationMachineSnapshot): RegistrationState {
  const state = snapshot.value.registration;
  if (state !== 'forgotten') return state;
  const status = snapshot.context.bootStatus;
  return status ? REGISTRATION_STATE[status] : 'unregistered';
}

export const isForgotten = (snapshot: StationMachineSnapshot): boolean => snapshot.status === 'done';

/**
 * What the CSMS may send while the station is Pending (2.0.1 B02: read and change configuration, trigger
 * messages; 1.6 §4.2 likewise). Names of all versions in one set: an action of another version never
 * passes schema validation anyway.
 */
export const CSMS_CALLS_WHILE_PENDING: ReadonlySet<string> = new Set([
  'GetVariables',
  'SetVariables',
  'GetBaseReport',
  'GetReport',
  'TriggerMessage',
  'GetConfiguration',
  'ChangeConfiguration',
  'ExtendedTriggerMessage',
]);

const TRIGGERS: ReadonlySet<string> = new Set(['TriggerMessage', 'ExtendedTriggerMessage']);

/**
 * May the CSMS process this CALL from the station? When false, answer CALLERROR SecurityError.
 * `solicited`: the call answers a TriggerMessage, GetBaseReport or GetReport the CSMS sent; only the
 * runtime knows that, and B02.FR.09 lets a Pending station send exactly those.
 */
export function mayHandleCall(snapshot: StationMachineSnapshot, action: string, solicited = false): boolean {
  if (snapshot.status !== 'active') return false;
  if (action === 'BootNotification') return true;
  switch (registrationOf(snapshot)) {
    case 'accepted':
      return true;
    case 'unregistered':
      return !snapshot.context.requireBoot;
    case 'pending':
      return solicited;
    default:
      // B03.FR.07
      return false;
  }
}

/**
 * May the CSMS send this CALL to the station, as far as registration goes? Connectivity is separate
 * (`connectionOf`). Pending: configuration and triggers only (B02). Rejected: nothing (B03). Unregistered
 * with requireBoot: only a trigger, which the runtime should use solely to ask for a BootNotification,
 * the way out for a station that reconnected to a CSMS that no longer knows it.
 */
export function mayCsmsSend(snapshot: StationMachineSnapshot, action: string): boolean {
  if (snapshot.status !== 'active') return false;
  switch (registrationOf(snapshot)) {
    case 'accepted':
      return true;
    case 'unregistered':
      return !snapshot.context.requireBoot || TRIGGERS.has(action);
    case 'pending':
      return CSMS_CALLS_WHILE_PENDING.has(action);
    default:
      return false;
  }
}
