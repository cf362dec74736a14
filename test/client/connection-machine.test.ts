import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import {
  type BackingOff,
  type ClientConnectionInput,
  type ClientRegistrationChange,
  clientConnectionMachineWith,
  clientConnectionOf,
  clientRegistrationOf,
  DEFAULT_RETRY_BACK_OFF,
  retryBackOffMs,
} from '../../src/machines/client-connection.js';

const BACK_OFF = { waitMinimumMs: 1_000, randomRangeMs: 500, repeatTimes: 2, maxDelayMs: 60_000 };

function start(input: Partial<ClientConnectionInput> = {}, random: () => number = () => 0.5) {
  const clock = new SimulatedClock();
  clock.set(1_000_000);
  const log = { opens: 0, backingOff: [] as BackingOff[], registered: [] as ClientRegistrationChange[] };
  const machine = clientConnectionMachineWith({ random, now: () => clock.now() }).provide({
    actions: {
      openSocket: () => void log.opens++,
    },
  });
  const actor = createActor(machine, {
    clock,
    input: { identity: 'CS-1', ...BACK_OFF, ...input },
  });
  actor.on('backingOff', ({ type: _, ...b }) => void log.backingOff.push(b));
  actor.on('registered', ({ type: _, ...change }) => void log.registered.push(change));
  actor.start();
  const state = () => clientConnectionOf(actor.getSnapshot());
  const fail = () => actor.send({ type: 'FAILED', error: new Error('ECONNREFUSED') });
  return { actor, clock, log, state, fail, context: () => actor.getSnapshot().context };
}

describe('retryBackOffMs', () => {
  it('is WaitMinimum doubled per attempt up to RepeatTimes, plus random ≤ RandomRange', () => {
    const zero = () => 0;
    expect([1, 2, 3, 4, 5].map((n) => retryBackOffMs(n, BACK_OFF, zero))).toEqual([
      1_000, 2_000, 4_000, 4_000, 4_000,
    ]);
    expect(retryBackOffMs(1, BACK_OFF, () => 0.999_999)).toBe(1_500);
    expect(retryBackOffMs(3, BACK_OFF, () => 0.5)).toBe(4_250);
  });

  it('caps the doubled part at maxDelayMs and keeps the random part', () => {
    const b = { ...BACK_OFF, repeatTimes: 20, maxDelayMs: 10_000 };
    expect(retryBackOffMs(10, b, () => 0)).toBe(10_000);
    expect(retryBackOffMs(10, b, () => 0.5)).toBe(10_250);
  });

  it('defaults to 3 s + ≤10 s, doubling 3 times', () => {
    expect(DEFAULT_RETRY_BACK_OFF).toMatchObject({
      waitMinimumMs: 3_000,
      randomRangeMs: 10_000,
      repeatTimes: 3,
    });
  });
});

