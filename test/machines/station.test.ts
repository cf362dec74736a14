import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import {
  type ConnectionState,
  connectionOf,
  DEFAULT_FORGET_AFTER_MS,
  isForgotten,
  mayCsmsSend,
  mayHandleCall,
  type RegistrationChange,
  type RestoredRegistration,
  registrationOf,
  type StationInput,
  stationMachine,
  stationMachineWith,
} from '../../src/machines/station.js';

const FORGET_MS = 10_000;

type ConnectionChange = { from: ConnectionState; to: ConnectionState };

function start(input: Partial<StationInput> = {}, jitter?: (ms: number) => number) {
  const clock = new SimulatedClock();
  clock.set(1_000_000);
  const log = { connection: [] as ConnectionChange[], registered: [] as RegistrationChange[], forgotten: 0 };
  const machine = stationMachineWith({ now: () => clock.now(), ...(jitter && { jitter }) });
  const actor = createActor(machine, {
    clock,
    input: {
      identity: 'CS-1',
      protocol: 'ocpp2.0.1',
      forgetAfterMs: FORGET_MS,
      connectedAt: clock.now(),
      ...input,
    },
  });
  actor.on(
    'registered',
    ({ previous, status, interval }) => void log.registered.push({ previous, status, interval }),
  );
  actor.on('forgotten', () => void log.forgotten++);
  let connection: ConnectionState = 'open';
  actor.subscribe((s) => {
    const to = connectionOf(s);
    if (to !== connection && to !== 'forgotten') log.connection.push({ from: connection, to });
    connection = to;
  });
  actor.start();
  const state = () => {
    const s = actor.getSnapshot();
    return `${connectionOf(s)}/${registrationOf(s)}`;
  };
  return { actor, clock, log, state, snapshot: () => actor.getSnapshot() };
}

