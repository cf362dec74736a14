/**
 * `ocpp-actors proxy --nats URL`: the session store on NATS JetStream KV, so two proxy nodes share the
 * transaction-id maps. A real nats-server (its own port and store), our 2.1 CSMS, two proxies started
 * as the CLI starts them, and a raw 1.6 station that moves from one proxy node to the other.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseProxyArgs, type RunningProxy, startProxyServer } from '../../src/cli/proxy.js';
import { type Json, seen } from '../proxy/helpers.js';
import { startCsms, type TestCsms } from '../sim/helpers.js';
import { type NatsServer, startNatsServer } from '../support/nats-server.js';
import { connectStation, type StationSocket } from '../support/station-socket.js';

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNatsServer();
});
afterAll(() => nats?.dispose());

let csms: TestCsms | undefined;
const nodes: RunningProxy[] = [];
const stations: StationSocket[] = [];
afterEach(async () => {
  await Promise.all(stations.splice(0).map((s) => s.close()));
  await Promise.all(nodes.splice(0).map((n) => n.close()));
  await csms?.close();
  csms = undefined;
});

async function node(upstream: string): Promise<string> {
  const o = parseProxyArgs(['--port', '0', '--upstream', upstream, '--nats', nats.url], 'test');
  if (o === 'help') throw new Error('help');
  const running = await startProxyServer(o, () => {});
  nodes.push(running);
  return `ws://127.0.0.1:${running.port}`;
}

async function station(url: string, identity: string): Promise<StationSocket> {
  const s = await connectStation(url, identity, { timeoutMs: 8_000 });
  stations.push(s);
  return s;
}

const payloadOf = (answer: unknown[]): Json => answer[2];
const BOOT16 = { chargePointVendor: 'V', chargePointModel: 'M' };
const at = '2025-01-01T12:00:00.000Z';

describe('ocpp-actors proxy --nats', () => {
  it('a transaction started through one proxy node is continued and stopped through another; 1.6 ids are unique across nodes', async () => {
    csms = await startCsms();
    const [a, b] = [await node(csms.url), await node(csms.url)];

    const onA = await station(a, 'CP-N1');
    await onA.call('BootNotification', BOOT16);
    const started = payloadOf(
      await onA.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: at }),
    );
    const id16: number = started.transactionId;
    const startEvent = await seen(csms, 'CP-N1', 'TransactionEvent', (p) => p.eventType === 'Started');
    const txId: string = startEvent.transactionInfo.transactionId;
    await onA.close();

    // The same station, now on node B: its integer id still finds the 2.1 transaction.
    const onB = await station(b, 'CP-N1');
    await onB.call('MeterValues', {
      connectorId: 1,
      transactionId: id16,
      meterValue: [
        { timestamp: at, sampledValue: [{ value: '1500', measurand: 'Energy.Active.Import.Register' }] },
      ],
    });
    const updated = await seen(csms, 'CP-N1', 'TransactionEvent', (p) => p.eventType === 'Updated');
    expect(updated.transactionInfo.transactionId).toBe(txId);
    expect(updated.seqNo).toBe(startEvent.seqNo + 1);
    await onB.call('StopTransaction', {
      transactionId: id16,
      meterStop: 2000,
      timestamp: at,
      reason: 'Local',
    });
    const ended = await seen(csms, 'CP-N1', 'TransactionEvent', (p) => p.eventType === 'Ended');
    expect(ended.transactionInfo.transactionId).toBe(txId);
    expect(ended.seqNo).toBe(startEvent.seqNo + 2);

    // Another station on node B gets another integer: the counter is the store's, not a node's.
    const other = await station(b, 'CP-N2');
    await other.call('BootNotification', BOOT16);
    const second = payloadOf(
      await other.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: at }),
    );
    expect(second.transactionId).not.toBe(id16);
    expect(csms.failures).toEqual([]);
  });

  it('refuses a --nats that is no NATS URL (exit 2)', () => {
    expect(() => parseProxyArgs(['--upstream', 'ws://127.0.0.1:1', '--nats', 'http://x'], 't')).toThrow(
      /--nats must be nats:\/\/HOST:PORT/,
    );
  });
});
