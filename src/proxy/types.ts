import type { OCPPMessage } from '../translation/types.js';

/** What an adapter knows of a station's CALL beyond the frame (a getter may build `signal` on first read). */
export interface CallContext {
  readonly signal: AbortSignal;
  /** `signal.aborted` without building the signal, where the adapter can tell it cheaply. */
  readonly abandoned?: boolean;
}

/**
 * One station's connection as an adapter hands it to the proxy (the seed's `IConnection`). The proxy
 * gives each one an upstream leg of its own to the CSMS, with the same identity.
 */
export interface IConnection {
  readonly identity: string;
  /** The OCPP subprotocol the station speaks on this connection (`ocpp1.6`, `ocpp2.0.1`, `ocpp2.1`). */
  readonly protocol: string;
  /** Send a CALL to the station; resolves with its CALLRESULT or CALLERROR, rejects if it never answers. */
  send(message: OCPPMessage): Promise<OCPPMessage | undefined>;
  /**
   * The station's CALLs: the handler resolves with the CALLRESULT or CALLERROR to answer with. An adapter
   * that gives up on an answer (its own time limit, the station gone) passes a `context` whose `signal`
   * aborts then: the proxy cancels the forwarded call if it is still queued for the CSMS (never delivered
   * after the station was answered). Read lazily: the proxy reads it only for a call that has to wait.
   */
  onMessage(handler: (message: OCPPMessage, context?: CallContext) => Promise<OCPPMessage | undefined>): void;
  onClose(handler: () => void): void;
  /** HTTP Basic password the station presented (security profiles 1 and 2): used for the upstream leg too. */
  readonly password?: string | Uint8Array;
  /** Disconnect the station (the proxy closing, or its upstream leg refused for good). */
  close?(): Promise<void>;
}

/** A station asking to connect, before the adapter accepts it (during its WebSocket handshake). */
export interface AdmissionRequest {
  readonly identity: string;
  /** The subprotocol the adapter is about to agree with the station. */
  readonly protocol: string;
  /** HTTP Basic password the station presented, if any. */
  readonly password?: string | Uint8Array;
}

/**
 * The proxy's answer: accept, or refuse with the CSMS's own status (401 bad credentials, 403 forbidden,
 * 404 unknown station). A rejected promise means "cannot decide" (the CSMS unreachable and the proxy
 * told to refuse then): the adapter refuses with 503.
 */
export type AdmissionVerdict = true | { readonly status: 401 | 403 | 404 };

export type AdmissionGate = (request: AdmissionRequest) => Promise<AdmissionVerdict>;

/** Where stations come from (the seed's `ITransportAdapter`): WebSocket server, test harness, anything. */
export interface ITransportAdapter {
  /**
   * Hand each accepted station to `onConnection`. An adapter with a handshake asks `admit` before it
   * accepts a station (the proxy opens the upstream leg then, so the CSMS's refusal is the station's);
   * one without (the in-memory adapter) may ignore it.
   */
  listen(onConnection: (connection: IConnection) => void, admit?: AdmissionGate): Promise<void>;
  close(): Promise<void>;
}
