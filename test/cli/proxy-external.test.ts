/**
 * `ocpp-actors proxy` from the command line in front of a CSMS we did not write: ocpp-rpc's RPCServer
 * speaking 2.0.1 in strict mode (it validates every message both ways against its own copy of the OCA
 * schemas). Our simulator's 1.6 station goes through the proxy; the test plays the CSMS operator.
 */
import { createRPCError, RPCServer } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import { createStation } from '../../src/client/index.js';
import { RpcError } from '../../src/protocol/index.js';
import { oneRemoteStation } from '../sim/helpers.js';
import { until } from '../support/wait.js';
import { proxyCli, proxyUrl } from './proxy-cli.js';

// biome-ignore lint/suspicious/noExplicitAny: payloads of a foreign library's CSMS, read as JSON.
type Json = any;
interface Received {
  identity: string;
  action: string;
  params: Json;
}
interface ServerClient {
  identity: string;
  protocol: string;
  handle(method: string, fn: (ctx: { params: Json }) => unknown): void;
  call(method: string, params: unknown): Promise<Json>;
  on(event: 'strictValidationFailure', fn: (e: { error: Error; messageId?: string }) => void): void;
}

const now = () => new Date().toISOString();
type Answers = Record<string, (p: Json) => unknown>;
const ANSWERS_201: Answers = {
  BootNotification: () => ({ currentTime: now(), interval: 300, status: 'Accepted' }),
  StatusNotification: () => ({}),
  Heartbeat: () => ({ currentTime: now() }),
  Authorize: () => ({ idTokenInfo: { status: 'Accepted' } }),
  TransactionEvent: (p) => (p.eventType === 'Started' ? { idTokenInfo: { status: 'Accepted' } } : {}),
  MeterValues: () => ({}),
  NotifyReport: () => ({}),
};
const ANSWERS_16: Answers = {
  BootNotification: () => ({ currentTime: now(), interval: 300, status: 'Accepted' }),
  StatusNotification: () => ({}),
  Heartbeat: () => ({ currentTime: now() }),
  Authorize: () => ({ idTagInfo: { status: 'Accepted' } }),
  StartTransaction: () => ({ transactionId: 4711, idTagInfo: { status: 'Accepted' } }),
  StopTransaction: () => ({}),
  MeterValues: () => ({}),
};

/** ocpp-rpc as a CSMS of `version`, strict, answering what a station sends and recording it. */
async function externalCsms(version: 'ocpp1.6' | 'ocpp2.0.1') {
  const server = new RPCServer({ protocols: [version], strictMode: true, pingIntervalMs: 0 });
  const received: Received[] = [];
  const failures: string[] = [];
  const clients = new Map<string, ServerClient>();
  let heartbeatError = false;
  server.on('client', (client: ServerClient) => {
    clients.set(client.identity, client);
    client.on('strictValidationFailure', (e) => failures.push(`${client.identity}: ${e.error.message}`));
    const answers = version === 'ocpp1.6' ? ANSWERS_16 : ANSWERS_201;
    for (const [action, answer] of Object.entries(answers))
      client.handle(action, ({ params }) => {
        received.push({ identity: client.identity, action, params });
        // On a 1.6 link ocpp-rpc spells this code the 2.x way; the proxy must still keep its meaning.
        if (action === 'Heartbeat' && heartbeatError)
          throw createRPCError('OccurrenceConstraintViolation', 'no heartbeats today');
        return answer(params);
      });
  });
  const http = await server.listen(0, '127.0.0.1');
  const port = (http.address() as { port: number }).port;
  const seen = async (identity: string, action: string, match: (p: Json) => boolean = () => true) => {
    let hit: Received | undefined;
    await until(
      () => {
        hit = received.find((r) => r.identity === identity && r.action === action && match(r.params));
        return hit !== undefined;
      },
      10_000,
      `${action} from ${identity}`,
    );
    return hit!.params as Json;
  };
  return {
    url: `ws://127.0.0.1:${port}`,
    received,
    failures,
    seen,
    client: (identity: string) => clients.get(identity)!,
    refuseHeartbeats: () => {
      heartbeatError = true;
    },
    close: () => server.close({ awaitPending: false, force: true }),
  };
}

let stop: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const s of stop.reverse()) await s().catch(() => undefined);
  stop = [];
});

/**
 * ocpp-rpc as a strict CSMS of `csmsVersion`, `ocpp-actors proxy` in front of it (run from the command line),
 * and one simulated station of `stationVersion` booted through it; everything is stopped after the test.
 */
async function throughProxy(csmsVersion: 'ocpp1.6' | 'ocpp2.0.1', stationVersion: 'ocpp1.6' | 'ocpp2.0.1') {
  const csms = await externalCsms(csmsVersion);
  stop.push(() => csms.close());
  const cli = proxyCli([
    '--port',
    '0',
    '--accept',
    stationVersion,
    '--upstream',
    csms.url,
    '--upstream-protocol',
    csmsVersion,
  ]);
  stop.push(async () => {
    cli.child.kill('SIGTERM');
    await cli.exited;
  });
  const url = await proxyUrl(cli);
  const sim = await oneRemoteStation(url, stationVersion);
  stop.push(() => sim.stop());
  return { csms, cli, url, id: 'SIM-0001' };
}

