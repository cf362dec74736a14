/**
 * 2.1 SEND (message type 6) through the proxy, end to end over real sockets: our 2.1 station client ->
 * CsmsAdapter -> our CSMS. NotifyPeriodicEventStream is 2.1's one SEND, station to CSMS; 1.6 and 2.0.1
 * stations cannot send one, and no CSMS sends one to a station.
 *   2.1 behind 2.1 (same version): forwarded as a SEND, never answered.
 *   2.1 behind 2.0.1 or 1.6: no equivalent, so dropped with a translationError (a SEND has no CALLERROR
 *   to carry the refusal); the station's later calls go through as usual.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createStation, type Station } from '../../src/client/index.js';
import type { OcppVersion } from '../../src/protocol/index.js';
import { presets, type TranslationMap } from '../../src/proxy/index.js';
import { startCsms, type TestCsms, until } from '../sim/helpers.js';
import { startProxy, stopEndToEnd, type TestProxy } from './helpers.js';

let csms: TestCsms | undefined;
let proxy: TestProxy | undefined;
let station: Station<'ocpp2.1'> | undefined;
afterEach(async () => {
  await station?.close();
  await stopEndToEnd({ proxy, csms });
  station = proxy = csms = undefined;
});

const STREAM = { id: 1, pending: 0, basetime: '2025-01-01T00:00:00.000Z', data: [{ t: 0, v: '230.1' }] };
const BOOT21 = { chargingStation: { vendorName: 'V', model: 'M' }, reason: 'PowerUp' } as const;

async function stationThrough(
  upstreamVersion: OcppVersion,
  preset: TranslationMap,
): Promise<{ t: TestCsms; frames: { type: number; action?: string }[] }> {
  const t = await startCsms();
  csms = t;
  const frames: { type: number; action?: string }[] = [];
  t.csms.on('message', ({ direction, message }) => {
    if (direction === 'IN')
      frames.push({ type: message.type, action: 'action' in message ? message.action : undefined });
  });
  proxy = await startProxy(t.url, upstreamVersion, 'ocpp2.1', preset);
  const s = createStation<'ocpp2.1'>({ url: proxy.url, identity: 'CP-SEND', protocols: ['ocpp2.1'] });
  station = s;
  await s.connect();
  await s.call('BootNotification', BOOT21);
  return { t, frames };
}

describe('2.1 SEND through the proxy', () => {
  it('2.1 station behind a 2.1 CSMS: forwarded as a SEND (type 6), its handler runs, nothing answers', async () => {
    const { t, frames } = await stationThrough('ocpp2.1', {});
    const handled: unknown[] = [];
    t.csms.handle('ocpp2.1', 'NotifyPeriodicEventStream', (ctx) => {
      handled.push(ctx.payload);
      return undefined;
    });
    await station!.send('NotifyPeriodicEventStream', STREAM);
    await until(() => handled.length === 1, 5_000, 'SEND handled by the CSMS');
    expect(handled).toEqual([STREAM]);
    expect(frames).toContainEqual({ type: 6, action: 'NotifyPeriodicEventStream' });
    // The station leg answered nothing either: its next CALL's answer is the next frame it reads.
    expect(await station!.call('Heartbeat', {})).toHaveProperty('currentTime');
    expect(proxy!.problems).toEqual([]);
  });

  it.each([
    ['ocpp2.0.1', presets.ocpp21_to_ocpp201],
    ['ocpp1.6', presets.ocpp21_to_ocpp16],
  ] as const)(
    '2.1 station behind a %s CSMS: dropped with a translationError, never forwarded',
    async (version, preset) => {
      const { t, frames } = await stationThrough(version, preset);
      await station!.send('NotifyPeriodicEventStream', STREAM);
      await until(() => proxy!.problems.length > 0, 5_000, 'translationError for the SEND');
      expect(proxy!.problems).toEqual([
        expect.stringMatching(
          /^translation NotifyPeriodicEventStream: NotifyPeriodicEventStream \(a SEND\) dropped: NotSupported/,
        ),
      ]);
      expect(await station!.call('Heartbeat', {})).toHaveProperty('currentTime');
      expect(t.failures).toEqual([]);
      expect(frames.map((f) => f.action)).toEqual(['BootNotification', 'Heartbeat']);
    },
  );
});