describe('stationMachine', () => {
  it('starts open and unregistered, with the input in context', () => {
    const { snapshot, state } = start();
    expect(state()).toBe('open/unregistered');
    expect(snapshot().context).toMatchObject({
      identity: 'CS-1',
      protocol: 'ocpp2.0.1',
      requireBoot: true,
      connections: 1,
      connectedAt: 1_000_000,
      bootStatus: undefined,
    });
  });

  it('defaults forgetAfter to ten minutes, and keeps only data in context (a snapshot persists)', () => {
    const actor = createActor(stationMachine, { input: { identity: 'CS-1', protocol: 'ocpp1.6' } }).start();
    const { context } = actor.getSnapshot();
    expect(context.forgetAfterMs).toBe(DEFAULT_FORGET_AFTER_MS);
    expect(context.requireBoot).toBe(true);
    actor.send({ type: 'BOOT_RESULT', status: 'Accepted', interval: 300 });
    const persisted = actor.getPersistedSnapshot();
    expect(Object.values(context).some((v) => typeof v === 'function')).toBe(false);
    const restored = createActor(stationMachine, {
      snapshot: JSON.parse(JSON.stringify(persisted)),
      input: { identity: 'CS-1', protocol: 'ocpp1.6' },
    }).start();
    expect(restored.getSnapshot().value).toEqual(actor.getSnapshot().value);
    expect(restored.getSnapshot().context).toEqual(actor.getSnapshot().context);
  });

  it('records an Accepted BootNotification and reports it', () => {
    const { actor, clock, log, snapshot, state } = start();
    clock.increment(500);
    actor.send({ type: 'BOOT_RESULT', status: 'Accepted', interval: 300 });
    expect(state()).toBe('open/accepted');
    expect(snapshot().context).toMatchObject({
      bootStatus: 'Accepted',
      heartbeatInterval: 300,
      bootedAt: 1_000_500,
    });
    expect(log.registered).toEqual([{ previous: undefined, status: 'Accepted', interval: 300 }]);
  });

  it('keeps the heartbeat interval but records the retry interval of Pending and Rejected', () => {
    const { actor, snapshot } = start();
    actor.send({ type: 'BOOT_RESULT', status: 'Accepted', interval: 300 });
    actor.send({ type: 'BOOT_RESULT', status: 'Pending', interval: 30 });
    expect(snapshot().context).toMatchObject({
      heartbeatInterval: 300,
      bootRetryInterval: 30,
      bootStatus: 'Pending',
    });
  });

  it('moves between registration states as the CSMS answers again', () => {
    const { actor, log, state } = start();
    actor.send({ type: 'BOOT_RESULT', status: 'Pending', interval: 30 });
    expect(state()).toBe('open/pending');
    actor.send({ type: 'BOOT_RESULT', status: 'Rejected', interval: 60 });
    expect(state()).toBe('open/rejected');
    actor.send({ type: 'BOOT_RESULT', status: 'Accepted', interval: 300 });
    expect(state()).toBe('open/accepted');
    // The station rebooted and the CSMS now holds it Pending.
    actor.send({ type: 'BOOT_RESULT', status: 'Pending', interval: 30 });
    expect(state()).toBe('open/pending');
    expect(log.registered.map((r) => `${r.previous}>${r.status}`)).toEqual([
      'undefined>Pending',
      'Pending>Rejected',
      'Rejected>Accepted',
      'Accepted>Pending',
    ]);
  });

  it('keeps the registration over a reconnect without a new BootNotification', () => {
    const { actor, clock, log, snapshot, state } = start();
    actor.send({ type: 'BOOT_RESULT', status: 'Accepted', interval: 300 });
    actor.send({ type: 'DISCONNECTED' });
    expect(state()).toBe('closed/accepted');
    expect(snapshot().context.disconnectedAt).toBe(1_000_000);
    clock.increment(2_000);
    actor.send({ type: 'CONNECTED', protocol: 'ocpp2.1' });
    expect(state()).toBe('open/accepted');
    expect(snapshot().context).toMatchObject({ connections: 2, connectedAt: 1_002_000, protocol: 'ocpp2.1' });
    expect(mayHandleCall(snapshot(), 'Heartbeat')).toBe(true);
    expect(log.connection).toEqual([
      { from: 'open', to: 'closed' },
      { from: 'closed', to: 'open' },
    ]);
  });

  it('ignores a BootNotification answer that can no longer reach the station', () => {
    const { actor, log, state } = start();
    actor.send({ type: 'CLOSE_REQUESTED' });
    actor.send({ type: 'BOOT_RESULT', status: 'Accepted', interval: 300 });
    expect(state()).toBe('closing/unregistered');
    actor.send({ type: 'DISCONNECTED' });
    actor.send({ type: 'BOOT_RESULT', status: 'Accepted', interval: 300 });
    expect(state()).toBe('closed/unregistered');
    expect(log.registered).toEqual([]);
  });

  it('closes through closing when the CSMS asks, and reopens from closing on a new socket', () => {
    const { actor, log, snapshot, state } = start();
    actor.send({ type: 'CLOSE_REQUESTED' });
    expect(state()).toBe('closing/unregistered');
    actor.send({ type: 'DISCONNECTED' });
    expect(state()).toBe('closed/unregistered');
    actor.send({ type: 'CONNECTED' });
    actor.send({ type: 'CLOSE_REQUESTED' });
    actor.send({ type: 'CONNECTED' });
    expect(state()).toBe('open/unregistered');
    // A socket replacing an open one counts, but changes no state.
    actor.send({ type: 'CONNECTED' });
    expect(snapshot().context.connections).toBe(4);
    expect(log.connection.map((c) => `${c.from}>${c.to}`)).toEqual([
      'open>closing',
      'closing>closed',
      'closed>open',
      'open>closing',
      'closing>open',
    ]);
  });

  it('forgets a station closed for forgetAfter, and completes', () => {
    const { actor, clock, log, snapshot } = start();
    actor.send({ type: 'BOOT_RESULT', status: 'Accepted', interval: 300 });
    actor.send({ type: 'DISCONNECTED' });
    clock.increment(FORGET_MS - 1);
    expect(isForgotten(snapshot())).toBe(false);
    clock.increment(1);
    expect(isForgotten(snapshot())).toBe(true);
    expect(snapshot().status).toBe('done');
    expect(connectionOf(snapshot())).toBe('forgotten');
    expect(registrationOf(snapshot())).toBe('accepted');
    expect(log.forgotten).toBe(1);
    expect(mayHandleCall(snapshot(), 'BootNotification')).toBe(false);
    expect(mayCsmsSend(snapshot(), 'Reset')).toBe(false);
  });

  it('does not forget a station that reconnects in time, and restarts the timer on the next close', () => {
    const { actor, clock, log, snapshot } = start();
    actor.send({ type: 'DISCONNECTED' });
    clock.increment(FORGET_MS - 1);
    actor.send({ type: 'CONNECTED' });
    clock.increment(FORGET_MS * 5);
    expect(connectionOf(snapshot())).toBe('open');
    actor.send({ type: 'CLOSE_REQUESTED' });
    clock.increment(FORGET_MS * 5);
    expect(connectionOf(snapshot())).toBe('closing');
    actor.send({ type: 'DISCONNECTED' });
    clock.increment(FORGET_MS - 1);
    expect(connectionOf(snapshot())).toBe('closed');
    clock.increment(1);
    expect(isForgotten(snapshot())).toBe(true);
    expect(log.forgotten).toBe(1);
  });

  it('jitters the forget delay', () => {
    const { actor, clock, snapshot } = start({}, (ms) => ms * 1.2);
    actor.send({ type: 'DISCONNECTED' });
    clock.increment(FORGET_MS);
    expect(isForgotten(snapshot())).toBe(false);
    clock.increment(FORGET_MS * 0.2);
    expect(isForgotten(snapshot())).toBe(true);
  });

  it('restores a stored registration without reporting it', () => {
    const restored = (registration: RestoredRegistration) => {
      const s = start();
      s.actor.send({ type: 'RESTORED', registration });
      return s;
    };
    const { log, snapshot, state } = restored({ status: 'Accepted', interval: 900, bootedAt: 5 });
    expect(state()).toBe('open/accepted');
    expect(snapshot().context).toMatchObject({ bootStatus: 'Accepted', heartbeatInterval: 900, bootedAt: 5 });
    expect(log.registered).toEqual([]);
    const pending = restored({ status: 'Pending', interval: 30, bootedAt: 5 });
    expect(pending.state()).toBe('open/pending');
    expect(pending.snapshot().context).toMatchObject({ heartbeatInterval: undefined, bootRetryInterval: 30 });
    expect(restored({ status: 'Rejected', interval: 60, bootedAt: 5 }).state()).toBe('open/rejected');
  });

  it('restores only a station it has not seen boot', () => {
    const { actor, state, snapshot } = start();
    actor.send({ type: 'BOOT_RESULT', status: 'Pending', interval: 30 });
    actor.send({ type: 'RESTORED', registration: { status: 'Accepted', interval: 900, bootedAt: 5 } });
    expect(state()).toBe('open/pending');
    expect(snapshot().context.bootRetryInterval).toBe(30);
  });
});

