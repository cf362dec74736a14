import { afterEach, describe, expect, it } from 'vitest';
import { createStation } from '../../src/client/index.js';
import { RpcError, validatePayload } from '../../src/protocol/index.js';
import { presets } from '../../src/proxy/index.js';
import type { Simulation } from '../../src/sim/index.js';
import { oneRemoteStation, startCsms, type TestCsms, until } from '../sim/helpers.js';
import { type Json, seen, startProxy, stopEndToEnd, type TestProxy } from './helpers.js';

let csms: TestCsms | undefined;
let proxy: TestProxy | undefined;
let sim: Simulation | undefined;
afterEach(async () => {
  await stopEndToEnd({ sim, proxy, csms });
  sim = proxy = csms = undefined;
});

describe('2.0.1 simulator stations -> proxy -> our CSMS in 1.6, strict on both legs', () => {
  it('boot, status, configuration, authorize, a remote transaction with meter values, trigger, availability, a CSMS error, reset', async () => {
    csms = await startCsms();
    const t = csms;
    proxy = await startProxy(t.url, 'ocpp1.6', 'ocpp2.0.1', presets.ocpp201_to_ocpp16);
    sim = await oneRemoteStation(proxy.url, 'ocpp2.0.1');
    const id = 'SIM-0001';
    expect(t.csms.station(id)?.protocol).toBe('ocpp1.6');
    const boot = await seen(t, id, 'BootNotification');
    expect(boot.chargePointVendor).toBeTypeOf('string');
    await seen(t, id, 'StatusNotification', (p) => p.connectorId === 2 && p.status === 'Available');

    const call = async (action: string, payload: object) => {
      const answer = await t.csms.call(id, action as never, payload as never);
      expect(validatePayload('ocpp1.6', action, 'response', answer as never), action).toBeUndefined();
      return answer as Json;
    };

    // Configuration: 2.x variables behind 1.6 keys.
    expect(await call('ChangeConfiguration', { key: 'AuthorizeRemoteTxRequests', value: 'true' })).toEqual({
      status: 'Accepted',
    });
    const got = await call('GetConfiguration', { key: ['HeartbeatInterval'] });
    expect(got.configurationKey).toEqual([
      expect.objectContaining({ key: 'HeartbeatInterval', value: '300' }),
    ]);

    // Remote start: Authorize, then StartTransaction; the CSMS's integer id carries every later message.
    expect(await call('RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE-1' })).toEqual({
      status: 'Accepted',
    });
    expect((await seen(t, id, 'Authorize')).idTag).toBe('REMOTE-1');
    const started = await seen(t, id, 'StartTransaction');
    expect(started).toMatchObject({ connectorId: 1, idTag: 'REMOTE-1' });
    const meter = await seen(t, id, 'MeterValues', (p) => p.transactionId !== undefined);
    const transactionId = meter.transactionId as number;
    expect(Number.isInteger(transactionId)).toBe(true);
    expect(typeof meter.meterValue[0].sampledValue[0].value).toBe('string');

    expect(await call('TriggerMessage', { requestedMessage: 'Heartbeat' })).toEqual({ status: 'Accepted' });
    await seen(t, id, 'Heartbeat');

    expect(await call('RemoteStopTransaction', { transactionId })).toEqual({ status: 'Accepted' });
    const stop = await seen(t, id, 'StopTransaction', (p) => p.transactionId === transactionId);
    expect(stop.reason).toBe('Remote');

    expect(await call('ChangeAvailability', { connectorId: 2, type: 'Inoperative' })).toEqual({
      status: 'Accepted',
    });
    await seen(t, id, 'StatusNotification', (p) => p.connectorId === 2 && p.status === 'Unavailable');

    // A 1.6 CSMS error reaches the 2.0.1 station spelled the 2.x way.
    t.csms.handle('Heartbeat', () => {
      throw new RpcError('OccurrenceConstraintViolation', 'no heartbeats today');
    });
    const raw = createStation({ url: proxy.url, identity: 'RAW-1', protocols: ['ocpp2.0.1'] });
    try {
      await raw.connect();
      await raw.call('BootNotification', {
        chargingStation: { vendorName: 'V', model: 'M' },
        reason: 'PowerUp',
      });
      const refused = await raw.call('Heartbeat', {}).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RpcError);
      expect(refused).toMatchObject({
        code: 'OccurrenceConstraintViolation',
        description: 'no heartbeats today',
      });
    } finally {
      await raw.close();
    }

    expect(await call('Reset', { type: 'Hard' })).toEqual({ status: 'Accepted' });
    await until(() => t.boots.get(id) === 2, 5_000, 'second boot');

    expect(t.failures).toEqual([]);
    expect(proxy.problems).toEqual([]);
  });
});