describe('ocpp-actors proxy in front of an external strict 2.0.1 CSMS (ocpp-rpc)', () => {
  it('puts a 1.6 station through: boot, status, remote transaction with meter values, configuration, reset, and a CSMS error in 1.6 spelling', async () => {
    const { csms, cli, url, id } = await throughProxy('ocpp2.0.1', 'ocpp1.6');
    const boot = await csms.seen(id, 'BootNotification');
    expect(boot.chargingStation).toMatchObject({ vendorName: expect.any(String), model: expect.any(String) });
    await csms.seen(id, 'StatusNotification', (p) => p.evseId === 2 && p.connectorStatus === 'Available');
    const operator = csms.client(id);

    expect(
      await operator.call('RequestStartTransaction', {
        evseId: 1,
        remoteStartId: 7,
        idToken: { idToken: 'TAG-1', type: 'ISO14443' },
      }),
    ).toMatchObject({ status: 'Accepted' });
    const started = await csms.seen(id, 'TransactionEvent', (p) => p.eventType === 'Started');
    expect(started.transactionInfo.remoteStartId).toBe(7);
    const txId = started.transactionInfo.transactionId;
    const updated = await csms.seen(
      id,
      'TransactionEvent',
      (p) => p.eventType === 'Updated' && p.transactionInfo.transactionId === txId && p.meterValue,
    );
    expect(typeof updated.meterValue[0].sampledValue[0].value).toBe('number');
    expect(await operator.call('RequestStopTransaction', { transactionId: txId })).toEqual({
      status: 'Accepted',
    });
    const ended = await csms.seen(
      id,
      'TransactionEvent',
      (p) => p.eventType === 'Ended' && p.transactionInfo.transactionId === txId,
    );
    expect(ended.transactionInfo.stoppedReason).toBe('Remote');

    const got = await operator.call('GetVariables', {
      getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }],
    });
    expect(got.getVariableResult[0]).toMatchObject({ attributeStatus: 'Accepted', attributeValue: '300' });

    // The CSMS's 2.0.1 error code reaches a 1.6 station in 1.6's spelling.
    csms.refuseHeartbeats();
    const raw = createStation({ url, identity: 'RAW-1', protocols: ['ocpp1.6'] });
    stop.push(() => raw.close());
    await raw.connect();
    await raw.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const refused = await raw.call('Heartbeat', {}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RpcError);
    expect(refused).toMatchObject({
      code: 'OccurenceConstraintViolation',
      description: 'no heartbeats today',
    });

    const boots = () =>
      csms.received.filter((r) => r.identity === id && r.action === 'BootNotification').length;
    expect(await operator.call('Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });
    await until(() => boots() === 2, 10_000, 'the station boots again after Reset');

    // ocpp-rpc validated every message both ways: nothing the proxy sent it, or answered it, was invalid.
    expect(csms.failures).toEqual([]);
    expect(cli.out.stdout).toContain(`connected ${id} ocpp1.6 -> ocpp2.0.1`);
  });

  it('puts a 2.0.1 station through to a strict 1.6 CSMS: the integer transaction id, GetConfiguration, a CSMS error in 2.x spelling', async () => {
    const { csms, url, id } = await throughProxy('ocpp1.6', 'ocpp2.0.1');
    expect((await csms.seen(id, 'BootNotification')).chargePointVendor).toBeTypeOf('string');
    await csms.seen(id, 'StatusNotification', (p) => p.connectorId === 2 && p.status === 'Available');
    const operator = csms.client(id);

    const got = await operator.call('GetConfiguration', { key: ['HeartbeatInterval'] });
    expect(got.configurationKey).toEqual([
      expect.objectContaining({ key: 'HeartbeatInterval', value: '300' }),
    ]);

    expect(await operator.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG-2' })).toEqual({
      status: 'Accepted',
    });
    expect(await csms.seen(id, 'StartTransaction')).toMatchObject({ connectorId: 1, idTag: 'TAG-2' });
    // The CSMS's integer id (4711) is what every later message of the transaction carries.
    const meter = await csms.seen(id, 'MeterValues', (p) => p.transactionId === 4711);
    expect(typeof meter.meterValue[0].sampledValue[0].value).toBe('string');
    expect(await operator.call('RemoteStopTransaction', { transactionId: 4711 })).toEqual({
      status: 'Accepted',
    });
    expect((await csms.seen(id, 'StopTransaction', (p) => p.transactionId === 4711)).reason).toBe('Remote');

    csms.refuseHeartbeats();
    const raw = createStation({ url, identity: 'RAW-2', protocols: ['ocpp2.0.1'] });
    stop.push(() => raw.close());
    await raw.connect();
    await raw.call('BootNotification', {
      chargingStation: { vendorName: 'V', model: 'M' },
      reason: 'PowerUp',
    });
    const refused = await raw.call('Heartbeat', {}).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: 'OccurrenceConstraintViolation',
      description: 'no heartbeats today',
    });

    expect(csms.failures).toEqual([]);
  });
});
