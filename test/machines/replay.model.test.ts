import { describe, expect, it } from 'vitest';
import { TestModel, type TestParam } from 'xstate/graph';
import {
  type ReplayEvent,
  type ReplayMachine,
  type ReplayProgress,
  type ReplaySnapshot,
  type ReplayState,
  replayBackoffMs,
  replayMachine,
  replayStateOf,
} from '../../src/machines/replay.js';
import { aliasEvents, itAgreesAlongEveryPath, settle } from './model-kit.js';
import { startReplay } from './replay-harness.js';

/** What the in-flight delivery does, and the back-off and pacing timers expiring. */
type Outcome =
  | { type: 'DELIVERED' }
  | { type: 'DROPPED' }
  | { type: 'FOUND_EMPTY' }
  | { type: 'DELIVERY_FAILED' }
  | { type: 'RETRY_TIMER' }
  | { type: 'PACE_TIMER' };
type ModelEvent = ReplayEvent | Outcome;

const INPUT = { identity: 'CS-1', retryBaseMs: 1_000, retryMaxMs: 4_000 };
/** The same machine with a pause between delivered commands (replayBufferPlugin's flushDelayMs). */
const PACED_INPUT = { ...INPUT, flushDelayMs: 500 };

const EVENTS: readonly ModelEvent[] = [
  { type: 'STATION_READY' },
  { type: 'STATION_GONE' },
  { type: 'ENQUEUED' },
  { type: 'QUEUE_EMPTY' },
  { type: 'DELIVERED' },
  { type: 'DROPPED' },
  { type: 'FOUND_EMPTY' },
  { type: 'DELIVERY_FAILED' },
  { type: 'RETRY_TIMER' },
];

const logic = aliasEvents<ReplayMachine, Outcome>(replayMachine, {
  DELIVERED: { type: 'xstate.done.actor.deliverNext', output: { delivered: true } },
  DROPPED: { type: 'xstate.done.actor.deliverNext', output: { dropped: true } },
  FOUND_EMPTY: { type: 'xstate.done.actor.deliverNext', output: { empty: true } },
  DELIVERY_FAILED: { type: 'xstate.error.actor.deliverNext', error: new Error('no answer') },
  RETRY_TIMER: { type: 'xstate.after.retryBackoff.replay.paused.backingOff' },
  PACE_TIMER: { type: 'xstate.after.flushDelay.replay.pacing' },
});

// Counters grow without bound; only the state and, while flushing, the late-ENQUEUED flag shape behaviour.
const serialize = (s: ReplaySnapshot) =>
  `${replayStateOf(s)}${s.value === 'flushing' && s.context.enqueuedMeanwhile ? '+enqueued' : ''}`;

const model = new TestModel(logic, { events: EVENTS, input: INPUT, serializeState: serialize });
const PACED_EVENTS: readonly ModelEvent[] = [...EVENTS, { type: 'PACE_TIMER' }];
const pacedModel = new TestModel(logic, {
  events: PACED_EVENTS,
  input: PACED_INPUT,
  serializeState: serialize,
});

class ReplayReference {
  state: ReplayState = 'idle';
  delivered = 0;
  failed = 0;
  attempt = 0;
  enqueuedMeanwhile = false;
  readonly progress: ReplayProgress[] = [];

  constructor(readonly flushDelayMs = 0) {}

  apply(event: ModelEvent): void {
    const { state } = this;
    switch (event.type) {
      case 'STATION_READY':
        if (state === 'idle' || state === 'paused.offline') this.flush();
        return;
      case 'STATION_GONE':
        if (state === 'flushing' || state === 'pacing' || state === 'paused.backingOff')
          this.state = 'paused.offline';
        if (state === 'drained') this.state = 'idle';
        return;
      case 'ENQUEUED':
        if (state === 'flushing') this.enqueuedMeanwhile = true;
        if (state === 'drained') this.flush();
        return;
      case 'QUEUE_EMPTY':
        if (state === 'paused.backingOff') this.drain();
        return;
      case 'DELIVERED':
        if (state !== 'flushing') return;
        this.delivered++;
        this.attempt = 0;
        this.report('delivered');
        if (this.flushDelayMs > 0) this.state = 'pacing';
        else this.flush();
        return;
      case 'DROPPED':
        // Its last allowed attempt failed: counted as a failure, and the next command is due.
        if (state !== 'flushing') return;
        this.failed++;
        this.attempt = 0;
        this.report('dropped');
        if (this.flushDelayMs > 0) this.state = 'pacing';
        else this.flush();
        return;
      case 'FOUND_EMPTY':
        if (state !== 'flushing') return;
        if (this.enqueuedMeanwhile) {
          this.attempt = 0;
          this.flush();
        } else {
          this.drain();
        }
        return;
      case 'DELIVERY_FAILED':
        if (state !== 'flushing') return;
        this.failed++;
        this.attempt++;
        this.state = 'paused.backingOff';
        this.report('failed');
        return;
      case 'RETRY_TIMER':
        if (state === 'paused.backingOff') this.flush();
        return;
      case 'PACE_TIMER':
        if (state === 'pacing') this.flush();
        return;
    }
  }

