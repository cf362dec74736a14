import type { RpcError } from './errors.js';
import { MAX_ERROR_DESCRIPTION_LENGTH, type Payload } from './frames.js';
import type { OcppVersion } from './versions.js';

export function encodeCall(messageId: string, action: string, payload: Payload): string {
  return JSON.stringify([2, messageId, action, payload]);
}

export function encodeCallResult(messageId: string, payload: Payload): string {
  return JSON.stringify([3, messageId, payload]);
}

export function encodeSend(messageId: string, action: string, payload: Payload): string {
  return JSON.stringify([6, messageId, action, payload]);
}

/** A CALLERROR for `error`, its code spelled for `version`. */
export function encodeCallError(version: OcppVersion, messageId: string, error: RpcError): string {
  return JSON.stringify([
    4,
    messageId,
    error.codeFor(version),
    truncateDescription(error.description),
    detailsOrEmpty(error.details),
  ]);
}

/** 2.1 only: the answer to a CALLRESULT whose payload we could not accept. */
export function encodeCallResultError(messageId: string, error: RpcError): string {
  return JSON.stringify([
    5,
    messageId,
    error.codeFor('ocpp2.1'),
    truncateDescription(error.description),
    detailsOrEmpty(error.details),
  ]);
}

/** At most 255 characters, counted in code points as JSON Schema counts them, never splitting a pair. */
export function truncateDescription(description: string): string {
  if (description.length <= MAX_ERROR_DESCRIPTION_LENGTH) return description;
  let out = '';
  let count = 0;
  for (const ch of description) {
    if (count === MAX_ERROR_DESCRIPTION_LENGTH) break;
    out += ch;
    count++;
  }
  return out;
}

/** errorDetails MUST be `{}` when there is nothing to say (all versions). */
function detailsOrEmpty(details: unknown): Payload {
  if (details === null || typeof details !== 'object' || Array.isArray(details)) return {};
  return details as Payload;
}
