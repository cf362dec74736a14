import { actionInfo } from '../protocol/actions.js';
import { translateErrorCode } from '../protocol/error-codes.js';
import type { OcppVersion } from '../protocol/versions.js';
import { ConnectorMap } from './connectors.js';
import { TranslationFailure } from './errors.js';
import type { AnswerOutcome, CallDirection, CallError, CallOutcome, PendingCall } from './outcomes.js';
import { InMemorySessionStore, type ISessionStore } from './session.js';
import { type Run, TranslationSteps } from './steps.js';
import { TransactionLedger } from './transactions.js';
import type {
  DeferredCompletion,
  Mapper,
  OCPPMessage,
  OriginalCall,
  Payload,
  ProxyCall,
  ProxyMiddleware,
  TranslationContext,
  TranslationMap,
  TranslationResult,
} from './types.js';

export interface TranslationEngineOptions {
  /** The version the stations behind the proxy speak. */
  readonly stationProtocol: OcppVersion;
  /** The version of the CSMS the proxy forwards to (the seed's `upstreamProtocol`). */
  readonly upstreamProtocol: OcppVersion;
  readonly sessionStore?: ISessionStore;
  readonly middlewares?: readonly ProxyMiddleware[];
  /** A mapper threw or produced something unsendable. The sender got a CALLERROR (InternalError). */
  readonly onTranslationError?: (error: Error, message: OCPPMessage, context: TranslationContext) => void;
  /** A middleware threw. The sender got a CALLERROR with the rejection's code. */
  readonly onMiddlewareError?: (error: Error, message: OCPPMessage, context: TranslationContext) => void;
}

const REQUEST_ID_COUNTER = 'requestId';

/**
 * The translation engine: message in, outcome out, no sockets. A proxy drives it per message:
 * `translateCall` for each CALL from either side, then `translateResponse` / `translateError` with the
 * `PendingCall` it got back once the answer arrives; after sending each outcome it sends the
 * `completions` and `emitted` calls it is handed.
 */
export class TranslationEngine {
  readonly stationProtocol: OcppVersion;
  readonly upstreamProtocol: OcppVersion;
  readonly sessionStore: ISessionStore;
  /** The station's connector <-> (EVSE, connector) map (default: evse = connectorId, connector = 1). */
  readonly connectorMap: ConnectorMap;
  readonly transactions: TransactionLedger;
  private readonly steps: TranslationSteps;
  private readonly maps = {
    upstream: new Map<string, Mapper>(),
    downstream: new Map<string, Mapper>(),
    responses: new Map<string, Mapper>(),
    errors: new Map<string, Mapper>(),
  };
  private readonly passThrough = new Set<string>();

  constructor(private readonly options: TranslationEngineOptions) {
    this.stationProtocol = options.stationProtocol;
    this.upstreamProtocol = options.upstreamProtocol;
    this.sessionStore = options.sessionStore ?? new InMemorySessionStore();
    this.steps = new TranslationSteps(options.middlewares ?? [], options);
    this.connectorMap = new ConnectorMap(this.sessionStore);
    this.transactions = new TransactionLedger(this.sessionStore);
  }

  /** Register a map (a preset, or your overrides): later registrations win per key. */
  translate(map: TranslationMap): this {
    for (const part of ['upstream', 'downstream', 'responses', 'errors'] as const) {
      for (const [k, m] of Object.entries(map[part] ?? {})) this.maps[part].set(k, m);
    }
    for (const k of map.passThrough ?? []) this.passThrough.add(k);
    return this;
  }

