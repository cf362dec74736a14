import { afterEach, describe, expect, it } from 'vitest';
import { bootPayload } from '../support/station-socket.js';
import { cleanup, expectServed, nextEvent, record, startCsms, until } from './harness.js';

afterEach(cleanup);

describe('registration gate (1.6 errata §3.8, B03.FR.07)', () => {
  it.each(['ocpp1.6', 'ocpp2.0.1'])(
    '%s: a CALL before BootNotification gets SecurityError and one TriggerMessage(BootNotification)',
    async (v) => {
      const t = await startCsms();
      const other = await t.boot('OTHER', v);
      const s = await t.connect('CP1', { protocols: [v] });
      const events = record(t.csms, 'callRefused', 'securityEvent');
      expect(await s.call('Heartbeat', {}, 'h1')).toEqual([4, 'h1', 'SecurityError', expect.any(String), {}]);
      expect(await s.call('Heartbeat', {}, 'h2')).toEqual([4, 'h2', 'SecurityError', expect.any(String), {}]);
      const trigger = await s.waitFor((m) => m[0] === 2);
      expect(trigger).toEqual([
        2,
        expect.any(String),
        'TriggerMessage',
        { requestedMessage: 'BootNotification' },
      ]);
      await s.expectSilence();
      expect(events.callRefused).toMatchObject([
        { action: 'Heartbeat', messageId: 'h1', reason: 'not-accepted', error: { kind: 'SecurityError' } },
        { action: 'Heartbeat', messageId: 'h2', reason: 'not-accepted' },
      ]);
      expect(events.securityEvent).toMatchObject([{ type: 'CALL_BEFORE_ACCEPTED', identity: 'CP1' }, {}]);
      expect(t.csms.station('CP1')?.registration).toBe('unregistered');
      await expectServed(other);

      s.reply(trigger, { status: 'Accepted' });
      const registered = nextEvent(t.csms, 'registered');
      expect(await s.call('BootNotification', bootPayload(v))).toMatchObject([
        3,
        expect.any(String),
        { status: 'Accepted' },
      ]);
      expect(await registered).toMatchObject({ status: 'Accepted', station: { identity: 'CP1' } });
      expect(t.csms.station('CP1')?.registration).toBe('accepted');
      await expectServed(s);
      // Asked once per connection: no second TriggerMessage was queued behind the first.
      expect(s.received.filter((m) => m[0] === 2)).toHaveLength(1);
    },
  );

  it.each(['Pending', 'Rejected'] as const)('keeps refusing while the boot answer is %s', async (status) => {
    const t = await startCsms();
    const other = await t.boot('OTHER');
    t.csms.handle('BootNotification', () => ({
      status,
      currentTime: new Date().toISOString(),
      interval: 60,
    }));
    const s = await t.connect('CP1');
    const registered = nextEvent(t.csms, 'registered');
    expect(await s.call('BootNotification', bootPayload('ocpp1.6'))).toMatchObject([
      3,
      expect.any(String),
      { status },
    ]);
    expect(await registered).toMatchObject({ status });
    expect(t.csms.station('CP1')?.registration).toBe(status.toLowerCase());
    const refused = nextEvent(t.csms, 'callRefused');
    expect(await s.call('Heartbeat', {}, 'h1')).toEqual([4, 'h1', 'SecurityError', expect.any(String), {}]);
    expect(await refused).toMatchObject({ reason: 'not-accepted' });
    expect(
      await s.call('StatusNotification', { connectorId: 0, errorCode: 'NoError', status: 'Available' }, 's1'),
    ).toEqual([4, 's1', 'SecurityError', expect.any(String), {}]);
    // Only an unregistered station is asked to boot; a Pending/Rejected one boots again on its own.
    await s.expectSilence();
    await expectServed(other);
  });

  it('keeps a station Accepted across a reconnect without a new BootNotification', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1', 'ocpp2.0.1');
    const gone = nextEvent(t.csms, 'disconnected');
    await s.close();
    expect(await gone).toMatchObject({ code: 1000, station: { identity: 'CP1' } });
    expect(t.csms.station('CP1')).toMatchObject({ connection: 'closed', registration: 'accepted' });

    const back = nextEvent(t.csms, 'connected');
    const again = await t.connect('CP1', { protocols: ['ocpp2.0.1'] });
    expect(await back).toMatchObject({ reconnect: true });
    expect(t.csms.station('CP1')).toMatchObject({
      connection: 'open',
      registration: 'accepted',
      connections: 2,
    });
    await expectServed(again);
  });

  it('forgets a station after forgetAfterMs: it must boot again', async () => {
    const t = await startCsms({ forgetAfterMs: 30 });
    const s = await t.boot('CP1');
    await s.close();
    await until(() => t.csms.station('CP1') === undefined);
    const again = await t.connect('CP1');
    expect(await again.call('Heartbeat', {}, 'h1')).toEqual([
      4,
      'h1',
      'SecurityError',
      expect.any(String),
      {},
    ]);
    expect(await again.nextMessage()).toEqual([2, expect.any(String), 'TriggerMessage', expect.anything()]);
  });

  it('requireBoot: false lets calls through before any BootNotification', async () => {
    const t = await startCsms({ requireBoot: false });
    const s = await t.connect('CP1');
    const refused = record(t.csms, 'callRefused');
    await expectServed(s);
    expect(refused.callRefused).toEqual([]);
    await s.expectSilence();
    expect(t.csms.station('CP1')?.registration).toBe('unregistered');
  });
});

describe('restoreRegistration', () => {
  it('a station new to this node gets its stored registration back: served without booting again', async () => {
    const asked: string[] = [];
    const t = await startCsms({
      restoreRegistration: (identity) => {
        asked.push(identity);
        return identity === 'KNOWN' ? { status: 'Accepted', interval: 300, bootedAt: 1 } : undefined;
      },
    });
    const registered = record(t.csms, 'registered', 'callRefused');
    const known = await t.connect('KNOWN', { protocols: ['ocpp2.0.1'] });
    expect(await known.call('Heartbeat', {}, 'h1')).toEqual([3, 'h1', { currentTime: expect.any(String) }]);
    expect(t.csms.station('KNOWN')).toMatchObject({ registration: 'accepted' });
    // Restored, not booted: no `registered` event, no TriggerMessage(BootNotification).
    await known.expectSilence();
    expect(registered.registered).toEqual([]);
    // Unknown to the store as well: the station is asked to boot, as without the option.
    const stranger = await t.connect('STRANGER', { protocols: ['ocpp2.0.1'] });
    expect(await stranger.call('Heartbeat', {}, 'h2')).toEqual([
      4,
      'h2',
      'SecurityError',
      expect.any(String),
      {},
    ]);
    expect(await stranger.nextMessage()).toEqual([
      2,
      expect.any(String),
      'TriggerMessage',
      { requestedMessage: 'BootNotification' },
    ]);
    expect(registered.callRefused).toMatchObject([{ messageId: 'h2', reason: 'not-accepted' }]);
    expect(asked).toEqual(['KNOWN', 'STRANGER']);
  });
});
