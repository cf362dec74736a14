import { afterEach, describe, expect, it } from 'vitest';
import { PluginBacklogError, PluginSlowError } from '../../src/hooks/errors.js';
import { DEFERRED_LIMIT } from '../../src/hooks/observer-watch.js';
import type { CsmsEventMap, OcppPlugin } from '../../src/hooks/types.js';
import { cleanup, expectServed, startCsms, until } from '../runtime/harness.js';
import type { StationSocket } from '../support/station-socket.js';

afterEach(cleanup);

type PluginErrorEvent = CsmsEventMap['pluginError'];

/** Holds the thread for `ms`, as a synchronous file write or a heavy computation would. */
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
};

describe('a slow (not throwing) observer', () => {
  it('is detected, reported as pluginError, and then runs after the message path and the other plugins', async () => {
    const order: string[] = [];
    const slow: OcppPlugin = {
      name: 'slow',
      // Slow for CP1's frames (the station the test drives), quick for the others.
      onMessage: (station, { direction, ctx }) => {
        if (station.identity === 'CP1') busy(40);
        order.push(`slow ${direction} ${ctx.type} ${ctx.messageId}`);
      },
    };
    const fast: OcppPlugin = {
      name: 'fast',
      onMessage: (_station, { direction, ctx }) =>
        order.push(`fast ${direction} ${ctx.type} ${ctx.messageId}`),
    };
    const t = await startCsms({ plugins: [slow, fast] });
    const errors: { plugin: string; hook: string; error: unknown }[] = [];
    t.csms.on('pluginError', (e) => errors.push(e));
    const s = await t.boot('CP1');
    // Observer calls are timed on a sample (one emit in 16): keep the station talking until it is caught.
    for (let i = 0; errors.length === 0 && i < 80; i++) await s.call('Heartbeat', {}, `warm-${i}`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ plugin: 'slow', hook: 'message' });
    expect(errors[0]!.error).toBeInstanceOf(PluginSlowError);
    expect((errors[0]!.error as PluginSlowError).durationMs).toBeGreaterThanOrEqual(40);
    expect(t.csms.pluginErrors().get('slow')).toBe(1);

    // From now on the station's CALL is handled and answered, and the fast plugin sees both frames,
    // before the slow plugin gets to the CALL; the slow plugin still sees every frame, in order.
    order.length = 0;
    await s.call('Heartbeat', {}, 'hb');
    await until(() => order.length === 4);
    expect(order).toEqual([
      'fast IN CALL hb',
      'fast OUT CALLRESULT hb',
      'slow IN CALL hb',
      'slow OUT CALLRESULT hb',
    ]);
    expect(errors).toHaveLength(1);
    await expectServed(await t.boot('CP2'));
  });
});

/**
 * An observer plugin whose cost per event the test sets: 40 ms until it is caught (over the 25 ms
 * threshold on two timed calls), then whatever the test needs; it records every frame it sees.
 */
function costly(name: string) {
  const state = { cost: 40, seen: [] as string[] };
  const plugin: OcppPlugin = {
    name,
    onMessage: (station, { direction, ctx }) => {
      if (station.identity === 'CP1') busy(state.cost);
      state.seen.push(`${station.identity} ${direction} ${ctx.messageId}`);
    },
  };
  return { plugin, state };
}

function recorder(name: string) {
  const seen: string[] = [];
  const plugin: OcppPlugin = {
    name,
    onMessage: (station, { direction, ctx }) => {
      seen.push(`${station.identity} ${direction} ${ctx.messageId}`);
    },
  };
  return { plugin, seen };
}

/** Keep CP1 talking until the slow plugin is caught (observer calls are timed one emit in 16). */
async function caught(s: StationSocket, errors: PluginErrorEvent[]): Promise<void> {
  for (let i = 0; errors.length === 0 && i < 80; i++) await s.call('Heartbeat', {}, `warm-${i}`);
  expect(errors.map((e) => e.error)).toEqual([expect.any(PluginSlowError)]);
}

