import { afterEach, describe, expect, it } from 'vitest';
import type { OcppPlugin } from '../../src/hooks/types.js';
import { bootPayload } from '../support/station-socket.js';
import { cleanup, expectServed, gate, nextEvent, record, startCsms, until, within } from './harness.js';

afterEach(cleanup);

describe('payload size limit', () => {
  it('closes a station that sends more than maxPayloadBytes with 1009; others are unaffected', async () => {
    const t = await startCsms({ maxPayloadBytes: 512 });
    const s = await t.boot('CP1');
    const other = await t.boot('CP2');
    const events = record(t.csms, 'disconnected', 'transportError');
    s.send([2, 'big', 'DataTransfer', { vendorId: 'V', data: 'x'.repeat(1_000) }]);
    expect((await s.closed).code).toBe(1009);
    await until(() => events.disconnected.length > 0);
    // ws stops reading after the oversized frame and sees no close frame back (1006 on the wire);
    // the runtime reports the cause, 1009, and the transport error behind it.
    expect(events.disconnected).toMatchObject([{ station: { identity: 'CP1' }, code: 1009 }]);
    expect(events.transportError).toMatchObject([
      { station: { identity: 'CP1' }, error: { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' } },
    ]);
    expect(t.csms.station('CP1')).toMatchObject({ connection: 'closed', registration: 'accepted' });
    await expectServed(other);
  });

  it('accepts a message just under the limit', async () => {
    const t = await startCsms({ maxPayloadBytes: 512 });
    const s = await t.boot('CP1');
    const frame = JSON.stringify([2, 'fits', 'DataTransfer', { vendorId: 'V', data: '' }]);
    const data = 'y'.repeat(512 - frame.length);
    expect(await s.call('DataTransfer', { vendorId: 'V', data }, 'fits')).toEqual([
      3,
      'fits',
      { status: 'UnknownVendorId' },
    ]);
  });
});

describe('eviction', () => {
  it('closes the older socket with 4000 when the same identity connects again; registration stays', async () => {
    const t = await startCsms();
    const first = await t.boot('CP1', 'ocpp2.0.1');
    const events = record(t.csms, 'evicted', 'disconnected', 'connected');
    const second = await t.connect('CP1', { protocols: ['ocpp2.0.1'] });
    expect((await first.closed).code).toBe(4000);
    expect(events.evicted).toHaveLength(1);
    expect(events.evicted[0]!.station.identity).toBe('CP1');
    expect(events.evicted[0]!.replacement).toMatchObject({
      identity: 'CP1',
      protocol: 'ocpp2.0.1',
      node: t.csms.nodeId, // replaced on this node
    });
    expect(events.disconnected).toMatchObject([{ code: 4000 }]);
    expect(events.connected).toMatchObject([{ reconnect: true }]);
    expect(t.csms.station('CP1')).toMatchObject({
      connection: 'open',
      registration: 'accepted',
      connections: 2,
    });
    expect(t.csms.connectedCount).toBe(1);
    await expectServed(second);
    // The evicted socket's late close event does not disturb the new one.
    await second.expectSilence();
    expect(second.isOpen).toBe(true);
  });
});

describe('answers never cross connections', () => {
  it.each([
    ['after a reconnect', false],
    ['after an eviction', true],
  ])('an answer for a CALL of the previous socket is dropped %s', async (_what, evict) => {
    const t = await startCsms();
    const first = await t.boot('CP1');
    const release = gate();
    const started = gate();
    t.csms.handle('ocpp1.6', 'Authorize', async ({ payload }) => {
      if (payload.idTag === 'OLD') {
        started.open();
        await release.promise;
        return { idTagInfo: { status: 'Blocked' as const } };
      }
      return { idTagInfo: { status: 'Accepted' as const } };
    });
    // Many 1.6 stations number their messages from 1 again after reconnecting.
    first.send([2, '1', 'Authorize', { idTag: 'OLD' }]);
    await within(started.promise, 'slow handler started');
    if (!evict) {
      const gone = nextEvent(t.csms, 'disconnected');
      await first.close();
      await gone;
    }
    const second = await t.connect('CP1');
    release.open();
    expect(await second.call('Authorize', { idTag: 'NEW' }, '1')).toEqual([
      3,
      '1',
      { idTagInfo: { status: 'Accepted' } },
    ]);
    await second.expectSilence();
    expect(second.received).toHaveLength(1);
  });
});

describe('keepalive', () => {
  it('terminates a peer that does not answer pings (pongTimeout) and keeps one that does', async () => {
    const t = await startCsms({ pingIntervalMs: 100 });
    // Both stay silent after booting, so both get pinged; only ALIVE answers (ws auto-pongs).
    const alive = await t.boot('ALIVE');
    let alivePings = 0;
    alive.ws.on('ping', () => alivePings++);
    const quiet = await t.connect('QUIET', { autoPong: false });
    let quietPings = 0;
    quiet.ws.on('ping', () => quietPings++);
    const timeout = nextEvent(t.csms, 'pongTimeout', () => true, 2_000);
    const gone = nextEvent(t.csms, 'disconnected', () => true, 2_000);
    expect((await timeout).station.identity).toBe('QUIET');
    expect((await within(quiet.closed, 'QUIET cut off', 2_000)).code).toBe(1006);
    expect((await gone).station.identity).toBe('QUIET');
    expect(quietPings).toBeGreaterThan(0);
    expect(alivePings).toBeGreaterThan(0);
    expect(alive.isOpen).toBe(true);
    expect(t.csms.station('ALIVE')?.connection).toBe('open');
    await expectServed(alive);
  });
});

describe('graceful close', () => {
  it('lets a running handler answer, then closes sockets with 1001; closing/closed hooks in order', async () => {
    const order: string[] = [];
    const plugin: OcppPlugin = {
      name: 'lifecycle',
      onClosing: async () => {
        // A turn of the event loop: the runtime must wait for an async hook before going on.
        await new Promise((r) => setImmediate(r));
        order.push('onClosing');
      },
      onClose: () => {
        order.push('onClose');
      },
      onDisconnect: (station, code) => order.push(`disconnect ${station.identity} ${code}`),
    };
    const t = await startCsms({ plugins: [plugin] });
    const finish = gate();
    t.csms.on('closing', () => {
      order.push('closing event');
      finish.open();
    });
    t.csms.on('closed', () => order.push('closed event'));
    const s = await t.boot('CP1');
    const started = gate();
    t.csms.handle('Heartbeat', async () => {
      started.open();
      // Still running when the CSMS starts closing: the drain must wait for it.
      await finish.promise;
      order.push('handler done');
      return { currentTime: new Date().toISOString() };
    });
    s.send([2, 'slow', 'Heartbeat', {}]);
    await within(started.promise, 'handler started');
    const closing = t.csms.close({ drainMs: 2_000 });
    const answer = await s.nextMessage();
    expect(answer).toEqual([3, 'slow', { currentTime: expect.any(String) }]);
    expect(await s.closed).toMatchObject({ code: 1001 });
    await closing;
    expect(order).toEqual([
      'onClosing',
      'closing event',
      'handler done',
      'disconnect CP1 1001',
      'onClose',
      'closed event',
    ]);
    expect(t.csms.connectedCount).toBe(0);
  });

  it('refuses new connections while closing (503)', async () => {
    const hold = gate();
    const t = await startCsms({ plugins: [{ name: 'slow-close', onClosing: () => hold.promise }] });
    const closing = t.csms.close();
    const r = await t.refused('LATE');
    expect(r.status).toBe(503);
    hold.open();
    await closing;
  });

  it('closing twice is harmless and a booted station gets 1001 without a drain', async () => {
    const t = await startCsms();
    const s = await t.connect('CP1');
    await s.call('BootNotification', bootPayload('ocpp1.6'));
    await Promise.all([t.csms.close({ drainMs: 0 }), t.csms.close()]);
    expect((await s.closed).code).toBe(1001);
  });
});
