import type { SinkEventName, SinkRecord } from './sink-events.js';
import { type SinkOptions, type SinkPlugin, sinkPlugin, tell } from './sink-plugin.js';

/** What the plugin needs of an MQTT client: mqtt.js fits as is. */
export interface MqttClientLike {
  readonly connected: boolean;
  publish(
    topic: string,
    message: string,
    options: { qos: 0 | 1 | 2; retain: boolean },
    callback: (error?: Error) => void,
  ): unknown;
}

/** A publish attempted while the client is disconnected (retried; never left in mqtt.js' offline queue). */
export class MqttNotConnectedError extends Error {
  override readonly name = 'MqttNotConnectedError';
  readonly retryable = true;
  constructor() {
    super('MQTT client is not connected');
  }
}

export interface MqttPluginOptions extends SinkOptions {
  /** A client (mqtt.js `connect()`); the plugin does not open or end it. */
  readonly client: MqttClientLike;
  /** Default 'ocpp'. */
  readonly topicPrefix?: string;
  /**
   * Told of each publish that failed (ocpp-ws-io 2.x). Observational: the batch is still retried and,
   * past its retries, reported as a `pluginError` (with this callback's own error if it threw).
   */
  readonly onPublishError?: (error: Error, ctx: { topic: string }) => void;
  /**
   * Topic per record: a template with {prefix}, {identity} ('server' when none) and {event}, or a
   * function. Default '{prefix}/{identity}/{event}', or '{prefix}/{event}' for events of no station.
   * MQTT wildcards and separators in an identity (+ # /) are percent-encoded.
   */
  readonly topic?: string | ((record: SinkRecord) => string);
  /** ocpp-ws-io 2.x's topic function, `(event, identity)`; `topic` wins when both are given. */
  readonly topicBuilder?: (event: string, identity?: string) => string;
  /** 0 at most once, 1 at least once (a publish resolves on PUBACK), 2 exactly once. Default 0. */
  readonly qos?: 0 | 1 | 2;
  /** Default false. */
  readonly retain?: boolean;
  /** Default: connect, disconnect, message, security. */
  readonly events?: readonly SinkEventName[];
}

export const MQTT_DEFAULT_EVENTS: readonly SinkEventName[] = ['connect', 'disconnect', 'message', 'security'];

const escapeLevel = (s: string) =>
  s.replace(/[+#/%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Publishes events to MQTT topics. A batch is published back to back and resolves when every
 * publish completed (written for QoS 0, acknowledged for 1 and 2); a disconnected client fails the
 * batch at once so the queue retries it and, past its retries, reports it.
 */
export function mqttPlugin(options: MqttPluginOptions): SinkPlugin {
  const { client } = options;
  const prefix = options.topicPrefix ?? 'ocpp';
  const publishOptions = { qos: options.qos ?? 0, retain: options.retain ?? false };
  const template = options.topic;
  const builder = options.topicBuilder;
  const topicOf =
    typeof template === 'function'
      ? template
      : template === undefined && builder
        ? (r: SinkRecord) => builder(r.event, r.identity)
        : (r: SinkRecord) => {
            const identity = r.identity === undefined ? undefined : escapeLevel(r.identity);
            if (template === undefined)
              return identity ? `${prefix}/${identity}/${r.event}` : `${prefix}/${r.event}`;
            return template
              .replaceAll('{prefix}', prefix)
              .replaceAll('{identity}', identity ?? 'server')
              .replaceAll('{event}', r.event);
          };
  return sinkPlugin('mqtt', options, MQTT_DEFAULT_EVENTS, async (batch) => {
    if (!client.connected) {
      const error = new MqttNotConnectedError();
      for (const r of batch) tell(options.onPublishError, error, { topic: topicOf(r) });
      throw error;
    }
    await Promise.all(
      batch.map(
        (r) =>
          new Promise<void>((resolve, reject) => {
            const topic = topicOf(r);
            client.publish(topic, JSON.stringify(r), publishOptions, (error) => {
              if (!error) return resolve();
              reject(tell(options.onPublishError, error, { topic }) ?? error);
            });
          }),
      ),
    );
  });
}
