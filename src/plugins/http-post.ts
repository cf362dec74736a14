import { createHmac } from 'node:crypto';
import { deadline } from '../util/deadline.js';
import { SinkRejectedError } from './sink-errors.js';

/** The HTTP status of a failed POST, for the sink's report (retried unless `retryable` is false). */
export class SinkHttpError extends Error {
  override readonly name = 'SinkHttpError';
  readonly retryable: boolean;
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
    // 408 and 429 say "later"; 5xx may pass on retry; any other 4xx will not.
    this.retryable = status === 408 || status === 429 || status >= 500;
  }
}

export interface SignedPost {
  readonly url: string;
  readonly body: string;
  readonly headers?: Record<string, string>;
  /** HMAC-SHA256 key: `X-Signature` = hex HMAC over `${X-Signature-Timestamp}.${body}`. */
  readonly secret?: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** `X-Signature` for a body sent at `timestamp` (ms since the epoch, as sent in `X-Signature-Timestamp`). */
export function signature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** POST JSON; resolves on 2xx, throws SinkHttpError otherwise (the timeout and network errors as they are). */
export async function postJson(p: SignedPost): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...p.headers };
  if (p.secret !== undefined) {
    const timestamp = String(Date.now());
    headers['x-signature-timestamp'] = timestamp;
    headers['x-signature'] = signature(p.secret, timestamp, p.body);
  }
  const d = deadline(p.signal, p.timeoutMs);
  let res: Response;
  try {
    res = await fetch(p.url, { method: 'POST', headers, body: p.body, redirect: 'manual', signal: d.signal });
    // The answer is its status; the body is discarded so the connection can be reused (a failure to
    // discard it changes nothing about the delivery).
    await res.body?.cancel().catch(() => undefined);
  } finally {
    d.done();
  }
  if (res.status >= 300 && res.status < 400) {
    throw new SinkRejectedError(`HTTP ${res.status}: redirects are not followed (signed bodies)`);
  }
  if (res.status < 200 || res.status >= 300) throw new SinkHttpError(res.status);
}
