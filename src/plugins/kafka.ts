import type { SinkEventName, SinkRecord } from './sink-events.js';
import { ALL_SINK_EVENTS } from './sink-events.js';
import { type SinkOptions, type SinkPlugin, sinkPlugin } from './sink-plugin.js';

interface KafkaMessageLike {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
  timestamp?: string;
}

/** What the plugin needs of a Kafka producer: kafkajs' `kafka.producer()` fits as is (connected by you). */
export interface KafkaProducerLike {
  send(record: {
    topic: string;
    messages: KafkaMessageLike[];
    acks?: number;
    timeout?: number;
  }): Promise<unknown>;
  /** kafkajs: every topic of a batch in one request. Without it, one `send` per topic of the batch. */
  sendBatch?(batch: {
    topicMessages?: { topic: string; messages: KafkaMessageLike[] }[];
    acks?: number;
    timeout?: number;
  }): Promise<unknown>;
}

export interface KafkaPluginOptions extends SinkOptions {
  readonly producer: KafkaProducerLike;
  /** Default 'ocpp.events'. */
  readonly topic?: string;
  /** Route each event to `{topic}.{event}` (e.g. ocpp.events.connect). Default false. */
  readonly topicRouting?: boolean;
  /** Default: all. */
  readonly events?: readonly SinkEventName[];
  /** Acknowledgements the producer waits for: -1 all in-sync replicas, 1 the leader, 0 none. Default -1. */
  readonly acks?: -1 | 0 | 1;
}

/**
 * Sends events to Kafka, a batch per `sendBatch` request. Messages are keyed by station identity
 * ('server' for events of none), so one station's events stay in order on one partition. kafkajs
 * retries inside the producer; an error it marks `retriable: false` is reported without more retries.
 */
export function kafkaPlugin(options: KafkaPluginOptions): SinkPlugin {
  const { producer } = options;
  const base = options.topic ?? 'ocpp.events';
  const acks = options.acks ?? -1;
  const topicOf = (r: SinkRecord) => (options.topicRouting ? `${base}.${r.event}` : base);
  return sinkPlugin('kafka', options, ALL_SINK_EVENTS, async (batch) => {
    const byTopic = new Map<string, KafkaMessageLike[]>();
    for (const r of batch) {
      const topic = topicOf(r);
      let list = byTopic.get(topic);
      if (!list) {
        list = [];
        byTopic.set(topic, list);
      }
      list.push({
        key: r.identity ?? 'server',
        value: JSON.stringify(r),
        headers: { event: r.event },
        timestamp: String(Date.parse(r.timestamp)),
      });
    }
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    try {
      if (producer.sendBatch) await producer.sendBatch({ topicMessages, acks });
      else await Promise.all(topicMessages.map((t) => producer.send({ ...t, acks })));
    } catch (error) {
      throw asSinkError(error);
    }
  });
}

/** An error kafkajs marked `retriable: false` (after its own retries, or one retrying cannot fix). */
export class KafkaNotRetriableError extends Error {
  override readonly name = 'KafkaNotRetriableError';
  readonly retryable = false;
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

function asSinkError(error: unknown): unknown {
  const retriable = (error as { retriable?: unknown } | null)?.retriable;
  return retriable === false ? new KafkaNotRetriableError(error) : error;
}
