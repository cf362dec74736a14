import { afterEach, describe, expect, it } from 'vitest';
import { createCsms } from '../../src/actors/csms.js';
import { DuplicatePluginError, PluginTimeoutError, UnknownHookError } from '../../src/hooks/errors.js';
import type { OcppPlugin, PluginContext } from '../../src/hooks/types.js';
import {
  cleanup,
  expectServed,
  gate,
  nextEvent,
  record,
  startCsms,
  until,
  within,
} from '../runtime/harness.js';

afterEach(cleanup);

describe('plugin registration', () => {
  it('refuses an unknown hook name, naming it and the known ones', () => {
    const csms = createCsms();
    const typo = { name: 'typo', onConection: () => {} } as OcppPlugin;
    expect(() => csms.plugin(typo)).toThrow(UnknownHookError);
    expect(() => csms.plugin(typo)).toThrow(/unknown hook "onConection".*onConnection/);
    const badEvent = { name: 'bad-event', events: { conected: () => {} } } as unknown as OcppPlugin;
    expect(() => csms.plugin(badEvent)).toThrow(/events\.conected/);
    expect(() => createCsms({ plugins: [typo] })).toThrow(UnknownHookError);
    expect(() => csms.plugin({ name: 'lvl', level: 7 as 1 })).toThrow(RangeError);
    csms.plugin({ name: 'once' });
    expect(() => csms.plugin({ name: 'once' })).toThrow(DuplicatePluginError);
  });

  it('runs hooks by level, highest first, then in registration order, whatever the registration order', async () => {
    const order: string[] = [];
    const p = (name: string, level?: 1 | 2 | 3 | 4): OcppPlugin => ({
      name,
      ...(level ? { level } : {}),
      onConnection: () => order.push(name),
      onBeforeReceive: () => {
        order.push(`${name}:receive`);
        return true;
      },
    });
    const t = await startCsms({ plugins: [p('observer'), p('guard', 2), p('mw', 4)] });
    t.csms.plugin(p('interceptor', 3), p('observer2', 1), p('mw2', 4));
    const connected = nextEvent(t.csms, 'connected');
    const s = await t.connect('CP1');
    await connected;
    expect(order).toEqual(['mw', 'mw2', 'interceptor', 'guard', 'observer', 'observer2']);
    order.length = 0;
    await s.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    expect(order).toEqual([
      'mw:receive',
      'mw2:receive',
      'interceptor:receive',
      'guard:receive',
      'observer:receive',
      'observer2:receive',
    ]);
  });

  it('removes a plugin: its hooks stop and its teardown runs', async () => {
    const seen: string[] = [];
    let released = false;
    const t = await startCsms({
      plugins: [
        {
          name: 'watch',
          setup: () => () => {
            released = true;
          },
          onConnection: (s) => seen.push(s.identity),
        },
      ],
    });
    await t.boot('CP1');
    expect(await t.csms.removePlugin('watch')).toBe(true);
    expect(released).toBe(true);
    await t.boot('CP2');
    expect(seen).toEqual(['CP1']);
    expect(await t.csms.removePlugin('watch')).toBe(false);
  });
});

describe('plugin context', () => {
  it('gives setup and onInit the CSMS handle, bus, logger and port; plugins call and close stations', async () => {
    let ctx: PluginContext | undefined;
    let initPort: number | undefined;
    const t = await startCsms({
      plugins: [
        {
          name: 'ctx',
          setup: (c) => {
            ctx = c;
          },
          onInit: (c) => {
            initPort = c.port;
          },
        },
      ],
    });
    expect(initPort).toBe(Number(new URL(t.url).port));
    const s = await t.boot('CP1');
    const call = ctx!.csms.call('CP1', 'GetConfiguration', {});
    const req = await s.waitFor((m) => m[0] === 2 && m[2] === 'GetConfiguration');
    s.reply(req, { configurationKey: [] });
    expect(await call).toEqual({ configurationKey: [] });
    expect(ctx!.csms.connectedCount).toBe(1);
    expect(await ctx!.csms.close('CP1', 4001, 'bye')).toBe(true);
    expect((await s.closed).code).toBe(4001);
    expect(await ctx!.csms.close('CP1')).toBe(false);
  });

  it("emits security events of the plugin's own types", async () => {
    let ctx: PluginContext | undefined;
    const t = await startCsms({
      plugins: [
        {
          name: 'sec',
          setup: (c) => {
            ctx = c;
          },
        },
      ],
    });
    const ev = nextEvent(t.csms, 'securityEvent');
    ctx!.securityEvent('PLUGIN_SOMETHING', { identity: 'CP9', details: { n: 1 } });
    expect(await ev).toMatchObject({
      type: 'PLUGIN_SOMETHING',
      identity: 'CP9',
      details: { plugin: 'sec', n: 1 },
    });
  });

  it('fallback handlers answer only where the application registered none', async () => {
    const fb: OcppPlugin = {
      name: 'fb',
      setup: (c) => {
        c.fallback('Heartbeat', () => ({ currentTime: '2000-01-01T00:00:00.000Z' }));
        c.fallback('DataTransfer', () => ({ status: 'Rejected' }));
      },
    };
    const t = await startCsms({ plugins: [fb] }, { defaults: false });
    t.csms.handle('BootNotification', () => ({
      status: 'Accepted',
      currentTime: new Date().toISOString(),
      interval: 60,
    }));
    t.csms.handle('ocpp1.6', 'DataTransfer', () => ({ status: 'Accepted' }));
    t.csms.handle('*', () => ({}));
    const s = await t.boot('CP1');
    expect((await s.call('Heartbeat', {}))[2]).toEqual({ currentTime: '2000-01-01T00:00:00.000Z' });
    expect((await s.call('DataTransfer', { vendorId: 'v' }))[2]).toEqual({ status: 'Accepted' });
  });
});

