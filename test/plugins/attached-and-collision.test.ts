/**
 * Built-ins over real sockets where the other tests do not reach: the metrics plugin's request handler
 * on an application's own http.Server given to `attach()`, and the anomaly plugin's identity-collision
 * detection (stations connecting from other loopback addresses, 127.0.0.2 and up).
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCsms } from '../../src/actors/csms.js';
import { registerDefaultHandlers } from '../../src/actors/default-handlers.js';
import { anomalyPlugin, metricsPlugin } from '../../src/plugins/index.js';
import { cleanup, expectServed, nextEvent, record, startCsms } from '../runtime/harness.js';
import { connectStation, type StationSocket } from '../support/station-socket.js';

const opened: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
  await cleanup();
});

function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe("metricsPlugin's request handler on an attached server", () => {
  it("answers GET /metrics in the application's own routing while OCPP is served on the same port", async () => {
    const metrics = metricsPlugin();
    const csms = createCsms({ plugins: [metrics], jitterRatio: 0 });
    registerDefaultHandlers(csms);
    const server: Server = createServer((req, res) => {
      if (req.url === '/metrics') metrics.handler(req, res);
      else res.writeHead(200, { 'Content-Type': 'text/plain' }).end('the application');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    opened.push({ close: () => new Promise((r) => server.close(r)) });
    opened.push({ close: () => csms.close({ drainMs: 0 }) });
    await csms.attach(server);
    const { port } = server.address() as AddressInfo;

    const station: StationSocket = await connectStation(`ws://127.0.0.1:${port}`, 'CP1');
    opened.push(station);
    await station.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    await station.call('Heartbeat', {});

    const res = await get(port, '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^ocpp_connections_active 1$/m);
    expect(res.body).toMatch(/^ocpp_messages_total\{action="Heartbeat",direction="in",type="CALL"\} 1$/m);
    expect(res.body).toMatch(/^ocpp_call_duration_seconds_count\{action="Heartbeat",direction="in"\} 1$/m);
    // The application's other routes stay its own.
    expect((await get(port, '/')).body).toBe('the application');
  });
});

describe("anomalyPlugin's identity collisions", () => {
  it.each([
    ['collisionThreshold', { collisionThreshold: 2 }],
    ["ocpp-ws-io 2.x's evictionThreshold", { evictionThreshold: 2 }],
  ])(
    'flags ANOMALY_IDENTITY_COLLISION when one identity keeps connecting from other addresses, not on reconnects from the same one (%s)',
    async (_name, options) => {
      const t = await startCsms({ plugins: [anomalyPlugin(options)] });
      const events = record(t.csms, 'securityEvent');
      const collisions = () => events.securityEvent.filter((e) => e.type === 'ANOMALY_IDENTITY_COLLISION');

      await t.connect('CP1', { localAddress: '127.0.0.1' });
      // The same station again from its own address replaces its connection: no collision.
      let evicted = nextEvent(t.csms, 'evicted');
      await t.connect('CP1', { localAddress: '127.0.0.1' });
      await evicted;
      // Another host takes the identity over: one.
      evicted = nextEvent(t.csms, 'evicted');
      await t.connect('CP1', { localAddress: '127.0.0.2' });
      expect((await evicted).replacement.remoteAddress).toBe('127.0.0.2');
      expect(collisions()).toEqual([]);
      // And a third: the threshold of 2 is crossed, and the event names the newcomer's address.
      evicted = nextEvent(t.csms, 'evicted');
      await t.connect('CP1', { localAddress: '127.0.0.3' });
      await evicted;
      expect(collisions()).toMatchObject([
        { identity: 'CP1', remoteAddress: '127.0.0.3', details: { count: 2, plugin: 'anomaly' } },
      ]);
      await expectServed(await t.boot('CP2'));
    },
  );
});
