import { afterEach, describe, expect, it } from 'vitest';
import type { StationPlugin, StationPluginContext } from '../../src/index.js';
import { bootPayload } from '../support/station-socket.js';
import { cleanup, startCsms, station } from './helpers.js';

afterEach(cleanup);

describe('station-side plugins', () => {
  it('get a context: the station (identity, protocol, calls), the logger and reportError; onInit on connect; teardown on close', async () => {
    const { csms, url } = await startCsms();
    const heartbeats: string[] = [];
    csms.handle('Heartbeat', ({ station: s }) => {
      heartbeats.push(s.identity);
      return { currentTime: new Date().toISOString() };
    });
    const logged: string[] = [];
    const logger = {
      debug: () => {},
      info: (_o: object, m?: string) => logged.push(String(m)),
      warn: () => {},
      error: () => {},
    };
    const seen: string[] = [];
    let ctx: StationPluginContext | undefined;
    const keepAlive: StationPlugin = {
      name: 'keep-alive',
      setup(c) {
        ctx = c;
        seen.push(`setup ${c.station.identity} connected=${c.station.connected}`);
        return () => {
          seen.push('teardown');
        };
      },
      onInit(c) {
        seen.push(`init ${c.station.identity}`);
      },
      // A plugin that acts: once the CSMS answered the boot, it calls the CSMS through the station.
      onMessage(_station, { direction, ctx: m }) {
        if (direction !== 'IN' || m.type !== 'CALLRESULT' || m.action !== 'BootNotification') return;
        void ctx!.station.call('Heartbeat', {}).then(() => {
          seen.push(`heartbeat answered on ${ctx!.station.protocol}`);
          ctx!.logger.info({}, 'keep-alive sent');
        });
      },
    };
    const s = station({ url, identity: 'CS-CTX', protocols: ['ocpp1.6'], logger, plugins: [keepAlive] });
    const errors: { plugin: string; hook: string; error: unknown }[] = [];
    s.on('pluginError', (e) => errors.push(e));
    expect(seen).toEqual(['setup CS-CTX connected=false']);

    await s.connect();
    await s.call(
      'BootNotification',
      bootPayload('ocpp1.6') as { chargePointVendor: string; chargePointModel: string },
    );
    await expect.poll(() => seen).toContain('heartbeat answered on ocpp1.6');
    expect(heartbeats).toEqual(['CS-CTX']);
    expect(logged).toContain('keep-alive sent');
    expect(seen.slice(0, 2)).toEqual(['setup CS-CTX connected=false', 'init CS-CTX']);

    ctx!.reportError(new Error('store down'), 'flush');
    expect(errors).toMatchObject([{ plugin: 'keep-alive', hook: 'flush', error: { message: 'store down' } }]);

    await s.close();
    expect(seen.at(-1)).toBe('teardown');
    expect(seen.filter((x) => x.startsWith('init'))).toHaveLength(1);
  });

  it('registered later with station.plugin() get their setup at once, and a throwing setup is reported', async () => {
    const { url } = await startCsms();
    const s = station({ url, identity: 'CS-LATE', protocols: ['ocpp1.6'] });
    const errors: string[] = [];
    s.on('pluginError', (e) => errors.push(`${e.plugin} ${e.hook}`));
    let identity: string | undefined;
    s.plugin(
      {
        name: 'late',
        setup: (c) => {
          identity = c.station.identity;
        },
      },
      {
        name: 'broken',
        setup: () => {
          throw new Error('no');
        },
      },
    );
    expect(identity).toBe('CS-LATE');
    expect(errors).toEqual(['broken setup']);
    await s.connect();
  });
});