  async translateCall(
    direction: CallDirection,
    identity: string,
    message: { id: string; action: string; payload: Payload },
  ): Promise<CallOutcome> {
    const { source, target } = this.sides(direction);
    const original: OriginalCall = {
      id: message.id,
      action: message.action,
      payload: message.payload,
      data: {},
    };
    const run = this.begin(identity, source, target, original, source);
    const preNow = this.steps.middleware(
      run,
      { type: 2, messageId: message.id, action: message.action, payload: message.payload },
      direction,
      'pre',
    );
    const pre = preNow instanceof Promise ? await preNow : preNow;
    if ('kind' in pre) return pre;
    if (pre.type !== 2) return this.steps.fail(run, 'InternalError', 'a middleware changed the message type');
    const key = `${source}:${pre.action}`;
    const mapper = this.maps[direction].get(key);
    let result: TranslationResult;
    if (mapper) {
      const mappedNow = this.steps.map(run, mapper, pre.payload, pre);
      const mapped = mappedNow instanceof Promise ? await mappedNow : mappedNow;
      if ('kind' in mapped) return mapped;
      result = mapped;
    } else if (this.passesThrough(key, pre.action, source, target)) {
      result = { payload: pre.payload };
    } else {
      return this.steps.fail(
        run,
        'NotSupported',
        `${pre.action} has no ${target} equivalent behind this proxy`,
      );
    }
    if ('error' in result)
      return { kind: 'error', error: this.steps.localError(source, result.error), ...run.follow };
    if ('reply' in result) {
      // Answered here: `post` sees the answer (a CALLRESULT in the call's direction), so a middleware
      // that logs or times calls sees every call end.
      const postNow = this.steps.middleware(
        run,
        { type: 3, messageId: pre.messageId, action: pre.action, payload: result.reply },
        direction,
        'post',
      );
      const post = postNow instanceof Promise ? await postNow : postNow;
      if ('kind' in post) return post;
      if (post.type !== 3)
        return this.steps.fail(run, 'InternalError', 'a middleware changed the message type');
      return { kind: 'reply', payload: post.payload, ...run.follow };
    }
    if ('defer' in result) return this.steps.broken(run, pre, `${key}: a call cannot be deferred`);
    const calls =
      'batch' in result ? result.batch : [{ action: result.action ?? pre.action, payload: result.payload }];
    if (calls.length === 0) return this.steps.broken(run, pre, `${key}: an empty batch`);
    const sent: { action: string; payload: Payload }[] = [];
    for (const call of calls) {
      if (!actionInfo(target, call.action))
        return this.steps.broken(run, pre, `${key} maps to ${call.action}, unknown in ${target}`);
      const postNow = this.steps.middleware(
        run,
        { type: 2, messageId: pre.messageId, ...call },
        direction,
        'post',
      );
      const post = postNow instanceof Promise ? await postNow : postNow;
      if ('kind' in post) return post;
      if (post.type !== 2)
        return this.steps.fail(run, 'InternalError', 'a middleware changed the message type');
      sent.push({ action: post.action, payload: post.payload });
    }
    const pending: PendingCall = {
      direction,
      key,
      original,
      action: sent[0]!.action,
      batch: 'batch' in result,
    };
    if ('batch' in result) return { kind: 'batch', calls: sent, pending, ...run.follow };
    return { kind: 'forward', action: sent[0]!.action, payload: sent[0]!.payload, pending, ...run.follow };
  }

  /**
   * A 2.1 SEND (message type 6): translated as a call, but nobody can be answered. An outcome that
   * would have been a CALLERROR (no equivalent in the target version, a middleware's rejection) is
   * reported as a `translationError` here, since the sender never hears of it; the proxy drops it.
   * Forwarded, it goes out as a SEND when the target action is one, as a CALL otherwise.
   */
  async translateSend(
    direction: CallDirection,
    identity: string,
    message: { id: string; action: string; payload: Payload },
  ): Promise<CallOutcome> {
    const out = await this.translateCall(direction, identity, message);
    if (out.kind === 'error') {
      const { source, target } = this.sides(direction);
      const original = { ...message, data: {} };
      const run = this.begin(identity, source, target, original, source);
      this.options.onTranslationError?.(
        new TranslationFailure(
          `${message.action} (a SEND) dropped: ${out.error.errorCode}: ${out.error.errorDescription}`,
        ),
        { type: 2, messageId: message.id, action: message.action, payload: message.payload },
        run.ctx,
      );
    }
    return out;
  }

  /** The answer to a forwarded call (for a batch: one `BatchAnswer` per call, in order). */
  async translateResponse(identity: string, pending: PendingCall, payload: Payload): Promise<AnswerOutcome> {
    const { source: callerVersion, target: answererVersion } = this.sides(pending.direction);
    const run = this.begin(identity, answererVersion, callerVersion, pending.original, callerVersion);
    const msg: OCPPMessage = { type: 3, messageId: pending.original.id, action: pending.action, payload };
    const preNow = this.steps.middleware(run, msg, 'response', 'pre');
    const pre = preNow instanceof Promise ? await preNow : preNow;
    if ('kind' in pre) return pre;
    if (pre.type !== 3) return this.steps.fail(run, 'InternalError', 'a middleware changed the message type');
    const mapper = this.maps.responses.get(pending.key);
    let result: TranslationResult;
    if (mapper) {
      const mappedNow = this.steps.map(run, mapper, pre.payload, pre);
      const mapped = mappedNow instanceof Promise ? await mappedNow : mappedNow;
      if ('kind' in mapped) return mapped;
      result = mapped;
    } else if (
      !pending.batch &&
      pending.action === pending.original.action &&
      this.passesThrough(pending.key, pending.action, answererVersion, callerVersion)
    ) {
      result = { payload: pre.payload };
    } else {
      return this.steps.broken(run, pre, `no response mapper for ${pending.key}`);
    }
    return this.answer(run, pending, result, 'response');
  }

