import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, expectServed, gate, nextEvent, record, startCsms, within } from './harness.js';

afterEach(cleanup);

const ID37 = 'i'.repeat(37);
type Row = readonly [name: string, raw: string, reason: string, id: string, code: string];

/** Per version: what goes on the wire, and what decodeFrame answers (test/protocol has the full table). */
const ROWS: Record<string, readonly Row[]> = {
  'ocpp1.6': [
    ['malformed JSON', '[2,"a1","Heartbeat",{}', 'invalid-json', '-1', 'FormationViolation'],
    ['37-char id', JSON.stringify([2, ID37, 'Heartbeat', {}]), 'message-id-too-long', ID37, 'ProtocolError'],
    ['null payload', '[2,"a2","Heartbeat",null]', 'payload-not-object', 'a2', 'FormationViolation'],
    ['array payload', '[2,"a3","Heartbeat",[]]', 'payload-not-object', 'a3', 'FormationViolation'],
  ],
  'ocpp2.0.1': [
    ['malformed JSON', '[2,"a1","Heartbeat",{}', 'invalid-json', '-1', 'RpcFrameworkError'],
    [
      '37-char id',
      JSON.stringify([2, ID37, 'Heartbeat', {}]),
      'message-id-too-long',
      ID37,
      'RpcFrameworkError',
    ],
    ['null payload', '[2,"a2","Heartbeat",null]', 'payload-not-object', 'a2', 'FormatViolation'],
    ['unknown type 7', '[7,"a4","Heartbeat",{}]', 'unknown-message-type', 'a4', 'MessageTypeNotSupported'],
  ],
  'ocpp2.1': [
    ['malformed JSON', '[2,"a1","Heartbeat",{}', 'invalid-json', '-1', 'RpcFrameworkError'],
    [
      '37-char id',
      JSON.stringify([2, ID37, 'Heartbeat', {}]),
      'message-id-too-long',
      ID37,
      'RpcFrameworkError',
    ],
    ['string payload', '[2,"a2","Heartbeat","x"]', 'payload-not-object', 'a2', 'FormatViolation'],
  ],
};

describe.each(Object.keys(ROWS))('bad frames over %s', (version) => {
  it.each(ROWS[version]!)('%s: CALLERROR from decodeFrame, badMessage, others unaffected', async (...row) => {
    const [, raw, reason, id, code] = row;
    const t = await startCsms();
    const s = await t.boot('CP1', version);
    const other = await t.boot('CP2', version);
    const events = record(t.csms, 'badMessage');
    s.send(raw);
    expect(await s.nextMessage()).toEqual([4, id, code, expect.any(String), {}]);
    expect(events.badMessage).toMatchObject([{ reason, raw, replied: true }]);
    expect(events.badMessage[0]!.station.identity).toBe('CP1');
    await expectServed(other);
    await expectServed(s);
  });
});

describe('frames that get no answer', () => {
  it.each(['ocpp1.6', 'ocpp2.1'])(
    '%s ignores an unknown message type (reported, not answered)',
    async (v) => {
      const t = await startCsms();
      const s = await t.boot('CP1', v);
      const bad = nextEvent(t.csms, 'badMessage');
      s.send('[7,"a4","Heartbeat",{}]');
      expect(await bad).toMatchObject({ reason: 'unknown-message-type', replied: false });
      await s.expectSilence();
      await expectServed(s);
    },
  );

  it.each(['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'])(
    '%s: a CALLRESULT or CALLERROR with an unknown id is logged, never answered',
    async (v) => {
      const t = await startCsms();
      const s = await t.boot('CP1', v);
      const other = await t.boot('CP2', v);
      const events = record(t.csms, 'unknownResponse', 'badMessage');
      s.send([3, 'nobody-asked', { status: 'Accepted' }]);
      s.send([4, 'nobody-asked-either', 'GenericError', '', {}]);
      await s.expectSilence();
      expect(events.unknownResponse.map((e) => e.message)).toMatchObject([
        { type: 3, messageId: 'nobody-asked' },
        { type: 4, messageId: 'nobody-asked-either' },
      ]);
      expect(events.badMessage).toEqual([]);
      await expectServed(other);
    },
  );

  it('2.1 SEND runs its handler and is never answered', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1', 'ocpp2.1');
    const other = await t.boot('CP2', 'ocpp2.1');
    const ran = gate<{ action: string; payload: unknown; identity: string }>();
    t.csms.handle('ocpp2.1', 'NotifyPeriodicEventStream', (ctx) => {
      ran.open({ action: ctx.action, payload: ctx.payload, identity: ctx.station.identity });
      return undefined;
    });
    const payload = { id: 1, pending: 0, basetime: '2025-01-01T00:00:00Z', data: [{ t: 0, v: '1' }] };
    s.send([6, 'send-1', 'NotifyPeriodicEventStream', payload]);
    expect(await within(ran.promise, 'SEND handled')).toEqual({
      action: 'NotifyPeriodicEventStream',
      payload,
      identity: 'CP1',
    });
    await s.expectSilence();
    await expectServed(other);
  });

  it('2.1 SEND with an invalid payload is reported as a validation failure and still not answered', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1', 'ocpp2.1');
    const other = await t.boot('CP2', 'ocpp2.1');
    let ran = false;
    t.csms.handle('*', () => {
      ran = true;
      return {};
    });
    const failed = nextEvent(t.csms, 'validationFailure');
    s.send([6, 'send-2', 'NotifyPeriodicEventStream', { id: 'not-a-number' }]);
    expect(await failed).toMatchObject({ direction: 'IN', message: { type: 6, messageId: 'send-2' } });
    await s.expectSilence();
    expect(ran).toBe(false);
    await expectServed(other);
  });

  it('a SEND type number is unknown before 2.1 (2.0.1 answers MessageTypeNotSupported)', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1', 'ocpp2.0.1');
    s.send([6, 'send-3', 'NotifyPeriodicEventStream', {}]);
    expect(await s.nextMessage()).toEqual([4, 'send-3', 'MessageTypeNotSupported', expect.any(String), {}]);
  });
});
