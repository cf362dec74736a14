import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { TestModel, type TestParam } from 'xstate/graph';
import {
  type Admission,
  type BreakerChange,
  type BreakerEvent,
  type BreakerMachine,
  type BreakerSnapshot,
  breakerAdmits,
  breakerMachine,
  breakerNeedsSuccess,
  breakerStateOf,
} from '../../src/machines/breaker.js';
import { aliasEvents, itAgreesAlongEveryPath } from './model-kit.js';

type Timer = { type: 'RESET_TIMER' } | { type: 'PROBE_TIMER' };
type ModelEvent = BreakerEvent | Timer;

const INPUT = { failureThreshold: 3, resetTimeoutMs: 30_000, probeTimeoutMs: 60_000 };

const EVENTS: readonly ModelEvent[] = [
  { type: 'CALL_FAILED' },
  { type: 'CALL_SUCCEEDED' },
  { type: 'PROBE_STARTED' },
  { type: 'RESET_TIMER' },
  { type: 'PROBE_TIMER' },
];

const logic = aliasEvents<BreakerMachine, Timer>(breakerMachine, {
  RESET_TIMER: { type: 'xstate.after.resetTimeout.breaker.open' },
  PROBE_TIMER: { type: 'xstate.after.probeTimeout.breaker.halfOpen.probing' },
});

// The failure count shapes behaviour only while closed; elsewhere it would make the graph infinite.
const serialize = (s: BreakerSnapshot) => {
  const state = typeof s.value === 'string' ? s.value : `halfOpen.${s.value.halfOpen}`;
  return state === 'closed' ? `closed:${s.context.failures}` : state;
};

const model = new TestModel(logic, { events: EVENTS, input: INPUT, serializeState: serialize });

/** The breaker as the textbook states it. */
class BreakerReference {
  state: 'closed' | 'open' | 'idle' | 'probing' = 'closed';
  failures = 0;
  readonly changes: BreakerChange[] = [];

  apply(event: ModelEvent): void {
    const { state } = this;
    switch (event.type) {
      case 'CALL_FAILED':
        if (state === 'closed') {
          this.failures++;
          if (this.failures >= INPUT.failureThreshold) this.move('open', 'closed', 'open');
        } else if (state === 'probing') {
          this.failures++;
          this.move('open', 'halfOpen', 'open');
        }
        return;
      case 'CALL_SUCCEEDED':
        if (state === 'closed') this.failures = 0;
        if (state === 'probing') {
          this.failures = 0;
          this.move('closed', 'halfOpen', 'closed');
        }
        return;
      case 'PROBE_STARTED':
        if (state === 'idle') this.state = 'probing';
        return;
      case 'RESET_TIMER':
        if (state === 'open') this.move('idle', 'open', 'halfOpen');
        return;
      case 'PROBE_TIMER':
        if (state === 'probing') {
          this.failures++;
          this.move('open', 'halfOpen', 'open');
        }
        return;
    }
  }

  admits(): Admission {
    return this.state === 'closed' ? 'yes' : this.state === 'idle' ? 'probe' : 'no';
  }

  needsSuccess(): boolean {
    return this.state === 'probing' || (this.state === 'closed' && this.failures > 0);
  }

  private move(
    to: BreakerReference['state'],
    from: BreakerChange['from'],
    toName: BreakerChange['to'],
  ): void {
    this.state = to;
    this.changes.push({ from, to: toName });
  }
}

function harness(): TestParam<BreakerSnapshot, ModelEvent> {
  const clock = new SimulatedClock();
  const changes: BreakerChange[] = [];
  const actor = createActor(breakerMachine, { clock, input: INPUT });
  actor.on('breakerChanged', ({ from, to }) => void changes.push({ from, to }));
  actor.start();
  const reference = new BreakerReference();
  const exec = ({ event }: { event: ModelEvent }) => {
    // A timer event advances the clock only when that timer runs, so time never leaks into another one.
    if (event.type === 'RESET_TIMER') {
      if (reference.state === 'open') clock.increment(INPUT.resetTimeoutMs);
    } else if (event.type === 'PROBE_TIMER') {
      if (reference.state === 'probing') clock.increment(INPUT.probeTimeoutMs);
    } else {
      actor.send(event);
    }
    reference.apply(event);
  };
  return {
    events: {
      CALL_FAILED: exec,
      CALL_SUCCEEDED: exec,
      PROBE_STARTED: exec,
      RESET_TIMER: exec,
      PROBE_TIMER: exec,
    },
    states: {
      '*': (expected) => {
        const s = actor.getSnapshot();
        expect(serialize(s)).toBe(serialize(expected));
        expect(breakerAdmits(s)).toBe(reference.admits());
        expect(breakerNeedsSuccess(s)).toBe(reference.needsSuccess());
        expect(breakerStateOf(s)).toBe(
          reference.state === 'idle' || reference.state === 'probing' ? 'halfOpen' : reference.state,
        );
        expect(s.context.failures).toBe(reference.failures);
        expect(changes).toEqual(reference.changes);
      },
    },
  };
}

describe('breaker machine agrees with its reference model', () => {
  it('has closed with 0..threshold-1 failures, open, and both half-open states', () => {
    const states = model.getShortestPaths({ allowDuplicatePaths: true }).map((p) => serialize(p.state));
    expect(states.sort()).toEqual([
      'closed:0',
      'closed:1',
      'closed:2',
      'halfOpen.idle',
      'halfOpen.probing',
      'open',
    ]);
  });

  itAgreesAlongEveryPath(model, EVENTS, harness);
});
