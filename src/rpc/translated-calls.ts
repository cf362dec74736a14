import type WebSocket from 'ws';
import type { InboundVerdict } from '../hooks/dispatcher.js';
import type { OutboundTranslation } from '../hooks/types.js';
import { maySend } from '../protocol/actions.js';
import { RpcError } from '../protocol/errors.js';
import type { CallFrame, Payload } from '../protocol/frames.js';
import { AnsweringLink } from './answers.js';
import { CallTimeoutError, HandlerTimeoutError } from './errors.js';
import { type HandlerHost, HandlerRun } from './handler-run.js';
import type { InboundJob } from './inbound-calls.js';
import type { CallOptions } from './runtime.js';

/**
 * The translators' part of a peer's CALL (schema versioning): what their verdict leads to, and the
 * translation of the handler's answer or CALLERROR back. Split from the endpoint so that the path of
 * a CALL a translator presents as another version's is read in one place.
 */
export abstract class TranslatingLink extends AnsweringLink implements HandlerHost {
  /** Settles once the last call of ours whose translation was a promise is queued (order of calls). */
  private outboundTail: Promise<void> | undefined;

  protected abstract prepareCall(action: string, payload: Payload): Payload;
  protected abstract submitCall(action: string, request: Payload, options?: CallOptions): Promise<Payload>;

  /** A call of ours goes through the outbound translators (or waits behind one that is translating). */
  protected get translatesOurCalls(): boolean {
    return this.outboundTail !== undefined || this.rt.dispatcher.translatesOutbound;
  }

  /**
   * A call of ours through the outbound translators. A translation that is a promise holds the calls
   * made after it until it is queued, so they reach the station in the order they were made; it counts
   * against the call's timeout, and one that never settles fails its call at that timeout.
   */
  protected translatedCall(action: string, payload: Payload, options: CallOptions): Promise<Payload> {
    const d = this.rt.dispatcher;
    const tail = this.outboundTail;
    if (!tail) {
      let verdict: ReturnType<typeof d.translateOutCall>;
      try {
        verdict = d.translateOutCall(this.handle, action, payload);
      } catch (error) {
        return Promise.reject(error);
      }
      if (!(verdict instanceof Promise)) return this.sendTranslated(action, payload, options, verdict);
      return this.holdCalls(action, payload, options, verdict);
    }
    return this.holdCalls(
      action,
      payload,
      options,
      tail.then(() => d.translateOutCall(this.handle, action, payload)),
    );
  }

  private holdCalls(
    action: string,
    payload: Payload,
    options: CallOptions,
    verdict: Promise<OutboundTranslation | undefined>,
  ): Promise<Payload> {
    const timeoutMs = options.timeoutMs ?? this.rt.callTimeoutMs;
    // Wrapped, so that the answer's promise is not flattened into the "queued" one.
    const queued = new Promise<{ answer: Promise<Payload> }>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(new CallTimeoutError(this.identity, action, timeoutMs));
      }, timeoutMs);
      verdict.then(
        (v) => {
          clearTimeout(timer);
          // Its caller was told it timed out: it is not sent late.
          if (timedOut) return;
          const answer = this.sendTranslated(action, payload, options, v);
          // A batch holds the later calls until its last call is answered: nothing comes between.
          if (v && 'batch' in v)
            answer.then(
              () => resolve({ answer }),
              () => resolve({ answer }),
            );
          else resolve({ answer });
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
    const released = queued.then(
      () => undefined,
      () => undefined,
    );
    this.outboundTail = released;
    void released.then(() => {
      if (this.outboundTail === released) this.outboundTail = undefined;
    });
    return queued.then((q) => q.answer);
  }

  /** Queue the call as translated; its answer (or CALLERROR) comes back through the translators. */
  private sendTranslated(
    action: string,
    original: Payload,
    options: CallOptions,
    verdict: OutboundTranslation | undefined,
  ): Promise<Payload> {
    try {
      if (verdict === undefined) {
        return this.submitCall(action, this.prepareCall(action, original), options);
      }
      if ('reply' in verdict) return Promise.resolve(verdict.reply);
      const d = this.rt.dispatcher;
      const state = verdict.state;
      if ('batch' in verdict)
        return this.sendBatch(verdict.batch, options).then((answers) =>
          d.translateOutAnswer(this.handle, action, answers as unknown as Payload, state),
        );
      return this.submitCall(verdict.action, this.prepareCall(verdict.action, verdict.payload), options).then(
        (response) => d.translateOutAnswer(this.handle, action, response, state),
        (error: unknown) => {
          if (!(error instanceof RpcError)) throw error;
          return Promise.resolve(d.translateOutError(this.handle, action, error, state)).then((e) => {
            throw e;
          });
        },
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** One call after another; a CALLERROR is an answer of the batch, any other failure fails it. */
  private async sendBatch(
    calls: readonly { readonly action: string; readonly payload: Payload }[],
    options: CallOptions,
  ): Promise<({ payload: Payload } | { error: { errorCode: string; errorDescription: string } })[]> {
    const answers: ({ payload: Payload } | { error: { errorCode: string; errorDescription: string } })[] = [];
    for (const call of calls) {
      try {
        answers.push({
          payload: await this.submitCall(call.action, this.prepareCall(call.action, call.payload), options),
        });
      } catch (error) {
        if (!(error instanceof RpcError)) throw error;
        answers.push({ error: { errorCode: error.code, errorDescription: error.description } });
      }
    }
    return answers;
  }

  /**
   * @internal Carry out the translators' verdict: the HandlerRun to run, or undefined when the CALL is
   * answered already (refused, a CALLERROR, or the translator's own reply). `deadline`/`limit`: the
   * time limit an async translation started (0 when the verdict came at once).
   */
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
