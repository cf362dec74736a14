import { describe, expect, it } from 'vitest';
import {
  createTelemetryMiddleware,
  MiddlewareRejection,
  type OCPPMessage,
  type ProxyMiddleware,
  presets,
} from '../../src/translation/index.js';
import { Drive, T0, txEvent } from './drive.js';

describe('translation engine', () => {
  it('answers an action the target version lacks with NotSupported, spelled for the sender, never forwarding it', async () => {
    // CostUpdated: a 2.x CSMS command with no 1.6 counterpart.
    const d = new Drive('ocpp1.6', 'ocpp2.1', presets.ocpp16_to_ocpp21);
    const out = await d.call('downstream', 'CostUpdated', { totalCost: 1.5, transactionId: 'x' });
    expect(out).toMatchObject({ kind: 'error', error: { errorCode: 'NotSupported', errorDetails: {} } });
    // 2.1-only commands to a 2.0.1 station likewise.
    const d2 = new Drive('ocpp2.0.1', 'ocpp2.1', presets.ocpp201_to_ocpp21);
    expect(await d2.call('downstream', 'SetDefaultTariff', {})).toMatchObject({
      kind: 'error',
      error: { errorCode: 'NotSupported' },
    });
    expect(d.translationErrors).toEqual([]);
  });

  it('forwards an unmapped action unchanged only when the map lists it as pass-through', async () => {
    const vendor = { vendorId: 'acme', messageId: 'ping', data: 'x' };
    const without = new Drive('ocpp1.6', 'ocpp2.1', {});
    expect((await without.call('upstream', 'DataTransfer', vendor)).kind).toBe('error');
    const withPass = new Drive('ocpp1.6', 'ocpp2.1', { passThrough: ['ocpp1.6:DataTransfer'] });
    const out = await withPass.forward('upstream', 'DataTransfer', vendor);
    expect(out.payload).toEqual(vendor);
    expect((await withPass.answer(out.pending, { status: 'Accepted' })).payload).toEqual({
      status: 'Accepted',
    });
  });

  it('a mapper that throws: the sender gets InternalError and translationError fires with the message', async () => {
    const d = new Drive('ocpp1.6', 'ocpp2.1', {
      upstream: {
        'ocpp1.6:Heartbeat': () => {
          throw new Error('mapper bug');
        },
      },
    });
    const out = await d.call('upstream', 'Heartbeat', {});
    expect(out).toMatchObject({ kind: 'error', error: { errorCode: 'InternalError' } });
    expect(d.translationErrors.map((e) => e.message)).toEqual(['mapper bug']);
  });

  it('a mapper naming an action the target lacks is caught, not forwarded', async () => {
    const d = new Drive('ocpp1.6', 'ocpp2.1', {
      upstream: { 'ocpp1.6:Heartbeat': () => ({ action: 'StartTransaction', payload: {} }) },
    });
    expect(await d.call('upstream', 'Heartbeat', {})).toMatchObject({
      kind: 'error',
      error: { errorCode: 'InternalError' },
    });
    expect(d.translationErrors[0]?.message).toMatch(/StartTransaction, unknown in ocpp2\.1/);
  });

  describe('middleware', () => {
    it('sees pre and post of every direction; undefined passes the message on', async () => {
      const seen: string[] = [];
      const log: ProxyMiddleware = (m, ctx, direction, phase) => {
        seen.push(`${phase} ${direction} ${m.type} ${m.action} ${ctx.sourceProtocol}->${ctx.targetProtocol}`);
        return undefined;
      };
      const d = new Drive('ocpp1.6', 'ocpp2.1', presets.ocpp16_to_ocpp21, { middlewares: [log] });
      const hb = await d.forward('upstream', 'Heartbeat', {});
      await d.answer(hb.pending, { currentTime: T0 });
      const reset = await d.forward('downstream', 'Reset', { type: 'OnIdle' });
      await d.engine.translateError(d.identity, reset.pending, {
        errorCode: 'FormationViolation',
        errorDescription: '',
        errorDetails: {},
      });
      expect(seen).toEqual([
        'pre upstream 2 Heartbeat ocpp1.6->ocpp2.1',
        'post upstream 2 Heartbeat ocpp1.6->ocpp2.1',
        'pre response 3 Heartbeat ocpp2.1->ocpp1.6',
        'post response 3 Heartbeat ocpp2.1->ocpp1.6',
        'pre downstream 2 Reset ocpp2.1->ocpp1.6',
        'post downstream 2 Reset ocpp2.1->ocpp1.6',
        'pre error 4 Reset ocpp1.6->ocpp2.1',
        'post error 4 Reset ocpp1.6->ocpp2.1',
      ]);
    });

    it('a returned message replaces it (post: after translation)', async () => {
      const stamp: ProxyMiddleware = (m, _ctx, direction, phase) =>
        direction === 'upstream' && phase === 'post' && m.type === 2
          ? ({ ...m, payload: { ...m.payload, reason: 'RemoteReset' } } as OCPPMessage)
          : undefined;
      const d = new Drive('ocpp1.6', 'ocpp2.1', presets.ocpp16_to_ocpp21, { middlewares: [stamp] });
      const boot = await d.forward('upstream', 'BootNotification', {
        chargePointVendor: 'V',
        chargePointModel: 'M',
      });
      expect(boot.payload.reason).toBe('RemoteReset');
    });

    it('a throw rejects: the charger gets a CALLERROR with the stated code and middlewareError fires', async () => {
      const limiter: ProxyMiddleware = (m, _ctx, _direction, phase) => {
        if (phase === 'pre' && m.type === 2 && m.action === 'Authorize')
          throw new MiddlewareRejection('SecurityError', 'too many attempts');
        if (phase === 'pre' && m.type === 2 && m.action === 'Heartbeat') throw new Error('plain failure');
        return undefined;
      };
      const d = new Drive('ocpp1.6', 'ocpp2.1', presets.ocpp16_to_ocpp21, { middlewares: [limiter] });
      expect(await d.call('upstream', 'Authorize', { idTag: 'A' })).toMatchObject({
        kind: 'error',
        error: { errorCode: 'SecurityError', errorDescription: 'too many attempts' },
      });
      // 1.6 spelling for a code without one of its own.
      const fmt = new Drive('ocpp1.6', 'ocpp2.1', presets.ocpp16_to_ocpp21, {
        middlewares: [
          () => {
            throw new MiddlewareRejection('FormatViolation', 'bad');
          },
        ],
      });
      expect(await fmt.call('upstream', 'Heartbeat', {})).toMatchObject({
        error: { errorCode: 'FormationViolation' },
      });
      expect(await d.call('upstream', 'Heartbeat', {})).toMatchObject({
        error: { errorCode: 'GenericError' },
      });
      expect(d.middlewareErrors.map((e) => e.message)).toEqual(['too many attempts', 'plain failure']);
      expect(d.translationErrors).toEqual([]);
    });
  });

  it('TelemetryMiddleware counts translation latency per direction and action', async () => {
    let clock = 0;
    const telemetry = createTelemetryMiddleware(() => clock);
    const slow: ProxyMiddleware = (_m, _ctx, _d, phase) => {
      if (phase === 'pre') clock += 2;
      return undefined;
    };
    const d = new Drive('ocpp1.6', 'ocpp2.1', presets.ocpp16_to_ocpp21, { middlewares: [telemetry, slow] });
    for (let i = 0; i < 3; i++) {
      const hb = await d.forward('upstream', 'Heartbeat', {});
      await d.answer(hb.pending, { currentTime: T0 });
    }
    const stats = telemetry.stats();
    expect(stats['upstream:Heartbeat']).toEqual({ count: 3, totalMs: 6, maxMs: 2, meanMs: 2 });
    expect(stats['response:Heartbeat']?.count).toBe(3);
    // A call answered here ends at `post` too (a 2.1 Reset for one EVSE: 1.6 resets whole stations).
    expect((await d.call('downstream', 'Reset', { type: 'Immediate', evseId: 1 })).kind).toBe('reply');
    expect(telemetry.stats()['downstream:Reset']?.count).toBe(1);
    expect(telemetry.abandoned).toBe(0);
  });

  it('a 2.x transaction started before authorization reaches a 1.6 CSMS only once authorized, with its start data', async () => {
    const d = new Drive('ocpp2.0.1', 'ocpp1.6', presets.ocpp201_to_ocpp16);
    const event = (eventType: string, seqNo: number, extra: object) =>
      txEvent('tx-plug', eventType, seqNo, { triggerReason: 'CablePluggedIn', ...extra });
    const started = await d.call(
      'upstream',
      'TransactionEvent',
      event('Started', 0, {
        meterValue: [
          {
            timestamp: T0,
            sampledValue: [
              { value: 5, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh' } },
            ],
          },
        ],
      }),
    );
    // Acknowledged here: a 1.6 StartTransaction needs an idTag the station does not have yet.
    expect(started).toMatchObject({ kind: 'reply', payload: {} });
    expect((await d.call('upstream', 'TransactionEvent', event('Updated', 1, {}))).kind).toBe('reply');

    const authorized = await d.forward(
      'upstream',
      'TransactionEvent',
      event('Updated', 2, {
        triggerReason: 'Authorized',
        idToken: { idToken: 'RFID-9', type: 'ISO14443' },
      }),
    );
    expect(authorized.action).toBe('StartTransaction');
    expect(authorized.payload).toEqual({ connectorId: 1, idTag: 'RFID-9', meterStart: 5000, timestamp: T0 });
    const conf = await d.answer(authorized.pending, { transactionId: 77, idTagInfo: { status: 'Accepted' } });
    expect(conf.payload).toEqual({ idTokenInfo: { status: 'Accepted' } });

    const ended = await d.forward(
      'upstream',
      'TransactionEvent',
      event('Ended', 3, {
        triggerReason: 'EVDeparted',
        transactionInfo: { transactionId: 'tx-plug', stoppedReason: 'EVDisconnected' },
        meterValue: [
          { timestamp: T0, sampledValue: [{ value: 7000, measurand: 'Energy.Active.Import.Register' }] },
        ],
      }),
    );
    expect(ended.action).toBe('StopTransaction');
    expect(ended.payload).toMatchObject({ transactionId: 77, meterStop: 7000, reason: 'EVDisconnected' });
  });

  it('a retried Started of a transaction the 1.6 CSMS already has is acknowledged, not started twice', async () => {
    const d = new Drive('ocpp2.0.1', 'ocpp1.6', presets.ocpp201_to_ocpp16);
    const started = {
      eventType: 'Started',
      timestamp: T0,
      triggerReason: 'Authorized',
      seqNo: 0,
      transactionInfo: { transactionId: 'tx-1' },
      evse: { id: 1, connectorId: 1 },
      idToken: { idToken: 'RFID-1', type: 'ISO14443' },
    };
    const first = await d.forward('upstream', 'TransactionEvent', started);
    expect(first.action).toBe('StartTransaction');
    await d.answer(first.pending, { transactionId: 5, idTagInfo: { status: 'Accepted' } });
    expect(await d.call('upstream', 'TransactionEvent', started)).toMatchObject({
      kind: 'reply',
      payload: {},
    });
  });

  it('a 2.x transaction that ends before authorization never reaches the 1.6 CSMS', async () => {
    const d = new Drive('ocpp2.1', 'ocpp1.6', presets.ocpp21_to_ocpp16);
    const base = {
      timestamp: T0,
      triggerReason: 'CablePluggedIn',
      transactionInfo: { transactionId: 't' },
      evse: { id: 1 },
    };
    expect(
      (await d.call('upstream', 'TransactionEvent', { ...base, eventType: 'Started', seqNo: 0 })).kind,
    ).toBe('reply');
    expect(
      (
        await d.call('upstream', 'TransactionEvent', {
          ...base,
          eventType: 'Ended',
          seqNo: 1,
          triggerReason: 'EVDeparted',
        })
      ).kind,
    ).toBe('reply');
    expect((await d.engine.transactions.load(d.identity, 1)).state).toBe('endedUnseen');
  });

  it('a start on a connector whose transaction never ended (a lost StopTransaction) replaces that transaction', async () => {
    const d = new Drive('ocpp1.6', 'ocpp2.1', presets.ocpp16_to_ocpp21);
    const start = async () => {
      const s = await d.forward('upstream', 'StartTransaction', {
        connectorId: 1,
        idTag: 'A',
        meterStart: 0,
        timestamp: T0,
      });
      const conf = await d.answer(s.pending, { idTokenInfo: { status: 'Accepted' } });
      return {
        id: s.payload.transactionInfo.transactionId as string,
        id16: conf.payload.transactionId as number,
      };
    };
    await start();
    const second = await start();
    const stop = await d.forward('upstream', 'StopTransaction', {
      transactionId: second.id16,
      meterStop: 10,
      timestamp: T0,
    });
    expect(stop.payload.transactionInfo.transactionId).toBe(second.id);
    expect(stop.payload.seqNo).toBe(1);
  });

  it('charging detail crosses eras: 1.6 Charging during a transaction also reaches 2.x as a ChargingStateChanged event, and back', async () => {
    const d = new Drive('ocpp1.6', 'ocpp2.1', presets.ocpp16_to_ocpp21);
    const start = await d.forward('upstream', 'StartTransaction', {
      connectorId: 1,
      idTag: 'A',
      meterStart: 0,
      timestamp: T0,
    });
    const { payload: conf } = await d.answer(start.pending, { idTokenInfo: { status: 'Accepted' } });
    const status = await d.forward('upstream', 'StatusNotification', {
      connectorId: 1,
      errorCode: 'NoError',
      status: 'SuspendedEV',
      timestamp: T0,
    });
    expect(status.payload.connectorStatus).toBe('Occupied');
    expect(status.emitted).toEqual([
      {
        to: 'csms',
        action: 'TransactionEvent',
        payload: {
          eventType: 'Updated',
          timestamp: T0,
          triggerReason: 'ChargingStateChanged',
          seqNo: 1,
          transactionInfo: {
            transactionId: start.payload.transactionInfo.transactionId,
            chargingState: 'SuspendedEV',
          },
          evse: { id: 1 },
        },
      },
    ]);
    const mv = await d.forward('upstream', 'MeterValues', {
      connectorId: 1,
      transactionId: conf.transactionId,
      meterValue: [{ timestamp: T0, sampledValue: [{ value: '5' }] }],
    });
    expect(mv.payload.seqNo).toBe(2);

    const back = new Drive('ocpp2.1', 'ocpp1.6', presets.ocpp21_to_ocpp16);
    const tx = (eventType: string, seqNo: number, extra: object) => txEvent('t', eventType, seqNo, extra);
    const s = await back.forward(
      'upstream',
      'TransactionEvent',
      tx('Started', 0, { idToken: { idToken: 'A', type: 'ISO14443' } }),
    );
    await back.answer(s.pending, { transactionId: 4, idTagInfo: { status: 'Accepted' } });
    const changed = await back.call(
      'upstream',
      'TransactionEvent',
      tx('Updated', 1, {
        triggerReason: 'ChargingStateChanged',
        transactionInfo: { transactionId: 't', chargingState: 'SuspendedEVSE' },
      }),
    );
    expect(changed).toMatchObject({ kind: 'reply', payload: {} });
    expect(changed.emitted).toEqual([
      {
        to: 'csms',
        action: 'StatusNotification',
        payload: { connectorId: 1, errorCode: 'NoError', status: 'SuspendedEVSE', timestamp: T0 },
      },
    ]);
  });

  it('maps connectors through the per-station connector map (default evse = connectorId, connector = 1)', async () => {
    const d = new Drive('ocpp1.6', 'ocpp2.1', presets.ocpp16_to_ocpp21);
    const status = (connectorId: number) =>
      d.forward('upstream', 'StatusNotification', {
        connectorId,
        errorCode: 'NoError',
        status: 'Charging',
        timestamp: T0,
      });
    expect((await status(2)).payload).toMatchObject({
      evseId: 2,
      connectorId: 1,
      connectorStatus: 'Occupied',
    });
    await d.engine.connectorMap.set(d.identity, [
      { connector16: 1, evseId: 1, connectorId: 1 },
      { connector16: 2, evseId: 1, connectorId: 2 },
    ]);
    expect((await status(2)).payload).toMatchObject({ evseId: 1, connectorId: 2 });
    const unlock = await d.forward('downstream', 'UnlockConnector', { evseId: 1, connectorId: 2 });
    expect(unlock.payload).toEqual({ connectorId: 2 });
    // Connector 0 is the whole charge point: its status goes as a NotifyEvent.
    const cp = await status(0);
    expect(cp.action).toBe('NotifyEvent');
  });
});
