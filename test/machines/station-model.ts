import type { ActorLogic, EventObject } from 'xstate';
import { TestModel } from 'xstate/graph';
import {
  type BootStatus,
  type ConnectionState,
  type RegistrationState,
  type StationEvent,
  type StationInput,
  type StationMachine,
  type StationMachineSnapshot,
  stationMachine,
} from '../../src/machines/station.js';
import { aliasEvents } from './model-kit.js';

/**
 * The station's test model, shared by the machine's model-based tests and by end-to-end tests that drive
 * a real server over real sockets. Each path is a list of these events; an executor makes each one happen:
 *   CONNECTED        open a socket for the identity (a second one while open replaces the first)
 *   DISCONNECTED     the station drops its socket
 *   CLOSE_REQUESTED  the CSMS starts closing the socket (DISCONNECTED completes it)
 *   BOOT_RESULT      the station sends BootNotification and the CSMS answers `status` with `interval`
 *   FORGET_TIMER     `forgetAfterMs` passes; advance the clock only while the reference says `closed`
 * `StationReference` says what must hold after each step.
 */

export type StationModelEvent = StationEvent | { type: 'FORGET_TIMER' };

/** Seconds; distinct per status so a test can tell which answer the context kept. */
export const BOOT_INTERVALS: Readonly<Record<BootStatus, number>> = {
  Accepted: 300,
  Pending: 30,
  Rejected: 60,
};

export const STATION_MODEL_EVENTS: readonly StationModelEvent[] = [
  { type: 'CONNECTED' },
  { type: 'DISCONNECTED' },
  { type: 'CLOSE_REQUESTED' },
  { type: 'BOOT_RESULT', status: 'Accepted', interval: BOOT_INTERVALS.Accepted },
  { type: 'BOOT_RESULT', status: 'Pending', interval: BOOT_INTERVALS.Pending },
  { type: 'BOOT_RESULT', status: 'Rejected', interval: BOOT_INTERVALS.Rejected },
  { type: 'FORGET_TIMER' },
];

export const STATION_MODEL_INPUT: StationInput = {
  identity: 'CS-MODEL-1',
  protocol: 'ocpp2.0.1',
  requireBoot: true,
  forgetAfterMs: 600_000,
};

/** XState's name for the expiry of the `forgetAfter` delay in `connection.closed`. */
const FORGET_TIMER_FIRED: EventObject = { type: 'xstate.after.forgetAfter.station.connection.closed' };

export type StationModelLogic = ActorLogic<StationMachineSnapshot, StationModelEvent, StationInput>;
export type StationTestModel = TestModel<StationMachineSnapshot, StationModelEvent, StationInput>;

export function stationModelLogic(machine: StationMachine = stationMachine): StationModelLogic {
  return aliasEvents<StationMachine, { type: 'FORGET_TIMER' }>(machine, { FORGET_TIMER: FORGET_TIMER_FIRED });
}

/** Model states are the two regions; counters and timestamps would make the state space infinite. */
export function serializeStation(snapshot: StationMachineSnapshot): string {
  const { connection, registration } = snapshot.value;
  return `${connection}/${registration}`;
}

export function createStationTestModel(
  options: { machine?: StationMachine; input?: Partial<StationInput> } = {},
): StationTestModel {
  return new TestModel(stationModelLogic(options.machine), {
    events: STATION_MODEL_EVENTS,
    input: { ...STATION_MODEL_INPUT, ...options.input },
    serializeState: (snapshot) => serializeStation(snapshot),
  });
}

export type Notification =
  | { kind: 'connection'; from: ConnectionState; to: ConnectionState }
  | { kind: 'registered'; previous: BootStatus | undefined; status: BootStatus; interval: number }
  | { kind: 'forget' };

const REGISTRATION: Record<BootStatus, RegistrationState> = {
  Accepted: 'accepted',
  Pending: 'pending',
  Rejected: 'rejected',
};

const PENDING_CSMS_CALLS = ['GetVariables', 'SetVariables', 'GetBaseReport', 'GetReport', 'TriggerMessage'];

/** Plain-TS statement of what the station machine must do, written from the spec rather than the machine. */
export class StationReference {
  connection: ConnectionState = 'open';
  registration: RegistrationState = 'unregistered';
  connections = 1;
  bootStatus: BootStatus | undefined;
  heartbeatInterval: number | undefined;
  readonly notifications: Notification[] = [];

  constructor(readonly requireBoot = true) {}

  get forgotten(): boolean {
    return this.connection === 'forgotten';
  }

  /** The forget timer runs exactly while the socket is closed. */
  get forgetTimerArmed(): boolean {
    return this.connection === 'closed';
  }

  apply(event: StationModelEvent): void {
    if (this.forgotten) return;
    const from = this.connection;
    switch (event.type) {
      case 'CONNECTED':
        this.connections++;
        if (from !== 'open') this.moveConnection('open');
        return;
      case 'DISCONNECTED':
        if (from === 'open' || from === 'closing') this.moveConnection('closed');
        return;
      case 'CLOSE_REQUESTED':
        if (from === 'open') this.moveConnection('closing');
        return;
      case 'BOOT_RESULT':
        // Only an answer on an open socket reaches the station.
        if (from !== 'open') return;
        this.notifications.push({
          kind: 'registered',
          previous: this.bootStatus,
          status: event.status,
          interval: event.interval,
        });
        this.registration = REGISTRATION[event.status];
        this.bootStatus = event.status;
        if (event.status === 'Accepted') this.heartbeatInterval = event.interval;
        return;
      case 'FORGET_TIMER':
        if (from === 'closed') {
          this.connection = 'forgotten';
          this.notifications.push({ kind: 'forget' });
        }
        return;
    }
  }

  mayHandleCall(action: string, solicited = false): boolean {
    if (this.forgotten) return false;
    if (action === 'BootNotification') return true;
    if (this.registration === 'accepted') return true;
    if (this.registration === 'unregistered') return !this.requireBoot;
    return this.registration === 'pending' && solicited;
  }

  mayCsmsSend(action: string): boolean {
    if (this.forgotten) return false;
    switch (this.registration) {
      case 'accepted':
        return true;
      case 'unregistered':
        return !this.requireBoot || action === 'TriggerMessage';
      case 'pending':
        return PENDING_CSMS_CALLS.includes(action);
      case 'rejected':
        return false;
    }
  }

  private moveConnection(to: ConnectionState): void {
    this.notifications.push({ kind: 'connection', from: this.connection, to });
    this.connection = to;
  }
}
