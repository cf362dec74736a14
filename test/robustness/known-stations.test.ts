/**
 * Identity churn cannot grow memory without bound: disconnected stations are remembered (for a
 * reconnect that keeps their registration) up to `maxKnownStations`, least recently seen forgotten first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, nextEvent, record, startCsms } from '../runtime/harness.js';

afterEach(cleanup);

describe('maxKnownStations', () => {
  it('forgets the least recently seen disconnected station first, with a forgotten event', async () => {
    const t = await startCsms({ maxKnownStations: 3 });
    const events = record(t.csms, 'forgotten');
    for (const id of ['CP-1', 'CP-2', 'CP-3', 'CP-4', 'CP-5']) {
      const s = await t.boot(id);
      const gone = nextEvent(t.csms, 'disconnected', (e) => e.station.identity === id);
      await s.close();
      await gone;
    }
    expect(events.forgotten).toEqual([
      { identity: 'CP-1', reason: 'capacity' },
      { identity: 'CP-2', reason: 'capacity' },
    ]);
    expect(t.csms.knownCount).toBe(3);
    expect(t.csms.station('CP-1')).toBeUndefined();
    expect(t.csms.station('CP-3')).toMatchObject({ registration: 'accepted', connection: 'closed' });

    // A remembered station reconnects Accepted; a forgotten one must boot again.
    const back = await t.connect('CP-3');
    expect(await back.call('Heartbeat', {})).toEqual([3, expect.any(String), expect.any(Object)]);
    const forgotten = await t.connect('CP-1');
    expect((await forgotten.call('Heartbeat', {}, 'h1'))[2]).toBe('SecurityError');
  });

  it('never counts connected stations, and a reconnect makes a station the most recently seen', async () => {
    const t = await startCsms({ maxKnownStations: 2 });
    const events = record(t.csms, 'forgotten');
    const connected = await Promise.all(['CP-a', 'CP-b', 'CP-c'].map((id) => t.boot(id)));
    expect(t.csms.knownCount).toBe(3);
    for (const s of connected) {
      const gone = nextEvent(t.csms, 'disconnected', (e) => e.station.identity === s.identity);
      await s.close();
      await gone;
    }
    expect(events.forgotten.map((e) => e.identity)).toEqual(['CP-a']);
    // CP-b comes back and leaves again: CP-c is now the least recently seen.
    const b = await t.connect('CP-b');
    const gone = nextEvent(t.csms, 'disconnected', (e) => e.station.identity === 'CP-b');
    await b.close();
    await gone;
    await t.boot('CP-d').then(async (d) => {
      const left = nextEvent(t.csms, 'disconnected', (e) => e.station.identity === 'CP-d');
      await d.close();
      await left;
    });
    expect(events.forgotten.map((e) => e.identity)).toEqual(['CP-a', 'CP-c']);
  });

  it('lowering it at run time forgets the excess at once', async () => {
    const t = await startCsms({ maxKnownStations: 10 });
    for (const id of ['CP-1', 'CP-2', 'CP-3']) {
      const s = await t.boot(id);
      const gone = nextEvent(t.csms, 'disconnected', (e) => e.station.identity === id);
      await s.close();
      await gone;
    }
    const events = record(t.csms, 'forgotten');
    t.csms.reconfigure({ maxKnownStations: 1 });
    expect(events.forgotten.map((e) => e.identity)).toEqual(['CP-1', 'CP-2']);
  });

  it('reports expiry after forgetAfterMs as a forgotten event too', async () => {
    const t = await startCsms({ forgetAfterMs: 30 });
    const s = await t.boot('CP-x');
    const forgotten = nextEvent(t.csms, 'forgotten');
    await s.close();
    expect(await forgotten).toEqual({ identity: 'CP-x', reason: 'expired' });
    expect(t.csms.knownCount).toBe(0);
  });
});
