import { randomUUID } from 'node:crypto';
import { postJson } from './http-post.js';
import type { SinkEventName, SinkRecord } from './sink-events.js';
import { type SinkOptions, type SinkPlugin, sinkPlugin } from './sink-plugin.js';

export interface WebhookPluginOptions extends SinkOptions {
  /** Endpoint the batches are POSTed to. */
  readonly url: string;
  /** Default: init, connect, disconnect, close. */
  readonly events?: readonly SinkEventName[];
  /** Sent with every POST (e.g. Authorization). */
  readonly headers?: Record<string, string>;
  /**
   * HMAC-SHA256 key. Each POST carries `X-Signature-Timestamp` (ms since the epoch) and `X-Signature`,
   * the hex HMAC over `${timestamp}.${body}`: a receiver recomputes it and refuses stale timestamps.
   */
  readonly secret?: string;
  /** Per-request timeout in ms. Default 5,000. */
  readonly timeout?: number;
  /** Retries of a failed POST (network error, timeout, 408, 429, 5xx; never another 4xx). Default 1. */
  readonly retries?: number;
  /** ocpp-ws-io 2.x's bound on POSTs in flight: the queue's `concurrency` (default 1). */
  readonly maxConcurrent?: number;
}

export const WEBHOOK_DEFAULT_EVENTS: readonly SinkEventName[] = ['init', 'connect', 'disconnect', 'close'];

/**
 * POSTs events as JSON batches, `{ "events": [record, ...] }`, signed when `secret` is set. A batch
 * keeps its `X-Request-Id` across retries, so a receiver can drop a repeat it already took.
 */
export function webhookPlugin(options: WebhookPluginOptions): SinkPlugin {
  const url = new URL(options.url).toString();
  const timeoutMs = options.timeout ?? 5_000;
  const ids = new WeakMap<SinkRecord[], string>();
  return sinkPlugin(
    'webhook',
    {
      ...options,
      queue: {
        ...options.queue,
        retries: options.retries ?? options.queue?.retries ?? 1,
        ...(options.maxConcurrent !== undefined && options.queue?.concurrency === undefined
          ? { concurrency: options.maxConcurrent }
          : {}),
      },
    },
    WEBHOOK_DEFAULT_EVENTS,
    (batch, signal) => {
      let id = ids.get(batch);
      if (!id) {
        id = randomUUID();
        ids.set(batch, id);
      }
      return postJson({
        url,
        body: JSON.stringify({ events: batch }),
        headers: { ...options.headers, 'x-request-id': id },
        ...(options.secret !== undefined ? { secret: options.secret } : {}),
        timeoutMs,
        signal,
      });
    },
  );
}
