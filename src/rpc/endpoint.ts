import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import type { ReceiveVerdict } from '../hooks/dispatcher.js';
import { maySend } from '../protocol/actions.js';
import { type BadFrame, decodeFrame } from '../protocol/decode.js';
import { encodeCall, encodeCallResultError } from '../protocol/encode.js';
import { errorKindOf } from '../protocol/error-codes.js';
import { RpcError } from '../protocol/errors.js';
import type { CallErrorFrame, CallFrame, CallResultFrame, Payload } from '../protocol/frames.js';
import { checkInboundCall, validatePayload } from '../protocol/validation.js';
import type { OcppVersion } from '../protocol/versions.js';
import { CallDroppedError } from './errors.js';
import { type HandlerHost, HandlerRun } from './handler-run.js';
import { InboundCalls, type InboundHost, type InboundJob } from './inbound-calls.js';
import { LocalCall } from './local-calls.js';
import { type OutboundCall, OutboundCalls, type OutboundHost } from './outbound-calls.js';
import { ReceiveGate, type ReceiveGateHost } from './receive-gate.js';
import type { CallOptions } from './runtime.js';
import { TranslatingCall, TranslatingLink } from './translated-calls.js';

/**
 * One OCPP-J connection's RPC work, the same on both sides: socket text → decode → bookkeeping →
 * handler → encode → socket. Subclasses add what is side-specific (the CSMS station actor gates
 * calls on registration and feeds its machines; the station client reconnects).
 */
