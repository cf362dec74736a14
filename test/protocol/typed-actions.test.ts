/**
 * The type-level half of this file is checked by `npm run typecheck`, not by vitest: each
 * `@ts-expect-error` must sit on a line that really is an error, or tsc reports it as unused.
 * Keep those lines short, so the formatter never moves the error off the line below the directive.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  ACTIONS,
  type ActionName,
  type AnyVersionRequest,
  type AnyVersionResponse,
  type CsmsCallable,
  type CsmsHandled,
  OCPP_VERSIONS,
  type Ocpp16,
  type Ocpp16Actions,
  type Ocpp21,
  type Ocpp201,
  type OcppVersion,
  type RequestOf,
  type ResponseOf,
  type StationCallable,
  type StationHandled,
  type StationSendable,
} from '../../src/protocol/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GENERATED = join(ROOT, 'src/protocol/generated');

describe('generated action types', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ocpp-types-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('are what the generator produces now (run `npm run generate` if this fails)', () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/generate-types.ts', tmp], { cwd: ROOT });
    const files = readdirSync(tmp).sort();
    expect(files).toEqual(OCPP_VERSIONS.map((v) => `${v}.ts`).sort());
    expect(readdirSync(GENERATED).sort()).toEqual(files);
    for (const f of files) {
      expect(readFileSync(join(tmp, f)).equals(readFileSync(join(GENERATED, f))), f).toBe(true);
    }
  }, 60_000);

  it.each(OCPP_VERSIONS)('map every %s action of ACTIONS with its direction', (version) => {
    const text = readFileSync(join(GENERATED, `${version}.ts`), 'utf8');
    const map = text.slice(text.lastIndexOf('export interface Ocpp'));
    const entries = new Map<string, { direction: string; send: boolean; response: string }>();
    for (const m of map.matchAll(
      /^ {2}(\w+): \{ request: (\w+); response: (\w+); direction: '(\w+)'(; send: true)? \};$/gm,
    )) {
      expect(m[2]).toBe(`${m[1]}Request`);
      entries.set(m[1]!, { response: m[3]!, direction: m[4]!, send: m[5] !== undefined });
    }
    const expected = new Map(
      [...ACTIONS[version]].map(([action, info]) => [
        action,
        {
          direction: info.direction,
          send: info.sendOnly,
          response: info.sendOnly ? 'never' : `${action}Response`,
        },
      ]),
    );
    expect(entries).toEqual(expected);
    for (const [action, { response }] of entries) {
      expect(text).toMatch(new RegExp(`^export (interface|type) ${action}Request\\b`, 'm'));
      if (response !== 'never')
        expect(text).toMatch(new RegExp(`^export (interface|type) ${response}\\b`, 'm'));
    }
  });
});

// Stand-ins for a runtime's send APIs: only their signatures matter.
const pending = <T>() => new Promise<T>(() => {});
function csmsCall<V extends OcppVersion, A extends CsmsCallable<V>>(_v: V, _a: A, _p: RequestOf<V, A>) {
  return pending<ResponseOf<V, A>>();
}
function stationCall<V extends OcppVersion, A extends StationCallable<V>>(_v: V, _a: A, _p: RequestOf<V, A>) {
  return pending<ResponseOf<V, A>>();
}
function stationSend<V extends OcppVersion, A extends StationSendable<V>>(
  _v: V,
  _a: A,
  _p: RequestOf<V, A>,
) {}
/** A CSMS handler registered for every version. */
function onCsms<A extends CsmsHandled>(_a: A, _h: (req: AnyVersionRequest<A>) => AnyVersionResponse<A>) {}

const idToken = { idToken: 'x', type: 'ISO14443' } as const;

