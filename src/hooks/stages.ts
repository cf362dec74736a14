import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HandshakeInfo } from '../transport/handshake.js';
import type { HandshakeVerdict, OcppPlugin, OutboundMessage, StationRef } from './types.js';

/** A receive interceptor's verdict: at once, or later (the station's next frames wait for it). */
export type ReceiveVerdict = boolean | Promise<boolean>;

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

  /** The first translator's verdict on an inbound CALL. A throwing translator leaves the CALL as it is. */
  translateCall(
    station: StationRef,
    action: string,
    payload: Record<string, unknown>,
  ): ReturnType<NonNullable<OcppPlugin['translateInbound']>> {
    for (const p of this.translators) {
      try {
        const t = p.translateInbound!(station, action, payload);
        if (t !== undefined) return t;
      } catch (error) {
        this.pluginFailed(p.name, 'translateInbound', error);
      }
    }
    return undefined;
  }

  /** The handler's answer to a translated CALL, through the translators' translateAnswer. */
  translateAnswer(
    station: StationRef,
    action: string,
    response: Record<string, unknown>,
  ): Record<string, unknown> {
    let out = response;
    for (const p of this.translators) {
      if (!p.translateAnswer) continue;
      try {
        out = p.translateAnswer(station, action, out) ?? out;
      } catch (error) {
        this.pluginFailed(p.name, 'translateAnswer', error);
      }
    }
    return out;
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
