import type WebSocket from 'ws';
import type { RpcEventMap } from '../hooks/types.js';
import { encodeCallError, encodeCallResult } from '../protocol/encode.js';
import { RpcError } from '../protocol/errors.js';
import type { CallErrorFrame, CallFrame, CallResultFrame, Payload } from '../protocol/frames.js';
import { validatePayload } from '../protocol/validation.js';
import type { HandlerHost } from './handler-run.js';
import { NOREPLY } from './handlers.js';
import { RpcLink } from './link.js';

/**
 * The answer path of a connection: a handler's result or failure, and every CALLERROR we send, leave
 * here, validated, through the outbound middleware and send interceptors, and observed. Split from the
 * endpoint's pipelines so that what reaches the socket for a peer's CALL is read in one place.
 */
export abstract class AnsweringLink
  extends RpcLink
  implements Pick<HandlerHost, 'handlerReturned' | 'handlerFailed'>
{
  /** An answer of ours went out (the CSMS reads BootNotification results here). */
  protected abstract answered(action: string, response: Payload): void;

  protected refuse(
    frame: CallFrame,
    isSend: boolean,
    reason: RpcEventMap['callRefused']['reason'],
    error: RpcError,
  ): void {
    if (!isSend) this.sendCallError(frame.messageId, error, frame.action);
    this.rt.dispatcher.emit('callRefused', {
      station: this.handle,
      action: frame.action,
      messageId: frame.messageId,
      reason,
      error,
    });
  }

  /**
   * @internal The handler produced `result` (translated back already, for a translated CALL): answer
   * with it (validated, through the middleware).
   */
  handlerReturned(
    frame: CallFrame,
    isSend: boolean,
    socket: WebSocket | undefined,
    started: number,
    result: unknown,
  ): void {
    if (isSend || result === NOREPLY || !this.ws || this.ws !== socket) return;
    const d = this.rt.dispatcher;
    if (result === null || typeof result !== 'object' || Array.isArray(result)) {
      const error = new TypeError(`Handler for ${frame.action} returned no payload object`);
      this.handlerFailed(frame, isSend, socket, error);
      return;
    }
    let response = result as Payload;
    if (d.rewritesOutbound) response = d.rewriteOutbound(this.handle, frame.action, response, 'response');
    if (this.rt.strict) {
      const error = validatePayload(this.protocol, frame.action, 'response', response);
      if (error) {
        const sent: CallResultFrame = { type: 3, messageId: frame.messageId, payload: response };
        this.rt.stats.validationFailures++;
        d.emit('validationFailure', { station: this.handle, direction: 'OUT', message: sent, error });
        // The station still gets an answer rather than waiting for its timeout.
        this.sendCallError(
          frame.messageId,
          new RpcError('InternalError', 'Response failed validation'),
          frame.action,
        );
        return;
      }
    }
    if (d.interceptsSend && !d.allowSend(this.handle, [3, frame.messageId, response])) return;
    this.sendText(encodeCallResult(frame.messageId, response));
    if (this.observed) {
      this.observe({ type: 3, messageId: frame.messageId, payload: response }, 'OUT', frame.action, started);
    }
    this.answered(frame.action, response);
  }

  /**
   * @internal The handler threw or timed out. The answer goes on the socket the CALL came in on or
   * nowhere: never on a newer connection of the station, where its id may name a different CALL.
   */
  handlerFailed(frame: CallFrame, isSend: boolean, socket: WebSocket | undefined, error: unknown): void {
    const raised = error instanceof RpcError;
    if (!raised) {
      this.rt.dispatcher.emit('handlerError', {
        station: this.handle,
        action: frame.action,
        messageId: frame.messageId,
        error,
      });
      this.rt.logger.error({ identity: this.identity, action: frame.action, err: error }, 'handler failed');
    }
    if (isSend || !this.ws || this.ws !== socket) return;
    const rpcError = raised
      ? error
      : new RpcError(
          'InternalError',
          this.rt.exposeErrors && error instanceof Error
            ? error.message
            : 'Internal error while handling the call',
        );
    this.sendCallError(frame.messageId, rpcError, frame.action);
  }

  /**
   * Answer a CALL with a CALLERROR: past the send interceptors (which see every frame) and observed
   * like every other outbound frame. `text`: the decoder's ready-made reply to a bad frame.
   */
  protected sendCallError(
    messageId: string,
    error: RpcError,
    action: string | undefined,
    text?: string,
  ): void {
    const d = this.rt.dispatcher;
    const observed = this.observed;
    if (!observed && !d.interceptsSend) {
      this.sendText(text ?? encodeCallError(this.protocol, messageId, error));
      return;
    }
    const frame: CallErrorFrame = {
      type: 4,
      messageId,
      errorCode: error.codeFor(this.protocol),
      errorDescription: error.description,
      errorDetails: error.details,
    };
    if (
      d.interceptsSend &&
      !d.allowSend(this.handle, [4, messageId, frame.errorCode, frame.errorDescription, frame.errorDetails])
    )
      return;
    if (this.sendText(text ?? encodeCallError(this.protocol, messageId, error)) && observed)
      this.observe(frame, 'OUT', action, undefined);
  }
}
