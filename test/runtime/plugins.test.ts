import { afterEach, describe, expect, it } from 'vitest';
import type { OcppPlugin } from '../../src/hooks/types.js';
import { cleanup, expectServed, gate, nextEvent, record, startCsms, within } from './harness.js';

afterEach(cleanup);

const now = () => new Date().toISOString();

describe('plugin hooks around one inbound CALL', () => {
  it('run in order: onBeforeReceive, onMessage IN, handler, onBeforeSend, onMessage OUT', async () => {
    const order: string[] = [];
    const tracer: OcppPlugin = {
      name: 'tracer',
      onBeforeReceive: (station, raw) => {
        if (raw.includes('"trace"')) order.push(`onBeforeReceive ${station.identity}`);
        return undefined;
      },
      onMessage: (_station, e) => {
        if (e.ctx.messageId === 'trace') order.push(`onMessage ${e.direction} ${e.ctx.type} ${e.ctx.action}`);
      },
      onBeforeSend: (_station, message) => {
        if (message[1] === 'trace') order.push(`onBeforeSend ${message[0]}`);
        return true;
      },
    };
    const t = await startCsms({ plugins: [tracer] });
    const s = await t.boot('CP1');
    t.csms.handle('Heartbeat', () => {
      order.push('handler');
      return { currentTime: now() };
    });
    expect((await s.call('Heartbeat', {}, 'trace'))[0]).toBe(3);
    expect(order).toEqual([
      'onBeforeReceive CP1',
      'onMessage IN CALL Heartbeat',
      'handler',
      'onBeforeSend 3',
      'onMessage OUT CALLRESULT Heartbeat',
    ]);
  });

  it('reports the handling latency on the outgoing CALLRESULT', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    const out = nextEvent(t.csms, 'message', (e) => e.direction === 'OUT' && e.ctx.messageId === 'lat');
    await s.call('Heartbeat', {}, 'lat');
    expect((await out).ctx.latencyMs).toBeGreaterThanOrEqual(0);
  });
});

describe('interceptors and middleware', () => {
  it('onBeforeReceive returning false drops the message unanswered', async () => {
    const seen: string[] = [];
    const t = await startCsms({
      plugins: [{ name: 'drop-cp1', onBeforeReceive: (station) => station.identity !== 'CP1' }],
    });
    t.csms.on('message', (e) => seen.push(`${e.station.identity} ${e.direction}`));
    const other = await t.boot('CP2');
    const s = await t.connect('CP1');
    let ran = false;
    t.csms.handle('Heartbeat', () => {
      ran = true;
      return { currentTime: now() };
    });
    s.send([2, 'h1', 'Heartbeat', {}]);
    s.send('not even JSON');
    await s.expectSilence();
    expect(ran).toBe(false);
    expect(seen.filter((x) => x.startsWith('CP1'))).toEqual([]);
    await expectServed(other);
  });

  it('onBeforeSend returning false blocks the answer, and the handler still ran', async () => {
    const ran = gate();
    const t = await startCsms({
      plugins: [
        {
          name: 'mute-heartbeat-results',
          onBeforeSend: (station, m) => !(station.identity === 'CP1' && m[0] === 3 && m[1] === 'h1'),
        },
      ],
    });
    const s = await t.boot('CP1');
    t.csms.handle('Heartbeat', () => {
      ran.open();
      return { currentTime: now() };
    });
    s.send([2, 'h1', 'Heartbeat', {}]);
    await within(ran.promise, 'handler ran');
    await s.expectSilence();
    await expectServed(s);
  });

  it('transformInbound rewrites the payload the handler sees (before validation)', async () => {
    const t = await startCsms({
      plugins: [
        {
          name: 'fix-legacy-idtags',
          transformInbound: (_station, action, payload) =>
            action === 'Authorize' && typeof payload.tag === 'string' ? { idTag: payload.tag } : undefined,
        },
      ],
    });
    const s = await t.boot('CP1');
    const seen: unknown[] = [];
    t.csms.handle('ocpp1.6', 'Authorize', ({ payload }) => {
      seen.push(payload);
      return { idTagInfo: { status: 'Accepted' as const } };
    });
    // Without the rewrite, { tag } would fail the schema (idTag is required, tag not allowed).
    expect(await s.call('Authorize', { tag: 'LEGACY1' }, 'a1')).toEqual([
      3,
      'a1',
      { idTagInfo: { status: 'Accepted' } },
    ]);
    expect(seen).toEqual([{ idTag: 'LEGACY1' }]);
  });
});

describe('plugin isolation', () => {
  it('a plugin throwing in an observer does not stop other plugins or the answer; pluginError reports it', async () => {
    const calls: string[] = [];
    const broken: OcppPlugin = {
      name: 'broken',
      onMessage: () => {
        throw new Error('observer bug');
      },
    };
    const healthy: OcppPlugin = {
      name: 'healthy',
      onMessage: (_s, e) => calls.push(`${e.direction} ${e.ctx.type}`),
    };
    const t = await startCsms({ plugins: [broken, healthy] });
    const errors = record(t.csms, 'pluginError');
    const other = await t.boot('CP2');
    const s = await t.boot('CP1');
    calls.length = 0;
    errors.pluginError.length = 0;
    expect((await s.call('Heartbeat', {}, 'h1'))[0]).toBe(3);
    expect(calls).toEqual(['IN CALL', 'OUT CALLRESULT']);
    expect(errors.pluginError).toMatchObject([
      { plugin: 'broken', hook: 'message', error: { message: 'observer bug' } },
      { plugin: 'broken', hook: 'message', error: { message: 'observer bug' } },
    ]);
    await expectServed(other);
  });

  it('reports a rejected async hook as pluginError too', async () => {
    const t = await startCsms({
      plugins: [
        {
          name: 'async-broken',
          onConnection: async () => {
            throw new Error('async observer bug');
          },
        },
      ],
    });
    const failed = nextEvent(t.csms, 'pluginError');
    const s = await t.connect('CP1');
    expect(await failed).toMatchObject({ plugin: 'async-broken', hook: 'connected' });
    expect((await s.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }))[0]).toBe(3);
  });

  it('a throwing interceptor does not drop the message; a throwing middleware is skipped', async () => {
    const t = await startCsms({
      plugins: [
        {
          name: 'bad-interceptors',
          onBeforeReceive: () => {
            throw new Error('receive bug');
          },
          onBeforeSend: () => {
            throw new Error('send bug');
          },
          transformInbound: () => {
            throw new Error('transform bug');
          },
        },
      ],
    });
    const errors = record(t.csms, 'pluginError');
    const s = await t.boot('CP1');
    await expectServed(s);
    expect(new Set(errors.pluginError.map((e) => e.hook))).toEqual(
      new Set(['onBeforeReceive', 'onBeforeSend', 'transformInbound']),
    );
  });

  it('a throwing csms.on listener is isolated like a plugin hook', async () => {
    const t = await startCsms();
    const errors = record(t.csms, 'pluginError');
    t.csms.on('connected', () => {
      throw new Error('listener bug');
    });
    const s = await t.boot('CP1');
    await expectServed(s);
    expect(errors.pluginError).toMatchObject([{ plugin: 'listener', hook: 'connected' }]);
  });
});
