/**
 * Cluster behaviour that needs no NATS: two CSMS nodes on a simulated cluster of memory buses (events
 * out, redaction), and what a single node on the default bus does NOT do (no per-message bus work).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Csms, createCsms } from '../../src/actors/csms.js';
import { registerDefaultHandlers } from '../../src/actors/default-handlers.js';
import { createMemoryBus, createMemoryCluster } from '../../src/bus/index.js';
import type { BusMessage } from '../../src/bus/types.js';
import type { CsmsEventMap } from '../../src/hooks/types.js';
import { RawStation } from '../cluster/harness.js';
import { within } from '../support/wait.js';

const open: { csms: Csms[]; stations: RawStation[] } = { csms: [], stations: [] };
afterEach(async () => {
  for (const s of open.stations) s.close();
  await Promise.all(open.csms.map((c) => c.close({ drainMs: 0 })));
  open.csms = [];
  open.stations = [];
});

async function node(options: Parameters<typeof createCsms>[0]): Promise<{ csms: Csms; port: number }> {
  const csms = registerDefaultHandlers(createCsms({ pingIntervalMs: 0, ...options }));
  open.csms.push(csms);
  const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });
  return { csms, port };
}

async function booted(port: number, identity: string): Promise<RawStation> {
  const s = await RawStation.connect(`ws://127.0.0.1:${port}/${identity}`);
  open.stations.push(s);
  await s.boot();
  return s;
}

describe('cluster parts on the memory bus', () => {
  it('a single node on the default bus publishes nothing per message', async () => {
    const { csms, port } = await node({});
    const s = await booted(port, 'CP-single');
    await s.call('Heartbeat', {});
    expect(csms.bus.stats()).toMatchObject({ published: 0 });
  });

  it('publishes events with payloads left out when redactPayloads is set', async () => {
    const cluster = createMemoryCluster();
    const bus = createMemoryBus({ cluster, nodeId: 'A' });
    const { port } = await node({ bus, nodeId: 'A', cluster: { redactPayloads: true } });
    const reader = createMemoryBus({ cluster, nodeId: 'reader' }).subscribe('ocpp.evt.*.message');
    await reader.ready;
    await booted(port, 'CP-redacted');
    const first = (await within(reader.next(), 'message event')).value as BusMessage;
    expect(first.subject).toBe('ocpp.evt.CP-redacted.message');
    expect(first.data).toMatchObject({ direction: 'IN', message: { type: 2, action: 'BootNotification' } });
    expect((first.data as { message: object }).message).not.toHaveProperty('payload');
  });

  it('reports a queued command dropped for its ttl as commandExpired', async () => {
    const { csms, port } = await node({});
    await csms.bus.enqueue('CP-late', {
      action: 'ClearCache',
      payload: {},
      enqueuedAt: Date.now() - 60_000,
      ttlMs: 1_000,
    });
    const expired = new Promise<CsmsEventMap['commandExpired']>((r) => csms.on('commandExpired', r));
    await booted(port, 'CP-late');
    expect(await within(expired, 'commandExpired')).toMatchObject({
      identity: 'CP-late',
      action: 'ClearCache',
      ttlMs: 1_000,
    });
  });
});