  /** A CALLERROR answering a forwarded call: its code respelled for the caller's version, or an `errors` mapper's. */
  async translateError(identity: string, pending: PendingCall, error: CallError): Promise<AnswerOutcome> {
    const { source: callerVersion, target: answererVersion } = this.sides(pending.direction);
    const run = this.begin(identity, answererVersion, callerVersion, pending.original, callerVersion);
    const preNow = this.steps.middleware(
      run,
      { type: 4, messageId: pending.original.id, action: pending.action, ...error },
      'error',
      'pre',
    );
    const pre = preNow instanceof Promise ? await preNow : preNow;
    if ('kind' in pre) return pre;
    if (pre.type !== 4) return this.steps.fail(run, 'InternalError', 'a middleware changed the message type');
    const received = {
      errorCode: pre.errorCode,
      errorDescription: pre.errorDescription,
      errorDetails: pre.errorDetails,
    };
    const mapper = this.maps.errors.get(pending.key);
    let result: TranslationResult = {
      error: {
        code: translateErrorCode(received.errorCode, answererVersion, callerVersion),
        description: received.errorDescription,
        details: received.errorDetails ?? {},
      },
    };
    if (mapper) {
      const mappedNow = this.steps.map(run, mapper, received, pre);
      const mapped = mappedNow instanceof Promise ? await mappedNow : mappedNow;
      if ('kind' in mapped) return mapped;
      result = mapped;
    }
    return this.answer(run, pending, result, 'error');
  }

  async close(): Promise<void> {
    await this.sessionStore.close?.();
  }

  private async answer(
    run: Run,
    pending: PendingCall,
    result: TranslationResult,
    direction: 'response' | 'error',
  ): Promise<AnswerOutcome> {
    const id = pending.original.id;
    const action = pending.original.action;
    if ('defer' in result) return { kind: 'deferred', ...run.follow };
    if ('batch' in result)
      return this.steps.broken(
        run,
        { type: 3, messageId: id, action, payload: {} },
        `${pending.key}: a batch answers nothing`,
      );
    let out: OCPPMessage;
    if ('error' in result) {
      const e = this.steps.localError(run.answerTo, result.error);
      out = { type: 4, messageId: id, action, ...e };
    } else {
      out = { type: 3, messageId: id, action, payload: 'reply' in result ? result.reply : result.payload };
    }
    const postNow = this.steps.middleware(run, out, direction, 'post');
    const post = postNow instanceof Promise ? await postNow : postNow;
    if ('kind' in post) return post;
    if (post.type === 3) return { kind: 'result', payload: post.payload, ...run.follow };
    if (post.type === 4) {
      const error = {
        errorCode: post.errorCode,
        errorDescription: post.errorDescription.slice(0, 255),
        errorDetails: post.errorDetails ?? {},
      };
      return { kind: 'error', error, ...run.follow };
    }
    return this.steps.fail(run, 'InternalError', 'a middleware turned an answer into a CALL');
  }

  private sides(direction: CallDirection): { source: OcppVersion; target: OcppVersion } {
    return direction === 'upstream'
      ? { source: this.stationProtocol, target: this.upstreamProtocol }
      : { source: this.upstreamProtocol, target: this.stationProtocol };
  }

  /**
   * Forward unchanged only when nothing changes: the same version on both sides, or a key the map
   * lists as pass-through.
   */
  private passesThrough(key: string, action: string, source: OcppVersion, target: OcppVersion): boolean {
    if (this.passThrough.has(key)) return true;
    return source === target && actionInfo(target, action) !== undefined;
  }

  private begin(
    identity: string,
    sourceProtocol: OcppVersion,
    targetProtocol: OcppVersion,
    call: OriginalCall,
    answerTo: OcppVersion,
  ): Run {
    const follow = { completions: [] as DeferredCompletion[], emitted: [] as ProxyCall[] };
    const ctx: TranslationContext = {
      identity,
      sourceProtocol,
      targetProtocol,
      session: this.sessionStore,
      call,
      services: {
        uuid: () => globalThis.crypto.randomUUID(),
        nextRequestId: () => this.transactions.nextCounter(REQUEST_ID_COUNTER),
        connectors: this.connectorMap,
        transactions: this.transactions,
        completeDeferred: (c) => {
          follow.completions.push(c);
        },
        emit: (c) => {
          follow.emitted.push(c);
        },
      },
    };
    return { ctx, follow, answerTo };
  }
}

export type {
  AnswerOutcome,
  CallDirection,
  CallError,
  CallOutcome,
  FollowUps,
  PendingCall,
} from './outcomes.js';
