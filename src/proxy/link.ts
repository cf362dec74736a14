import { CallAbortedError, type Station, StationClosedError } from '../client/index.js';
import { actionInfo } from '../protocol/actions.js';
import { RpcError } from '../protocol/errors.js';
import type { Payload } from '../protocol/frames.js';
import { HandlerTimeoutError } from '../rpc/errors.js';
import type { HandlerContext } from '../rpc/handlers.js';
import type {
  AnswerOutcome,
  BatchAnswer,
  CallError,
  CallOutcome,
  FollowUps,
  OCPPMessage,
  PendingCall,
  TranslationEngine,
} from '../translation/index.js';
import type { TurnGate } from './turn-gate.js';
import type { CallContext, IConnection } from './types.js';

/** What a link reports to its proxy. */
export interface LinkEvents {
  upstreamError(error: Error, identity: string): void;
}

/** A deferred answer is given up on after this long (the caller's own timeout has passed by then). */
const DEFERRED_TIMEOUT_MS = 120_000;
/** Completions that came before their call was deferred, kept at most. */
const MAX_EARLY_COMPLETIONS = 16;

type Waiter = {
  resolve(payload: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
};

/**
 * One station behind the proxy: its connection (the station leg) and its own station client to the
 * CSMS (the upstream leg, same identity). Each CALL from either side goes through the engine, is sent
 * on, and its answer comes back through the engine; the follow-ups an outcome carries (completed
 * deferred answers, the proxy's own calls) go out after that answer.
 */
export class ProxyLink {
  private readonly waiters = new Map<string, Waiter>();
  private readonly early = new Map<string, unknown>();
  private closed = false;

  constructor(
    readonly station: IConnection,
    readonly upstream: Station,
    private readonly engine: TranslationEngine,
    gate: TurnGate,
    private readonly events: LinkEvents,
  ) {
    station.onMessage((m, context) => gate.run((deferred) => this.fromStation(m, context, deferred)));
    upstream.handle('*', (ctx) => this.fromCsms(ctx));
  }

  get identity(): string {
    return this.station.identity;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The station is gone: close the upstream leg (its queued calls reject), drop waiting answers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.values()) {
      clearTimeout(w.timer);
      // Nobody is left to answer: the call that waited fails now rather than at its timeout.
      w.reject(new Error('the station disconnected before the deferred answer completed'));
    }
    this.waiters.clear();
    this.early.clear();
    await this.upstream.close(1000, 'station disconnected');
  }

  // --- station -> CSMS ----------------------------------------------------------------------------
  private async fromStation(
    message: OCPPMessage,
    context: CallContext | undefined,
    /** It waited for a later turn (TurnGate): the station may have been answered or gone meanwhile. */
    deferred: boolean,
  ): Promise<OCPPMessage | undefined> {
    if (message.type !== 2) return undefined;
    // Only a call that waited is checked: one given up on meanwhile is never forwarded late.
    if (deferred && (this.closed || (context && (context.abandoned ?? context.signal.aborted))))
      return undefined;
    if (actionInfo(this.engine.stationProtocol, message.action)?.sendOnly) {
      await this.sendFromStation(message);
      return undefined;
    }
    const id = message.messageId;
    const out = await this.engine.translateCall('upstream', this.identity, {
      id,
      action: message.action,
      payload: message.payload,
    });
    this.followUps(out);
    const answer = await this.settle(out, 'station', id, (action, payload, first) => {
      // A call that goes out at once needs no signal; one that waits (the leg down or busy) is cancelled
      // if the station's answer is given up on first. Not covered: a call in flight when the leg drops
      // is re-sent after the reconnect, with the same message id (at-least-once, as OCPP-J allows).
      const signal = this.upstream.idle ? undefined : context?.signal;
      // The station's message id travels on (one id end to end for tracing); a batch's later calls get fresh ones.
      return this.upstream.call(
        action as never,
        payload as never,
        first ? { messageId: id, signal } : { signal },
      );
    });
    if ('error' in answer) return { type: 4, messageId: id, ...answer.error };
    return { type: 3, messageId: id, payload: answer.payload };
  }

  /**
   * A 2.1 SEND (no answer either way): translated and sent on as a SEND when the CSMS's version has
   * the action as one, as a CALL whose answer is dropped otherwise (a map may turn it into a call);
   * dropped, with a translationError, when the CSMS's version has no equivalent.
   */
  private async sendFromStation(message: OCPPMessage & { type: 2 }): Promise<void> {
    const out = await this.engine.translateSend('upstream', this.identity, {
      id: message.messageId,
      action: message.action,
      payload: message.payload,
    });
    this.followUps(out);
    const calls =
      out.kind === 'forward'
        ? [{ action: out.action, payload: out.payload }]
        : out.kind === 'batch'
          ? out.calls
          : [];
    for (const [i, call] of calls.entries()) {
      const options = i === 0 ? { messageId: message.messageId } : undefined;
      const sent = actionInfo(this.engine.upstreamProtocol, call.action)?.sendOnly
        ? this.upstream.send(call.action as never, call.payload as never, options)
        : this.upstream.call(call.action as never, call.payload as never, options);
      await sent.catch((err: unknown) => {
        if (reportable(err))
          this.events.upstreamError(err instanceof Error ? err : new Error(String(err)), this.identity);
      });
    }
  }

  // --- CSMS -> station ----------------------------------------------------------------------------
  private async fromCsms(ctx: HandlerContext): Promise<Payload> {
    const id = ctx.messageId;
    const out = await this.engine.translateCall('downstream', this.identity, {
      id,
      action: ctx.action,
      payload: ctx.payload,
    });
    this.followUps(out);
    const answer = await this.settle(out, 'csms', id, async (action, payload, first) => {
      const reply = await this.station.send({
        type: 2,
        messageId: first ? id : globalThis.crypto.randomUUID(),
        action,
        payload,
      });
      if (!reply) throw new Error(`the station gave no answer to ${action}`);
      if (reply.type === 3) return reply.payload;
      if (reply.type === 4)
        throw new RpcError(
          reply.errorCode as never,
          reply.errorDescription,
          reply.errorDetails,
          reply.errorCode,
        );
      throw new Error(`the station answered ${action} with a CALL`);
    });
    if ('error' in answer) {
      const e = answer.error;
      throw new RpcError(e.errorCode as never, e.errorDescription, e.errorDetails ?? {}, e.errorCode);
    }
    return answer.payload;
  }

  /**
   * Carry out a call's outcome: forward (or send the batch) to the other side with `send`, bring the
   * answer back through the engine, wait for a deferred one. `caller` is the side that made the call.
   */
  private async settle(
    out: CallOutcome,
    caller: 'station' | 'csms',
    id: string,
    send: (action: string, payload: unknown, first: boolean) => Promise<unknown>,
  ): Promise<{ payload: Payload } | { error: CallError }> {
    switch (out.kind) {
      case 'reply':
        return { payload: out.payload };
      case 'error':
        return { error: out.error };
      case 'forward': {
        let answer: AnswerOutcome;
        try {
          const payload = await send(out.action, out.payload, true);
          answer = await this.engine.translateResponse(this.identity, out.pending, payload);
        } catch (err) {
          answer = await this.failed(out.pending, err, caller);
        }
        return this.answered(answer, caller, id);
      }
      case 'batch': {
        const answers: BatchAnswer[] = [];
        for (const [i, call] of out.calls.entries()) {
          try {
            answers.push({ payload: await send(call.action, call.payload, i === 0) });
          } catch (err) {
            if (!(err instanceof RpcError))
              return this.answered(await this.failed(out.pending, err, caller), caller, id);
            answers.push({ error: { errorCode: err.code, errorDescription: err.description } });
          }
        }
        return this.answered(
          await this.engine.translateResponse(this.identity, out.pending, answers),
          caller,
          id,
        );
      }
    }
  }

  /** The other side answered with a CALLERROR (translated), or never answered (our InternalError). */
  private failed(pending: PendingCall, err: unknown, caller: 'station' | 'csms'): Promise<AnswerOutcome> {
    if (err instanceof RpcError) {
      return this.engine.translateError(this.identity, pending, {
        errorCode: err.code,
        errorDescription: err.description,
        errorDetails: err.details,
      });
    }
    const error = err instanceof Error ? err : new Error(String(err));
    if (reportable(err)) this.events.upstreamError(error, this.identity);
    const other = caller === 'station' ? 'CSMS' : 'station';
    return Promise.resolve({
      kind: 'error',
      error: {
        errorCode: 'InternalError',
        errorDescription: `the ${other} did not answer (${error.name})`,
        errorDetails: {},
      },
      completions: [],
      emitted: [],
    });
  }

  private async answered(
    answer: AnswerOutcome,
    caller: 'station' | 'csms',
    id: string,
  ): Promise<{ payload: Payload } | { error: CallError }> {
    // The answer's own follow-ups go out after it, as the call's do.
    this.followUps(answer);
    if (answer.kind === 'result') return { payload: answer.payload };
    if (answer.kind === 'error') return { error: answer.error };
    return { payload: await this.deferred(`${caller}:${id}`) };
  }

  private deferred(key: string): Promise<Payload> {
    if (this.early.has(key)) {
      const payload = this.early.get(key);
      this.early.delete(key);
      return Promise.resolve(payload as Payload);
    }
    return new Promise<Payload>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new Error(`deferred answer ${key} never completed`));
      }, DEFERRED_TIMEOUT_MS);
      this.waiters.set(key, { resolve, reject, timer });
    });
  }

  /**
   * After the outcome has gone out (the answer sent, or the call forwarded: both happen before the
   * next macrotask), the completions, then the proxy's own calls.
   */
  private followUps(out: FollowUps): void {
    if (out.completions.length || out.emitted.length) setImmediate(() => this.sendFollowUps(out));
  }

  private sendFollowUps(out: FollowUps): void {
    if (this.closed) return;
    for (const c of out.completions) {
      const key = `${c.to}:${c.id}`;
      const waiter = this.waiters.get(key);
      if (waiter) {
        this.waiters.delete(key);
        clearTimeout(waiter.timer);
        waiter.resolve(c.payload);
      } else if (this.early.size < MAX_EARLY_COMPLETIONS) this.early.set(key, c.payload);
    }
    for (const call of out.emitted) {
      const sent =
        call.to === 'csms'
          ? this.upstream.call(call.action as never, call.payload as never)
          : this.station.send({
              type: 2,
              messageId: globalThis.crypto.randomUUID(),
              action: call.action,
              payload: call.payload,
            });
      sent.then(
        (reply) => {
          if (reply && typeof reply === 'object' && (reply as OCPPMessage).type === 4)
            this.events.upstreamError(new Error(`${call.action} from the proxy refused`), this.identity);
        },
        (err: unknown) => {
          if (err instanceof StationClosedError) return;
          this.events.upstreamError(err instanceof Error ? err : new Error(String(err)), this.identity);
        },
      );
    }
  }
}

/**
 * Worth an `upstreamError`: not the leg closing with its station, nor a call cancelled because the
 * station went; a call cancelled at the station leg's time limit is (the CSMS was too slow or away).
 */
function reportable(err: unknown): boolean {
  if (err instanceof StationClosedError) return false;
  if (err instanceof CallAbortedError) return err.cause instanceof HandlerTimeoutError;
  return true;
}
