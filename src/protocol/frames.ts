import type { ErrorDetails } from './errors.js';

/** OCPP-J message type numbers (Part 4 §4.1.3; 5 and 6 exist in 2.1 only). */
export const MessageType = {
  CALL: 2,
  CALLRESULT: 3,
  CALLERROR: 4,
  CALLRESULTERROR: 5,
  SEND: 6,
} as const;
export type MessageTypeId = (typeof MessageType)[keyof typeof MessageType];

export type Payload = Record<string, unknown>;

export interface CallFrame {
  readonly type: 2;
  readonly messageId: string;
  readonly action: string;
  readonly payload: Payload;
}
export interface CallResultFrame {
  readonly type: 3;
  readonly messageId: string;
  readonly payload: Payload;
}
export interface CallErrorFrame {
  readonly type: 4;
  readonly messageId: string;
  readonly errorCode: string;
  readonly errorDescription: string;
  readonly errorDetails: ErrorDetails;
}
/** 2.1: the answer to a CALLRESULT that "contains errors"; `messageId` is that CALLRESULT's. */
export interface CallResultErrorFrame {
  readonly type: 5;
  readonly messageId: string;
  readonly errorCode: string;
  readonly errorDescription: string;
  readonly errorDetails: ErrorDetails;
}
/** 2.1: a CALL that is never answered (only NotifyPeriodicEventStream uses it). */
export interface SendFrame {
  readonly type: 6;
  readonly messageId: string;
  readonly action: string;
  readonly payload: Payload;
}

export type Frame = CallFrame | CallResultFrame | CallErrorFrame | CallResultErrorFrame | SendFrame;

/** Message ids are strings of at most 36 characters in every version (1.6 table 3, 2.x table 4). */
export const MAX_MESSAGE_ID_LENGTH = 36;
/** 2.0.1/2.1 §4.2.3: errorDescription is at most 255 characters. */
export const MAX_ERROR_DESCRIPTION_LENGTH = 255;
