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

/** Station version, CSMS version, preset, the station's spelling of the CSMS's error. */
const PAIRS = [
  ['ocpp1.6', 'ocpp2.1', presets.ocpp16_to_ocpp21, 'OccurenceConstraintViolation'],
  ['ocpp1.6', 'ocpp2.0.1', presets.ocpp16_to_ocpp201, 'OccurenceConstraintViolation'],
  ['ocpp2.1', 'ocpp2.0.1', presets.ocpp21_to_ocpp201, 'OccurrenceConstraintViolation'],
] as const;

const BOOT = {
  'ocpp1.6': { chargePointVendor: 'V', chargePointModel: 'M' },
  'ocpp2.1': { chargingStation: { vendorName: 'V', model: 'M' }, reason: 'PowerUp' },
};

describe.each(PAIRS)(
  '%s simulator stations -> proxy -> our CSMS in %s, strict on both legs',
  (stationVersion, version, preset, errorCode) => {
    it('boot, status, configuration, authorize, a remote transaction with meter values, trigger, availability, a CSMS error, reset', async () => {
      csms = await startCsms();
      const t = csms;
      proxy = await startProxy(t.url, version, stationVersion, preset);
      sim = await oneRemoteStation(proxy.url, stationVersion);
      const id = 'SIM-0001';
      expect(t.csms.station(id)?.protocol).toBe(version);
      const boot = await seen(t, id, 'BootNotification');
      expect(boot.chargingStation.vendorName).toBeTypeOf('string');
      await seen(t, id, 'StatusNotification', (p) => p.evseId === 2 && p.connectorStatus === 'Available');

      const call = async (action: string, payload: object) => {
        const answer = await t.csms.call(id, action as never, payload as never);
        expect(validatePayload(version, action, 'response', answer as never), action).toBeUndefined();
        return answer as Json;
      };

      // Configuration: 1.6 keys behind 2.x variables.
      const set = await call('SetVariables', {
        setVariableData: [
          {
            component: { name: 'AuthCtrlr' },
            variable: { name: 'AuthorizeRemoteStart' },
            attributeValue: 'true',
          },
        ],
      });
      expect(set.setVariableResult[0].attributeStatus).toBe('Accepted');
      const got = await call('GetVariables', {
        getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }],
      });
      expect(got.getVariableResult[0]).toMatchObject({ attributeStatus: 'Accepted', attributeValue: '300' });

      // A full report: a 1.6 station's whole configuration comes back as NotifyReport parts.
      if (stationVersion === 'ocpp1.6') {
        expect(await call('GetBaseReport', { requestId: 5, reportBase: 'FullInventory' })).toEqual({
          status: 'Accepted',
        });
        const report = await seen(t, id, 'NotifyReport', (p) => p.requestId === 5 && !p.tbc);
        expect(JSON.stringify(report.reportData)).toContain('HeartbeatInterval');
      }

      // Remote start: Authorize (the station now asks), then TransactionEvent Started carrying the remoteStartId.
      expect(
        await call('RequestStartTransaction', {
          evseId: 1,
          remoteStartId: 42,
          idToken: { idToken: 'REMOTE-1', type: 'Central' },
        }),
      ).toMatchObject({ status: 'Accepted' });
      const auth = await seen(t, id, 'Authorize');
      expect(auth.idToken.idToken).toBe('REMOTE-1');
      const started = await seen(t, id, 'TransactionEvent', (p) => p.eventType === 'Started');
      expect(started.transactionInfo.remoteStartId).toBe(42);
      expect(started.evse).toEqual({ id: 1, connectorId: 1 });
      const txId = started.transactionInfo.transactionId as string;
      const updated = await seen(
        t,
        id,
        'TransactionEvent',
        (p) => p.eventType === 'Updated' && p.transactionInfo.transactionId === txId && p.meterValue,
      );
      expect(updated.seqNo).toBeGreaterThan(started.seqNo);
      expect(typeof updated.meterValue[0].sampledValue[0].value).toBe('number');

      // Trigger.
      expect(await call('TriggerMessage', { requestedMessage: 'Heartbeat' })).toEqual({ status: 'Accepted' });
      await seen(t, id, 'Heartbeat');

      // Remote stop by the 2.x string id: the station gets its integer back, the CSMS sees Ended.
      expect(await call('RequestStopTransaction', { transactionId: txId })).toEqual({ status: 'Accepted' });
      const ended = await seen(
        t,
        id,
        'TransactionEvent',
        (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === txId,
      );
      expect(ended.transactionInfo.stoppedReason).toBe('Remote');
      expect(ended.seqNo).toBeGreaterThan(updated.seqNo);

      // Availability.
      expect(await call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2 } })).toEqual(
        {
          status: 'Accepted',
        },
      );
      await seen(t, id, 'StatusNotification', (p) => p.evseId === 2 && p.connectorStatus === 'Unavailable');

      // A CSMS error reaches the station spelled its version's way.
      t.csms.handle('Heartbeat', () => {
        throw new RpcError('OccurrenceConstraintViolation', 'no heartbeats today');
      });
      const raw = createStation({ url: proxy.url, identity: 'RAW-1', protocols: [stationVersion] });
      try {
        await raw.connect();
        // Before booting, the upstream CSMS's SecurityError comes through as it is.
        expect(await raw.call('Heartbeat', {}).catch((e: unknown) => e)).toMatchObject({
          code: 'SecurityError',
        });
        await raw.call('BootNotification', BOOT[stationVersion] as never);
        const refused = await raw.call('Heartbeat', {}).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(RpcError);
        expect(refused).toMatchObject({
          code: errorCode,
          description: 'no heartbeats today',
        });
      } finally {
        await raw.close();
      }

      // Reset: the station reboots and boots again through the proxy.
      expect(await call('Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });
      await until(() => t.boots.get(id) === 2, 5_000, 'second boot');

      expect(t.failures).toEqual([]);
      expect(proxy.problems).toEqual([]);
    });
  },
);
