/**
 * The station machine's test model (test/machines/station-model.ts) driven against a real CSMS over real
 * sockets. Each path the model generates (transition coverage and simple paths, as in
 * test/machines/station.model.test.ts) gets a fresh CSMS on 127.0.0.1:0 whose station actors run on a
 * SimulatedClock, one station identity, and a `ws` client that opened the first socket (the model's
 * initial `open/unregistered`). Each event is then made to happen for real, by the connection state the
 * reference is in before it:
 *
 *   CONNECTED        open      a second socket for the identity: the CSMS evicts the first (close 4000)
 *                    closing   likewise, while the first never answered the CSMS's close frame
 *                    closed    the station reconnects
 *                    forgotten the station reconnects: a NEW actor takes it, the forgotten one stays done
 *   DISCONNECTED     open      the station closes its socket (even paths) or drops it (odd paths)
 *                    closing   the station drops the socket whose close it never answered
 *                    closed, forgotten: there is no socket; nothing happens
 *   CLOSE_REQUESTED  open      `csms.handleOf(id).close()`; the station has stopped reading, so the
 *                              closing handshake stays open and the CSMS side stays `closing`
 *                    closing   close() again
 *                    closed    close() on the handle (no socket); forgotten: on the stale handle
 *   BOOT_RESULT      open      the station sends BootNotification; the CSMS answers the step's status
 *                    closing   BootNotification sent on the closing socket: handled, the answer can't go out
 *                    closed, forgotten: the answer to a BootNotification the station sent just before
 *                              its socket went (its handler was held) comes out now, with the step's status
 *   FORGET_TIMER     every     the SimulatedClock advances forgetAfterMs (in every state, not only
 *                              `closed`: the timer must not fire where it is not armed)
 *
 * No (state, event) pair is skipped. Where the runtime differs from the model only on the way:
 *   - CONNECTED while open/closing: the runtime evicts the old socket first, so the actor goes through
 *     `closed` (DISCONNECTED, then CONNECTED) where the model stays `open` or goes `closing → open`;
 *     the state after the step, the registration and the connection count are the model's.
 *   - BOOT_RESULT in closed/forgotten exists only if a BootNotification was in flight when the socket
 *     went, so the DISCONNECTED step before it sends one and holds its handler (a look-ahead on the path).
 *
 * After each step: the server's actor is in the model's state; `csms.station(id)` has the reference's
 * connection, registration and connection count (undefined once forgotten); the CSMS's `registered`
 * events are the reference's. While the socket is open, behaviour too: a Heartbeat from the station gets
 * a CALLRESULT exactly when the reference's `mayHandleCall` allows it (else CALLERROR SecurityError), and
 * `csms.call` of TriggerMessage / ClearCache goes through exactly when its `mayCsmsSend` does (else
 * RegistrationError). While closed or forgotten, `csms.call` fails with StationNotConnectedError.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { TestModel, type TestParam } from 'xstate/graph';
import { type Csms, createCsms, sessionOf } from '../../src/actors/csms.js';
import { RegistrationError, StationNotConnectedError } from '../../src/actors/errors.js';
import type { StationInput, StationMachineSnapshot } from '../../src/machines/station.js';
import { simpleWalks, transitionWalks, type Walk } from '../machines/model-kit.js';
import {
  BOOT_INTERVALS,
  STATION_MODEL_EVENTS,
  STATION_MODEL_INPUT,
  type StationModelEvent,
  StationReference,
  serializeStation,
  stationModelLogic,
} from '../machines/station-model.js';
import {
  BootDesk,
  bootRequest,
  flush,
  ModelStationSocket,
  nextStationEvent,
} from '../support/model-driver.js';

const PROTOCOLS = ['ocpp2.0.1', 'ocpp1.6', 'ocpp2.1'] as const;
const FORGET_AFTER_MS = STATION_MODEL_INPUT.forgetAfterMs ?? 600_000;
/** All transition walks always run; simple paths beyond this are thinned evenly (the file's time budget). */
const MAX_SIMPLE_PATHS = 40;

type StationWalk = Walk<StationMachineSnapshot, StationModelEvent>;
type Step = { event: { type: string } };

