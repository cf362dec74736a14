export { AmqpChannelClosedError, type AmqpChannelLike, type AmqpPluginOptions, amqpPlugin } from './amqp.js';
export { SinkHttpError } from './http-post.js';
export {
  KafkaNotRetriableError,
  type KafkaPluginOptions,
  type KafkaProducerLike,
  kafkaPlugin,
} from './kafka.js';
export { type MqttClientLike, MqttNotConnectedError, type MqttPluginOptions, mqttPlugin } from './mqtt.js';
export {
  type AlertSink,
  type RateLimitAlert,
  type RateLimitNotifierOptions,
  type RateLimitNotifierPlugin,
  rateLimitNotifierPlugin,
} from './rate-limit-notifier.js';
export {
  type RedisClientLike,
  type RedisPipelineLike,
  type RedisPubSubPluginOptions,
  redisPubSubPlugin,
} from './redis-pubsub.js';
export {
  SinkDeliveryError,
  SinkDrainTimeoutError,
  SinkOverflowError,
  SinkRejectedError,
} from './sink-errors.js';
export {
  ALL_SINK_EVENTS,
  type SinkEventName,
  type SinkRecord,
  type SinkRecordOptions,
} from './sink-events.js';
export type { SinkOptions, SinkPlugin } from './sink-plugin.js';
export {
  type OverflowPolicy,
  SINK_QUEUE_DEFAULTS,
  type SinkQueueOptions,
  type SinkQueueStats,
} from './sink-queue.js';
export { type WebhookPluginOptions, webhookPlugin } from './webhook.js';
