import { assign, emit, type SnapshotFrom, setup } from 'xstate';
import type { Jitter } from '../util/jitter.js';

/**
 * Circuit breaker over the CSMS's outbound calls to one station, so that a station that stopped answering
 * costs one timeout per reset period instead of one per queued call.
 *
 * OCPP allows one outstanding CALL per direction (§4.1.1 / 2.x §4.2), so at most one call result is ever
 * in flight: in `halfOpen.probing` the result the runtime reports is necessarily the probe's.
 *
 * Per call the runtime asks `breakerAdmits` (no event). It sends PROBE_STARTED before a 'probe' call,
 * CALL_FAILED on every failure, and CALL_SUCCEEDED only when `breakerNeedsSuccess` says so: a send costs
 * 15-30 µs and a healthy station's successes carry no information. What counts as failure is the runtime's
 * call; timeouts and transport errors should, a CALLERROR should not (the station did answer).
 */

export type BreakerState = 'closed' | 'open' | 'halfOpen';
export type Admission = 'yes' | 'probe' | 'no';

export const DEFAULT_FAILURE_THRESHOLD = 5;
export const DEFAULT_RESET_TIMEOUT_MS = 30_000;
/** Twice the usual 30 s CALL timeout: the runtime's timeout should report first. */
export const DEFAULT_PROBE_TIMEOUT_MS = 60_000;

export interface BreakerInput {
  failureThreshold?: number;
  resetTimeoutMs?: number;
  /** Safety net: a probe whose result is never reported would otherwise keep the breaker shut for good. */
  probeTimeoutMs?: number;
}

export interface BreakerContext {
  /** Consecutive failures; only a success in `closed` or a successful probe clears it. */
  failures: number;
  failureThreshold: number;
  resetTimeoutMs: number;
  probeTimeoutMs: number;
}

export type BreakerEvent = { type: 'CALL_FAILED' } | { type: 'CALL_SUCCEEDED' } | { type: 'PROBE_STARTED' };

export interface BreakerChange {
  from: BreakerState;
  to: BreakerState;
}

/** What the breaker tells its owner, through XState's `emit` (subscribe with `actor.on`). */
export type BreakerEmitted = { type: 'breakerChanged' } & BreakerChange;

const change = (from: BreakerState, to: BreakerState) =>
  ({ type: 'notifyBreakerChanged', params: { from, to } }) as const;

export const breakerMachine = setup({
  types: {
    context: {} as BreakerContext,
    events: {} as BreakerEvent,
    input: {} as BreakerInput,
    emitted: {} as BreakerEmitted,
  },
  actions: {
    notifyBreakerChanged: emit((_, change: BreakerChange) => ({
      type: 'breakerChanged' as const,
      ...change,
    })),
    countFailure: assign({ failures: ({ context }) => context.failures + 1 }),
    clearFailures: assign({ failures: 0 }),
  },
  guards: {
    reachesThreshold: ({ context }) => context.failures + 1 >= context.failureThreshold,
    hasFailures: ({ context }) => context.failures > 0,
  },
  delays: {
    resetTimeout: ({ context }) => context.resetTimeoutMs,
    probeTimeout: ({ context }) => context.probeTimeoutMs,
  },
}).createMachine({
  id: 'breaker',
  initial: 'closed',
  context: ({ input }) => ({
    failures: 0,
    failureThreshold: Math.max(1, input.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD),
    resetTimeoutMs: input.resetTimeoutMs ?? DEFAULT_RESET_TIMEOUT_MS,
    probeTimeoutMs: input.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
  }),
  states: {
    closed: {
      on: {
        CALL_FAILED: [
          { guard: 'reachesThreshold', target: 'open', actions: ['countFailure', change('closed', 'open')] },
          { actions: 'countFailure' },
        ],
        CALL_SUCCEEDED: { guard: 'hasFailures', actions: 'clearFailures' },
      },
    },
    // Results arriving here belong to calls admitted before the breaker opened; they change nothing.
    open: {
      after: { resetTimeout: { target: 'halfOpen', actions: change('open', 'halfOpen') } },
    },
    halfOpen: {
      initial: 'idle',
      states: {
        idle: {
          on: { PROBE_STARTED: 'probing' },
        },
        probing: {
          on: {
            CALL_SUCCEEDED: {
              target: '#breaker.closed',
              actions: ['clearFailures', change('halfOpen', 'closed')],
            },
            CALL_FAILED: { target: '#breaker.open', actions: ['countFailure', change('halfOpen', 'open')] },
          },
          after: {
            probeTimeout: { target: '#breaker.open', actions: ['countFailure', change('halfOpen', 'open')] },
          },
        },
      },
    },
  },
});

export type BreakerMachine = typeof breakerMachine;
export type BreakerSnapshot = SnapshotFrom<BreakerMachine>;

export function breakerStateOf(snapshot: BreakerSnapshot): BreakerState {
  const { value } = snapshot;
  return typeof value === 'string' ? value : 'halfOpen';
}

/** 'probe': admit this one call, after sending PROBE_STARTED; further calls get 'no' until it reports. */
export function breakerAdmits(snapshot: BreakerSnapshot): Admission {
  const { value } = snapshot;
  if (value === 'closed') return 'yes';
  if (value === 'open') return 'no';
  return value.halfOpen === 'idle' ? 'probe' : 'no';
}

/**
 * Whether a successful call must be reported: only a probe's success or one that breaks a failure streak
 * changes anything. Sending in other states is harmless, merely wasted.
 */
export function breakerNeedsSuccess(snapshot: BreakerSnapshot): boolean {
  const { value } = snapshot;
  if (value === 'closed') return snapshot.context.failures > 0;
  return value !== 'open' && value.halfOpen === 'probing';
}

/** The breaker with its timeouts spread by `jitter` (injected: the context stays data). */
export const breakerMachineWith = (jitter: Jitter): BreakerMachine =>
  breakerMachine.provide({
    delays: {
      resetTimeout: ({ context }) => jitter(context.resetTimeoutMs),
      probeTimeout: ({ context }) => jitter(context.probeTimeoutMs),
    },
  });