describe('direction-aware call types', () => {
  it('let each side call only what the spec lets it send', () => {
    csmsCall('ocpp1.6', 'RemoteStartTransaction', { idTag: 'x' });
    // @ts-expect-error a CSMS does not send BootNotification
    csmsCall('ocpp1.6', 'BootNotification', { chargePointVendor: 'v', chargePointModel: 'm' });
    stationCall('ocpp1.6', 'BootNotification', { chargePointVendor: 'v', chargePointModel: 'm' });
    // @ts-expect-error a station does not send RemoteStartTransaction
    stationCall('ocpp1.6', 'RemoteStartTransaction', { idTag: 'x' });

    csmsCall('ocpp2.0.1', 'RequestStartTransaction', { idToken, remoteStartId: 1 });
    // @ts-expect-error 2.0.1 renamed it RequestStartTransaction
    csmsCall('ocpp2.0.1', 'RemoteStartTransaction', { idTag: 'x' });
    // @ts-expect-error a station does not send RequestStartTransaction
    stationCall('ocpp2.1', 'RequestStartTransaction', { idToken, remoteStartId: 1 });
    stationCall('ocpp2.1', 'TransactionEvent', {
      eventType: 'Started',
      timestamp: '2025-01-01T00:00:00Z',
      triggerReason: 'Authorized',
      seqNo: 0,
      transactionInfo: { transactionId: 't1' },
    });
  });

  it('let DataTransfer go both ways, with each version’s payload', () => {
    csmsCall('ocpp1.6', 'DataTransfer', { vendorId: 'acme', data: 'text' });
    stationCall('ocpp1.6', 'DataTransfer', { vendorId: 'acme' });
    // @ts-expect-error 1.6 data is a string
    stationCall('ocpp1.6', 'DataTransfer', { vendorId: 'acme', data: { a: 1 } });
    csmsCall('ocpp2.0.1', 'DataTransfer', { vendorId: 'acme', data: { a: 1 } });
    stationCall('ocpp2.1', 'DataTransfer', { vendorId: 'acme', data: [1, 2] });
  });

  it('check payloads', () => {
    // @ts-expect-error idTag is a string
    csmsCall('ocpp1.6', 'RemoteStartTransaction', { idTag: 42 });
    // @ts-expect-error idTag is required
    csmsCall('ocpp1.6', 'RemoteStartTransaction', {});
    // @ts-expect-error additionalProperties: false
    csmsCall('ocpp1.6', 'RemoteStartTransaction', { idTag: 'x', colour: 'red' });
    // @ts-expect-error not a ResetType
    csmsCall('ocpp1.6', 'Reset', { type: 'Warm' });
    const magic = { idToken: 'x', type: 'Magic' } as const;
    // @ts-expect-error not an IdTokenEnumType
    csmsCall('ocpp2.0.1', 'RequestStartTransaction', { idToken: magic, remoteStartId: 1 });
    // @ts-expect-error an empty 1.6 payload takes no fields
    csmsCall('ocpp1.6', 'ClearCache', { all: true });
    csmsCall('ocpp1.6', 'ClearCache', {});
    // 2.x payloads may carry vendor extensions in customData only.
    csmsCall('ocpp2.0.1', 'ClearCache', { customData: { vendorId: 'acme', anything: 1 } });
  });

  it('type responses, and give SEND-only actions none', () => {
    expectTypeOf(
      csmsCall('ocpp1.6', 'Reset', { type: 'Hard' }),
    ).resolves.toEqualTypeOf<Ocpp16.ResetResponse>();
    expectTypeOf<
      ResponseOf<'ocpp2.0.1', 'BootNotification'>
    >().toEqualTypeOf<Ocpp201.BootNotificationResponse>();
    expectTypeOf<RequestOf<'ocpp1.6', 'BootNotification'>>().toEqualTypeOf<Ocpp16.BootNotificationRequest>();
    expectTypeOf<Ocpp16Actions['Heartbeat']['direction']>().toEqualTypeOf<'StationToCsms'>();

    const stream: Ocpp21.NotifyPeriodicEventStreamRequest = { id: 1, pending: 0, basetime: 'x', data: [] };
    stationSend('ocpp2.1', 'NotifyPeriodicEventStream', stream);
    // @ts-expect-error SEND-only: a CALL would wait for a reply that never comes
    stationCall('ocpp2.1', 'NotifyPeriodicEventStream', stream);
    // @ts-expect-error BootNotification is a CALL, not a SEND
    stationSend('ocpp2.1', 'BootNotification', { chargingStation: { model: 'm', vendorName: 'v' } });
    // @ts-expect-error SEND exists only in 2.1
    stationSend('ocpp2.0.1', 'NotifyPeriodicEventStream', stream);
    expectTypeOf<ResponseOf<'ocpp2.1', 'NotifyPeriodicEventStream'>>().toBeNever();
    expectTypeOf<StationSendable<'ocpp2.1'>>().toEqualTypeOf<'NotifyPeriodicEventStream'>();
    expectTypeOf<StationSendable<'ocpp1.6'>>().toBeNever();
  });

  it('give version-agnostic handlers the union over versions', () => {
    expectTypeOf<AnyVersionRequest<'BootNotification'>>().toEqualTypeOf<
      Ocpp16.BootNotificationRequest | Ocpp201.BootNotificationRequest | Ocpp21.BootNotificationRequest
    >();
    expectTypeOf<AnyVersionResponse<'StartTransaction'>>().toEqualTypeOf<Ocpp16.StartTransactionResponse>();
    expectTypeOf<'StartTransaction' | 'TransactionEvent' | 'DataTransfer'>().toExtend<CsmsHandled>();
    expectTypeOf<
      'RemoteStartTransaction' | 'RequestStartTransaction' | 'DataTransfer'
    >().toExtend<StationHandled>();
    expectTypeOf<'RemoteStartTransaction'>().not.toExtend<CsmsHandled>();
    expectTypeOf<'NotifyPeriodicEventStream'>().not.toExtend<CsmsHandled>();
    expectTypeOf<'BootNotification'>().not.toExtend<StationHandled>();
    expectTypeOf<CsmsHandled<'ocpp1.6'>>().toEqualTypeOf<StationCallable<'ocpp1.6'>>();
    expectTypeOf<ActionName<'ocpp2.1'>>().toExtend<string>();

    onCsms('Heartbeat', () => ({ currentTime: new Date().toISOString() }));
    onCsms('StartTransaction', (req) => ({
      transactionId: req.meterStart,
      idTagInfo: { status: 'Accepted' },
    }));
    // @ts-expect-error stations never call RemoteStartTransaction, so a CSMS has nothing to handle
    onCsms('RemoteStartTransaction', () => ({ status: 'Accepted' }));
  });
});
