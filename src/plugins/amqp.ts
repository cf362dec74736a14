import { once } from 'node:events';
import type { SinkEventName, SinkRecord } from './sink-events.js';
import { type SinkOptions, type SinkPlugin, sinkPlugin, tell } from './sink-plugin.js';

/** What the plugin needs of an AMQP channel: an amqplib confirm channel (`connection.createConfirmChannel()`). */
export interface AmqpChannelLike {
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Record<string, unknown>,
    callback: (error: unknown) => void,
  ): boolean;
  waitForConfirms(): Promise<void>;
  on?(event: 'error' | 'drain', listener: (error?: unknown) => void): unknown;
}

export interface AmqpPluginOptions extends SinkOptions {
  /** A confirm channel; the plugin does not create, close or re-create it. */
  readonly channel: AmqpChannelLike;
  /** Default 'ocpp.events' (declare it, e.g. a topic exchange, before events flow). */
  readonly exchange?: string;
  /** Template with {event} and {identity} ('server' when none; dots escaped as %2E). Default 'ocpp.{event}.{identity}'. */
  readonly routingKey?: string;
  /** Default: connect, disconnect, message, security. */
  readonly events?: readonly SinkEventName[];
  /** Per-message properties. Defaults: persistent true, contentType 'application/json'. */
  readonly publishOptions?: {
    readonly persistent?: boolean;
    readonly priority?: number;
    readonly contentType?: string;
  };
  /**
   * Told of each message the broker nacked or could not take (ocpp-ws-io 2.x). Observational: the
   * batch is still retried and, past its retries, reported as a `pluginError`.
   */
  readonly onError?: (error: Error, ctx: { event: string; routingKey: string }) => void;
}

/** The channel was closed by the broker; only a new channel (a new plugin) can publish again. */
export class AmqpChannelClosedError extends Error {
  override readonly name = 'AmqpChannelClosedError';
  readonly retryable = false;
  constructor(override readonly cause: unknown) {
    super(`AMQP channel closed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export const AMQP_DEFAULT_EVENTS: readonly SinkEventName[] = ['connect', 'disconnect', 'message', 'security'];

const escapeWord = (s: string) => s.replace(/[.%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Publishes events to an AMQP exchange with publisher confirms: a batch resolves when the broker
 * confirmed every message of it, so a nack, a closed channel or a broker gone is a failed batch
 * (retried, then reported), never a message assumed sent. Channel `error` events (the broker
 * closing the channel, e.g. an exchange that does not exist) are reported, not left to crash the
 * process as an unhandled `error` event would.
 */
export function amqpPlugin(options: AmqpPluginOptions): SinkPlugin {
  const { channel } = options;
  if (typeof channel.waitForConfirms !== 'function') {
    throw new TypeError('amqpPlugin: needs a confirm channel (connection.createConfirmChannel())');
  }
  const exchange = options.exchange ?? 'ocpp.events';
  const template = options.routingKey ?? 'ocpp.{event}.{identity}';
  const properties = {
    persistent: options.publishOptions?.persistent ?? true,
    contentType: options.publishOptions?.contentType ?? 'application/json',
    ...(options.publishOptions?.priority !== undefined ? { priority: options.publishOptions.priority } : {}),
  };
  const routingKey = (r: SinkRecord) =>
    template.replaceAll('{event}', r.event).replaceAll('{identity}', escapeWord(r.identity ?? 'server'));
  let closed: AmqpChannelClosedError | undefined;
  const plugin = sinkPlugin('amqp', options, AMQP_DEFAULT_EVENTS, async (batch) => {
    if (closed) throw closed;
    const confirms: Promise<void>[] = [];
    for (const r of batch) {
      let written = true;
      const key = routingKey(r);
      const confirmed = new Promise<void>((resolve, reject) => {
        written = channel.publish(
          exchange,
          key,
          Buffer.from(JSON.stringify(r)),
          {
            ...properties,
            headers: { event: r.event },
            timestamp: Math.floor(Date.parse(r.timestamp) / 1000),
          },
          (error) => {
            if (!error) return resolve();
            // A callback that throws is reported (with the batch's failure) in place of the nack it was told of.
            const told = error instanceof Error ? error : new Error(String(error));
            reject(tell(options.onError, told, { event: r.event, routingKey: key }) ?? error);
          },
        );
      });
      // Observed by Promise.all below; marked handled now because a nack can arrive while this loop
      // still waits for 'drain', before Promise.all is reached.
      confirmed.catch(() => undefined);
      confirms.push(confirmed);
      // amqplib's write buffer is full: let it drain before the next message (its own back-pressure).
      if (!written) await once(channel as unknown as NodeJS.EventEmitter, 'drain');
    }
    await Promise.all(confirms);
  });
  channel.on?.('error', (error) => {
    // The broker closed the channel: it will not come back, so later batches fail at once, unretried.
    closed = new AmqpChannelClosedError(error);
  });
  return plugin;
}
