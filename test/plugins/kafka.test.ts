import {
  Kafka,
  KafkaJSError,
  KafkaJSNonRetriableError,
  logLevel,
  type Producer,
  type ProducerBatch,
} from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaNotRetriableError, type KafkaProducerLike, kafkaPlugin } from '../../src/plugins/kafka.js';
import { SinkDeliveryError } from '../../src/plugins/sink-errors.js';
import type { SinkRecord } from '../../src/plugins/sink-events.js';
import { cleanup, expectServed, nextEvent, startCsms, until } from '../runtime/harness.js';

// No Kafka broker runs here: the producer below has kafkajs' producer interface (send / sendBatch,
// typed against kafkajs' own Producer) and records what it is given. The failure path also runs
// against a real kafkajs producer that was never connected.
afterEach(cleanup);

/** kafkajs' producer interface, recording each request; `fail` decides per request. */
function recordingProducer(fail: (n: number) => Error | undefined = () => undefined) {
  const requests: ProducerBatch[] = [];
  const producer: Pick<Producer, 'send' | 'sendBatch'> = {
    send: async (r) => {
      const e = fail(requests.length + 1);
      requests.push({ topicMessages: [{ topic: r.topic, messages: r.messages }], acks: r.acks });
      if (e) throw e;
      return [];
    },
    sendBatch: async (b) => {
      const e = fail(requests.length + 1);
      requests.push(b);
      if (e) throw e;
      return [];
    },
  };
  const messages = () =>
    requests.flatMap((r) =>
      (r.topicMessages ?? []).flatMap((t) =>
        t.messages.map((m) => ({
          topic: t.topic,
          key: m.key,
          headers: m.headers,
          record: JSON.parse(String(m.value)) as SinkRecord,
        })),
      ),
    );
  return { producer, requests, messages };
}

describe('kafkaPlugin', () => {
  it('sends batches with sendBatch, keyed by identity, routed to topic.{event}', async () => {
    const k = recordingProducer();
    // Batches formed by size only (maxWaitMs a minute): the count of requests is exact, not timing.
    const t = await startCsms({
      plugins: [
        kafkaPlugin({
          producer: k.producer,
          topicRouting: true,
          queue: { maxBatchSize: 5, maxWaitMs: 60_000 },
        }),
      ],
    });
    const stations = await Promise.all(['CP1', 'CP2', 'CP3'].map((id) => t.boot(id)));
    await stations[1]!.close();
    await t.csms.close({ drainMs: 0 }); // the drain sends the last, partial batch
    const msgs = k.messages();
    expect(msgs.find((m) => m.topic === 'ocpp.events.connect' && m.key === 'CP3')).toMatchObject({
      headers: { event: 'connect' },
      record: { event: 'connect', identity: 'CP3', payload: { protocol: 'ocpp1.6' } },
    });
    expect(msgs.find((m) => m.record.event === 'init')).toMatchObject({
      topic: 'ocpp.events.init',
      key: 'server',
    });
    expect(msgs.find((m) => m.record.event === 'disconnect')).toMatchObject({ key: 'CP2' });
    expect(msgs.some((m) => m.topic === 'ocpp.events.message' && m.key === 'CP2')).toBe(true);
    expect(msgs.at(-1)!.record.event).toBe('close');
    // Every event by default (the seed's "All"), five to a request.
    expect(k.requests).toHaveLength(Math.ceil(msgs.length / 5));
    expect(k.requests[0]!.acks).toBe(-1);
  });

  it('sends everything to one topic without topicRouting, and only the selected events', async () => {
    const k = recordingProducer();
    const t = await startCsms({
      plugins: [kafkaPlugin({ producer: k.producer, topic: 'cs', events: ['connect'] })],
    });
    await t.boot('CP1');
    await until(() => k.messages().length === 1);
    expect(k.messages()[0]).toMatchObject({ topic: 'cs', key: 'CP1', record: { event: 'connect' } });
  });

  it('retries a retriable failure and reports the batch after its retries; stations served', async () => {
    const k = recordingProducer(() => new KafkaJSError('leader not available', { retriable: true }));
    const t = await startCsms({
      plugins: [
        kafkaPlugin({
          producer: k.producer,
          events: ['connect'],
          queue: { retries: 2, retryDelayMs: 10, maxWaitMs: 0 },
        }),
      ],
    });
    const failed = nextEvent(t.csms, 'pluginError', undefined, 5_000);
    const s = await t.boot('CP1');
    const e = await failed;
    expect(e.plugin).toBe('kafka');
    expect(e.error).toMatchObject({ attempts: 3 });
    expect(k.requests).toHaveLength(3);
    await expectServed(s);
  });

  it('does not retry an error kafkajs marks not retriable', async () => {
    const k = recordingProducer(() => new KafkaJSNonRetriableError('message too large'));
    const t = await startCsms({
      plugins: [
        kafkaPlugin({
          producer: k.producer,
          events: ['connect'],
          queue: { retries: 3, retryDelayMs: 10, maxWaitMs: 0 },
        }),
      ],
    });
    const failed = nextEvent(t.csms, 'pluginError', undefined, 5_000);
    await t.boot('CP1');
    const d = (await failed).error as SinkDeliveryError;
    expect(d).toBeInstanceOf(SinkDeliveryError);
    expect(d.attempts).toBe(1);
    expect(d.cause).toBeInstanceOf(KafkaNotRetriableError);
    expect(k.requests).toHaveLength(1);
  });

  it('reports a real kafkajs producer that was never connected', async () => {
    process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
    const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });
    const producer: KafkaProducerLike = kafka.producer();
    const t = await startCsms({
      plugins: [
        kafkaPlugin({ producer, events: ['connect'], queue: { retries: 1, retryDelayMs: 10, maxWaitMs: 0 } }),
      ],
    });
    const failed = nextEvent(t.csms, 'pluginError', undefined, 5_000);
    const s = await t.boot('CP1');
    const d = (await failed).error as SinkDeliveryError;
    expect(d).toBeInstanceOf(SinkDeliveryError);
    expect(d.cause).toBeInstanceOf(KafkaJSError);
    expect(d.attempts).toBe(2);
    await expectServed(s);
  });
});