  get backoffMs(): number {
    return Math.min(INPUT.retryMaxMs, INPUT.retryBaseMs * 2 ** (this.attempt - 1));
  }

  private flush(): void {
    this.state = 'flushing';
    this.enqueuedMeanwhile = false;
  }

  private drain(): void {
    this.state = 'drained';
    this.attempt = 0;
    this.report('drained');
  }

  private report(outcome: ReplayProgress['outcome']): void {
    this.progress.push({ outcome, delivered: this.delivered, failed: this.failed });
  }
}

function harness(
  input: typeof INPUT & { flushDelayMs?: number } = INPUT,
): TestParam<ReplaySnapshot, ModelEvent> {
  const r = startReplay({ mode: 'manual', input });
  const reference = new ReplayReference(input.flushDelayMs);
  // A timer of `state` fires on time: checks the delay too, one millisecond short must not fire it.
  const expire = async (state: ReplayState, ms: number) => {
    if (reference.state !== state) return;
    r.clock.increment(ms - 1);
    await settle();
    expect(r.state()).toBe(state);
    r.clock.increment(1);
  };
  const exec = async ({ event }: { event: ModelEvent }) => {
    const inFlight = r.pending[0];
    switch (event.type) {
      case 'DELIVERED':
        inFlight?.resolve({ delivered: true });
        break;
      case 'DROPPED':
        inFlight?.resolve({ dropped: true });
        break;
      case 'FOUND_EMPTY':
        inFlight?.resolve({ empty: true });
        break;
      case 'DELIVERY_FAILED':
        inFlight?.reject(new Error('no answer'));
        break;
      case 'RETRY_TIMER':
        await expire('paused.backingOff', reference.backoffMs);
        break;
      case 'PACE_TIMER':
        await expire('pacing', reference.flushDelayMs);
        break;
      default:
        r.actor.send(event);
    }
    await settle();
    reference.apply(event);
  };
  return {
    events: Object.fromEntries(PACED_EVENTS.map((e) => [e.type, exec])),
    states: {
      '*': (expected) => {
        const s = r.actor.getSnapshot();
        expect(serialize(s)).toBe(serialize(expected));
        expect(replayStateOf(s)).toBe(reference.state);
        expect(s.context).toMatchObject({
          delivered: reference.delivered,
          failed: reference.failed,
          attempt: reference.attempt,
        });
        expect(r.progress).toEqual(reference.progress);
        // Exactly one delivery in flight while flushing, none otherwise, and it knows the attempt.
        expect(r.pending.map((p) => p.input.attempt)).toEqual(
          reference.state === 'flushing' ? [reference.attempt] : [],
        );
      },
    },
  };
}

describe('replay machine agrees with its reference model', () => {
  it('has the five states, and flushing with a late ENQUEUED', () => {
    const states = model.getShortestPaths({ allowDuplicatePaths: true }).map((p) => serialize(p.state));
    expect(states.sort()).toEqual([
      'drained',
      'flushing',
      'flushing+enqueued',
      'idle',
      'paused.backingOff',
      'paused.offline',
    ]);
  });

  itAgreesAlongEveryPath(model, EVENTS, () => harness());

  it('backs off up to the cap over repeated failures', async () => {
    const failures = Array.from(
      { length: 4 },
      () => [{ type: 'DELIVERY_FAILED' }, { type: 'RETRY_TIMER' }] as const,
    );
    const events: ModelEvent[] = [{ type: 'STATION_READY' }, ...failures.flat(), { type: 'DELIVERED' }];
    const [path] = model.getPathsFromEvents(events, model.options);
    expect(replayBackoffMs(4, INPUT.retryBaseMs, INPUT.retryMaxMs)).toBe(INPUT.retryMaxMs);
    await path?.test(harness());
  });
});

describe('replay machine with flushDelayMs agrees with its reference model', () => {
  it('pauses after each delivered command, and only then', () => {
    const states = pacedModel.getShortestPaths({ allowDuplicatePaths: true }).map((p) => serialize(p.state));
    expect(states.sort()).toEqual([
      'drained',
      'flushing',
      'flushing+enqueued',
      'idle',
      'pacing',
      'paused.backingOff',
      'paused.offline',
    ]);
  });

  itAgreesAlongEveryPath(pacedModel, PACED_EVENTS, () => harness(PACED_INPUT));
});
