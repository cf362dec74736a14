import type { IncomingMessage, ServerResponse } from 'node:http';
import { RpcError } from '../protocol/errors.js';
import type { HandshakeInfo } from '../transport/handshake.js';
import type {
  HandshakeVerdict,
  InboundTranslation,
  OcppPlugin,
  OutboundMessage,
  OutboundTranslation,
  StationRef,
} from './types.js';

/** A receive interceptor's verdict: at once, or later (the station's next frames wait for it). */
export type ReceiveVerdict = boolean | Promise<boolean>;

/**
 * The translators' verdict on an inbound CALL: translated (or answered in place), refused NotSupported,
 * answered with a CALLERROR (a translator threw), or undefined: left as it is.
 */
export type InboundVerdict = InboundTranslation | 'reject' | RpcError | undefined;

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

/**
 * The plugin stages on the message path and at the handshake: gates, interceptors, middleware,
 * translators, tracers and HTTP routes, each a list of the plugins that have that hook (kept by the
 * dispatcher, in hook order). A stage never throws: a failing plugin is reported and skipped.
 */
export abstract class PluginStages {
  protected handshakeGates: OcppPlugin[] = [];
  protected receiveInterceptors: OcppPlugin[] = [];
  protected sendInterceptors: OcppPlugin[] = [];
  protected inboundMiddleware: OcppPlugin[] = [];
  protected outboundMiddleware: OcppPlugin[] = [];
  protected httpRoutes: OcppPlugin[] = [];
  protected translators: OcppPlugin[] = [];
  protected outboundTranslators: OcppPlugin[] = [];
  protected tracers: OcppPlugin[] = [];

  /** A plugin hook failed: counted, logged, reported (the dispatcher's). */
  abstract pluginFailed(plugin: string, hook: string, error: unknown): void;

  get gatesHandshakes(): boolean {
    return this.handshakeGates.length > 0;
  }
  get interceptsReceive(): boolean {
    return this.receiveInterceptors.length > 0;
  }
  get interceptsSend(): boolean {
    return this.sendInterceptors.length > 0;
  }
  get rewritesInbound(): boolean {
    return this.inboundMiddleware.length > 0;
  }
  get translatesCalls(): boolean {
    return this.translators.length > 0;
  }
  get translatesOutbound(): boolean {
    return this.outboundTranslators.length > 0;
  }
  get rewritesOutbound(): boolean {
    return this.outboundMiddleware.length > 0;
  }
  /** The first plugin verdict refusing this handshake, if any. A throwing gate does not refuse. */
  admitHandshake(handshake: HandshakeInfo): (HandshakeVerdict & { plugin: string }) | undefined {
    for (const p of this.handshakeGates) {
      try {
        const v = p.onHandshake!(handshake);
        if (v) return { status: v.status, reason: v.reason, plugin: p.name };
      } catch (error) {
        this.pluginFailed(p.name, 'onHandshake', error);
      }
    }
    return undefined;
  }

  /**
   * Interceptors: false from any of them drops the message. A throwing (or rejecting) interceptor does
   * not drop. When one answers with a promise, so does this, and later interceptors run after it.
   */
  allowReceive(station: StationRef, raw: string, from = 0): ReceiveVerdict {
    const list = this.receiveInterceptors;
    for (let i = from; i < list.length; i++) {
      const p = list[i]!;
      try {
        const v = p.onBeforeReceive!(station, raw);
        if (v === false) return false;
        if (v !== undefined && v !== true && typeof (v as PromiseLike<unknown>).then === 'function') {
          return Promise.resolve(v).then(
            (r) => (r === false ? false : this.allowReceive(station, raw, i + 1)),
            (error) => {
              this.pluginFailed(p.name, 'onBeforeReceive', error);
              return this.allowReceive(station, raw, i + 1);
            },
          );
        }
      } catch (error) {
        this.pluginFailed(p.name, 'onBeforeReceive', error);
      }
    }
    return true;
  }

  allowSend(station: StationRef, message: OutboundMessage): boolean {
    for (const p of this.sendInterceptors) {
      try {
        if (p.onBeforeSend!(station, message) === false) return false;
      } catch (error) {
        this.pluginFailed(p.name, 'onBeforeSend', error);
      }
    }
    return true;
  }

  /** Middleware, in order; each sees the previous one's output. A throwing one is skipped. */
  rewriteInbound(
    station: StationRef,
    action: string,
    payload: Record<string, unknown>,
  ): Record<string, unknown> {
    let out = payload;
    for (const p of this.inboundMiddleware) {
      try {
        out = p.transformInbound!(station, action, out) ?? out;
      } catch (error) {
        this.pluginFailed(p.name, 'transformInbound', error);
      }
    }
    return out;
  }

  rewriteOutbound(
    station: StationRef,
    action: string,
    payload: Record<string, unknown>,
    kind: 'request' | 'response',
  ): Record<string, unknown> {
    let out = payload;
    for (const p of this.outboundMiddleware) {
      try {
        out = p.transformOutbound!(station, action, out, kind) ?? out;
      } catch (error) {
        this.pluginFailed(p.name, 'transformOutbound', error);
      }
    }
    return out;
  }

  /**
   * The first translator's verdict on an inbound CALL (undefined: nobody translates it). A throwing or
   * rejecting translator answers with a CALLERROR: its own `RpcError`, or InternalError (reported).
   * When one answers with a promise, so does this, and later translators run after it.
   */
  translateCall(
    station: StationRef,
    action: string,
    payload: Record<string, unknown>,
    messageId: string,
    from = 0,
  ): InboundVerdict | Promise<InboundVerdict> {
    const list = this.translators;
    for (let i = from; i < list.length; i++) {
      const p = list[i]!;
      try {
        const t = p.translateInbound!(station, action, payload, messageId);
        if (t === undefined) continue;
        if (isThenable(t)) {
          return Promise.resolve(t).then(
            (v) => v ?? this.translateCall(station, action, payload, messageId, i + 1),
            (error) => this.translationFailed(p, 'translateInbound', action, error),
          );
        }
        return t;
      } catch (error) {
        return this.translationFailed(p, 'translateInbound', action, error);
      }
    }
    return undefined;
  }

