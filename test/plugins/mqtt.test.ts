import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { MqttNotConnectedError, mqttPlugin } from '../../src/plugins/mqtt.js';
import { SinkDeliveryError } from '../../src/plugins/sink-errors.js';
import type { SinkRecord } from '../../src/plugins/sink-events.js';
import { cleanup, expectServed, nextEvent, startCsms, until } from '../runtime/harness.js';
import { closedPort } from './backends.js';

// Real Mosquitto on 127.0.0.1:1883 (.ci/services starts it); each test publishes under a prefix of its own.
const clients: MqttClient[] = [];
async function connect(port = 1883): Promise<MqttClient> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  clients.push(c);
  return c;
}
afterEach(async () => {
  await cleanup();
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});

describe('mqttPlugin', () => {
  it('publishes events with QoS 1 to {prefix}/{identity}/{event}; a subscriber receives them', async () => {
    const prefix = `t14b-${randomUUID()}`;
    const sub = await connect();
    const got: { topic: string; record: SinkRecord; qos: number }[] = [];
    sub.on('message', (topic, m, packet) =>
      got.push({ topic, record: JSON.parse(m.toString()), qos: packet.qos }),
    );
    await sub.subscribeAsync(`${prefix}/#`, { qos: 1 });
    const pub = await connect();
    const t = await startCsms({ plugins: [mqttPlugin({ client: pub, topicPrefix: prefix, qos: 1 })] });
    const s = await t.boot('CP+1'); // '+' is a valid OCPP identity character and an MQTT wildcard
    await s.close();
    await until(() => got.some((g) => g.record.event === 'disconnect'));
    const connectMsg = got.find((g) => g.record.event === 'connect');
    expect(connectMsg).toMatchObject({
      topic: `${prefix}/CP%2B1/connect`,
      qos: 1,
      record: { identity: 'CP+1', payload: { protocol: 'ocpp1.6' } },
    });
    expect(got.filter((g) => g.topic === `${prefix}/CP%2B1/message`).length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['a topic template', { topic: '{prefix}/events/{event}/{identity}' }, 'server'],
    [
      "ocpp-ws-io 2.x's topicBuilder(event, identity)",
      {
        topicBuilder: (event: string, identity?: string) => `{prefix}/events/${event}/${identity ?? 'csms'}`,
      },
      'csms',
    ],
  ])('takes %s', async (_name, topicOption, noIdentity) => {
    const prefix = `t14b-${randomUUID()}`;
    const sub = await connect();
    const topics: string[] = [];
    sub.on('message', (topic) => topics.push(topic));
    await sub.subscribeAsync(`${prefix}/#`, { qos: 1 });
    const option =
      'topicBuilder' in topicOption
        ? {
            topicBuilder: (e: string, id?: string) =>
              topicOption.topicBuilder(e, id).replace('{prefix}', prefix),
          }
        : topicOption;
    const t = await startCsms({
      plugins: [
        mqttPlugin({ client: await connect(), topicPrefix: prefix, ...option, events: ['init', 'connect'] }),
      ],
    });
    await t.boot('CP1');
    await until(() => topics.length === 2);
    expect(topics.sort()).toEqual([`${prefix}/events/connect/CP1`, `${prefix}/events/init/${noIdentity}`]);
  });

  it('reports a broker that is down as pluginError, and to onPublishError; stations served', async () => {
    const told: string[] = [];
    const port = await closedPort();
    const down = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 50 });
    down.on('error', () => {});
    clients.push(down);
    const t = await startCsms({
      plugins: [
        mqttPlugin({
          client: down,
          events: ['connect'],
          onPublishError: (error, { topic }) => told.push(`${topic}: ${error.name}`),
          queue: { retries: 1, retryDelayMs: 10, maxWaitMs: 0 },
        }),
      ],
    });
    const failed = nextEvent(t.csms, 'pluginError', undefined, 5_000);
    const s = await t.boot('CP1');
    const e = await failed;
    expect(e.plugin).toBe('mqtt');
    expect(e.error).toBeInstanceOf(SinkDeliveryError);
    expect((e.error as SinkDeliveryError).cause).toBeInstanceOf(MqttNotConnectedError);
    // Each attempt (the first and one retry) told of the publish it could not make.
    expect(told).toEqual([
      'ocpp/CP1/connect: MqttNotConnectedError',
      'ocpp/CP1/connect: MqttNotConnectedError',
    ]);
    await expectServed(s);
  });
});
