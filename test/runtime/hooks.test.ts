import { afterEach, describe, expect, it } from 'vitest';
import { createCsms } from '../../src/actors/csms.js';
import type { OcppPlugin } from '../../src/hooks/types.js';
import { RpcError } from '../../src/protocol/errors.js';
import { bootPayload } from '../support/station-socket.js';
import { createTestPki } from '../tls/certs.js';
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

/** A plugin with every hook, recording the arguments of each call. */
function recordingPlugin(): { plugin: OcppPlugin; calls: Map<string, unknown[][]> } {
  const calls = new Map<string, unknown[][]>();
  const plugin: Record<string, unknown> = { name: 'recorder' };
  for (const hook of HOOKS) {
    plugin[hook] = (...args: unknown[]) => {
      const list = calls.get(hook) ?? [];
      calls.set(hook, list);
      list.push(args);
      if (hook === 'getCustomMetrics') return ['recorder_up 1'];
      return undefined;
    };
  }
  return { plugin: plugin as unknown as OcppPlugin, calls };
}

const station = (identity: string) => expect.objectContaining({ identity, protocol: 'ocpp1.6' });

describe('plugin hooks', () => {
  it('every one of the 22 hooks fires from the runtime, with its arguments', async () => {
    const { plugin, calls } = recordingPlugin();
    const t = await startCsms({
      plugins: [plugin],
      maxPayloadBytes: 4_096,
      maxInboundWaiting: 0,
      telemetryIntervalMs: 20,
      pingIntervalMs: 60,
      backpressureBytes: 1,
      auth: ({ identity }) => (identity === 'GHOST' ? 'unknown' : true),
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
    // Security: a CALL before boot; refused handshakes (identity, then credentials).
    const early = await t.connect('CP2');
    await early.call('Heartbeat', {});
    expect((await t.refused('bad:identity', { protocols: ['ocpp2.0.1'] })).status).toBe(400);
    expect((await t.refused('GHOST')).status).toBe(404);
    // Eviction, dead peer, transport error.
    await t.connect('CP1');
    const dead = await t.connect('CP4', { autoPong: false });
    await dead.call('BootNotification', bootPayload('ocpp1.6'));
    const big = await t.connect('CP5');
    big.send([2, 'huge', 'DataTransfer', { vendorId: 'V', data: 'y'.repeat(10_000) }]);
    t.csms.reconfigure({ callTimeoutMs: 10_000 });
    expect(await t.csms.metrics()).toContain('recorder_up 1');
    await until(() => calls.has('onPongTimeout') && calls.has('onTelemetry') && calls.has('onError'), 5_000);
    await t.csms.close({ drainMs: 0 });
    const missing = HOOKS.filter((h) => !calls.has(h) && h !== 'onTLSUpdate');
    expect(missing).toEqual([]);

    const args = (hook: string) => calls.get(hook)!;
    const rpcError = expect.any(RpcError);
    // onInit(ctx): the plugin's context, with the bound port (the seed's onInit(server)).
    expect(args('onInit')[0]).toEqual([
      expect.objectContaining({
        port: expect.any(Number),
        csms: expect.any(Object),
        bus: expect.any(Object),
      }),
    ]);
    expect(args('onConnection')[0]).toEqual([station('CP1')]);
    expect(args('onDisconnect')).toContainEqual([station('CP1'), 4000, 'Replaced by a newer connection']);
    expect(args('onEviction')).toEqual([[station('CP1'), station('CP1')]]);
    expect(args('onClosing')).toEqual([[]]);
    expect(args('onClose')).toEqual([[]]);
    expect(args('onReconfigure')).toEqual([
      [
        expect.objectContaining({ callTimeoutMs: 10_000 }),
        expect.objectContaining({ callTimeoutMs: 30_000 }),
      ],
    ]);
    expect(args('onBeforeReceive')).toContainEqual([station('CP1'), 'not json']);
    expect(args('onBeforeSend')).toContainEqual([
      station('CP1'),
      [3, expect.any(String), expect.objectContaining({ status: 'Accepted' })],
    ]);
    expect(args('onMessage')).toContainEqual([
      station('CP1'),
      expect.objectContaining({
        direction: 'IN',
        message: expect.objectContaining({ type: 2, action: 'Heartbeat' }),
        ctx: expect.objectContaining({ type: 'CALL', action: 'Heartbeat' }),
      }),
    ]);
    expect(args('onBadMessage')).toContainEqual([station('CP1'), 'not json', rpcError, 'invalid-json']);
    expect(args('onValidationFailure')).toContainEqual([
      station('CP1'),
      expect.objectContaining({ type: 2, action: 'StatusNotification' }),
      rpcError,
    ]);
    expect(args('onHandlerError')).toContainEqual([
      station('CP1'),
      'DataTransfer',
      expect.objectContaining({ message: 'boom' }),
      expect.any(String),
    ]);
    expect(args('onError')).toContainEqual([station('CP5'), expect.any(Error)]);
    const securityTypes = args('onSecurityEvent').map(([e]) => (e as { type: string }).type);
    expect(securityTypes).toEqual(
      expect.arrayContaining(['MESSAGE_FLOOD', 'CALL_BEFORE_ACCEPTED', 'INVALID_IDENTITY']),
    );
    expect(args('onAuthFailed')).toEqual([
      [expect.objectContaining({ identity: 'GHOST' }), 404, 'unknown-station'],
    ]);
    expect(args('onRateLimitExceeded')).toContainEqual([station('CP1'), undefined]);
    expect(args('onTelemetry')[0]).toEqual([
      expect.objectContaining({ connectedStations: expect.any(Number), messagesIn: expect.any(Number) }),
      expect.objectContaining({ published: expect.any(Number), connected: true }),
    ]);
    expect(args('getCustomMetrics')[0]).toEqual([]);
    expect(args('onBackpressure')).toContainEqual([station('CP1'), expect.any(Number)]);
    expect(args('onPongTimeout')).toContainEqual([station('CP4')]);
  });

  it('onTLSUpdate fires with the new certificates, never the keys', async () => {
    const pki = await createTestPki();
    try {
      const { plugin, calls } = recordingPlugin();
      const csms = createCsms({
        securityProfile: 2,
        tls: { cert: pki.server.cert, key: pki.server.key },
        auth: () => true,
        plugins: [plugin],
      });
      await csms.listen({ port: 0, host: '127.0.0.1' });
      const before = new Date();
      csms.updateTls({ cert: pki.server.cert, key: pki.server.key });
      await csms.close({ drainMs: 0 });
      expect(calls.get('onTLSUpdate')).toEqual([
        [expect.objectContaining({ cert: pki.server.cert, minVersion: 'TLSv1.2' })],
      ]);
      expect(JSON.stringify(calls.get('onTLSUpdate'))).not.toContain('PRIVATE KEY');
      expect(Date.now()).toBeGreaterThanOrEqual(before.getTime());
    } finally {
      await pki.remove();
    }
  });
});
