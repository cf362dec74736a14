import { randomUUID } from 'node:crypto';
import amqp, { type ChannelModel } from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { AmqpChannelClosedError, amqpPlugin } from '../../src/plugins/amqp.js';
import { SinkDeliveryError } from '../../src/plugins/sink-errors.js';
import type { SinkRecord } from '../../src/plugins/sink-events.js';
import { cleanup, expectServed, nextEvent, startCsms, until } from '../runtime/harness.js';

// Real RabbitMQ on 127.0.0.1:5672, guest/guest (.ci/services starts it); each test has its own exchange.
const URL = 'amqp://guest:guest@127.0.0.1:5672';
const connections: ChannelModel[] = [];
async function connection(): Promise<ChannelModel> {
  const c = await amqp.connect(URL);
  c.on('error', () => {}); // a closed channel's error also reaches its connection; the tests assert it
  connections.push(c);
  return c;
}
afterEach(async () => {
  await cleanup();
  await Promise.all(connections.splice(0).map((c) => c.close().catch(() => undefined)));
});

/** A topic exchange of its own and a consumer of everything published to it. */
async function consumer(exchange: string) {
  const ch = await (await connection()).createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
  const { queue } = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(queue, exchange, '#');
  const got: { routingKey: string; record: SinkRecord; persistent: boolean; headers: unknown }[] = [];
  await ch.consume(queue, (m) => {
    if (!m) return;
    got.push({
      routingKey: m.fields.routingKey,
      record: JSON.parse(m.content.toString()),
      persistent: m.properties.deliveryMode === 2,
      headers: m.properties.headers,
    });
    ch.ack(m);
  });
  return got;
}

describe('amqpPlugin', () => {
  it('publishes with confirms to the exchange under ocpp.{event}.{identity}; a consumer gets them', async () => {
    const exchange = `t14b.${randomUUID()}`;
    const got = await consumer(exchange);
    const channel = await (await connection()).createConfirmChannel();
    const plugin = amqpPlugin({ channel, exchange, queue: { maxWaitMs: 100 } });
    const t = await startCsms({ plugins: [plugin] });
    const stations = await Promise.all(['CP1', 'CP2', 'CP.3'].map((id) => t.boot(id)));
    await stations[0]!.close();
    await until(() => got.some((g) => g.record.event === 'disconnect'));
    expect(got.find((g) => g.routingKey === 'ocpp.connect.CP%2E3')).toMatchObject({
      record: { event: 'connect', identity: 'CP.3' },
      persistent: true,
      headers: { event: 'connect' },
    });
    expect(got.find((g) => g.record.event === 'disconnect')?.routingKey).toBe('ocpp.disconnect.CP1');
    expect(got.some((g) => g.routingKey === 'ocpp.message.CP2')).toBe(true);
    // Confirmed delivery in batches: fewer sends than events (counted once the broker confirmed).
    await until(() => plugin.stats().delivered >= got.length);
    expect(plugin.stats().batches).toBeLessThan(plugin.stats().delivered);
  });

  it('reports a channel the broker closed (exchange missing) without crashing, and to onError; stations served', async () => {
    const told: { event: string; routingKey: string }[] = [];
    const channel = await (await connection()).createConfirmChannel();
    const t = await startCsms({
      plugins: [
        amqpPlugin({
          channel,
          exchange: `t14b.missing.${randomUUID()}`,
          events: ['connect'],
          onError: (_error, ctx) => told.push(ctx),
          queue: { retries: 2, retryDelayMs: 10, maxWaitMs: 0 },
        }),
      ],
    });
    const failed = nextEvent(t.csms, 'pluginError', undefined, 5_000);
    const s = await t.boot('CP1');
    const e = await failed;
    expect(e.plugin).toBe('amqp');
    expect(e.error).toBeInstanceOf(SinkDeliveryError);
    expect(told[0]).toEqual({ event: 'connect', routingKey: 'ocpp.connect.CP1' });
    await expectServed(s);
    // Later batches fail at once on the closed channel, unretried, and are reported too.
    const again = nextEvent(t.csms, 'pluginError', undefined, 5_000);
    await t.boot('CP2');
    expect(((await again).error as SinkDeliveryError).cause).toBeInstanceOf(AmqpChannelClosedError);
    expect((await again).error).toMatchObject({ attempts: 1 });
  });

  it('refuses a channel without publisher confirms', async () => {
    const channel = await (await connection()).createChannel();
    expect(() => amqpPlugin({ channel: channel as never })).toThrow(/confirm channel/);
  });
});
