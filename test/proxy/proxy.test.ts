import { afterEach, describe, expect, it } from 'vitest';
import { type Csms, createCsms, registerDefaultHandlers } from '../../src/index.js';
import {
  InMemorySessionStore,
  MemoryAdapter,
  MiddlewareRejection,
  OCPPProtocolProxy,
  presets,
} from '../../src/proxy/index.js';
import { startCsms, type TestCsms, until } from '../sim/helpers.js';

let csms: TestCsms | undefined;
let proxy: OCPPProtocolProxy | undefined;
let extra: Csms | undefined;
afterEach(async () => {
  await proxy?.close();
  await csms?.close();
  await extra?.close({ drainMs: 0 });
  proxy = csms = extra = undefined;
});

const BOOT16 = { chargePointVendor: 'V', chargePointModel: 'M' };

async function memoryProxy(
  upstream: string,
  options: Partial<ConstructorParameters<typeof OCPPProtocolProxy>[0]> = {},
): Promise<{ proxy: OCPPProtocolProxy; adapter: MemoryAdapter }> {
  const p = new OCPPProtocolProxy({ upstreamEndpoint: upstream, upstreamProtocol: 'ocpp2.1', ...options });
  proxy = p;
  p.translate(presets.ocpp16_to_ocpp21);
  const adapter = new MemoryAdapter();
  await p.listenOnAdapter(adapter);
  return { proxy: p, adapter };
}

