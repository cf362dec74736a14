import type { OcppVersion } from '../protocol/versions.js';
import type { ConnectorMap } from './connectors.js';
import type { ISessionStore } from './session.js';
import type { TransactionLedger } from './transactions.js';

/** A JSON payload as mappers see it; the schemas, not the types, say what is inside. */
// biome-ignore lint/suspicious/noExplicitAny: mappers read untyped OCPP payloads, as the seed's `params: any`.
export type Payload = any;

/** An OCPP-J frame as middleware and adapters see it: the seed's `OCPPMessage`, field names included. */
export type OCPPMessage =
  | { type: 2; messageId: string; action: string; payload: Payload }
  | { type: 3; messageId: string; action?: string; payload: Payload }
  | {
      type: 4;
      messageId: string;
      action?: string;
      errorCode: string;
      errorDescription: string;
      errorDetails: Payload;
    };

/** The call a response mapper answers: what the source side sent, and what mappers noted while translating it. */
export interface OriginalCall {
  readonly id: string;
  readonly action: string;
  readonly payload: Payload;
  /** Scratch space the request mapper fills for the response mapper (minted ids, requested keys). */
  readonly data: Record<string, unknown>;
}

export interface TranslationContext {
  readonly identity: string;
  /** The version of the side the message comes from. */
  readonly sourceProtocol: OcppVersion;
  /** The version of the side the message goes to. */
  readonly targetProtocol: OcppVersion;
  readonly session: ISessionStore;
  /** For a response or error: the call it answers. For a call: the call itself (mappers may write `data`). */
  readonly call: OriginalCall;
  /** Engine services mappers share: transaction correlation, connector map, id minting. */
  readonly services: TranslationServices;
}

/** Answer the sender now instead of forwarding (an action the other side lacks, or one the proxy absorbs). */
export interface LocalAnswer {
  readonly reply: Payload;
}

/** Keep the answer back: it is completed later by `TranslationServices.completeDeferred` (aggregations). */
export interface DeferredAnswer {
  readonly defer: true;
}

/**
 * Several calls in sequence for one (a multi-variable SetVariables to a 1.6 station, which sets one key
 * per ChangeConfiguration). The response mapper then gets an array of `BatchAnswer`, one per call.
 */
export interface BatchCall {
  readonly batch: readonly { action: string; payload: Payload }[];
}

export type BatchAnswer =
  | { readonly payload: Payload }
  | { readonly error: { errorCode: string; errorDescription: string } };

export type TranslationResult =
  | { action?: string; payload: Payload }
  | BatchCall
  | LocalAnswer
  | DeferredAnswer
  | { readonly error: { code: string; description: string; details?: Payload } };

export type Mapper = (
  payload: Payload,
  ctx: TranslationContext,
) => TranslationResult | Promise<TranslationResult>;

/** How to answer an action the target version lacks when no mapper is registered. */
export type UnmappedPolicy = 'notSupported' | 'passThrough';

/**
 * Keys are `"<version>:<action>"` of the CALL as its sender sent it: `upstream` keys carry the station's
 * version, `downstream` keys the CSMS's. `responses` and `errors` use the key of the call they answer
 * (its sender's version and ORIGINAL action): `responses["ocpp1.6:StartTransaction"]` turns the 2.x
 * TransactionEvent response back into a StartTransaction.conf.
 */
export interface TranslationMap {
  upstream?: Record<string, Mapper>;
  downstream?: Record<string, Mapper>;
  responses?: Record<string, Mapper>;
  /** Error mappers: payload is `{ errorCode, errorDescription, errorDetails }`, result payload the same shape. */
  errors?: Record<string, Mapper>;
  /**
   * Keys forwarded unchanged when no mapper is registered, although the versions' payloads differ
   * (`DataTransfer` with a vendor contract both sides know). Without this an unmapped action whose
   * payload changed between eras is answered NotSupported, never forwarded broken.
   */
  passThrough?: readonly string[];
}

export type Direction = 'upstream' | 'downstream' | 'response' | 'error';
export type Phase = 'pre' | 'post';
/** ocpp-protocol-proxy's names for `Direction` and `Phase`. */
export type MiddlewareDirection = Direction;
export type MiddlewarePhase = Phase;

/**
 * Middleware (the seed's `ProxyMiddleware`): `undefined` passes the message on, a returned message
 * replaces it, a throw rejects it (the sender gets a CALLERROR, `middlewareError` fires).
 * A call the proxy answers itself (NotifyEvent to a 1.6 CSMS, a command 1.6 cannot carry) reaches
 * `post` of its direction as the CALLRESULT it is answered with (`message.type === 3`).
 */
export type ProxyMiddleware = (
  message: OCPPMessage,
  context: TranslationContext,
  direction: Direction,
  phase: Phase,
) => OCPPMessage | undefined | Promise<OCPPMessage | undefined>;

export interface DeferredCompletion {
  /** The side that sent the call whose answer was deferred. */
  readonly to: 'station' | 'csms';
  /** Id of that call, as its sender numbered it. */
  readonly id: string;
  readonly payload: Payload;
}

/** A CALL the proxy makes on its own (the NotifyReport parts a 1.6 station's configuration becomes). */
export interface ProxyCall {
  readonly to: 'station' | 'csms';
  readonly action: string;
  readonly payload: Payload;
}

export interface TranslationServices {
  /** A fresh string id (2.x transactionId, request ids): `globalThis.crypto.randomUUID()`. */
  uuid(): string;
  /** A requestId for a 2.x request the proxy makes up (GetBaseReport, GetLog): unique in the store. */
  nextRequestId(): Promise<number>;
  readonly connectors: ConnectorMap;
  readonly transactions: TransactionLedger;
  /** Answers deferred earlier that this message completes; the proxy sends them after the current one. */
  completeDeferred(completion: DeferredCompletion): void;
  /** A call of the proxy's own, sent after the current message's answer; its answer is not translated. */
  emit(call: ProxyCall): void;
}