describe('clientConnectionMachine', () => {
  it('keeps only data in its context: a snapshot survives structuredClone', () => {
    const { actor, fail, context } = start();
    actor.send({ type: 'CONNECT' });
    fail();
    expect(structuredClone(context())).toEqual(context());
    expect(Object.values(context()).some((v) => typeof v === 'function')).toBe(false);
  });

  it('waits in idle until CONNECT, then opens a socket', () => {
    const { actor, log, state } = start();
    expect(state()).toBe('idle');
    expect(log.opens).toBe(0);
    actor.send({ type: 'CONNECT' });
    expect(state()).toBe('connecting');
    expect(log.opens).toBe(1);
  });

  it('backs off after each failed attempt with growing delays, and tries again when the delay is over', () => {
    const { actor, clock, log, state, fail } = start();
    actor.send({ type: 'CONNECT' });
    const expected = [1_250, 2_250, 4_250, 4_250];
    for (const [i, delay] of expected.entries()) {
      fail();
      expect(state()).toBe('backingOff');
      expect(log.backingOff[i]).toMatchObject({ cause: 'failed', attempt: i + 1, delayMs: delay });
      clock.increment(delay - 1);
      expect(state()).toBe('backingOff');
      clock.increment(1);
      expect(state()).toBe('connecting');
      expect(log.opens).toBe(i + 2);
    }
    expect(log.backingOff[0]!.error?.message).toBe('ECONNREFUSED');
  });

  it('draws a new random part for every delay', () => {
    const randoms = [0, 0.2, 0.9];
    const { actor, log, clock, fail } = start({}, () => randoms.shift() ?? 0);
    actor.send({ type: 'CONNECT' });
    for (let i = 0; i < 3; i++) {
      fail();
      clock.increment(log.backingOff[i]!.delayMs);
    }
    expect(log.backingOff.map((b) => b.delayMs)).toEqual([1_000, 2_100, 4_450]);
  });

  it('resets the back-off once open, and a dropped connection retries from WaitMinimum', () => {
    const { actor, clock, log, state, fail, context } = start();
    actor.send({ type: 'CONNECT' });
    fail();
    clock.increment(1_250);
    fail();
    clock.increment(2_250);
    actor.send({ type: 'OPENED', protocol: 'ocpp2.0.1' });
    expect(state()).toBe('open');
    expect(context()).toMatchObject({
      attempt: 0,
      connections: 1,
      protocol: 'ocpp2.0.1',
      openedAt: 1_003_500,
    });

    actor.send({ type: 'DROPPED', code: 1006, reason: '' });
    expect(state()).toBe('backingOff');
    expect(log.backingOff.at(-1)).toEqual({ cause: 'dropped', attempt: 0, delayMs: 1_250, error: undefined });
    clock.increment(1_250);
    expect(state()).toBe('connecting');
    fail();
    expect(log.backingOff.at(-1)).toMatchObject({ cause: 'failed', attempt: 1, delayMs: 1_250 });
  });

  it('closes for good from any state, cancelling a pending retry', () => {
    for (const reach of ['idle', 'connecting', 'open', 'backingOff'] as const) {
      const { actor, clock, log, state, fail } = start();
      if (reach !== 'idle') actor.send({ type: 'CONNECT' });
      if (reach === 'open') actor.send({ type: 'OPENED', protocol: 'ocpp1.6' });
      if (reach === 'backingOff') fail();
      expect(state()).toBe(reach);
      actor.send({ type: 'CLOSE' });
      expect(state()).toBe('closed');
      const opens = log.opens;
      clock.increment(100_000);
      actor.send({ type: 'CONNECT' });
      actor.send({ type: 'OPENED', protocol: 'ocpp1.6' });
      expect(state()).toBe('closed');
      expect(log.opens).toBe(opens);
    }
  });

  it('ignores events that do not belong to the current state', () => {
    const { actor, state } = start();
    actor.send({ type: 'OPENED', protocol: 'ocpp1.6' });
    actor.send({ type: 'DROPPED', code: 1000, reason: '' });
    expect(state()).toBe('idle');
    actor.send({ type: 'CONNECT' });
    actor.send({ type: 'DROPPED', code: 1000, reason: '' });
    expect(state()).toBe('connecting');
  });

  it('records the BootNotification answer, and keeps it across reconnects', () => {
    const { actor, clock, log, context } = start();
    actor.send({ type: 'CONNECT' });
    actor.send({ type: 'OPENED', protocol: 'ocpp2.0.1' });
    actor.send({ type: 'BOOT_RESULT', status: 'Pending', interval: 60 });
    expect(clientRegistrationOf(actor.getSnapshot())).toBe('pending');
    expect(context()).toMatchObject({
      bootStatus: 'Pending',
      bootRetryInterval: 60,
      heartbeatInterval: undefined,
    });
    actor.send({ type: 'BOOT_RESULT', status: 'Accepted', interval: 300 });
    expect(context()).toMatchObject({ heartbeatInterval: 300, bootRetryInterval: undefined });
    expect(log.registered).toEqual([
      { previous: undefined, status: 'Pending', interval: 60 },
      { previous: 'Pending', status: 'Accepted', interval: 300 },
    ]);

    actor.send({ type: 'DROPPED', code: 1001, reason: 'restart' });
    clock.increment(2_000);
    actor.send({ type: 'OPENED', protocol: 'ocpp2.0.1' });
    expect(clientRegistrationOf(actor.getSnapshot())).toBe('accepted');
    expect(context().connections).toBe(2);
  });
});