describe('observers never block, and their failures never vanish', () => {
  it('a throwing, a rejecting and a never-settling observer are reported and do not affect others', async () => {
    const fine: string[] = [];
    const t = await startCsms({
      plugins: [
        {
          name: 'thrower',
          onConnection: () => {
            throw new Error('sync boom');
          },
        },
        {
          name: 'rejecter',
          events: {
            connected: async () => {
              throw new Error('async boom');
            },
          },
        },
        { name: 'stuck', onConnection: (() => new Promise<void>(() => {})) as unknown as () => undefined },
        { name: 'fine', onConnection: (s) => fine.push(s.identity) },
      ],
    });
    const errors = record(t.csms, 'pluginError');
    const s = await t.boot('CP1');
    await until(() => errors.pluginError.length >= 2);
    expect(errors.pluginError.map((e) => `${e.plugin}:${e.hook}`).sort()).toEqual([
      'rejecter:connected',
      'thrower:connected',
    ]);
    expect(fine).toEqual(['CP1']);
    expect(t.csms.pluginErrors().get('thrower')).toBe(1);
    await expectServed(s);
  });

  it('onClose waits for a slow plugin at most the hook timeout, reports it, and still closes', async () => {
    const csms = createCsms({
      plugins: [
        { name: 'slow', onClose: () => new Promise<void>(() => {}) },
        {
          name: 'after',
          onClose: () => {
            closedAfter = true;
          },
        },
      ],
    });
    let closedAfter = false;
    (csms as unknown as { dispatcher: { hookTimeoutMs: number } }).dispatcher.hookTimeoutMs = 100;
    const errors = record(csms, 'pluginError');
    await csms.listen({ port: 0, host: '127.0.0.1' });
    await within(csms.close({ drainMs: 0 }), 'close');
    expect(errors.pluginError[0]).toMatchObject({ plugin: 'slow', hook: 'closed' });
    expect(errors.pluginError[0]!.error).toBeInstanceOf(PluginTimeoutError);
    expect(closedAfter).toBe(true);
  });
});

describe('interceptors', () => {
  it("async onBeforeReceive holds a station's later frames so they keep their order; others are not held", async () => {
    const hold = gate<boolean>();
    const handled: string[] = [];
    const t = await startCsms({
      plugins: [
        {
          name: 'slow-gate',
          level: 3,
          onBeforeReceive: (station, raw) =>
            station.identity === 'CP1' && raw.includes('"first"') ? hold.promise : true,
        },
      ],
    });
    t.csms.handle('DataTransfer', ({ payload, station }) => {
      handled.push(`${station.identity}:${(payload as { messageId?: string }).messageId}`);
      return { status: 'Accepted' };
    });
    const s = await t.boot('CP1');
    const other = await t.boot('CP2');
    s.send([2, 'first', 'DataTransfer', { vendorId: 'v', messageId: 'first' }]);
    s.send([2, 'second', 'DataTransfer', { vendorId: 'v', messageId: 'second' }]);
    await other.call('DataTransfer', { vendorId: 'v', messageId: 'other' });
    expect(handled).toEqual(['CP2:other']);
    hold.open(true);
    await s.waitFor((m) => m[1] === 'second');
    expect(handled).toEqual(['CP2:other', 'CP1:first', 'CP1:second']);
  });

  it('onBeforeSend sees CALLERRORs too, and may block them', async () => {
    const seen: unknown[][] = [];
    const t = await startCsms({
      plugins: [{ name: 'send-watch', onBeforeSend: (_s, m) => void seen.push([...m]) }],
    });
    const s = await t.connect('CP1');
    const answer = await s.call('Heartbeat', {}, 'early');
    expect(answer[0]).toBe(4);
    expect(seen).toContainEqual([4, 'early', 'SecurityError', expect.any(String), expect.any(Object)]);
  });
});