export abstract class RpcEndpoint
  extends TranslatingLink
  implements OutboundHost, InboundHost, HandlerHost, ReceiveGateHost
{
  // Created on first use: an idle station never needs them (~200 B each with their queues).
  private outboundCalls: OutboundCalls | undefined;
  private inboundCalls: InboundCalls | undefined;
  /** Shutting down: inbound CALLs are no longer taken (left unanswered for the station to retry). */
  protected draining = false;

  /** Calls of ours to the peer on this connection. */
  protected get outbound(): OutboundCalls {
    this.outboundCalls ??= new OutboundCalls(this);
    return this.outboundCalls;
  }

  /** The peer's calls being handled on this connection. */
  protected get inbound(): InboundCalls {
    this.inboundCalls ??= new InboundCalls(this);
    return this.inboundCalls;
  }

  // --- side-specific decisions -------------------------------------------------------------------
  /** May the peer's CALL of `action` be handled now? Else answered SecurityError. */
  protected abstract admitsInbound(action: string): boolean;
  /** Throws (typed) when a call to the peer must fail fast, e.g. an open circuit breaker. */
  protected abstract admitOutbound(action: string): void;
  /** The peer answered a call of ours, or failed to (timeout, transport). */
  protected abstract outboundSettled(ok: boolean): void;

  get queuedCalls(): number {
    const o = this.outboundCalls;
    return o ? o.waitingCount + (o.current ? 1 : 0) : 0;
  }

  get handlingCalls(): number {
    return this.inboundCalls?.size ?? 0;
  }

  /** Resolves when no inbound CALL of this connection is being handled or waiting. */
  handled(): Promise<void> {
    return this.inboundCalls?.whenIdle() ?? Promise.resolve();
  }

  /** The socket is gone: fail what waits on it and abort running handlers. */
  protected unbindSocket(): void {
    this.ws = undefined;
    this.outboundCalls?.failAll();
    this.inboundCalls?.clear();
    this.abortHandlers();
    // Fresh ones for the next connection; a handler still running finishes against the old ones.
    this.outboundCalls = undefined;
    this.inboundCalls = undefined;
  }

  // --- inbound ----------------------------------------------------------------------------------
  receive(raw: string): void {
    const d = this.rt.dispatcher;
    this.rt.stats.messagesIn++;
    if (this.rt.logPayloads)
      this.rt.logger.debug(
        { identity: this.identity, raw: d.redacting ? d.redaction.text(raw) : raw },
        'ocpp in',
      );
    // Through the gate while interceptors exist (and after: frames it still holds keep their order).
    if (d.interceptsReceive || this.gate) {
      this.gate ??= new ReceiveGate(this);
      this.gate.receive(raw);
      return;
    }
    this.process(raw);
  }

  private gate: ReceiveGate | undefined;

  // --- ReceiveGateHost ---
  /** @internal */
  boundSocket(): WebSocket | undefined {
    return this.ws;
  }
  /** @internal */
  interceptReceive(raw: string): ReceiveVerdict {
    const d = this.rt.dispatcher;
    return d.interceptsReceive ? d.allowReceive(this.handle, raw) : true;
  }
  /** @internal */
  heldOverflow(raw: string, waiting: number): void {
    this.rt.dispatcher.emit('rateLimitExceeded', { station: this.handle, handshake: undefined, raw });
    this.securityEvent('MESSAGE_FLOOD', { waitingForInterceptor: waiting });
  }

  /** @internal Decode and handle a frame the interceptors let through. */
  process(raw: string): void {
    const d = this.rt.dispatcher;
    const decoded = decodeFrame(raw, this.protocol);
    if (!decoded.ok) {
      this.badFrame(raw, decoded);
      return;
    }
    const frame = decoded.frame;
    switch (frame.type) {
      case 2:
      case 6:
        this.onCall(frame as CallFrame, frame.type === 6);
        return;
      case 3:
        this.onResult(frame);
        return;
      case 4:
        this.onCallError(frame);
        return;
      case 5:
        this.observe(frame, 'IN', undefined, undefined);
        d.emit('callResultError', { station: this.handle, message: frame });
        return;
    }
  }

  private badFrame(raw: string, bad: BadFrame): void {
    let reply = bad.reply;
    // A CALLRESULTERROR answers a CALLRESULT of a call we made; for an unknown id, stay silent.
    if (bad.messageType === 3 && bad.messageId !== undefined) {
      const call = this.outboundCalls?.settle(bad.messageId);
      if (call) {
        call.reject(bad.error);
        this.outboundSettled(false);
      } else {
        reply = undefined;
      }
    }
    if (reply && bad.messageType !== 3)
      this.sendCallError(bad.messageId ?? '-1', bad.error, undefined, reply);
    else if (reply) this.sendText(reply);
    this.rt.stats.badMessages++;
    this.rt.dispatcher.emit('badMessage', {
      station: this.handle,
      raw,
      reason: bad.reason,
      error: bad.error,
      replied: reply !== undefined,
    });
  }

  private onCall(frame: CallFrame, isSend: boolean): void {
    if (this.draining) return;
    const d = this.rt.dispatcher;
    this.observe(frame, 'IN', frame.action, undefined);
    const { messageId, action } = frame;
    if (this.inbound.isActive(messageId)) {
      this.refuse(
        frame,
        isSend,
        'duplicate-id',
        new RpcError('RpcFrameworkError', 'Message id is already being handled'),
      );
      return;
    }
    if (!this.admitsInbound(action)) {
      this.refuse(
        frame,
        isSend,
        'not-accepted',
        new RpcError('SecurityError', `${action} before BootNotification was accepted`),
      );
      this.securityEvent('CALL_BEFORE_ACCEPTED', { action });
      return;
    }
    let payload = frame.payload;
    if (d.rewritesInbound) payload = d.rewriteInbound(this.handle, action, payload);
    if (this.rt.strict) {
      const error = checkInboundCall(this.protocol, this.rt.side, action, payload);
      if (error) {
        if (error.kind === 'NotImplemented' || error.kind === 'NotSupported') {
          this.refuse(
            frame,
            isSend,
            error.kind === 'NotImplemented' ? 'not-implemented' : 'not-supported',
            error,
          );
          return;
        }
        if (!isSend) this.sendCallError(messageId, error, action);
        this.rt.stats.validationFailures++;
        d.emit('validationFailure', { station: this.handle, direction: 'IN', message: frame, error });
        return;
      }
    }
    // Handling time is only ever reported to `message` observers; skip the clock read otherwise.
    const started = this.observed ? performance.now() : 0;
    let job: InboundJob | undefined;
    if (d.translatesCalls) {
      const verdict = d.translateCall(this.handle, action, payload, messageId);
      job =
        verdict instanceof Promise
          ? new TranslatingCall(this, frame, isSend, this.ws, payload, verdict, started)
          : this.afterTranslation(frame, isSend, this.ws, payload, verdict, started, 0, 0);
      if (!job) return;
    } else {
      const handler = this.rt.handlers.get(this.protocol, action);
      if (!handler) {
        this.noHandler(frame, isSend);
        return;
      }
      job = new HandlerRun(this, handler, frame, payload, this.protocol, isSend, this.ws, started);
    }
    const submitted = this.inbound.submit(job);
    if (submitted === 'full') {
      this.refuse(
        frame,
        isSend,
        'flood',
        new RpcError('GenericError', 'Too many calls waiting to be handled'),
      );
      d.emit('rateLimitExceeded', { station: this.handle, handshake: undefined, raw: undefined });
      this.securityEvent('MESSAGE_FLOOD', { action });
    }
  }

  private onResult(frame: CallResultFrame): void {
    const call = this.outboundCalls?.settle(frame.messageId);
    if (!call) {
      this.observe(frame, 'IN', undefined, undefined);
      this.rt.dispatcher.emit('unknownResponse', { station: this.handle, message: frame });
      return;
    }
    this.observe(frame, 'IN', call.action, call.sentAt);
    if (this.rt.strict) {
      const error = validatePayload(this.protocol, call.action, 'response', frame.payload);
      if (error) {
        if (this.protocol === 'ocpp2.1') this.sendText(encodeCallResultError(frame.messageId, error));
        this.rt.stats.validationFailures++;
        this.rt.dispatcher.emit('validationFailure', {
          station: this.handle,
          direction: 'IN',
          message: frame,
          error,
        });
        call.reject(error);
        this.outboundSettled(true);
        return;
      }
    }
    call.resolve(frame.payload);
    this.outboundSettled(true);
  }

  private onCallError(frame: CallErrorFrame): void {
    const call = this.outboundCalls?.settle(frame.messageId);
    this.observe(frame, 'IN', call?.action, call?.sentAt);
    if (!call) {
      this.rt.dispatcher.emit('unknownResponse', { station: this.handle, message: frame });
      return;
    }
    call.reject(
      new RpcError(errorKindOf(frame.errorCode), frame.errorDescription, frame.errorDetails, frame.errorCode),
    );
    // The peer answered: the link works, whatever it thought of the call.
    this.outboundSettled(true);
  }

  /**
   * Handle a CALL made up on the station's behalf (see LocalCall) with the handler for `protocol`:
   * resolves with the handler's answer, rejects with its failure, NotSupported without a handler, or
   * GenericError when the station's inbound queue is full.
   */
  handleLocally(protocol: OcppVersion, action: string, payload: Payload): Promise<Payload> {
    const handler = this.rt.handlers.get(protocol, action);
    if (!handler) return Promise.reject(new RpcError('NotSupported', `No handler for ${action}`));
    return new Promise((resolve, reject) => {
      const job = new LocalCall(this, handler, protocol, action, payload, this.ws, resolve, reject);
      if (this.inbound.submit(job) === 'full')
        reject(new RpcError('GenericError', 'Too many calls waiting to be handled'));
    });
  }

  // --- outbound ---------------------------------------------------------------------------------
  /** Send a CALL to the peer; resolves with its CALLRESULT payload, rejects with a typed error. */
  call(action: string, payload: Payload, options: CallOptions = {}): Promise<Payload> {
    if (this.translatesOurCalls) return this.translatedCall(action, payload, options);
    try {
      return this.submitCall(action, this.prepareCall(action, payload), options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The request as it will leave, after the outbound middleware; with `strict`, throws (typed) unless
   * this side may send `action` and the payload matches its schema. Split from `submitCall` so the
   * station client can check a call when it is made and send it later (offline queue) without
   * running the middleware twice.
   */
  protected prepareCall(action: string, payload: Payload): Payload {
    let request = payload;
    const d = this.rt.dispatcher;
    if (d.rewritesOutbound) request = d.rewriteOutbound(this.handle, action, request, 'request');
    if (this.rt.strict) {
      if (!maySend(this.protocol, this.rt.side, action)) {
        throw new RpcError(
          'NotSupported',
          `${this.rt.side === 'csms' ? 'A CSMS' : 'A station'} does not send ${action} in ${this.protocol}`,
        );
      }
      const error = validatePayload(this.protocol, action, 'request', request);
      if (error) throw error;
    }
    return request;
  }

  /** Queue a request `prepareCall` returned; throws (typed) when it must fail fast. */
  protected submitCall(action: string, request: Payload, options: CallOptions = {}): Promise<Payload> {
    this.admitOutbound(action);
    const messageId = options.messageId ?? randomUUID();
    return new Promise<Payload>((resolve, reject) => {
      const call: OutboundCall = {
        messageId,
        action,
        request,
        text: encodeCall(messageId, action, request),
        timeoutMs: options.timeoutMs ?? this.rt.callTimeoutMs,
        sentAt: 0,
        timer: undefined,
        resolve,
        reject,
      };
      this.outbound.submit(call);
    });
  }

  // --- OutboundHost / InboundHost: the bookkeeping calls back into its endpoint ---------------------
  /** @internal */
  callTimedOut(): void {
    this.outboundSettled(false);
  }
  /** @internal */
  transmitCall(call: OutboundCall): boolean {
    const d = this.rt.dispatcher;
    if (d.interceptsSend && !d.allowSend(this.handle, [2, call.messageId, call.action, call.request])) {
      call.reject(new CallDroppedError(this.identity, call.action));
      return false;
    }
    // Without a socket the call stays in flight until unbindSocket fails it with the rest.
    if (this.sendText(call.text) && this.observed) {
      this.observe(
        { type: 2, messageId: call.messageId, action: call.action, payload: call.request },
        'OUT',
        call.action,
        undefined,
      );
    }
    return true;
  }
}
