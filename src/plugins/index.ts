/**
 * Built-in plugins (`ocpp-actors/plugins`), by level: 4 middleware, 3 interceptors, 2 lifecycle
 * controllers, 1 observers. Register them in any order: hooks run by level, then registration order.
 */

export { DuplicatePluginError, PluginTimeoutError, UnknownHookError } from '../hooks/errors.js';
export type {
  FallbackHandler,
  HandshakeVerdict,
  InboundTranslation,
  OcppPlugin,
  PluginBus,
  PluginContext,
  PluginCsms,
  PluginLevel,
  PluginSecurityEventType,
  PluginStationStatus,
} from '../hooks/types.js';
export { createPlugin } from '../hooks/types.js';
export { AmqpChannelClosedError, type AmqpChannelLike, type AmqpPluginOptions, amqpPlugin } from './amqp.js';
export { type AnomalyOptions, anomalyPlugin } from './anomaly.js';
export {
  AsyncWorkerDrainTimeoutError,
  type AsyncWorkerOptions,
  AsyncWorkerOverflowError,
  type AsyncWorkerPlugin,
  asyncWorkerPlugin,
} from './async-worker.js';
export { type CircuitBreakerOptions, type CircuitState, circuitBreakerPlugin } from './circuit-breaker.js';
export {
  BACKPRESSURE_CLOSE_CODE,
  CONNECTION_LIMIT_CLOSE_CODE,
  type ConnectionGuardOptions,
  connectionGuardPlugin,
} from './connection-guard.js';
export { heartbeatPlugin } from './heartbeat.js';
export { SinkHttpError } from './http-post.js';
export { type InspectorOptions, type InspectorPlugin, inspectorPlugin } from './inspector.js';
export {
  KafkaNotRetriableError,
  type KafkaPluginOptions,
  type KafkaProducerLike,
  kafkaPlugin,
} from './kafka.js';
export { type MessageDedupOptions, type MessageDedupPlugin, messageDedupPlugin } from './message-dedup.js';
export { type MetricsOptions, type MetricsPlugin, type MetricsSnapshot, metricsPlugin } from './metrics.js';
export { type MqttClientLike, MqttNotConnectedError, type MqttPluginOptions, mqttPlugin } from './mqtt.js';
export { type OtelOptions, type OtelPlugin, otelPlugin } from './otel.js';
export { DEFAULT_PII_FIELDS, type PiiRedactorOptions, piiRedactorPlugin } from './pii-redactor.js';
export type { PluginLogger } from './plugin-logger.js';
export {
  type AlertSink,
  type RateLimitAlert,
  type RateLimitNotifierOptions,
  type RateLimitNotifierPlugin,
  rateLimitNotifierPlugin,
} from './rate-limit-notifier.js';
export type { RedisLike, RedisStyle } from './redis-like.js';
export {
  type RedisClientLike,
  type RedisPipelineLike,
  type RedisPubSubPluginOptions,
  redisPubSubPlugin,
} from './redis-pubsub.js';
export {
  type ReplayBufferOptions,
  type ReplayBufferPlugin,
  replayBufferPlugin,
  SAFE_TO_REPLAY,
} from './replay-buffer.js';
export {
  type SchemaVersioningOptions,
  schemaVersioningPlugin,
  type TransformRule,
} from './schema-versioning.js';
export { type SessionLogger, type SessionLogOptions, sessionLogPlugin } from './session-log.js';
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
