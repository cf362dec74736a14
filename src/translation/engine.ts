import { actionInfo } from '../protocol/actions.js';
import { type ErrorKind, errorCodeFor, errorKindOf, translateErrorCode } from '../protocol/error-codes.js';
import type { OcppVersion } from '../protocol/versions.js';
import { ConnectorMap } from './connectors.js';
import { MiddlewareRejection, TranslationFailure, UnrepresentableError } from './errors.js';
import type {
  AnswerOutcome,
  CallDirection,
  CallError,
  CallOutcome,
  FollowUps,
  PendingCall,
} from './outcomes.js';
import { InMemorySessionStore, type ISessionStore } from './session.js';
import { TransactionLedger } from './transactions.js';
import type {
  DeferredCompletion,
  Direction,
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

/** Awaited only when it is a promise: a plain value costs no microtask (the hot path has no middleware). */
type MaybePromise<T> = T | Promise<T>;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

interface Run {
  readonly ctx: TranslationContext;
  readonly follow: { completions: DeferredCompletion[]; emitted: ProxyCall[] };
  /** The version the sender of whatever the outcome answers speaks (errors are spelled for it). */
  readonly answerTo: OcppVersion;
}

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
  private readonly middlewares: readonly ProxyMiddleware[];
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
    this.middlewares = options.middlewares ?? [];
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
    const preNow = this.middleware(
      run,
      { type: 2, messageId: message.id, action: message.action, payload: message.payload },
      direction,
      'pre',
    );
    const pre = preNow instanceof Promise ? await preNow : preNow;
    if ('kind' in pre) return pre;
    if (pre.type !== 2) return this.fail(run, 'InternalError', 'a middleware changed the message type');
    const key = `${source}:${pre.action}`;
    const mapper = this.maps[direction].get(key);
    let result: TranslationResult;
    if (mapper) {
      const mappedNow = this.map(run, mapper, pre.payload, pre);
      const mapped = mappedNow instanceof Promise ? await mappedNow : mappedNow;
      if ('kind' in mapped) return mapped;
      result = mapped;
    } else if (this.passesThrough(key, pre.action, source, target)) {
      result = { payload: pre.payload };
    } else {
      return this.fail(run, 'NotSupported', `${pre.action} has no ${target} equivalent behind this proxy`);
    }
    if ('error' in result)
      return { kind: 'error', error: this.localError(source, result.error), ...run.follow };
    if ('reply' in result) {
      // Answered here: `post` sees the answer (a CALLRESULT in the call's direction), so a middleware
      // that logs or times calls sees every call end.
      const postNow = this.middleware(
        run,
        { type: 3, messageId: pre.messageId, action: pre.action, payload: result.reply },
        direction,
        'post',
      );
      const post = postNow instanceof Promise ? await postNow : postNow;
      if ('kind' in post) return post;
      if (post.type !== 3) return this.fail(run, 'InternalError', 'a middleware changed the message type');
      return { kind: 'reply', payload: post.payload, ...run.follow };
    }
    if ('defer' in result) return this.broken(run, pre, `${key}: a call cannot be deferred`);
    const calls =
      'batch' in result ? result.batch : [{ action: result.action ?? pre.action, payload: result.payload }];
    if (calls.length === 0) return this.broken(run, pre, `${key}: an empty batch`);
    const sent: { action: string; payload: Payload }[] = [];
    for (const call of calls) {
      if (!actionInfo(target, call.action))
        return this.broken(run, pre, `${key} maps to ${call.action}, unknown in ${target}`);
      const postNow = this.middleware(run, { type: 2, messageId: pre.messageId, ...call }, direction, 'post');
      const post = postNow instanceof Promise ? await postNow : postNow;
      if ('kind' in post) return post;
      if (post.type !== 2) return this.fail(run, 'InternalError', 'a middleware changed the message type');
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
    const preNow = this.middleware(run, msg, 'response', 'pre');
    const pre = preNow instanceof Promise ? await preNow : preNow;
    if ('kind' in pre) return pre;
    if (pre.type !== 3) return this.fail(run, 'InternalError', 'a middleware changed the message type');
    const mapper = this.maps.responses.get(pending.key);
    let result: TranslationResult;
    if (mapper) {
      const mappedNow = this.map(run, mapper, pre.payload, pre);
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
      return this.broken(run, pre, `no response mapper for ${pending.key}`);
    }
    return this.answer(run, pending, result, 'response');
  }

  /** A CALLERROR answering a forwarded call: its code respelled for the caller's version, or an `errors` mapper's. */
  async translateError(identity: string, pending: PendingCall, error: CallError): Promise<AnswerOutcome> {
    const { source: callerVersion, target: answererVersion } = this.sides(pending.direction);
    const run = this.begin(identity, answererVersion, callerVersion, pending.original, callerVersion);
    const preNow = this.middleware(
      run,
      { type: 4, messageId: pending.original.id, action: pending.action, ...error },
      'error',
      'pre',
    );
    const pre = preNow instanceof Promise ? await preNow : preNow;
    if ('kind' in pre) return pre;
    if (pre.type !== 4) return this.fail(run, 'InternalError', 'a middleware changed the message type');
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
      const mappedNow = this.map(run, mapper, received, pre);
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
      return this.broken(
        run,
        { type: 3, messageId: id, action, payload: {} },
        `${pending.key}: a batch answers nothing`,
      );
    let out: OCPPMessage;
    if ('error' in result) {
      const e = this.localError(run.answerTo, result.error);
      out = { type: 4, messageId: id, action, ...e };
    } else {
      out = { type: 3, messageId: id, action, payload: 'reply' in result ? result.reply : result.payload };
    }
    const postNow = this.middleware(run, out, direction, 'post');
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
    return this.fail(run, 'InternalError', 'a middleware turned an answer into a CALL');
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

  /** A code from a mapper (either era's spelling) spelled for `version`. */
  private localError(
    version: OcppVersion,
    error: { code: string; description: string; details?: Payload },
  ): CallError {
    const errorCode = errorCodeFor(version, errorKindOf(error.code));
    return {
      errorCode,
      errorDescription: error.description.slice(0, 255),
      errorDetails: error.details ?? {},
    };
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

  private fail(
    run: Run,
    kind: ErrorKind,
    description: string,
  ): FollowUps & { kind: 'error'; error: CallError } {
    const error = {
      errorCode: errorCodeFor(run.answerTo, kind),
      errorDescription: description.slice(0, 255),
      errorDetails: {},
    };
    return { kind: 'error', error, ...run.follow };
  }

  /** A mapper or map is wrong: report `translationError`, answer InternalError. */
  private broken(
    run: Run,
    message: OCPPMessage,
    why: string,
  ): FollowUps & { kind: 'error'; error: CallError } {
    this.options.onTranslationError?.(new TranslationFailure(why), message, run.ctx);
    return this.fail(run, 'InternalError', `translating ${message.action ?? 'the message'} failed`);
  }

  /** A sync mapper's result comes back as is: no promise and no microtask per message for it. */
  private map(
    run: Run,
    mapper: Mapper,
    payload: Payload,
    message: OCPPMessage,
  ): MaybePromise<TranslationResult | (FollowUps & { kind: 'error'; error: CallError })> {
    let result: ReturnType<Mapper>;
    try {
      result = mapper(payload, run.ctx);
    } catch (err) {
      return this.mapperFailed(run, message, err);
    }
    if (isThenable(result))
      return Promise.resolve(result).then(
        (r: TranslationResult) => this.mapped(run, message, r),
        (err: unknown) => this.mapperFailed(run, message, err),
      );
    return this.mapped(run, message, result as TranslationResult);
  }

  private mapped(
    run: Run,
    message: OCPPMessage,
    result: TranslationResult,
  ): TranslationResult | (FollowUps & { kind: 'error'; error: CallError }) {
    if (result === null || typeof result !== 'object')
      return this.broken(run, message, 'a mapper returned no result');
    return result;
  }

  private mapperFailed(
    run: Run,
    message: OCPPMessage,
    err: unknown,
  ): FollowUps & { kind: 'error'; error: CallError } {
    if (err instanceof UnrepresentableError) return this.fail(run, err.kind, err.message);
    const error = err instanceof Error ? err : new Error(String(err));
    this.options.onTranslationError?.(error, message, run.ctx);
    return this.fail(run, 'InternalError', `translating ${message.action ?? 'the message'} failed`);
  }

  /** Without middlewares (the common case) the message comes back as is, synchronously. */
  private middleware(
    run: Run,
    message: OCPPMessage,
    direction: Direction,
    phase: 'pre' | 'post',
  ): MaybePromise<OCPPMessage | (FollowUps & { kind: 'error'; error: CallError })> {
    if (this.middlewares.length === 0) return message;
    return this.runMiddlewares(run, message, direction, phase);
  }

  private async runMiddlewares(
    run: Run,
    message: OCPPMessage,
    direction: Direction,
    phase: 'pre' | 'post',
  ): Promise<OCPPMessage | (FollowUps & { kind: 'error'; error: CallError })> {
    let current = message;
    for (const mw of this.middlewares) {
      try {
        const replaced = await mw(current, run.ctx, direction, phase);
        if (replaced !== undefined) current = replaced;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        this.options.onMiddlewareError?.(error, current, run.ctx);
        const kind = error instanceof MiddlewareRejection ? error.kind : 'GenericError';
        return this.fail(run, kind, error.message);
      }
    }
    return current;
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
