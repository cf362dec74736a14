import { expect } from 'vitest';
import type { OcppVersion } from '../../src/protocol/index.js';
import { validatePayload } from '../../src/protocol/index.js';
import {
  type CallDirection,
  type CallOutcome,
  type ISessionStore,
  type PendingCall,
  type ProxyMiddleware,
  TranslationEngine,
  type TranslationMap,
} from '../../src/translation/index.js';

/**
 * A proxy in miniature for engine tests: each call is translated, its target payload checked against the
 * target version's official schema, and answers go back through the engine, checked against the caller's.
 */
export class Drive {
  readonly engine: TranslationEngine;
  readonly translationErrors: Error[] = [];
  readonly middlewareErrors: Error[] = [];
  private nextId = 1;

  constructor(
    readonly station: OcppVersion,
    readonly csms: OcppVersion,
    map: TranslationMap,
    options: { sessionStore?: ISessionStore; middlewares?: ProxyMiddleware[] } = {},
    readonly identity = 'CP-1',
  ) {
    this.engine = new TranslationEngine({
      stationProtocol: station,
      upstreamProtocol: csms,
      ...options,
      onTranslationError: (e) => this.translationErrors.push(e),
      onMiddlewareError: (e) => this.middlewareErrors.push(e),
    }).translate(map);
  }

  /** Translate a call and expect it forwarded; returns the forwarded call, schema-checked. */
  async forward(direction: CallDirection, action: string, payload: unknown) {
    const out = await this.call(direction, action, payload);
    if (out.kind !== 'forward') throw new Error(`expected forward, got ${JSON.stringify(out)}`);
    const target = direction === 'upstream' ? this.csms : this.station;
    expectValid(target, out.action, 'request', out.payload);
    return out;
  }

  call(direction: CallDirection, action: string, payload: unknown): Promise<CallOutcome> {
    return this.engine.translateCall(direction, this.identity, { id: `m${this.nextId++}`, action, payload });
  }

  /** Translate an answer and expect a CALLRESULT, schema-checked against the caller's version. */
  async answer(pending: PendingCall, payload: unknown) {
    const out = await this.engine.translateResponse(this.identity, pending, payload);
    if (out.kind !== 'result') throw new Error(`expected result, got ${JSON.stringify(out)}`);
    const caller = pending.direction === 'upstream' ? this.station : this.csms;
    expectValid(caller, pending.original.action, 'response', out.payload);
    return out;
  }
}

export function expectValid(
  version: OcppVersion,
  action: string,
  kind: 'request' | 'response',
  payload: unknown,
): void {
  const error = validatePayload(version, action, kind, payload as never);
  expect(error?.message).toBeUndefined();
}

export const T0 = '2026-01-01T10:00:00.000Z';

/** A 2.x TransactionEvent on EVSE 1, connector 1, authorized; `extra` replaces any field. */
export const txEvent = (transactionId: string, eventType: string, seqNo: number, extra: object = {}) => ({
  eventType,
  seqNo,
  timestamp: T0,
  triggerReason: 'Authorized',
  transactionInfo: { transactionId },
  evse: { id: 1, connectorId: 1 },
  ...extra,
});
