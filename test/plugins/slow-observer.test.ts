import { afterEach, describe, expect, it } from 'vitest';
import { PluginSlowError } from '../../src/hooks/errors.js';
import type { OcppPlugin } from '../../src/hooks/types.js';
import { cleanup, expectServed, startCsms, until } from '../runtime/harness.js';

afterEach(cleanup);

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
