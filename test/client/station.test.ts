import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { ConnectError, type StationEventMap } from '../../src/client/index.js';
import { createCsms, passwordMatches, RpcError, registerDefaultHandlers } from '../../src/index.js';
import { bootPayload, cleanup, startCsms, station, track, until } from './helpers.js';

afterEach(cleanup);

describe('station client against our CSMS', () => {
  it.each(['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'] as const)('boots and heartbeats in %s', async (version) => {
    const { csms, url } = await startCsms();
    const s = station({ url, identity: `CS-${version}`, protocols: [version] });
    const registered: StationEventMap['registered'][] = [];
    s.on('registered', (e) => registered.push(e));
    await s.connect();
    expect(s.protocol).toBe(version);
    expect(s.state.connection).toBe('open');

    const boot = await s.call('BootNotification', bootPayload(version));
    expect(boot).toMatchObject({ status: 'Accepted', interval: 300 });
    expect(s.registration).toBe('accepted');
    expect(s.state.heartbeatInterval).toBe(300);
    expect(registered.map((e) => e.status)).toEqual(['Accepted']);

    const beat = await s.call('Heartbeat', {});
    expect(typeof beat.currentTime).toBe('string');
    expect(csms.station(`CS-${version}`)).toMatchObject({ registration: 'accepted', protocol: version });
  });

  it('offers its subprotocols in its order of preference and speaks what the CSMS picks', async () => {
    const server = createServer();
    const offered: (string | undefined)[] = [];
    server.on('upgrade', (req: IncomingMessage) => offered.push(req.headers['sec-websocket-protocol']));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const csms = createCsms({ protocols: ['ocpp2.0.1', 'ocpp1.6'] });
    registerDefaultHandlers(csms);
    await csms.attach(server);
    track({
      close: async () => {
        await csms.close({ drainMs: 0 });
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    });
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const s = station({ url, identity: 'CS-PREF', protocols: ['ocpp2.1', 'ocpp2.0.1', 'ocpp1.6'] });
    await s.connect();
    expect(offered).toEqual(['ocpp2.1,ocpp2.0.1,ocpp1.6']);
    expect(s.protocol).toBe('ocpp2.0.1');
    await expect(s.call('BootNotification', bootPayload('ocpp2.0.1'))).resolves.toMatchObject({
      status: 'Accepted',
    });
  });

  it('answers a 1.6 Reset from the CSMS with its handler, typed both ways', async () => {
    const { csms, url } = await startCsms();
    const s = station({ url, identity: 'CS-RESET', protocols: ['ocpp1.6'] });
    const seen: string[] = [];
    s.handle('Reset', ({ payload }) => {
      expectTypeOf(payload.type).toEqualTypeOf<'Hard' | 'Soft'>();
      seen.push(payload.type);
      return { status: 'Accepted' };
    });
    await s.connect();
    await s.call('BootNotification', bootPayload('ocpp1.6'));

    const answer = await csms.call('CS-RESET', 'Reset', { type: 'Soft' });
    expect(answer).toEqual({ status: 'Accepted' });
    expect(seen).toEqual(['Soft']);
  });

  it('answers a 2.0.1 RequestStartTransaction through a version-specific handler', async () => {
    const { csms, url } = await startCsms();
    const s = station({ url, identity: 'CS-START', protocols: ['ocpp2.0.1'] });
    s.handle('ocpp2.0.1', 'RequestStartTransaction', ({ payload, station: self }) => {
      expect(self.identity).toBe('CS-START');
      return { status: 'Accepted' as const, transactionId: `tx-${payload.remoteStartId}` };
    });
    await s.connect();
    await s.call('BootNotification', bootPayload('ocpp2.0.1'));

    const answer = await csms.call('CS-START', 'RequestStartTransaction', {
      idToken: { idToken: 'TOKEN-1', type: 'Central' },
      remoteStartId: 7,
    });
    expect(answer).toEqual({ status: 'Accepted', transactionId: 'tx-7' });
  });

  it('answers NotSupported to a CSMS call it has no handler for', async () => {
    const { csms, url } = await startCsms();
    const s = station({ url, identity: 'CS-NOHANDLER', protocols: ['ocpp1.6'] });
    const refused: StationEventMap['callRefused'][] = [];
    s.on('callRefused', (e) => refused.push(e));
    await s.connect();
    await s.call('BootNotification', bootPayload('ocpp1.6'));

    const error = await csms.call('CS-NOHANDLER', 'UnlockConnector', { connectorId: 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error.kind).toBe('NotSupported');
    expect(refused).toMatchObject([{ action: 'UnlockConnector', reason: 'not-supported' }]);
  });

  it('strict mode refuses an invalid outbound call locally, without sending it', async () => {
    const { csms, url } = await startCsms();
    const inbound: string[] = [];
    csms.on('message', (e) => e.direction === 'IN' && inbound.push(e.ctx.action ?? '?'));
    const s = station({ url, identity: 'CS-STRICT', protocols: ['ocpp2.0.1'] });
    await s.connect();

    const bad = await s.call('BootNotification', { reason: 'PowerUp' } as never).catch((e) => e);
    expect(bad).toBeInstanceOf(RpcError);
    expect(bad.kind).toBe('OccurrenceConstraintViolation');
    const wrongWay = await s.call('Reset' as never, { type: 'Immediate' } as never).catch((e) => e);
    expect(wrongWay).toMatchObject({ kind: 'NotSupported' });
    expect(s.state.inFlight + s.state.waitingCalls).toBe(0);

    await s.call('BootNotification', bootPayload('ocpp2.0.1'));
    expect(inbound).toEqual(['BootNotification']);
  });

  it('checks a call made before the first connection once the version is negotiated', async () => {
    const { url } = await startCsms();
    const s = station({ url, identity: 'CS-LATE-CHECK' });
    // Several versions offered: which schema applies is unknown until the handshake.
    const bad = s.call('Heartbeat', { unexpected: true } as never);
    const boot = s.call('BootNotification', bootPayload('ocpp2.1') as never);
    expect(s.state.offlineQueue).toBe(2);
    await s.connect();
    await expect(bad).rejects.toMatchObject({ kind: 'FormatViolation' });
    await expect(boot).resolves.toMatchObject({ status: 'Accepted' });
    expect(s.protocol).toBe('ocpp2.1');
  });

  it('sends a 2.1 SEND that reaches the CSMS handler and gets no answer', async () => {
    const { csms, url } = await startCsms();
    const received: unknown[] = [];
    csms.handle('*', ({ action, payload }) => {
      received.push({ action, payload });
      return {};
    });
    const s = station({ url, identity: 'CS-SEND', protocols: ['ocpp2.1'] });
    const inbound: number[] = [];
    s.on('message', (e) => e.direction === 'IN' && inbound.push(e.message.type));
    await s.connect();
    await s.call('BootNotification', bootPayload('ocpp2.1'));
    inbound.length = 0;

    const data = { id: 1, pending: 0, basetime: new Date().toISOString(), data: [{ t: 0, v: '230.1' }] };
    await s.send('NotifyPeriodicEventStream', data);
    await until(() => received.length === 1);
    expect(received).toEqual([{ action: 'NotifyPeriodicEventStream', payload: data }]);
    // Nothing answers a SEND: the next thing the CSMS sends is the answer to a later CALL.
    await s.call('Heartbeat', {});
    expect(inbound).toEqual([3]);
  });

  it('refuses a SEND when the negotiated version has no message type 6', async () => {
    const { url } = await startCsms({ protocols: ['ocpp1.6'] });
    const s = station({ url, identity: 'CS-SEND-16', protocols: ['ocpp2.1', 'ocpp1.6'] });
    await s.connect();
    expect(s.protocol).toBe('ocpp1.6');
    const data = { id: 1, pending: 0, basetime: new Date().toISOString(), data: [] };
    await expect(s.send('NotifyPeriodicEventStream', data)).rejects.toMatchObject({ kind: 'NotSupported' });
  });

  it('authenticates with HTTP Basic (binary password) and reports a refused upgrade with its status', async () => {
    const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const { url } = await startCsms({
      securityProfile: 1,
      auth: ({ identity, password }) =>
        identity === 'CS-AUTH' && password !== undefined && passwordMatches(password, key),
    });
    const good = station({ url, identity: 'CS-AUTH', protocols: ['ocpp1.6'], password: key });
    await good.connect();
    expect(good.connected).toBe(true);

    const bad = station({ url, identity: 'CS-AUTH', protocols: ['ocpp1.6'], password: 'wrong-password-123' });
    const failures: StationEventMap['connectFailed'][] = [];
    bad.on('connectFailed', (e) => failures.push(e));
    void bad.connect().catch(() => {});
    await until(() => failures.length >= 2);
    expect(failures[0]!.status).toBe(401);
    expect(failures[0]!.error).toBeInstanceOf(ConnectError);
    expect(bad.state.connection).not.toBe('open');
  });

  it('fails an attempt when the CSMS shares no subprotocol, and keeps trying', async () => {
    const { url } = await startCsms({ protocols: ['ocpp1.6'] });
    const s = station({ url, identity: 'CS-NOPROTO', protocols: ['ocpp2.1'] });
    const failures: StationEventMap['connectFailed'][] = [];
    s.on('connectFailed', (e) => failures.push(e));
    void s.connect().catch(() => {});
    await until(() => failures.length >= 2);
    expect(failures[0]!.error.message).toMatch(/subprotocol/i);
    expect(failures.map((f) => f.attempt).slice(0, 2)).toEqual([1, 2]);
  });

  it('runs plugin hooks on its own events', async () => {
    const { url } = await startCsms();
    const hooks: string[] = [];
    const s = station({
      url,
      identity: 'CS-PLUGIN',
      protocols: ['ocpp1.6'],
      plugins: [
        {
          name: 'trace',
          onConnection: (st) => hooks.push(`connected ${st.identity} ${st.protocol}`),
          onMessage: (_, e) => hooks.push(`${e.direction} ${e.ctx.type} ${e.ctx.action}`),
        },
      ],
    });
    await s.connect();
    await s.call('BootNotification', bootPayload('ocpp1.6'));
    expect(hooks).toEqual([
      'connected CS-PLUGIN ocpp1.6',
      'OUT CALL BootNotification',
      'IN CALLRESULT BootNotification',
    ]);
  });

  it('types calls, handlers and SEND by the versions it may negotiate', () => {
    const s16 = station({ url: 'ws://127.0.0.1:1', identity: 'CS-TYPES', protocols: ['ocpp1.6'] });
    expectTypeOf(s16.call<'Heartbeat'>).returns.resolves.toEqualTypeOf<{ currentTime: string }>();
    // @ts-expect-error a station does not call Reset
    void (() => s16.call('Reset', { type: 'Soft' }));
    // @ts-expect-error TransactionEvent is not 1.6
    void (() => s16.call('TransactionEvent', {}));
    // @ts-expect-error a station does not handle BootNotification
    void (() => s16.handle('BootNotification', () => ({})));
    // @ts-expect-error no SEND before 2.1
    void (() => s16.send('NotifyPeriodicEventStream', { id: 1, pending: 0, basetime: '', data: [] }));
    const any = station({ url: 'ws://127.0.0.1:1', identity: 'CS-TYPES-2' });
    expectTypeOf<Parameters<typeof any.call<'StartTransaction'>>[1]>().toHaveProperty('idTag');
    expectTypeOf<Parameters<typeof any.call<'TransactionEvent'>>[1]>().toHaveProperty('eventType');
  });
});
