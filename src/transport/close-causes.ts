/**
 * Why ws closed a connection itself. When its receiver rejects a frame it sends a close frame with the
 * code below and stops reading, so the peer's answer never arrives and the 'close' event says 1006;
 * the `disconnected` event reports this code and reason instead. One row per error code ws 8 raises
 * (a test reads ws's source and fails if one is missing or differs).
 */
export interface CloseCause {
  readonly code: number;
  readonly reason: string;
}

export const WS_CLOSE_CAUSES: Readonly<Record<string, CloseCause>> = {
  WS_ERR_EXPECTED_FIN: { code: 1002, reason: 'FIN must be set' },
  WS_ERR_EXPECTED_MASK: { code: 1002, reason: 'MASK must be set' },
  WS_ERR_INVALID_CLOSE_CODE: { code: 1002, reason: 'invalid status code' },
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: { code: 1002, reason: 'invalid control frame payload length' },
  WS_ERR_INVALID_OPCODE: { code: 1002, reason: 'invalid opcode' },
  WS_ERR_INVALID_UTF8: { code: 1007, reason: 'invalid UTF-8 sequence' },
  WS_ERR_TOO_MANY_BUFFERED_PARTS: { code: 1008, reason: 'too many message fragments' },
  WS_ERR_UNEXPECTED_MASK: { code: 1002, reason: 'MASK must be clear' },
  WS_ERR_UNEXPECTED_RSV_1: { code: 1002, reason: 'RSV1 must be clear' },
  WS_ERR_UNEXPECTED_RSV_2_3: { code: 1002, reason: 'RSV2 and RSV3 must be clear' },
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: { code: 1009, reason: 'payload length > 2^53 - 1' },
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: { code: 1009, reason: 'Max payload size exceeded' },
};

/** The close ws sent because of `error`, or undefined for an error that closes nothing (a reset, say). */
export function closeCauseOf(error: { code?: unknown }): CloseCause | undefined {
  return typeof error.code === 'string' ? WS_CLOSE_CAUSES[error.code] : undefined;
}
