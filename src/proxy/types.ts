import type { OCPPMessage } from '../translation/types.js';

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
  /** The station's CALLs: the handler resolves with the CALLRESULT or CALLERROR to answer with. */
  onMessage(handler: (message: OCPPMessage) => Promise<OCPPMessage | undefined>): void;
  onClose(handler: () => void): void;
  /** HTTP Basic password the station presented (security profiles 1 and 2): used for the upstream leg too. */
  readonly password?: string | Uint8Array;
  /** Disconnect the station (the proxy closing, or its upstream leg refused for good). */
  close?(): Promise<void>;
}

/** Where stations come from (the seed's `ITransportAdapter`): WebSocket server, test harness, anything. */
export interface ITransportAdapter {
  listen(onConnection: (connection: IConnection) => void): Promise<void>;
  close(): Promise<void>;
}