  /**
   * The handler's answer to a translated CALL, back in the station's version: the first translator that
   * answers with a payload gives it (the one that translated the CALL, in practice). Throws an RpcError
   * (or rejects with one) when a translator fails. Written out rather than through `firstOf`: no
   * closure per answer on the synchronous path.
   */
  translateAnswer(
    station: StationRef,
    action: string,
    response: Record<string, unknown>,
    state: unknown,
    from = 0,
  ): Record<string, unknown> | Promise<Record<string, unknown>> {
    const list = this.translators;
    for (let i = from; i < list.length; i++) {
      const p = list[i]!;
      if (!p.translateAnswer) continue;
      let out: ReturnType<NonNullable<OcppPlugin['translateAnswer']>>;
      try {
        out = p.translateAnswer(station, action, response, state);
      } catch (error) {
        throw this.translationFailed(p, 'translateAnswer', action, error);
      }
      if (out === undefined) continue;
      if (isThenable(out)) {
        return Promise.resolve(out).then(
          (r) => r ?? this.translateAnswer(station, action, response, state, i + 1),
          (error) => {
            throw this.translationFailed(p, 'translateAnswer', action, error);
          },
        );
      }
      return out;
    }
    return response;
  }

  /** The handler's CALLERROR to a translated CALL, as the station gets it (see translateAnswer). */
  translateError(
    station: StationRef,
    action: string,
    error: RpcError,
    state: unknown,
  ): RpcError | Promise<RpcError> {
    return this.firstOf(this.translators, 'translateError', action, error, (p) =>
      p.translateError?.(station, action, error, state),
    );
  }

  /**
   * The first outbound translator's translation of a call of ours (undefined: sent as it is); rejects
   * (or throws) an RpcError when a translator fails.
   */
  translateOutCall(
    station: StationRef,
    action: string,
    payload: Record<string, unknown>,
  ): OutboundTranslation | undefined | Promise<OutboundTranslation | undefined> {
    return this.firstOf(this.outboundTranslators, 'translateOutbound', action, undefined, (p) =>
      p.translateOutbound!(station, action, payload),
    );
  }

  /** The station's answer to a translated call of ours, for the caller. */
  translateOutAnswer(
    station: StationRef,
    action: string,
    response: Record<string, unknown>,
    state: unknown,
  ): Record<string, unknown> | Promise<Record<string, unknown>> {
    return this.firstOf(this.outboundTranslators, 'translateOutboundAnswer', action, response, (p) =>
      p.translateOutboundAnswer?.(station, action, response, state),
    );
  }

  /** The station's CALLERROR to a translated call of ours, for the caller. */
  translateOutError(
    station: StationRef,
    action: string,
    error: RpcError,
    state: unknown,
  ): RpcError | Promise<RpcError> {
    return this.firstOf(this.outboundTranslators, 'translateOutboundError', action, error, (p) =>
      p.translateOutboundError?.(station, action, error, state),
    );
  }

  /**
   * The first plugin of `list` whose hook gives something (awaited when it is a promise, the later
   * ones asked after it), else `otherwise`. A failing hook throws (or rejects with) an RpcError.
   */
  private firstOf<T>(
    list: readonly OcppPlugin[],
    hook: string,
    action: string,
    otherwise: T,
    ask: (p: OcppPlugin) => T | undefined | PromiseLike<T | undefined>,
    from = 0,
  ): T | Promise<T> {
    for (let i = from; i < list.length; i++) {
      const p = list[i]!;
      let out: T | undefined | PromiseLike<T | undefined>;
      try {
        out = ask(p);
      } catch (error) {
        throw this.translationFailed(p, hook, action, error);
      }
      if (out === undefined) continue;
      if (isThenable(out)) {
        return Promise.resolve(out).then(
          (r) => (r === undefined ? this.firstOf(list, hook, action, otherwise, ask, i + 1) : r),
          (error) => {
            throw this.translationFailed(p, hook, action, error);
          },
        );
      }
      return out;
    }
    return otherwise;
  }

  /** A translator's own RpcError is its answer; anything else is its failure (reported, InternalError). */
  private translationFailed(p: OcppPlugin, hook: string, action: string, error: unknown): RpcError {
    if (error instanceof RpcError) return error;
    this.pluginFailed(p.name, hook, error);
    return new RpcError('InternalError', `Translating ${action} failed`);
  }

  /** The first tracing plugin's W3C trace context of a call in progress; undefined when none has one. */
  traceContext(identity: string, messageId: string): Record<string, string> | undefined {
    for (const p of this.tracers) {
      try {
        const c = p.traceContext!(identity, messageId);
        if (c?.traceparent) return c;
      } catch (error) {
        this.pluginFailed(p.name, 'traceContext', error);
      }
    }
    return undefined;
  }

  get tracesCalls(): boolean {
    return this.tracers.length > 0;
  }

  /** A plain HTTP request: true when a plugin answered it. */
  serveHttp(req: IncomingMessage, res: ServerResponse): boolean {
    for (const p of this.httpRoutes) {
      try {
        if (p.onHttpRequest!(req, res) === true) return true;
      } catch (error) {
        this.pluginFailed(p.name, 'onHttpRequest', error);
        if (!res.headersSent) res.writeHead(500).end();
        return true;
      }
    }
    return false;
  }
}
