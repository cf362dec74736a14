import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, expectServed, gate, record, startCsms, until } from './harness.js';

afterEach(cleanup);

const heartbeatAnswer = () => ({ currentTime: new Date().toISOString() });

describe('duplicate message ids', () => {
  it.each([
    ['ocpp1.6', 'ProtocolError'],
    ['ocpp2.0.1', 'RpcFrameworkError'],
  ])('%s: a repeat of an id still being handled gets %s; the first is still answered', async (v, code) => {
    const t = await startCsms();
    const s = await t.boot('CP1', v);
    const other = await t.boot('CP2', v);
    const release = gate();
    let runs = 0;
    t.csms.handle('Heartbeat', async () => {
      runs++;
      await release.promise;
      return heartbeatAnswer();
    });
    const events = record(t.csms, 'callRefused');
    s.send([2, 'dup', 'Heartbeat', {}]);
    await until(() => runs === 1);
    s.send([2, 'dup', 'Heartbeat', {}]);
    expect(await s.nextMessage()).toEqual([4, 'dup', code, expect.any(String), {}]);
    expect(events.callRefused).toMatchObject([{ messageId: 'dup', reason: 'duplicate-id' }]);
    release.open();
    expect(await s.nextMessage()).toEqual([3, 'dup', { currentTime: expect.any(String) }]);
    expect(runs).toBe(1);
    await expectServed(other);
  });

  it('accepts the same id again once the first call was answered', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    expect((await s.call('Heartbeat', {}, 'again'))[0]).toBe(3);
    expect((await s.call('Heartbeat', {}, 'again'))[0]).toBe(3);
  });
});

describe('inbound flood', () => {
  it('answers GenericError beyond maxInboundWaiting and reports rateLimitExceeded', async () => {
    const t = await startCsms({ maxInboundWaiting: 2 });
    const s = await t.boot('CP1');
    const other = await t.boot('CP2');
    const release = gate();
    const handled: string[] = [];
    t.csms.handle('Heartbeat', async ({ messageId, station }) => {
      if (station.identity === 'CP1') await release.promise;
      handled.push(messageId);
      return heartbeatAnswer();
    });
    const events = record(t.csms, 'rateLimitExceeded', 'callRefused', 'securityEvent');
    for (const id of ['f1', 'f2', 'f3', 'f4', 'f5']) s.send([2, id, 'Heartbeat', {}]);
    // f1 runs, f2 and f3 wait: f4 and f5 do not fit.
    expect(await s.nextMessage()).toEqual([4, 'f4', 'GenericError', expect.any(String), {}]);
    expect(await s.nextMessage()).toEqual([4, 'f5', 'GenericError', expect.any(String), {}]);
    expect(events.callRefused.map((e) => [e.messageId, e.reason])).toEqual([
      ['f4', 'flood'],
      ['f5', 'flood'],
    ]);
    expect(events.rateLimitExceeded).toHaveLength(2);
    expect(events.rateLimitExceeded[0]!.station?.identity).toBe('CP1');
    expect(events.securityEvent).toMatchObject([{ type: 'MESSAGE_FLOOD', identity: 'CP1' }, {}]);
    // The other station is not queued behind CP1's flood.
    await expectServed(other);
    release.open();
    const answers = [await s.nextMessage(), await s.nextMessage(), await s.nextMessage()];
    expect(answers.map((m) => [m[0], m[1]])).toEqual([
      [3, 'f1'],
      [3, 'f2'],
      [3, 'f3'],
    ]);
    expect(handled.filter((id) => id.startsWith('f'))).toEqual(['f1', 'f2', 'f3']);
  });
});

describe('handler serialization', () => {
  it('never runs two CALLs of one station at once, and runs them in arrival order', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    let active = 0;
    let maxActive = 0;
    const order: string[] = [];
    t.csms.handle('Heartbeat', async ({ messageId }) => {
      active++;
      maxActive = Math.max(maxActive, active);
      order.push(messageId);
      await new Promise((r) => setTimeout(r, 15));
      active--;
      return heartbeatAnswer();
    });
    const replies = await Promise.all(['s1', 's2', 's3'].map((id) => s.call('Heartbeat', {}, id)));
    expect(replies.map((r) => r[0])).toEqual([3, 3, 3]);
    expect(maxActive).toBe(1);
    expect(order).toEqual(['s1', 's2', 's3']);
    expect(s.received.slice(-3).map((m) => m[1])).toEqual(['s1', 's2', 's3']);
  });

  it('runs the handlers of two stations concurrently', async () => {
    const t = await startCsms();
    const a = await t.boot('A');
    const b = await t.boot('B');
    const bothIn = gate();
    const inside = new Set<string>();
    t.csms.handle('Heartbeat', async ({ station }) => {
      inside.add(station.identity);
      if (inside.size === 2) bothIn.open();
      // Each handler waits for the other station's handler to start: serialized stations would deadlock.
      await bothIn.promise;
      return heartbeatAnswer();
    });
    const [ra, rb] = await Promise.all([a.call('Heartbeat', {}), b.call('Heartbeat', {})]);
    expect([ra[0], rb[0]]).toEqual([3, 3]);
  });
});

describe('framesPerTurn: a budget of frames handled per turn, over all stations', () => {
  it('handles every frame once, each station’s in the order sent, while two stations pipeline 40 CALLs each', async () => {
    const t = await startCsms({ framesPerTurn: 3, maxInboundWaiting: 100 });
    const a = await t.boot('CP1');
    const b = await t.boot('CP2');
    const handled: string[] = [];
    t.csms.handle('Heartbeat', ({ messageId, station }) => {
      handled.push(`${station.identity}:${messageId}`);
      return heartbeatAnswer();
    });
    const ids = Array.from({ length: 40 }, (_, i) => `h${i}`);
    for (const id of ids) {
      a.send([2, id, 'Heartbeat', {}]);
      b.send([2, id, 'Heartbeat', {}]);
    }
    const answered = async (s: typeof a) => {
      const got: unknown[] = [];
      for (const _ of ids) got.push((await s.nextMessage())[1]);
      return got;
    };
    expect(await answered(a)).toEqual(ids);
    expect(await answered(b)).toEqual(ids);
    for (const who of ['CP1', 'CP2'])
      expect(handled.filter((h) => h.startsWith(`${who}:`))).toEqual(ids.map((id) => `${who}:${id}`));
  });

  it('stops reading a station with 32 frames waiting and reads it again once they are handled', async () => {
    const t = await startCsms({ framesPerTurn: 1, maxInboundWaiting: 200 });
    const s = await t.boot('CP1');
    const other = await t.boot('CP2');
    const ids = Array.from({ length: 120 }, (_, i) => `f${i}`);
    for (const id of ids) s.send([2, id, 'Heartbeat', {}]);
    for (const id of ids) expect((await s.nextMessage())[1]).toBe(id);
    await expectServed(other);
    expect((await s.call('Heartbeat', {}, 'after'))[0]).toBe(3);
  });
});