describe('mayHandleCall', () => {
  it('admits only BootNotification before a registration when requireBoot', () => {
    const { snapshot } = start();
    expect(mayHandleCall(snapshot(), 'BootNotification')).toBe(true);
    expect(mayHandleCall(snapshot(), 'Heartbeat')).toBe(false);
    expect(mayHandleCall(snapshot(), 'Heartbeat', true)).toBe(false);
  });

  it('admits everything before a registration when boot is not required', () => {
    const { snapshot } = start({ requireBoot: false });
    expect(mayHandleCall(snapshot(), 'Heartbeat')).toBe(true);
    expect(mayCsmsSend(snapshot(), 'Reset')).toBe(true);
  });

  it('admits, while Pending, BootNotification and what the CSMS solicited (B02.FR.09)', () => {
    const { actor, snapshot } = start({ requireBoot: false });
    actor.send({ type: 'BOOT_RESULT', status: 'Pending', interval: 30 });
    expect(mayHandleCall(snapshot(), 'BootNotification')).toBe(true);
    expect(mayHandleCall(snapshot(), 'StatusNotification')).toBe(false);
    expect(mayHandleCall(snapshot(), 'NotifyReport', true)).toBe(true);
  });

  it('admits only BootNotification while Rejected (B03.FR.07)', () => {
    const { actor, snapshot } = start();
    actor.send({ type: 'BOOT_RESULT', status: 'Rejected', interval: 60 });
    expect(mayHandleCall(snapshot(), 'BootNotification')).toBe(true);
    expect(mayHandleCall(snapshot(), 'Heartbeat', true)).toBe(false);
  });
});

describe('mayCsmsSend', () => {
  it('allows only a trigger before a registration when requireBoot', () => {
    const { snapshot } = start();
    expect(mayCsmsSend(snapshot(), 'TriggerMessage')).toBe(true);
    expect(mayCsmsSend(snapshot(), 'GetVariables')).toBe(false);
  });

  it('allows configuration and triggers while Pending (B02), in every version', () => {
    const { actor, snapshot } = start();
    actor.send({ type: 'BOOT_RESULT', status: 'Pending', interval: 30 });
    for (const action of ['GetVariables', 'SetVariables', 'GetBaseReport', 'GetReport', 'TriggerMessage']) {
      expect(mayCsmsSend(snapshot(), action), action).toBe(true);
    }
    for (const action of ['GetConfiguration', 'ChangeConfiguration', 'ExtendedTriggerMessage']) {
      expect(mayCsmsSend(snapshot(), action), action).toBe(true);
    }
    expect(mayCsmsSend(snapshot(), 'RequestStartTransaction')).toBe(false);
    expect(mayCsmsSend(snapshot(), 'Reset')).toBe(false);
  });

  it('allows nothing while Rejected (B03) and everything once Accepted', () => {
    const { actor, snapshot } = start();
    actor.send({ type: 'BOOT_RESULT', status: 'Rejected', interval: 60 });
    expect(mayCsmsSend(snapshot(), 'TriggerMessage')).toBe(false);
    actor.send({ type: 'BOOT_RESULT', status: 'Accepted', interval: 300 });
    expect(mayCsmsSend(snapshot(), 'Reset')).toBe(true);
  });
});
