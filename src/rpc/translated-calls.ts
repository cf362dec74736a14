import type WebSocket from 'ws';
import type { InboundVerdict } from '../hooks/dispatcher.js';
import { maySend } from '../protocol/actions.js';
import { RpcError } from '../protocol/errors.js';
import type { CallFrame, Payload } from '../protocol/frames.js';
import { AnsweringLink } from './answers.js';
import { HandlerTimeoutError } from './errors.js';
import { type HandlerHost, HandlerRun } from './handler-run.js';
import type { InboundJob } from './inbound-calls.js';

/**
 * The translators' part of a peer's CALL (schema versioning): what their verdict leads to, and the
 * translation of the handler's answer or CALLERROR back. Split from the endpoint so that the path of
 * a CALL a translator presents as another version's is read in one place.
 */
export abstract class TranslatingLink extends AnsweringLink implements HandlerHost {
  /**
   * Carry out the translators' verdict: the HandlerRun to run, or undefined when the CALL is answered
   * already (refused, a CALLERROR, or the translator's own reply). `deadline`/`limit`: the time limit
   * an async translation started (0 when the verdict came at once).
   */
  /** @internal */
  afterTranslation(
    frame: CallFrame,
    isSend: boolean,
    socket: WebSocket | undefined,
    payload: Payload,
    verdict: InboundVerdict,
    started: number,
    deadline: number,
    limit: number,
  ): HandlerRun | undefined {
    if (verdict === 'reject') {
      this.refuse(
        frame,
        isSend,
        'not-supported',
        new RpcError('NotSupported', `${frame.action} is not translated`),
      );
      return undefined;
    }
    if (verdict instanceof RpcError) {
      this.handlerFailed(frame, isSend, socket, verdict);
      return undefined;
    }
    if (verdict !== undefined && 'reply' in verdict) {
      this.handlerReturned(frame, isSend, socket, started, verdict.reply);
      return undefined;
    }
    const version = verdict?.protocol ?? this.protocol;
    const action = verdict?.action ?? frame.action;
    const handler = this.rt.handlers.get(version, action);
    if (!handler) {
      this.noHandler(frame, isSend);
      return undefined;
    }
    return new HandlerRun(
      this,
      handler,
      frame,
      verdict?.payload ?? payload,
      version,
      isSend,
      socket,
      started,
      action,
      verdict,
      deadline,
      limit,
    );
  }

  /** No handler for the CALL (as translated): NotSupported for an action of the peer's version, else NotImplemented. */
  protected noHandler(frame: CallFrame, isSend: boolean): void {
    const known = maySend(this.protocol, this.rt.side === 'csms' ? 'station' : 'csms', frame.action);
    const error = known
      ? new RpcError('NotSupported', `No handler for ${frame.action}`)
      : new RpcError('NotImplemented', `Unknown action ${frame.action}`);
    this.refuse(frame, isSend, known ? 'not-supported' : 'not-implemented', error);
  }

  /** @internal */
  translateAnswer(frame: CallFrame, result: Payload, state: unknown): Payload | Promise<Payload> {
    return this.rt.dispatcher.translateAnswer(this.handle, frame.action, result, state);
  }

  /** @internal */
  translateError(frame: CallFrame, error: RpcError, state: unknown): RpcError | Promise<RpcError> {
    return this.rt.dispatcher.translateError(this.handle, frame.action, error, state);
  }
}

/**
 * A CALL whose translation is a promise, as a job of the station's inbound queue: it waits its turn
 * behind the station's earlier CALLs, then for its translation (within the handler time limit), then
 * runs its handler with what is left of that limit. A translation that never settles is answered at
 * the limit like a handler that never does.
 */
export class TranslatingCall implements InboundJob {
  readonly messageId: string;

  constructor(
    private readonly link: TranslatingLink,
    private readonly frame: CallFrame,
    private readonly isSend: boolean,
    private readonly socket: WebSocket | undefined,
    private readonly payload: Payload,
    private readonly verdict: Promise<InboundVerdict>,
    private readonly started: number,
  ) {
    this.messageId = frame.messageId;
  }

  run(): Promise<void> {
    const limit = this.link.handlerTimeoutMs();
    const deadline = limit > 0 ? performance.now() + limit : Number.POSITIVE_INFINITY;
    return new Promise<void>((settle, fail) => {
      let done = false;
      const timer =
        limit > 0
          ? setTimeout(() => {
              done = true;
              this.link.handlerFailed(
                this.frame,
                this.isSend,
                this.socket,
                new HandlerTimeoutError(this.frame.action, limit),
              );
              settle();
            }, limit)
          : undefined;
      // The stage turns a translator's failure into an RpcError verdict: this promise does not reject.
      this.verdict.then((verdict) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        try {
          const run = this.link.afterTranslation(
            this.frame,
            this.isSend,
            this.socket,
            this.payload,
            verdict,
            this.started,
            deadline,
            limit,
          );
          const after = run?.run();
          if (after) after.then(settle, fail);
          else settle();
        } catch (error) {
          fail(error);
        }
      }, fail);
    });
  }
}