function socketModel(
  requireBoot: boolean,
): TestModel<StationMachineSnapshot, StationModelEvent, StationInput> {
  const input: StationInput = { ...STATION_MODEL_INPUT, requireBoot };
  return new TestModel(stationModelLogic(), {
    events: STATION_MODEL_EVENTS,
    input,
    serializeState: (snapshot) => serializeStation(snapshot),
    // '*' after every step, then the checks for the connection state the step ended in.
    stateMatcher: (snapshot, key) => key === '*' || key === snapshot.value.connection,
  });
}

function thin<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  return Array.from({ length: max }, (_, i) => items[Math.floor((i * items.length) / max)]!);
}

/** What the run did: steps by `connectionState+EVENT`, and paths and steps driven against those planned. */
const tally = new Map<string, number>();
let stepsDriven = 0;
let pathsDriven = 0;
let stepsPlanned = 0;

/** Behaviour of an open socket: what the station may send, what the CSMS may send. */
async function behaves(csms: Csms, identity: string, socket: ModelStationSocket, ref: StationReference) {
  const heartbeat = await socket.call('Heartbeat', {});
  if (ref.mayHandleCall('Heartbeat')) {
    expect(heartbeat, 'Heartbeat answered').toEqual([3, heartbeat[1], { currentTime: expect.any(String) }]);
  } else {
    expect(heartbeat, 'Heartbeat refused').toEqual([
      4,
      heartbeat[1],
      'SecurityError',
      expect.any(String),
      {},
    ]);
  }
  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 'answered',
      (error: unknown) => error,
    );
  const trigger = await outcome(
    csms.call(identity, 'TriggerMessage', { requestedMessage: 'BootNotification' }),
  );
  if (ref.mayCsmsSend('TriggerMessage')) expect(trigger, 'TriggerMessage').toBe('answered');
  else expect(trigger, 'TriggerMessage').toBeInstanceOf(RegistrationError);
  const clear = await outcome(csms.call(identity, 'ClearCache', {}));
  if (ref.mayCsmsSend('ClearCache')) expect(clear, 'ClearCache').toBe('answered');
  else expect(clear, 'ClearCache').toBeInstanceOf(RegistrationError);
}

