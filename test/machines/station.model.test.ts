import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import type { TestParam } from 'xstate/graph';
import {
  connectionOf,
  isForgotten,
  mayCsmsSend,
  mayHandleCall,
  registrationOf,
  type StationMachineSnapshot,
  stationMachineWith,
} from '../../src/machines/station.js';
import { itAgreesAlongEveryPath } from './model-kit.js';
import {
  createStationTestModel,
  type Notification,
  STATION_MODEL_EVENTS,
  STATION_MODEL_INPUT,
  type StationModelEvent,
  StationReference,
  serializeStation,
} from './station-model.js';

const STATION_ACTIONS = ['BootNotification', 'Heartbeat', 'StatusNotification', 'TransactionEvent'];
const CSMS_ACTIONS = [
  'GetVariables',
  'SetVariables',
  'TriggerMessage',
  'GetReport',
  'Reset',
  'RequestStartTransaction',
];

/** A real actor on a simulated clock, and the reference model, fed the same events. */
function harness(requireBoot: boolean): TestParam<StationMachineSnapshot, StationModelEvent> {
  const clock = new SimulatedClock();
  const seen: Notification[] = [];
  const machine = stationMachineWith({ now: () => clock.now() });
  const input = { ...STATION_MODEL_INPUT, requireBoot, connectedAt: clock.now() };
  const actor = createActor(machine, { clock, input });
  actor.on('registered', ({ previous, status, interval }) =>
    seen.push({ kind: 'registered', previous, status, interval }),
  );
  actor.on('forgotten', () => void seen.push({ kind: 'forget' }));
  // Connection changes are read from the snapshots (the machine does not announce them).
  let connection = connectionOf(actor.getSnapshot());
  actor.subscribe((s) => {
    const to = connectionOf(s);
    // Forgetting is announced by the machine itself (`forgotten`).
    if (to !== connection && to !== 'forgotten') seen.push({ kind: 'connection', from: connection, to });
    connection = to;
  });
  actor.start();
  const reference = new StationReference(requireBoot);

  // TestParam types each executor's event as `{ type }` alone; the step carries the whole event.
  const exec = (step: { event: { type: string } }) => {
    const event = step.event as StationModelEvent;
    if (event.type === 'FORGET_TIMER') {
      if (reference.forgetTimerArmed) clock.increment(input.forgetAfterMs ?? 0);
    } else if (actor.getSnapshot().status === 'active') {
      actor.send(event);
    }
    reference.apply(event);
  };

  return {
    events: {
      CONNECTED: exec,
      DISCONNECTED: exec,
      CLOSE_REQUESTED: exec,
      BOOT_RESULT: exec,
      FORGET_TIMER: exec,
    },
    states: {
      '*': (expected) => {
        const s = actor.getSnapshot();
        expect(serializeStation(s)).toBe(serializeStation(expected));
        expect(isForgotten(s)).toBe(reference.forgotten);
        expect(connectionOf(s)).toBe(reference.connection);
        expect(registrationOf(s)).toBe(reference.registration);
        expect(s.context.connections).toBe(reference.connections);
        expect(s.context.bootStatus).toBe(reference.bootStatus);
        expect(s.context.heartbeatInterval).toBe(reference.heartbeatInterval);
        expect(seen).toEqual(reference.notifications);
        for (const action of STATION_ACTIONS) {
          expect(mayHandleCall(s, action), action).toBe(reference.mayHandleCall(action));
          expect(mayHandleCall(s, action, true), `${action} solicited`).toBe(
            reference.mayHandleCall(action, true),
          );
        }
        for (const action of CSMS_ACTIONS) {
          expect(mayCsmsSend(s, action), action).toBe(reference.mayCsmsSend(action));
        }
      },
    },
  };
}

describe('station machine agrees with its reference model', () => {
  it('reaches every combination of connection and registration, and forgotten', () => {
    const states = createStationTestModel()
      .getShortestPaths({ allowDuplicatePaths: true })
      .map((path) => serializeStation(path.state));
    expect(states).toHaveLength(13);
    expect(states).toContain('forgotten/forgotten');
    expect(states).toContain('closing/rejected');
  });

  for (const requireBoot of [true, false]) {
    describe(`requireBoot ${requireBoot}`, () => {
      const model = createStationTestModel({ input: { requireBoot } });

      itAgreesAlongEveryPath(model, STATION_MODEL_EVENTS, () => harness(requireBoot), 14);
    });
  }
});
