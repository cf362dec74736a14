/**
 * What src/actors/xstate-internals.ts relies on in XState (pinned 5.33.3). If one of these fails after
 * an upgrade, fix that file (and the actor template) before anything else: stations would leak timers,
 * start from a wrong snapshot, or cost more memory, silently.
 */
import { describe, expect, it } from 'vitest';
import { createActor, fromTransition, SimulatedClock, setup } from 'xstate';
import { activeNodes, stopChild, withSharedOptionsShape } from '../../src/actors/xstate-internals.js';

const parentActor = () => createActor(fromTransition((s: null) => s, null)).start();

const timed = setup({}).createMachine({
  initial: 'waiting',
  states: { waiting: { after: { 1000: 'done' } }, done: { entry: () => {} } },
});

describe('XState internals the runtime relies on', () => {
  it('stopChild stops an actor with a parent (public stop() refuses) and cancels its delayed events', () => {
    const clock = new SimulatedClock();
    const parent = parentActor();
    const child = createActor(timed, { parent, clock, id: 'child' }).start();
    expect(typeof (child as unknown as { _stop?: unknown })._stop).toBe('function');
    stopChild(child);
    expect(child.getSnapshot().status).toBe('stopped');
    clock.increment(2000);
    expect(child.getSnapshot().value).toBe('waiting');
  });

  it('activeNodes lists the state nodes of a snapshot, with the fields the template checks', () => {
    const actor = createActor(timed);
    const nodes = activeNodes(actor.getSnapshot());
    expect(nodes).toBeDefined();
    const waiting = nodes!.find((n) => (n as unknown as { key: string }).key === 'waiting')!;
    expect(waiting).toBeDefined();
    expect(waiting.after.length).toBe(1);
    expect(Array.isArray(waiting.entry)).toBe(true);
    expect(Array.isArray(waiting.invoke)).toBe(true);
    // `always` may be absent, but never anything but an array.
    expect(waiting.always === undefined || Array.isArray(waiting.always)).toBe(true);
  });

  it('actors keep their options as `options`, which withSharedOptionsShape replaces by an equal object', () => {
    const actor = createActor(timed, { id: 'a' });
    const before = (actor as unknown as { options: Record<string, unknown> }).options;
    expect(before).toMatchObject({ id: 'a' });
    withSharedOptionsShape(actor);
    const after = (actor as unknown as { options: Record<string, unknown> }).options;
    expect(after).not.toBe(before);
    expect(after).toEqual(before);
    // The actor still works from the replaced object.
    actor.start();
    expect(actor.getSnapshot().value).toBe('waiting');
    actor.stop();
  });
});
