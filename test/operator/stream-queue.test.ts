import { afterEach, describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { stationMachine } from '../../src/machines/station.js';
import { machineGraph, operatorPage } from '../../src/operator/index.js';
import { cleanup, expectServed, startCsms, until } from '../runtime/harness.js';
import { openStream } from './sse-client.js';

afterEach(cleanup);

const TOKEN = 'queue-test-token-0123456789';
const bearer = { Authorization: `Bearer ${TOKEN}` };

describe('operator page: one bounded queue per browser', () => {
  it('a browser that stops reading has its updates dropped and gets a full snapshot when it reads again; the others and the station are not held up', async () => {
    const page = operatorPage({ token: TOKEN, listIntervalMs: 10, maxQueuedBytes: 64 * 1024, logSize: 50 });
    const t = await startCsms({ plugins: [page] });
    t.csms.handle('ocpp1.6', 'DataTransfer', () => ({ status: 'Accepted' }));
    const base = `${t.url.replace('ws://', 'http://')}/ops`;
    const station = await t.boot('CP-LOUD');
    const slow = await openStream(base, bearer);
    const fast = await openStream(base, bearer);
    const select = async (stream: string) => {
      const r = await fetch(`${base}/api/select`, {
        method: 'POST',
        headers: { ...bearer, 'Content-Type': 'application/json' },
        body: JSON.stringify({ stream, station: 'CP-LOUD' }),
      });
      expect(r.status).toBe(200);
    };
    await select((await slow.next('hello')).data.stream as string);
    await select((await fast.next('hello')).data.stream as string);
    slow.pause();

    // Every frame of the selected station goes into both browsers' logs: ~8 KB a frame, until the
    // paused one's socket buffers are full and its queue passes 64 KB.
    const data = 'x'.repeat(8_000);
    let sent = 0;
    while (page.stats().dropped === 0 && sent < 5_000) {
      const answer = await station.call('DataTransfer', { vendorId: 'V', data });
      expect(answer).toEqual([3, expect.any(String), { status: 'Accepted' }]);
      sent++;
    }
    expect(page.stats().dropped).toBeGreaterThan(0);
    // The station was answered all along, and the browser that reads saw the frames as they came.
    await expectServed(station);
    await until(() =>
      fast.events.some(
        (e) => e.name === 'station' && (e.data.counters as { messagesIn: number }).messagesIn >= sent,
      ),
    );

    const before = slow.events.length;
    slow.resume();
    const snapshot = await slow.next('snapshot', before);
    expect(snapshot.data.rows).toContainEqual(
      expect.arrayContaining(['CP-LOUD', 'ocpp1.6', 'open', 'accepted']),
    );
    expect(snapshot.data.dropped).toBeGreaterThan(0);
    // With the snapshot comes the selected station whole, so its page is right again too. (What was
    // already in the socket buffers before the drop is read first.)
    const station2 = await slow.next('station', slow.events.indexOf(snapshot));
    expect(station2.data.fullLog).toBe(true);
    expect(page.stats().resyncs).toBeGreaterThanOrEqual(1);
    slow.close();
    fast.close();
  }, 60_000);
});

describe('diagrams come from the machine definitions', () => {
  it("the station machine's graph has its regions, states and guarded transitions", () => {
    const g = machineGraph(stationMachine);
    expect(g.nodes.map((n) => n.id)).toEqual(
      expect.arrayContaining([
        'station.connection',
        'station.connection.open',
        'station.registration.accepted',
        'station.registration.forgotten',
      ]),
    );
    expect(g.edges).toContainEqual(
      expect.objectContaining({
        source: 'station.registration',
        target: 'station.registration.accepted',
        label: 'BOOT_RESULT [and(connectionOpen, bootStatusIs(Accepted))]',
      }),
    );
    expect(g.edges).toContainEqual(
      expect.objectContaining({ source: 'station.connection.closed', label: 'after forgetAfter' }),
    );
  });

  it('a changed machine draws changed, with nothing drawn by hand', () => {
    const m = createMachine({
      id: 'door',
      initial: 'closed',
      states: {
        closed: { on: { OPEN: 'open' } },
        open: { on: { CLOSE: { target: 'closed', guard: 'idle' } } },
      },
    });
    expect(machineGraph(m)).toEqual({
      nodes: [
        { id: 'door.closed', label: 'closed', type: 'atomic', initial: true, parent: undefined },
        { id: 'door.open', label: 'open', type: 'atomic', initial: false, parent: undefined },
      ],
      edges: [
        { id: 'e0', source: 'door.closed', target: 'door.open', label: 'OPEN' },
        { id: 'e1', source: 'door.open', target: 'door.closed', label: 'CLOSE [idle]' },
      ],
    });
  });
});
