import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNatsBus, type NatsBus } from '../../src/bus/nats/index.js';
import { createStation, type Station } from '../../src/client/index.js';
import { KvSessionStore, presets } from '../../src/proxy/index.js';
import { startCsms, type TestCsms, until, waitFor } from '../sim/helpers.js';
import { freePort, type NatsServer, startNatsServer } from '../support/nats-server.js';
import { startProxy, type TestProxy } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: payloads are read field by field in assertions
type Json = any;

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.dispose();
});

let csms: TestCsms | undefined;
let proxy: TestProxy | undefined;
let bus: NatsBus | undefined;
let station: Station<'ocpp1.6'> | undefined;
afterEach(async () => {
  await station?.close();
  await proxy?.close();
  await bus?.close();
  await csms?.close();
  station = proxy = bus = csms = undefined;
});

const T = () => new Date().toISOString();
const meterValue = (wh: number) => [
  {
    timestamp: T(),
    sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register' as const }],
  },
];

/** A proxy whose session store is a KV bucket on the NATS bus, listening on `port`. */
async function proxyOnNats(upstream: string, port: number): Promise<TestProxy> {
  bus = await createNatsBus({ servers: server.url });
  const store = new KvSessionStore(await bus.kv('proxy-sessions'));
  const p = await startProxy(upstream, 'ocpp2.1', 'ocpp1.6', presets.ocpp16_to_ocpp21, store, port);
  return p;
}

describe('the transaction-id mapping survives reconnects and a proxy restart (KvSessionStore on NATS)', () => {
  it('a 1.6 transaction keeps its 2.1 id and seqNo across a station reconnect, an upstream reconnect and a proxy restart', async () => {
    csms = await startCsms();
    const t = csms;
    const port = await freePort();
    proxy = await proxyOnNats(t.url, port);
    const cp = createStation({
      url: `ws://127.0.0.1:${port}`,
      identity: 'CP-1',
      protocols: ['ocpp1.6'],
      reconnect: { waitMinimumMs: 50, randomRangeMs: 0, repeatTimes: 1 },
    });
    station = cp;
    await cp.connect();
    await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const start = await cp.call('StartTransaction', {
      connectorId: 1,
      idTag: 'TAG-1',
      meterStart: 0,
      timestamp: T(),
    });
    const transactionId = start.transactionId;
    const started = (await waitFor(t, 'CP-1', 'TransactionEvent', (p) => p.eventType === 'Started')) as Json;
    const txId = started.transactionInfo.transactionId as string;
    const events = () =>
      t.received
        .filter(
          (r) =>
            r.action === 'TransactionEvent' && (r.payload as Json).transactionInfo.transactionId === txId,
        )
        .map((r) => r.payload as Json);

    // The station leg drops (the proxy closes it): the station reconnects and goes on.
    const connections = t.csms.station('CP-1')!.connections;
    let reconnected = false;
    proxy.proxy.once('connection', () => {
      reconnected = true;
    });
    await proxy.adapter.csms.handleOf('CP-1')!.close(1012, 'restart');
    await until(() => reconnected, 5_000, 'station back');
    await cp.call('MeterValues', { connectorId: 1, transactionId, meterValue: meterValue(100) });
    await until(() => events().length === 2, 5_000, 'Updated after the station reconnected');
    // Its upstream leg was replaced along with it.
    expect(t.csms.station('CP-1')!.connections).toBe(connections + 1);

    // The upstream leg drops (the CSMS closes it): the proxy's client reconnects by itself.
    await t.csms.handleOf('CP-1')!.close(1012, 'restart');
    await cp.call('MeterValues', { connectorId: 1, transactionId, meterValue: meterValue(200) });
    await until(() => events().length === 3, 5_000, 'Updated after the upstream reconnected');

    // The proxy restarts (a new process would do the same): the mapping is in the NATS KV bucket.
    await proxy.close();
    await bus!.close();
    proxy = await proxyOnNats(t.url, port);
    await cp.call('StopTransaction', { transactionId, meterStop: 300, timestamp: T(), reason: 'Local' });
    await until(() => events().length === 4, 10_000, 'Ended after the proxy restart');

    const all = events();
    expect(all.map((e) => e.eventType)).toEqual(['Started', 'Updated', 'Updated', 'Ended']);
    const seqNos = all.map((e) => e.seqNo as number);
    expect(seqNos).toEqual([...seqNos].sort((a, b) => a - b));
    expect(new Set(seqNos).size).toBe(4);
    expect(t.failures).toEqual([]);
    expect(proxy.problems).toEqual([]);
  });
});
