/**
 * An upstream outage longer than the station leg's handler time limit: the station is answered
 * InternalError at the limit, and the forwarded call is cancelled in the upstream leg's queue, so the
 * CSMS never receives it when it comes back (it would act on a call the station saw fail). Real sockets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Csms, createCsms, registerDefaultHandlers } from '../../src/index.js';
import { CsmsAdapter, OCPPProtocolProxy, presets } from '../../src/proxy/index.js';
import { freePort } from '../support/nats-server.js';
import { connectStation, type StationSocket } from '../support/station-socket.js';
import { until } from '../support/wait.js';

let upstream: Csms | undefined;
let proxy: OCPPProtocolProxy | undefined;
const stations: StationSocket[] = [];
afterEach(async () => {
  await Promise.all(stations.splice(0).map((s) => s.close()));
  await proxy?.close();
  await upstream?.close({ drainMs: 0 });
  proxy = upstream = undefined;
});

describe('a CSMS outage longer than the handler time limit', () => {
  it('the station gets InternalError at the limit; the CSMS, once back, never receives that call', async () => {
    const port = await freePort();
    proxy = new OCPPProtocolProxy({
      upstreamEndpoint: `ws://127.0.0.1:${port}`,
      upstreamProtocol: 'ocpp2.1',
      // The CSMS is down: the station is accepted at once and its leg keeps retrying.
      upstream: { reconnect: { waitMinimumMs: 50, randomRangeMs: 0 } },
    });
    proxy.translate(presets.ocpp16_to_ocpp21);
    const upstreamErrors: string[] = [];
    proxy.on('upstreamError', (e) => upstreamErrors.push(e.name));
    const adapter = new CsmsAdapter({
      port: 0,
      host: '127.0.0.1',
      protocols: ['ocpp1.6'],
      handlerTimeoutMs: 300,
    });
    await proxy.listenOnAdapter(adapter);
    const s = await connectStation(`ws://127.0.0.1:${adapter.port}`, 'CP-1', { timeoutMs: 8_000 });
    stations.push(s);

    const answer = await s.call('Heartbeat', {}, 'hb-1', 5_000);
    expect(answer.slice(0, 3)).toEqual([4, 'hb-1', 'InternalError']);
    expect(upstreamErrors).toEqual(['CallAbortedError']);

    const received: string[] = [];
    upstream = registerDefaultHandlers(createCsms({ requireBoot: false }));
    upstream.on('message', ({ direction, message }) => {
      if (direction === 'IN' && message.type === 2) received.push(message.action);
    });
    await upstream.listen({ port, host: '127.0.0.1' });
    await until(() => upstream!.connectedCount === 1, 5_000, 'upstream leg reconnected');
    // A later call goes through; the Heartbeat, queued before it, would have arrived first.
    expect(await s.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })).toMatchObject(
      [3, expect.any(String), { status: 'Accepted' }],
    );
    expect(received).toEqual(['BootNotification']);
  });
});