async function drive(walk: StationWalk, requireBoot: boolean, index: number): Promise<void> {
  const protocol = PROTOCOLS[index % PROTOCOLS.length]!;
  const identity = `CS-MODEL-${index}`;
  const clock = new SimulatedClock();
  const csms = createCsms({
    requireBoot,
    forgetAfterMs: FORGET_AFTER_MS,
    jitterRatio: 0,
    clock,
    pingIntervalMs: 0,
    // A CALL the station never answers fails the step in time, not the whole test at its timeout.
    callTimeoutMs: 3_000,
    connectionRateLimit: false,
  });
  const desk = new BootDesk(csms, BOOT_INTERVALS);
  csms.handle('Heartbeat', () => ({ currentTime: new Date().toISOString() }));
  const registered: string[] = [];
  csms.on('registered', (e) => void registered.push(e.status));
  const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });
  const url = `ws://127.0.0.1:${port}`;
  const sockets: ModelStationSocket[] = [];
  const connect = async () => {
    const s = await ModelStationSocket.open(url, identity, protocol);
    sockets.push(s);
    return s;
  };

  try {
    let socket: ModelStationSocket | undefined = await connect();
    // The actor the model describes; after it is forgotten, a reconnect gets a successor.
    const original = sessionOf(csms, identity)!;
    expect(original).toBeDefined();
    const reference = new StationReference(requireBoot);
    let successor: { socket: ModelStationSocket; reference: StationReference } | undefined;
    const steps = walk.path.steps;

    /** Is a BOOT_RESULT coming before the station connects again? Then one must be in flight. */
    const bootAnswerAhead = (step: Step) => {
      for (const later of steps.slice(steps.indexOf(step as never) + 1)) {
        if (later.event.type === 'CONNECTED') return false;
        if (later.event.type === 'BOOT_RESULT') return true;
      }
      return false;
    };

    const act = async (event: StationModelEvent, step: Step) => {
      const from = reference.connection;
      switch (event.type) {
        case 'CONNECTED': {
          const old = socket;
          const arrived = nextStationEvent(csms, 'connected', identity);
          socket = await connect();
          expect((await arrived).reconnect).toBe(from !== 'forgotten');
          if (from === 'open') expect((await old!.closed).code).toBe(4000);
          if (from === 'closing') await old!.terminate();
          if (from === 'forgotten') successor = { socket, reference: new StationReference(requireBoot) };
          return;
        }
        case 'DISCONNECTED': {
          if (from !== 'open' && from !== 'closing') return;
          const s = socket!;
          if (bootAnswerAhead(step)) {
            desk.hold();
            const arrival = desk.nextArrival();
            s.send('BootNotification', bootRequest(protocol));
            await arrival;
          }
          const gone = nextStationEvent(csms, 'disconnected', identity);
          // A station that stopped reading (closing) cannot finish a closing handshake: it drops the socket.
          if (from === 'open' && index % 2 === 0) await s.close();
          else await s.terminate();
          await gone;
          socket = undefined;
          return;
        }
        case 'CLOSE_REQUESTED': {
          const handle = csms.handleOf(identity);
          if (from === 'forgotten') {
            expect(handle).toBeUndefined();
            await original.close();
            return;
          }
          expect(handle).toBe(original.handle);
          if (from === 'open') socket!.stopReading();
          // Settles only once the socket is gone (a later step), or at once without a socket.
          const closing = original.close();
          if (from === 'closed') await closing;
          return;
        }
        case 'BOOT_RESULT': {
          if (from === 'open') {
            desk.status = event.status;
            const answer = await socket!.call('BootNotification', bootRequest(protocol));
            expect(answer).toEqual([
              3,
              answer[1],
              {
                status: event.status,
                currentTime: expect.any(String),
                interval: BOOT_INTERVALS[event.status],
              },
            ]);
          } else if (from === 'closing') {
            desk.status = event.status;
            const arrival = desk.nextArrival();
            socket!.send('BootNotification', bootRequest(protocol));
            await arrival;
            await flush();
          } else {
            expect(desk.holding, 'a BootNotification in flight from the last socket').toBe(true);
            await desk.release(event.status);
          }
          return;
        }
        case 'FORGET_TIMER':
          clock.increment(FORGET_AFTER_MS);
          await flush();
          return;
      }
    };

    const exec = async (step: Step) => {
      // TestParam types each executor's event as `{ type }` alone; the step carries the whole event.
      const event = step.event as StationModelEvent;
      const key = `${reference.connection}+${event.type}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
      stepsDriven++;
      await act(event, step);
      reference.apply(event);
    };

    const notConnected = async () => {
      const refused = await csms.call(identity, 'ClearCache', {}).then(
        () => 'answered',
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(StationNotConnectedError);
    };

    const params: TestParam<StationMachineSnapshot, StationModelEvent> = {
      events: {
        CONNECTED: exec,
        DISCONNECTED: exec,
        CLOSE_REQUESTED: exec,
        BOOT_RESULT: exec,
        FORGET_TIMER: exec,
      },
      states: {
        '*': (expected) => {
          const actual = original.actor.getSnapshot();
          expect(serializeStation(actual), 'server actor state').toBe(serializeStation(expected));
          expect(actual.status === 'done', 'server actor done').toBe(reference.forgotten);
          const view = csms.station(identity);
          if (reference.forgotten) {
            if (successor) {
              expect(csms.handleOf(identity)).not.toBe(original.handle);
              expect(view).toMatchObject({
                connection: 'open',
                registration: 'unregistered',
                connections: 1,
              });
            } else {
              expect(view).toBeUndefined();
            }
          } else {
            expect(csms.handleOf(identity)).toBe(original.handle);
            expect(view).toMatchObject({
              connection: reference.connection,
              registration: reference.registration,
              connections: reference.connections,
            });
          }
          const expectedRegistrations = reference.notifications.flatMap((n) =>
            n.kind === 'registered' ? [n.status] : [],
          );
          expect(registered, 'registered events').toEqual(expectedRegistrations);
        },
        open: () => behaves(csms, identity, socket!, reference),
        closed: notConnected,
        forgotten: async () => {
          if (successor) await behaves(csms, identity, successor.socket, successor.reference);
          else await notConnected();
        },
      },
    };

    await walk.path.test(params);
    pathsDriven++;
  } finally {
    await Promise.all(sockets.map((s) => s.terminate()));
    await desk.release('Accepted');
    await csms.close({ drainMs: 0 });
  }
}

describe('station machine model, driven against a real CSMS over real sockets', () => {
  let index = 0;
  for (const requireBoot of [true, false]) {
    describe(`requireBoot ${requireBoot}`, () => {
      const model = socketModel(requireBoot);
      const transitions = transitionWalks(model, STATION_MODEL_EVENTS).map((walk) => ({
        ...walk,
        index: index++,
      }));
      const simple = thin(simpleWalks(model), MAX_SIMPLE_PATHS).map((walk) => ({ ...walk, index: index++ }));
      // Every step but the initial `xstate.init` is an event to drive.
      for (const { path } of [...transitions, ...simple]) stepsPlanned += path.steps.length - 1;

      it('covers every (state, event) pair and more than the shortest paths', () => {
        expect(transitions).toHaveLength(13 * STATION_MODEL_EVENTS.length);
        expect(simple.length).toBeGreaterThan(13);
      });

      describe('transition walks', () => {
        it.each(transitions)('$name', ({ index, ...walk }) => drive(walk, requireBoot, index));
      });
      describe('simple paths', () => {
        it.each(simple)('$name', ({ index, ...walk }) => drive(walk, requireBoot, index));
      });
    });
  }

  it('drove every (connection state, event) pair', () => {
    const pairs = ['open', 'closing', 'closed', 'forgotten'].flatMap((state) =>
      ['CONNECTED', 'DISCONNECTED', 'CLOSE_REQUESTED', 'BOOT_RESULT', 'FORGET_TIMER'].map(
        (e) => `${state}+${e}`,
      ),
    );
    expect([...tally.keys()].sort()).toEqual(pairs.sort());
    expect(pathsDriven).toBe(index);
    expect(stepsDriven).toBe(stepsPlanned);
  });
});

/**
 * What the model found: B02.FR.09 lets a Pending station send what the CSMS asked for, and the runtime
 * took any trigger (its own TriggerMessage(BootNotification) to an unregistered station included) as
 * leave to send anything for the rest of the connection.
 */
describe('a Pending station sends only what the CSMS solicited', () => {
  it.each(PROTOCOLS)('%s', async (protocol) => {
    const csms = createCsms({ jitterRatio: 0, pingIntervalMs: 0, connectionRateLimit: false });
    const desk = new BootDesk(csms, BOOT_INTERVALS);
    desk.status = 'Pending';
    csms.handle('Heartbeat', () => ({ currentTime: new Date().toISOString() }));
    const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });
    const url = `ws://127.0.0.1:${port}`;
    const sockets: ModelStationSocket[] = [];
    try {
      const first = await ModelStationSocket.open(url, 'CS-PENDING', protocol);
      sockets.push(first);
      const refused = [4, expect.any(String), 'SecurityError', expect.any(String), {}];
      const served = [3, expect.any(String), { currentTime: expect.any(String) }];
      // Refused while unregistered: the runtime triggers a BootNotification.
      expect(await first.call('Heartbeat', {})).toEqual(refused);
      expect(await first.call('BootNotification', bootRequest(protocol))).toMatchObject([
        3,
        expect.any(String),
        { status: 'Pending' },
      ]);
      expect(first.callsFromCsms).toEqual([
        [2, expect.any(String), 'TriggerMessage', { requestedMessage: 'BootNotification' }],
      ]);
      expect(await first.call('Heartbeat', {})).toEqual(refused);
      await csms.call('CS-PENDING', 'TriggerMessage', { requestedMessage: 'BootNotification' });
      expect(await first.call('Heartbeat', {})).toEqual(refused);
      await csms.call('CS-PENDING', 'TriggerMessage', { requestedMessage: 'Heartbeat' });
      expect(await first.call('Heartbeat', {})).toEqual(served);
      // The leave lasts for the connection it was given on.
      const gone = nextStationEvent(csms, 'disconnected', 'CS-PENDING');
      await first.close();
      await gone;
      const second = await ModelStationSocket.open(url, 'CS-PENDING', protocol);
      sockets.push(second);
      expect(await second.call('Heartbeat', {})).toEqual(refused);
    } finally {
      await Promise.all(sockets.map((s) => s.terminate()));
      await csms.close({ drainMs: 0 });
    }
  });
});
