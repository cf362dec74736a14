import { afterEach, describe, expect, it } from 'vitest';
import {
  type CallContext,
  type IConnection,
  type ITransportAdapter,
  MemoryAdapter,
  OCPPProtocolProxy,
  presets,
} from '../../src/proxy/index.js';
import { TurnGate } from '../../src/proxy/turn-gate.js';
import type { OCPPMessage } from '../../src/translation/index.js';
import { startCsms, type TestCsms } from '../sim/helpers.js';

/** The end of the current turn of the event loop (the gate's own end-of-turn was scheduled first). */
const turnEnd = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TurnGate: a budget of started calls per turn of the event loop', () => {
  it('starts the budget at once and the rest in later turns, in the order they came, flagged deferred', async () => {
    const gate = new TurnGate(4);
    const started: string[] = [];
    const results = Array.from({ length: 10 }, (_, i) =>
      gate.run(async (deferred) => {
        started.push(`${i}${deferred ? 'd' : ''}`);
        return i * 10;
      }),
    );
    expect(started).toEqual(['0', '1', '2', '3']);
    expect(gate.queued).toBe(6);
    await turnEnd();
    expect(started).toEqual(['0', '1', '2', '3', '4d', '5d', '6d', '7d']);
    await turnEnd();
    expect(started.slice(8)).toEqual(['8d', '9d']);
    expect(await Promise.all(results)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });

  it('a call arriving while others wait queues behind them, even with budget left in a new turn', async () => {
    const gate = new TurnGate(2);
    const started: number[] = [];
    const job = (n: number) => gate.run(async () => void started.push(n));
    for (const n of [1, 2, 3, 4, 5]) void job(n);
    await turnEnd(); // 3 and 4 start here; the budget of the next turn is spent by them
    void job(6);
    await turnEnd();
    await turnEnd();
    expect(started).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('passes a deferred job’s failure to its caller, and a budget of 0 starts everything at once', async () => {
    const gate = new TurnGate(1);
    void gate.run(async () => 'first');
    await expect(
      gate.run(async () => {
        throw new Error('upstream refused');
      }),
    ).rejects.toThrow('upstream refused');
    const open = new TurnGate(0);
    const flags: boolean[] = [];
    for (let i = 0; i < 100; i++) void open.run(async (deferred) => flags.push(deferred));
    expect(flags).toHaveLength(100);
    expect(flags.every((d) => d === false)).toBe(true);
  });
});

/** An adapter of the test's own: each station's CALLs go in with a context the test controls. */
class ContextAdapter implements ITransportAdapter {
  private accept: ((c: IConnection) => void) | undefined;
  async listen(onConnection: (c: IConnection) => void): Promise<void> {
    this.accept = onConnection;
  }
  connect(identity: string) {
    let handler: ((m: OCPPMessage, c?: CallContext) => Promise<OCPPMessage | undefined>) | undefined;
    let n = 0;
    this.accept!({
      identity,
      protocol: 'ocpp1.6',
      send: async () => undefined,
      onMessage: (h) => {
        handler = h;
      },
      onClose: () => {},
    });
    return (action: string, payload: unknown, context?: CallContext) =>
      handler!({ type: 2, messageId: `${identity}-${++n}`, action, payload }, context);
  }
  async close(): Promise<void> {}
}

let csms: TestCsms | undefined;
let proxy: OCPPProtocolProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await csms?.close();
  proxy = csms = undefined;
});

/** Our CSMS (2.1) behind a proxy with `callsPerTurn`, stations coming through `adapter`. */
async function budgetedProxy<A extends ITransportAdapter>(callsPerTurn: number, adapter: A): Promise<A> {
  csms = await startCsms();
  proxy = new OCPPProtocolProxy({ upstreamEndpoint: csms.url, upstreamProtocol: 'ocpp2.1', callsPerTurn });
  proxy.translate(presets.ocpp16_to_ocpp21);
  await proxy.listenOnAdapter(adapter);
  return adapter;
}

describe('the proxy under a per-turn budget (callsPerTurn)', () => {
  it('never forwards a call its station was given up on while it waited', async () => {
    const adapter = await budgetedProxy(1, new ContextAdapter());
    const a = adapter.connect('CP-A');
    const b = adapter.connect('CP-B');
    const boot = { chargePointVendor: 'V', chargePointModel: 'M' };
    expect(await a('BootNotification', boot)).toMatchObject({ type: 3 });
    expect(await b('BootNotification', boot)).toMatchObject({ type: 3 });
    await turnEnd();

    const given: { aborted: boolean; abandoned: boolean } = { aborted: false, abandoned: false };
    const context = {
      get signal() {
        return { aborted: given.aborted } as AbortSignal;
      },
      get abandoned() {
        return given.abandoned;
      },
    };
    // One turn, budget 1: A's Heartbeat starts, B's waits; B's adapter gives up on it (its time limit).
    const first = a('Heartbeat', {});
    const waited = b('Heartbeat', {}, context);
    given.abandoned = given.aborted = true;
    expect(await first).toMatchObject({ type: 3 });
    expect(await waited).toBeUndefined();
    // B's leg is one ordered socket: a Heartbeat forwarded before this call would have arrived first.
    expect(
      await b('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' }),
    ).toMatchObject({ type: 3 });
    const fromB = csms!.received.filter((r) => r.identity === 'CP-B').map((r) => r.action);
    expect(fromB).toEqual(['BootNotification', 'StatusNotification']);
    expect(csms!.received.filter((r) => r.identity === 'CP-A').map((r) => r.action)).toEqual([
      'BootNotification',
      'Heartbeat',
    ]);
  });

  it('answers a burst from 40 stations with a budget of 2 calls per turn, every call forwarded once', async () => {
    const adapter = await budgetedProxy(2, new MemoryAdapter());
    const stations = Array.from({ length: 40 }, (_, i) => adapter.connect(`CP-${i}`, 'ocpp1.6'));
    const answers = await Promise.all(
      stations.map((s) => s.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })),
    );
    expect(answers.every((m) => m?.type === 3 && m.payload.status === 'Accepted')).toBe(true);
    expect(csms!.received.filter((r) => r.action === 'BootNotification')).toHaveLength(40);
  });
});
