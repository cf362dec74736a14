import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import {
  type BreakerChange,
  type BreakerInput,
  breakerAdmits,
  breakerMachine,
  breakerMachineWith,
  breakerNeedsSuccess,
  breakerStateOf,
  DEFAULT_FAILURE_THRESHOLD,
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_RESET_TIMEOUT_MS,
} from '../../src/machines/breaker.js';

function start(
  input: BreakerInput = { failureThreshold: 3, resetTimeoutMs: 1_000, probeTimeoutMs: 5_000 },
  jitter?: (ms: number) => number,
) {
  const clock = new SimulatedClock();
  const changes: string[] = [];
  const actor = createActor(jitter ? breakerMachineWith(jitter) : breakerMachine, { clock, input });
  actor.on('breakerChanged', (c: BreakerChange) => void changes.push(`${c.from}>${c.to}`));
  actor.start();
  const fail = (n = 1) => {
    for (let i = 0; i < n; i++) actor.send({ type: 'CALL_FAILED' });
  };
  const snapshot = () => actor.getSnapshot();
  return { actor, clock, changes, fail, snapshot, admits: () => breakerAdmits(snapshot()) };
}

describe('breakerMachine', () => {
  it('has defaults', () => {
    const { context } = createActor(breakerMachine, { input: {} }).getSnapshot();
    expect(context).toMatchObject({
      failures: 0,
      failureThreshold: DEFAULT_FAILURE_THRESHOLD,
      resetTimeoutMs: DEFAULT_RESET_TIMEOUT_MS,
      probeTimeoutMs: DEFAULT_PROBE_TIMEOUT_MS,
    });
  });

  it('opens after threshold consecutive failures, not before', () => {
    const { fail, snapshot, admits, changes } = start();
    fail(2);
    expect(breakerStateOf(snapshot())).toBe('closed');
    expect(admits()).toBe('yes');
    fail();
    expect(breakerStateOf(snapshot())).toBe('open');
    expect(admits()).toBe('no');
    expect(snapshot().context.failures).toBe(3);
    expect(changes).toEqual(['closed>open']);
  });

  it('counts only consecutive failures', () => {
    const { actor, fail, snapshot } = start();
    fail(2);
    actor.send({ type: 'CALL_SUCCEEDED' });
    expect(snapshot().context.failures).toBe(0);
    fail(2);
    expect(breakerStateOf(snapshot())).toBe('closed');
  });

  it('opens on the first failure with a threshold of one', () => {
    const { fail, snapshot } = start({ failureThreshold: 1 });
    fail();
    expect(breakerStateOf(snapshot())).toBe('open');
  });

  it('half-opens after the reset timeout and admits exactly one probe', () => {
    const { actor, clock, fail, admits, changes } = start();
    fail(3);
    clock.increment(999);
    expect(admits()).toBe('no');
    clock.increment(1);
    expect(admits()).toBe('probe');
    actor.send({ type: 'PROBE_STARTED' });
    expect(admits()).toBe('no');
    // A second PROBE_STARTED (a runtime bug) does not admit more.
    actor.send({ type: 'PROBE_STARTED' });
    expect(admits()).toBe('no');
    expect(changes).toEqual(['closed>open', 'open>halfOpen']);
  });

  it('closes on a successful probe and forgets the failures', () => {
    const { actor, clock, fail, snapshot, admits, changes } = start();
    fail(3);
    clock.increment(1_000);
    actor.send({ type: 'PROBE_STARTED' });
    actor.send({ type: 'CALL_SUCCEEDED' });
    expect(admits()).toBe('yes');
    expect(snapshot().context.failures).toBe(0);
    expect(breakerNeedsSuccess(snapshot())).toBe(false);
    expect(changes).toEqual(['closed>open', 'open>halfOpen', 'halfOpen>closed']);
  });

  it('reopens on a failed probe, for another full reset timeout', () => {
    const { actor, clock, fail, admits, changes } = start();
    fail(3);
    clock.increment(1_000);
    actor.send({ type: 'PROBE_STARTED' });
    clock.increment(400);
    fail();
    expect(admits()).toBe('no');
    clock.increment(999);
    expect(admits()).toBe('no');
    clock.increment(1);
    expect(admits()).toBe('probe');
    expect(changes).toEqual(['closed>open', 'open>halfOpen', 'halfOpen>open', 'open>halfOpen']);
  });

  it('reopens when a probe never reports', () => {
    const { actor, clock, fail, snapshot } = start();
    fail(3);
    clock.increment(1_000);
    actor.send({ type: 'PROBE_STARTED' });
    clock.increment(4_999);
    expect(breakerStateOf(snapshot())).toBe('halfOpen');
    clock.increment(1);
    expect(breakerStateOf(snapshot())).toBe('open');
    expect(snapshot().context.failures).toBe(4);
  });

  it('ignores results of calls admitted before it opened', () => {
    const { actor, clock, fail, snapshot, admits } = start();
    fail(3);
    actor.send({ type: 'CALL_SUCCEEDED' });
    fail();
    expect(breakerStateOf(snapshot())).toBe('open');
    clock.increment(1_000);
    actor.send({ type: 'CALL_SUCCEEDED' });
    fail();
    expect(admits()).toBe('probe');
  });

  it('jitters the reset timeout', () => {
    const { clock, fail, admits } = start({ failureThreshold: 1, resetTimeoutMs: 1_000 }, (ms) => ms + 250);
    fail();
    clock.increment(1_000);
    expect(admits()).toBe('no');
    clock.increment(250);
    expect(admits()).toBe('probe');
  });
});

describe('breakerNeedsSuccess', () => {
  it('is false for a healthy breaker, so the runtime sends nothing per successful call', () => {
    const { actor, clock, fail, snapshot } = start();
    expect(breakerNeedsSuccess(snapshot())).toBe(false);
    fail();
    expect(breakerNeedsSuccess(snapshot())).toBe(true);
    fail(2);
    expect(breakerNeedsSuccess(snapshot())).toBe(false);
    clock.increment(1_000);
    expect(breakerNeedsSuccess(snapshot())).toBe(false);
    actor.send({ type: 'PROBE_STARTED' });
    expect(breakerNeedsSuccess(snapshot())).toBe(true);
  });
});
