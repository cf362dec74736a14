import { expect, it } from 'vitest';
import type {
  ActorLogic,
  AnyEventObject,
  AnyStateMachine,
  EventFromLogic,
  EventObject,
  InputFrom,
  SnapshotFrom,
} from 'xstate';
import type { TestModel, TestParam, TestPath } from 'xstate/graph';

/**
 * Model logic that also accepts alias events and rewrites them into the events XState raises by itself
 * (`xstate.after.*` when a delay expires, `xstate.done.actor.*` / `xstate.error.actor.*` when an invoked
 * actor settles). TestModel refuses neither, but the aliases let a path read in the domain's words and
 * let an executor fire the real thing (advance a clock, settle a promise) in the system under test.
 */
export function aliasEvents<TMachine extends AnyStateMachine, TAlias extends EventObject>(
  machine: TMachine,
  aliases: { [K in TAlias['type']]: AnyEventObject },
): ActorLogic<SnapshotFrom<TMachine>, EventFromLogic<TMachine> | TAlias, InputFrom<TMachine>> {
  const table: Record<string, EventObject | undefined> = aliases;
  const resolve = (event: EventObject) => (table[event.type] ?? event) as EventFromLogic<TMachine>;
  return {
    config: machine.config,
    transition: (snapshot, event, scope) =>
      machine.transition(snapshot, resolve(event), scope as never) as SnapshotFrom<TMachine>,
    getInitialSnapshot: (scope, input) =>
      machine.getInitialSnapshot(scope as never, input) as SnapshotFrom<TMachine>,
    getPersistedSnapshot: (snapshot, options) => machine.getPersistedSnapshot(snapshot, options),
  };
}

export interface Walk<TSnapshot extends SnapshotFrom<AnyStateMachine>, TEvent extends EventObject> {
  name: string;
  path: TestPath<TSnapshot, TEvent>;
}

const eventsOf = <TEvent extends EventObject>(path: { steps: { event: TEvent }[] }) =>
  path.steps.map((step) => step.event).filter((event) => event.type !== 'xstate.init');

/**
 * Transition coverage: the shortest path to every model state, then each event from there. Covers every
 * (state, event) pair once, including the events a state ignores, which shortest paths alone never take.
 */
export function transitionWalks<
  TSnapshot extends SnapshotFrom<AnyStateMachine>,
  TEvent extends EventObject,
  TInput,
>(model: TestModel<TSnapshot, TEvent, TInput>, events: readonly TEvent[]): Walk<TSnapshot, TEvent>[] {
  return model.getShortestPaths({ allowDuplicatePaths: true }).flatMap((path) =>
    events.map((event) => {
      const walk = [...eventsOf(path), event];
      const [extended] = model.getPathsFromEvents(walk, model.options);
      if (!extended) throw new Error(`no path for ${describeWalk(walk)}`);
      return { name: describeWalk(walk), path: extended };
    }),
  );
}

/** Simple paths: every way to reach each state without visiting a state twice. */
export function simpleWalks<
  TSnapshot extends SnapshotFrom<AnyStateMachine>,
  TEvent extends EventObject,
  TInput,
>(model: TestModel<TSnapshot, TEvent, TInput>): Walk<TSnapshot, TEvent>[] {
  return model.getSimplePaths().map((path) => ({ name: describeWalk(eventsOf(path)), path }));
}

export function describeWalk(events: readonly EventObject[]): string {
  if (events.length === 0) return '(initial)';
  return events
    .map((event) =>
      'status' in event && typeof event.status === 'string' ? `${event.type}:${event.status}` : event.type,
    )
    .join(' → ');
}

/** Lets settled promises reach the actor (promise actors report on a later microtask). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The two model-based checks every machine gets: each (state, event) pair via `transitionWalks`, and every
 * simple path, each run against a fresh `harness()` (a real actor beside the reference model).
 */
export function itAgreesAlongEveryPath<
  TSnapshot extends SnapshotFrom<AnyStateMachine>,
  TEvent extends EventObject,
  TInput,
>(
  model: TestModel<TSnapshot, TEvent, TInput>,
  events: readonly TEvent[],
  harness: () => TestParam<TSnapshot, TEvent>,
  minSimplePaths = 1,
): void {
  it.each(transitionWalks(model, events))('$name', async ({ path }) => {
    await path.test(harness());
  });

  it('follows every simple path', async () => {
    const walks = simpleWalks(model);
    expect(walks.length).toBeGreaterThanOrEqual(minSimplePaths);
    for (const { path } of walks) await path.test(harness());
  });
}
