import { encodeCallError, encodeCallResultError } from './encode.js';
import type { ErrorKind } from './error-codes.js';
import { RpcError } from './errors.js';
import { type Frame, MAX_MESSAGE_ID_LENGTH, type Payload } from './frames.js';
import type { OcppVersion } from './versions.js';

/** Every way an inbound text can fail to be a usable frame. Plugins see these names. */
export type BadFrameReason =
  | 'invalid-json'
  | 'not-an-rpc-array'
  | 'unreadable-message-id'
  | 'message-id-too-long'
  | 'unknown-message-type'
  | 'invalid-action'
  | 'payload-not-object'
  | 'wrong-element-count'
  | 'invalid-error-code';

export interface BadFrame {
  readonly ok: false;
  readonly reason: BadFrameReason;
  readonly error: RpcError;
  /** Message type number, when it could be read. */
  readonly messageType: number | undefined;
  /** Message id, when it could be read (it may still be over-long). */
  readonly messageId: string | undefined;
  /**
   * The exact reply the spec demands, or undefined when it demands silence.
   * A CALLRESULTERROR (2.1) answers a CALLRESULT: send it only if that id is a pending call of ours.
   */
  readonly reply: string | undefined;
}

export type Decoded = { readonly ok: true; readonly frame: Frame } | BadFrame;

/** The id a reply carries when the sender's id could not be read (2.0.1/2.1 §4.2.3). */
export const UNREADABLE_ID = '-1';

/**
 * Decode one WebSocket text message as an OCPP-J frame for the negotiated `version`.
 * Never throws: any input yields either a frame or the reply the spec demands for it.
 */
export function decodeFrame(raw: string, version: OcppVersion): Decoded {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    // 1.6 has no RpcFrameworkError; FormationViolation is its "syntactically incorrect".
    const kind: ErrorKind = version === 'ocpp1.6' ? 'FormatViolation' : 'RpcFrameworkError';
    return callFault(version, 'invalid-json', kind, 'Message is not valid JSON', undefined, UNREADABLE_ID);
  }
  if (!Array.isArray(msg) || msg.length === 0) {
    return callFault(
      version,
      'not-an-rpc-array',
      'RpcFrameworkError',
      'Message is not an OCPP-J array',
      undefined,
      undefined,
    );
  }
  const type = msg[0];
  const rawId = msg[1];
  const readableId = typeof rawId === 'string' ? rawId : undefined;
  if (typeof type !== 'number') {
    return callFault(
      version,
      'not-an-rpc-array',
      'RpcFrameworkError',
      'Message type is not a number',
      undefined,
      readableId,
    );
  }
  if (!isKnownType(type, version)) return unknownType(version, type, readableId);
  if (readableId === undefined) {
    return fault(
      version,
      type,
      'unreadable-message-id',
      'RpcFrameworkError',
      'Message id is not a string',
      undefined,
    );
  }
  if (idTooLong(readableId)) {
    return fault(
      version,
      type,
      'message-id-too-long',
      'RpcFrameworkError',
      `Message id is longer than ${MAX_MESSAGE_ID_LENGTH} characters`,
      readableId,
    );
  }
  switch (type) {
    case 2:
    case 6: {
      if (msg.length !== 4) {
        return fault(
          version,
          type,
          'wrong-element-count',
          'RpcFrameworkError',
          'A CALL has 4 elements',
          readableId,
        );
      }
      const action = msg[2];
      if (typeof action !== 'string' || action.length === 0) {
        return fault(
          version,
          type,
          'invalid-action',
          'RpcFrameworkError',
          'Action is not a string',
          readableId,
        );
      }
      const payload = msg[3];
      if (!isObject(payload)) {
        return fault(
          version,
          type,
          'payload-not-object',
          'FormatViolation',
          'Payload is not a JSON object',
          readableId,
        );
      }
      return { ok: true, frame: { type, messageId: readableId, action, payload } };
    }
    case 3: {
      const payload = msg[2];
      if (msg.length !== 3 || !isObject(payload)) {
        return fault(
          version,
          type,
          'payload-not-object',
          'FormatViolation',
          'Payload is not a JSON object',
          readableId,
        );
      }
      return { ok: true, frame: { type, messageId: readableId, payload } };
    }
    default: {
      // 4 CALLERROR, 5 CALLRESULTERROR: read leniently; they are never answered anyway.
      const errorCode = msg[2];
      if (typeof errorCode !== 'string') {
        return fault(
          version,
          type,
          'invalid-error-code',
          'RpcFrameworkError',
          'Error code is not a string',
          readableId,
        );
      }
      const description = typeof msg[3] === 'string' ? msg[3] : '';
      const details = isObject(msg[4]) ? msg[4] : {};
      return {
        ok: true,
        frame: {
          type: type as 4 | 5,
          messageId: readableId,
          errorCode,
          errorDescription: description,
          errorDetails: details,
        },
      };
    }
  }
}

/** A non-integer like 2.5 is a number, just not a message type we know: an unknown type. */
function isKnownType(type: number, version: OcppVersion): boolean {
  return Number.isInteger(type) && type >= 2 && type <= (version === 'ocpp2.1' ? 6 : 4);
}

/** 36 characters, counted as code points like every other OCPP string limit; the fast path is UTF-16 length. */
function idTooLong(id: string): boolean {
  if (id.length <= MAX_MESSAGE_ID_LENGTH) return false;
  if (id.length > 2 * MAX_MESSAGE_ID_LENGTH) return true;
  let n = 0;
  for (const _ of id) if (++n > MAX_MESSAGE_ID_LENGTH) return true;
  return false;
}

function isObject(v: unknown): v is Payload {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Unknown message type. 1.6 §4.1.3 and 2.1 §4.4: ignore. 2.0.1 §4.4: MessageTypeNotSupported,
 * carrying the id when it can be read so the sender can correlate it.
 */
function unknownType(version: OcppVersion, type: number, id: string | undefined): BadFrame {
  const error = new RpcError('MessageTypeNotSupported', `Message type ${type} is not supported`);
  const replyId = id !== undefined && !idTooLong(id) ? id : UNREADABLE_ID;
  const reply = version === 'ocpp2.0.1' ? encodeCallError(version, replyId, error) : undefined;
  return { ok: false, reason: 'unknown-message-type', error, messageType: type, messageId: id, reply };
}

/** A fault in a message whose type is known: only a CALL earns a CALLERROR; in 2.1 a bad CALLRESULT earns a CALLRESULTERROR. */
function fault(
  version: OcppVersion,
  type: number,
  reason: BadFrameReason,
  kind: ErrorKind,
  description: string,
  id: string | undefined,
): BadFrame {
  if (type === 2) return callFault(version, reason, kind, description, type, id);
  const error = new RpcError(kind, description);
  let reply: string | undefined;
  if (type === 3 && version === 'ocpp2.1' && id !== undefined && !idTooLong(id)) {
    reply = encodeCallResultError(id, error);
  }
  return { ok: false, reason, error, messageType: type, messageId: id, reply };
}

/** The sender may have meant a CALL: answer with a CALLERROR, id "-1" when its id is unusable. */
function callFault(
  version: OcppVersion,
  reason: BadFrameReason,
  kind: ErrorKind,
  description: string,
  type: number | undefined,
  id: string | undefined,
): BadFrame {
  const error = new RpcError(kind, description);
  // An over-long id is echoed: it is valid JSON once re-encoded, and it is the sender's only way to correlate.
  const replyId = id ?? UNREADABLE_ID;
  return {
    ok: false,
    reason,
    error,
    messageType: type,
    messageId: id,
    reply: encodeCallError(version, replyId, error),
  };
}