describe("a slow observer's bounded queue", () => {
  it('drops what is past DEFERRED_LIMIT and reports it with the count, while the other plugins and stations keep time', async () => {
    const slow = costly('slow');
    const fast = recorder('fast');
    const t = await startCsms({ plugins: [slow.plugin, fast.plugin], maxInboundWaiting: 20_000 });
    const errors: PluginErrorEvent[] = [];
    t.csms.on('pluginError', (e) => errors.push(e));
    const s = await t.boot('CP1');
    const other = await t.boot('CP2');
    await caught(s, errors);

    // Each deferred call now holds a turn of the event loop's slice (5 ms), so the queue drains about one
    // event per turn while CP1 sends a burst whose frames (a CALL in, a CALLRESULT out each) are read
    // hundreds per turn: the queue fills past DEFERRED_LIMIT.
    slow.state.cost = 5;
    const burst = 7_000;
    for (let i = 0; i < burst; i++) s.send([2, `b${i}`, 'Heartbeat', {}]);
    await s.call('Heartbeat', {}, 'after-burst', 30_000);
    const backlog = () => errors.filter((e) => e.error instanceof PluginBacklogError);
    await until(() => backlog().length > 0, 10_000, 'a PluginBacklogError');

    // Meanwhile another station is answered, and the other plugin sees its frames on time: before the
    // answer reaches the station, while the slow plugin has not got to them.
    const fastBefore = fast.seen.length;
    expect(await other.call('Heartbeat', {}, 'probe')).toMatchObject([3, 'probe', {}]);
    expect(fast.seen.slice(fastBefore)).toEqual(['CP2 IN probe', 'CP2 OUT probe']);
    expect(slow.state.seen).not.toContain('CP2 IN probe');
    // Every frame of the burst was answered.
    const answered = new Set(s.received.filter((m) => m[0] === 3).map((m) => m[1]));
    expect(Array.from({ length: burst }, (_, i) => `b${i}`).filter((id) => !answered.has(id))).toEqual([]);

    // Let the slow plugin catch up; once it saw CP1's last frame the queue is empty.
    slow.state.cost = 0;
    await s.call('Heartbeat', {}, 'last');
    await until(() => slow.state.seen.includes('CP1 OUT last'), 10_000, 'the slow plugin catching up');

    // What it missed is what was dropped, reported at 1, 2, 4, … drops, each naming the limit.
    const dropped = fast.seen.length - slow.state.seen.length;
    expect(dropped).toBeGreaterThan(0);
    const reports = backlog().map((e) => e.error as PluginBacklogError);
    const expected = [];
    for (let n = 1; n <= dropped; n *= 2) expected.push(n);
    expect(reports.map((r) => r.dropped)).toEqual(expected);
    expect(backlog().every((e) => e.plugin === 'slow' && e.hook === 'message')).toBe(true);
    expect(reports.every((r) => r.limit === DEFERRED_LIMIT)).toBe(true);
    expect(t.csms.pluginErrors()).toEqual(new Map([['slow', 1 + expected.length]]));
    // The slow plugin's events were dropped, never reordered: what it saw is in the order they happened.
    const order = new Map(fast.seen.map((e, i) => [e, i]));
    const positions = slow.state.seen.map((e) => order.get(e)!);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  }, 60_000);

  it('at close() runs what is queued for at most hookTimeoutMs, then reports the rest dropped', async () => {
    const hookTimeoutMs = 300;
    const slow = costly('slow');
    const fast = recorder('fast');
    const t = await startCsms({
      plugins: [slow.plugin, fast.plugin],
      hookTimeoutMs,
      maxInboundWaiting: 1_000,
    });
    const errors: PluginErrorEvent[] = [];
    t.csms.on('pluginError', (e) => errors.push(e));
    const s = await t.boot('CP1');
    await caught(s, errors);

    // 50 ms per deferred call and up to 600 events queued (those of 300 CALLs, less the few run while
    // they were read): over 5 s of work left when close() is called, whatever the machine's load.
    slow.state.cost = 50;
    for (let i = 0; i < 300; i++) s.send([2, `b${i}`, 'Heartbeat', {}]);
    await s.call('Heartbeat', {}, 'after-burst', 30_000);
    const seenBefore = slow.state.seen.length;
    const queued = fast.seen.length - seenBefore;
    expect(queued).toBeGreaterThan(100);

    const t0 = performance.now();
    await t.csms.close({ drainMs: 0 });
    const took = performance.now() - t0;
    // It ran queued events for the hook timeout (the last call may run over it), not the seconds they need.
    const ran = slow.state.seen.length - seenBefore;
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThan(queued);
    expect(took).toBeGreaterThanOrEqual(hookTimeoutMs);
    expect(took).toBeLessThan(hookTimeoutMs + 2_000);
    // The remainder is reported once, with its exact count: every event is either seen or counted.
    const backlog = errors.filter((e) => e.error instanceof PluginBacklogError);
    expect(backlog).toHaveLength(1);
    expect(backlog[0]).toMatchObject({ plugin: 'slow', hook: 'message' });
    expect((backlog[0]!.error as PluginBacklogError).dropped).toBe(fast.seen.length - slow.state.seen.length);
  });
});