describe('OCPPProtocolProxy over the in-memory adapter, to our 2.1 CSMS', () => {
  it('emits connection and disconnect; each station has its own upstream leg, closed when the station goes', async () => {
    csms = await startCsms();
    const { proxy, adapter } = await memoryProxy(csms.url);
    const seen: string[] = [];
    proxy.on('connection', (identity, protocol) => seen.push(`connection ${identity} ${protocol}`));
    proxy.on('disconnect', (identity) => seen.push(`disconnect ${identity}`));
    const a = adapter.connect('CP-A', 'ocpp1.6');
    const b = adapter.connect('CP-B', 'ocpp1.6');
    expect(await a.call('BootNotification', BOOT16)).toMatchObject({
      type: 3,
      payload: { status: 'Accepted' },
    });
    expect(await b.call('BootNotification', BOOT16)).toMatchObject({
      type: 3,
      payload: { status: 'Accepted' },
    });
    expect(csms.csms.station('CP-A')?.protocol).toBe('ocpp2.1');
    expect(csms.csms.connectedCount).toBe(2);
    a.disconnect();
    await until(() => csms!.csms.connectedCount === 1, 5_000, 'upstream leg of CP-A closed');
    expect(csms.csms.station('CP-B')?.connection).toBe('open');
    expect(seen).toEqual(['connection CP-A ocpp1.6', 'connection CP-B ocpp1.6', 'disconnect CP-A']);
  });

  it('a throwing middleware: the station gets the rejection code, middlewareError fires, no error event is needed', async () => {
    csms = await startCsms();
    const { proxy, adapter } = await memoryProxy(csms.url, {
      middlewares: [
        (message, _ctx, direction, phase) => {
          if (
            phase === 'pre' &&
            direction === 'upstream' &&
            message.type === 2 &&
            message.action === 'Heartbeat'
          )
            throw new MiddlewareRejection('SecurityError', 'heartbeats are rate limited');
          return undefined;
        },
      ],
    });
    const errors: string[] = [];
    proxy.on('middlewareError', (e, m, ctx) => errors.push(`${ctx.identity} ${m.action}: ${e.message}`));
    const a = adapter.connect('CP-A', 'ocpp1.6');
    await a.call('BootNotification', BOOT16);
    expect(await a.call('Heartbeat', {})).toMatchObject({
      type: 4,
      errorCode: 'SecurityError',
      errorDescription: 'heartbeats are rate limited',
    });
    expect(errors).toEqual(['CP-A Heartbeat: heartbeats are rate limited']);
    expect(proxy.listenerCount('error')).toBe(0);
  });

  it('a throwing mapper: InternalError to the station and translationError; later maps win per key', async () => {
    csms = await startCsms();
    const { proxy, adapter } = await memoryProxy(csms.url);
    proxy.translate({
      upstream: {
        'ocpp1.6:Heartbeat': () => {
          throw new Error('mapper bug');
        },
      },
    });
    const errors: string[] = [];
    proxy.on('translationError', (e, _m, ctx) => errors.push(`${ctx.identity}: ${e.message}`));
    const a = adapter.connect('CP-A', 'ocpp1.6');
    await a.call('BootNotification', BOOT16);
    expect(await a.call('Heartbeat', {})).toMatchObject({ type: 4, errorCode: 'InternalError' });
    expect(errors).toEqual(['CP-A: mapper bug']);
  });

  it("carries the station's password to the upstream leg; a refusal there (401) disconnects the station", async () => {
    const passwords: string[] = [];
    extra = registerDefaultHandlers(
      createCsms({
        securityProfile: 1,
        auth: ({ identity, password }) => {
          passwords.push(`${identity}:${password?.toString()}`);
          return password?.toString() === 'right-secret';
        },
      }),
    );
    const { port } = await extra.listen({ port: 0, host: '127.0.0.1' });
    const { proxy, adapter } = await memoryProxy(`ws://127.0.0.1:${port}`);
    const refusals: string[] = [];
    proxy.on('upstreamError', (_e, identity) => refusals.push(identity));
    const good = adapter.connect('CP-GOOD', 'ocpp1.6', 'right-secret');
    expect(await good.call('BootNotification', BOOT16)).toMatchObject({ type: 3 });
    let badClosed = false;
    proxy.on('disconnect', (identity) => {
      if (identity === 'CP-BAD') badClosed = true;
    });
    adapter.connect('CP-BAD', 'ocpp1.6', 'wrong');
    await until(() => badClosed, 5_000, 'CP-BAD disconnected');
    expect(passwords).toEqual(['CP-GOOD:right-secret', 'CP-BAD:wrong']);
    expect(refusals).toEqual(['CP-BAD']);
  });

  it('close() disconnects the stations, then closes the adapters, then the session store', async () => {
    csms = await startCsms();
    const order: string[] = [];
    class Store extends InMemorySessionStore {
      async close(): Promise<void> {
        order.push('store');
      }
    }
    const { proxy, adapter } = await memoryProxy(csms.url, { sessionStore: new Store() });
    const closeAdapter = adapter.close.bind(adapter);
    adapter.close = async () => {
      order.push('adapter');
      await closeAdapter();
    };
    proxy.on('disconnect', (identity) => order.push(`disconnect ${identity}`));
    const a = adapter.connect('CP-A', 'ocpp1.6');
    await a.call('BootNotification', BOOT16);
    await proxy.close();
    expect(order).toEqual(['disconnect CP-A', 'adapter', 'store']);
    await until(() => csms!.csms.connectedCount === 0, 5_000, 'upstream legs closed');
    await expect(a.call('Heartbeat', {})).rejects.toThrow(/not connected/);
  });

  it('stations of two versions behind one proxy: each preset applies to the version it is for', async () => {
    csms = await startCsms();
    const { proxy, adapter } = await memoryProxy(csms.url);
    proxy.translate(presets.ocpp201_to_ocpp21);
    const old = adapter.connect('CP-16', 'ocpp1.6');
    const modern = adapter.connect('CP-201', 'ocpp2.0.1');
    const commands: string[] = [];
    old.answer((m) => {
      commands.push(`CP-16 ${m.action}`);
      return { type: 3, messageId: m.messageId, payload: { status: 'Accepted' } };
    });
    modern.answer((m) => {
      commands.push(`CP-201 ${m.action}`);
      return { type: 3, messageId: m.messageId, payload: { status: 'Accepted' } };
    });
    await old.call('BootNotification', BOOT16);
    await modern.call('BootNotification', {
      chargingStation: { vendorName: 'V', model: 'M' },
      reason: 'PowerUp',
    });
    expect(csms.csms.station('CP-16')?.protocol).toBe('ocpp2.1');
    expect(csms.csms.station('CP-201')?.protocol).toBe('ocpp2.1');
    const start = {
      evseId: 1,
      remoteStartId: 1,
      idToken: { idToken: 'A', type: 'Central' },
    } as const;
    expect(await csms.csms.call('CP-16', 'RequestStartTransaction', start)).toEqual({ status: 'Accepted' });
    expect(await csms.csms.call('CP-201', 'RequestStartTransaction', start)).toEqual({ status: 'Accepted' });
    expect(commands).toEqual(['CP-16 RemoteStartTransaction', 'CP-201 RequestStartTransaction']);
    expect(csms.failures).toEqual([]);
  });

  it("a keyless GetConfiguration from a 1.6 CSMS waits for the 2.0.1 station's NotifyReport parts", async () => {
    csms = await startCsms();
    const p = new OCPPProtocolProxy({ upstreamEndpoint: csms.url, upstreamProtocol: 'ocpp1.6' });
    proxy = p;
    p.translate(presets.ocpp201_to_ocpp16);
    const adapter = new MemoryAdapter();
    await p.listenOnAdapter(adapter);
    const station = adapter.connect('CP-201', 'ocpp2.0.1');
    await station.call('BootNotification', {
      chargingStation: { vendorName: 'V', model: 'M' },
      reason: 'PowerUp',
    });
    const variable = (component: string, name: string, value: string) => ({
      component: { name: component },
      variable: { name },
      variableAttribute: [{ value, mutability: 'ReadWrite' }],
    });
    let requestId = -1;
    station.answer((m) => {
      requestId = m.payload.requestId;
      return { type: 3, messageId: m.messageId, payload: { status: 'Accepted' } };
    });
    const answer = csms.csms.call('CP-201', 'GetConfiguration', {});
    await until(() => requestId >= 0, 5_000, 'GetBaseReport at the station');
    const part = (seqNo: number, tbc: boolean, data: object[]) =>
      station.call('NotifyReport', {
        requestId,
        generatedAt: new Date().toISOString(),
        seqNo,
        tbc,
        reportData: data,
      });
    expect(await part(0, true, [variable('OCPPCommCtrlr', 'HeartbeatInterval', '300')])).toMatchObject({
      type: 3,
    });
    expect(await part(1, false, [variable('TxCtrlr', 'StopTxOnInvalidId', 'true')])).toMatchObject({
      type: 3,
    });
    const got = (await answer) as { configurationKey: { key: string; value: string }[] };
    expect(got.configurationKey).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'HeartbeatInterval', value: '300' }),
        expect.objectContaining({ key: 'StopTransactionOnInvalidId', value: 'true' }),
      ]),
    );
    expect(csms.failures).toEqual([]);
  });
});
