import { type ErrorKind, errorCodeFor, errorKindOf } from '../protocol/error-codes.js';
import type { OcppVersion } from '../protocol/versions.js';
import { MiddlewareRejection, TranslationFailure, UnrepresentableError } from './errors.js';
import type { CallError, FollowUps } from './outcomes.js';
import type {
  DeferredCompletion,
  Direction,
  Mapper,
  OCPPMessage,
  Payload,
  ProxyCall,
  ProxyMiddleware,
  TranslationContext,
  TranslationResult,
} from './types.js';

/** Awaited only when it is a promise: a plain value costs no microtask (the hot path has no middleware). */
export type MaybePromise<T> = T | Promise<T>;

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/** One message's translation under way: its mappers' context, its follow-ups, whom its errors answer. */
export interface Run {
  readonly ctx: TranslationContext;
  readonly follow: { completions: DeferredCompletion[]; emitted: ProxyCall[] };
  /** The version the sender of whatever the outcome answers speaks (errors are spelled for it). */
  readonly answerTo: OcppVersion;
}

/** An outcome that answers the sender with a CALLERROR. */
export type Failure = FollowUps & { kind: 'error'; error: CallError };

/** What reports the engine's failures (the engine's options). */
export interface StepReports {
  readonly onTranslationError?: (error: Error, message: OCPPMessage, context: TranslationContext) => void;
  readonly onMiddlewareError?: (error: Error, message: OCPPMessage, context: TranslationContext) => void;
}

/**
 * The steps every translation takes, whatever its direction: a mapper run, the middleware chain, and
 * the failure path (a CALLERROR spelled for the sender, the broken map reported). Split from the
 * engine, which decides which step comes when.
 */
export class TranslationSteps {
  constructor(
    private readonly middlewares: readonly ProxyMiddleware[],
    private readonly options: StepReports,
  ) {}

  /** A code from a mapper (either era's spelling) spelled for `version`. */
  localError(
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

  fail(run: Run, kind: ErrorKind, description: string): Failure {
    const error = {
      errorCode: errorCodeFor(run.answerTo, kind),
      errorDescription: description.slice(0, 255),
      errorDetails: {},
    };
    return { kind: 'error', error, ...run.follow };
  }

  /** A mapper or map is wrong: report `translationError`, answer InternalError. */
  broken(run: Run, message: OCPPMessage, why: string): Failure {
    this.options.onTranslationError?.(new TranslationFailure(why), message, run.ctx);
    return this.fail(run, 'InternalError', `translating ${message.action ?? 'the message'} failed`);
  }

  /** A sync mapper's result comes back as is: no promise and no microtask per message for it. */
  map(
    run: Run,
    mapper: Mapper,
    payload: Payload,
    message: OCPPMessage,
  ): MaybePromise<TranslationResult | Failure> {
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

  private mapped(run: Run, message: OCPPMessage, result: TranslationResult): TranslationResult | Failure {
    if (result === null || typeof result !== 'object')
      return this.broken(run, message, 'a mapper returned no result');
    return result;
  }

  private mapperFailed(run: Run, message: OCPPMessage, err: unknown): Failure {
    if (err instanceof UnrepresentableError) return this.fail(run, err.kind, err.message);
    const error = err instanceof Error ? err : new Error(String(err));
    this.options.onTranslationError?.(error, message, run.ctx);
    return this.fail(run, 'InternalError', `translating ${message.action ?? 'the message'} failed`);
  }

  /** Without middlewares (the common case) the message comes back as is, synchronously. */
  middleware(
    run: Run,
    message: OCPPMessage,
    direction: Direction,
    phase: 'pre' | 'post',
  ): MaybePromise<OCPPMessage | Failure> {
    if (this.middlewares.length === 0) return message;
    return this.runMiddlewares(run, message, direction, phase);
  }

  private async runMiddlewares(
    run: Run,
    message: OCPPMessage,
    direction: Direction,
    phase: 'pre' | 'post',
  ): Promise<OCPPMessage | Failure> {
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
