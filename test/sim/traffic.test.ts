import { afterEach, describe, expect, it } from 'vitest';
import { identityOf, resolveSimOptions, runSimulation } from '../../src/sim/index.js';
import { actionsOf, type Received, startCsms, type TestCsms } from './helpers.js';

let t: TestCsms | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const STATIONS = 10;
const identities = Array.from({ length: STATIONS }, (_, i) =>
  identityOf(resolveSimOptions({ stations: STATIONS, protocol: 'ocpp1.6' }), i),
);

/** Compressed time: a session every ~0.8 s per connector, meter values every 0.2 s, heartbeats every 1 s. */
const timing = { meterIntervalS: 0.2, chargeDurationS: 0.5, idleS: 0.2, ramp: 200, durationS: 2 } as const;

function payloads(received: Received[], identity: string, action: string) {
  return received.filter((r) => r.identity === identity && r.action === action).map((r) => r.payload);
}

describe('simulator traffic against our CSMS', () => {
  it('1.6: every station boots, heartbeats and charges with growing meter values, all schema-valid', async () => {
    t = await startCsms(1);
    const summary = await runSimulation({ url: t.url, stations: STATIONS, protocol: 'ocpp1.6', ...timing });

    expect(summary).toMatchObject({ connected: STATIONS, booted: STATIONS, connectedAtEnd: STATIONS });
    expect(summary.errors).toMatchObject({ total: 0, validation: 0, invalidFromCsms: 0 });
    expect(t.failures).toEqual([]);
    expect(summary.transactions.stopped).toBeGreaterThanOrEqual(STATIONS);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50);

    for (const id of identities) {
      const actions = actionsOf(t, id);
      for (const a of ['BootNotification', 'StatusNotification', 'Heartbeat', 'Authorize', 'MeterValues'])
        expect(actions, `${id} ${a}`).toContain(a);
      const starts = payloads(t.received, id, 'StartTransaction');
      const stops = payloads(t.received, id, 'StopTransaction');
      expect(starts.length, id).toBeGreaterThan(0);
      expect(stops.length, id).toBeGreaterThan(0);
      // Connector 0 (the station) and each connector announce themselves.
      const statuses = payloads(t.received, id, 'StatusNotification');
      expect(new Set(statuses.map((s) => s.connectorId))).toEqual(new Set([0, 1, 2]));
      expect(new Set(statuses.map((s) => s.status))).toEqual(
        new Set(['Available', 'Preparing', 'Charging', 'Finishing']),
      );
      // The register never runs backwards.
      for (const stop of stops) expect(stop.meterStop as number).toBeGreaterThanOrEqual(0);
      const energy = payloads(t.received, id, 'MeterValues')
        .filter((m) => m.connectorId === 1)
        .flatMap(
          (m) =>
            (m.meterValue as { sampledValue: { measurand?: string; value: string }[] }[])[0]!.sampledValue,
        )
        .filter((v) => v.measurand === 'Energy.Active.Import.Register')
        .map((v) => Number(v.value));
      expect(energy).toEqual([...energy].sort((a, b) => a - b));
    }
  });

  it.each(['ocpp2.0.1', 'ocpp2.1'] as const)(
    '%s: every station boots and runs TransactionEvent Started/Updated/Ended with contiguous seqNo',
    async (protocol) => {
      t = await startCsms(1);
      const summary = await runSimulation({ url: t.url, stations: STATIONS, protocol, ...timing });

      expect(summary).toMatchObject({ connected: STATIONS, booted: STATIONS, connectedAtEnd: STATIONS });
      expect(summary.errors).toMatchObject({ total: 0, validation: 0, invalidFromCsms: 0 });
      expect(t.failures).toEqual([]);

      for (const id of identities) {
        const actions = actionsOf(t, id);
        for (const a of ['BootNotification', 'StatusNotification', 'Heartbeat', 'Authorize'])
          expect(actions, `${id} ${a}`).toContain(a);
        const events = payloads(t.received, id, 'TransactionEvent') as unknown as {
          eventType: string;
          seqNo: number;
          triggerReason: string;
          transactionInfo: { transactionId: string; chargingState?: string };
          meterValue?: { sampledValue: { measurand?: string; value: number }[] }[];
        }[];
        const byTx = new Map<string, typeof events>();
        for (const e of events) {
          const id = e.transactionInfo.transactionId;
          byTx.set(id, [...(byTx.get(id) ?? []), e]);
        }
        const ended = [...byTx.values()].filter((list) => list.some((e) => e.eventType === 'Ended'));
        expect(ended.length, `${id}: completed transactions`).toBeGreaterThan(0);
        for (const list of ended) {
          expect(list.map((e) => e.seqNo)).toEqual(list.map((_, i) => i));
          expect(list[0]).toMatchObject({ eventType: 'Started', triggerReason: 'Authorized' });
          expect(list.at(-1)).toMatchObject({ eventType: 'Ended', triggerReason: 'StopAuthorized' });
          expect(list.some((e) => e.transactionInfo.chargingState === 'Charging')).toBe(true);
          const energy = list
            .flatMap((e) => e.meterValue?.[0]?.sampledValue ?? [])
            .filter((v) => v.measurand === 'Energy.Active.Import.Register')
            .map((v) => v.value);
          expect(energy.length).toBeGreaterThanOrEqual(2);
          expect(energy).toEqual([...energy].sort((a, b) => a - b));
        }
        const statuses = payloads(t.received, id, 'StatusNotification');
        expect(new Set(statuses.map((s) => s.evseId))).toEqual(new Set([1, 2]));
        expect(new Set(statuses.map((s) => s.connectorStatus))).toEqual(new Set(['Available', 'Occupied']));
      }
    },
  );
});
