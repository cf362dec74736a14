import { afterEach, describe, expect, it } from 'vitest';
import { inspectorPlugin } from '../../src/plugins/index.js';
import { cleanup, startCsms, until } from '../runtime/harness.js';

afterEach(cleanup);

interface Seen {
  type: string;
  actorRef: { id: string };
  snapshot?: { value?: unknown };
}

describe('inspectorPlugin', () => {
  it('relays the inspection events of the selected station only, from the moment it is selected', async () => {
    const events: Seen[] = [];
    const inspector = inspectorPlugin({ inspect: (e) => events.push(e as Seen) });
    const t = await startCsms({ plugins: [inspector] });
    const a = await t.boot('CP-A');
    const b = await t.boot('CP-B');
    expect(events).toEqual([]); // nothing attached before a selection

    expect(inspector.select('CP-A')).toBe(true);
    // Announced with its current snapshot, as @statelyai/inspect needs to draw it.
    expect(events.slice(0, 2).map((e) => [e.type, e.actorRef.id])).toEqual([
      ['@xstate.actor', 'CP-A'],
      ['@xstate.snapshot', 'CP-A'],
    ]);
    await a.close();
    await b.close();
    await until(() => events.some((e) => e.type === '@xstate.event' && e.actorRef.id === 'CP-A'));
    expect(events.every((e) => e.actorRef.id === 'CP-A')).toBe(true);

    inspector.deselect('CP-A');
    const count = events.length;
    const c = await t.boot('CP-A');
    await c.call('Heartbeat', {});
    expect(events.length).toBe(count);
  });

  it('relays into an @statelyai/inspect inspector (its observer converts to the Stately format)', async () => {
    const { createInspector } = await import('@statelyai/inspect');
    const sent: { type: string; name?: string; sessionId?: string }[] = [];
    const stately = createInspector({
      send: (e) => sent.push(e as (typeof sent)[number]),
      start: () => {},
      stop: () => {},
    });
    const inspector = inspectorPlugin({ inspect: stately.inspect });
    const t = await startCsms({ plugins: [inspector] });
    await t.boot('CP-S');
    inspector.select('CP-S');
    await until(() => sent.some((e) => e.type === '@xstate.actor' && e.name === 'CP-S'));
    expect(sent.some((e) => e.type === '@xstate.snapshot')).toBe(true);
  });
});
