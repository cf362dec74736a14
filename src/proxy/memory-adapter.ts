import type { OCPPMessage } from '../translation/types.js';
import type { IConnection, ITransportAdapter } from './types.js';

/** A station attached to a MemoryAdapter: make its CALLs, answer the proxy's. */
export interface MemoryStation {
  readonly identity: string;
  /** A CALL from the station; resolves with the proxy's CALLRESULT or CALLERROR. */
  call(action: string, payload: unknown): Promise<OCPPMessage | undefined>;
  /** How the station answers the calls the proxy sends it. */
  answer(handler: (message: Extract<OCPPMessage, { type: 2 }>) => Promise<OCPPMessage> | OCPPMessage): void;
  disconnect(): void;
}

/** An adapter with no transport at all, for tests and for embedding the proxy behind your own sockets. */
export class MemoryAdapter implements ITransportAdapter {
  private onConnection: ((connection: IConnection) => void) | undefined;
  private readonly open = new Set<MemoryStation>();
  private nextId = 1;

  async listen(onConnection: (connection: IConnection) => void): Promise<void> {
    this.onConnection = onConnection;
  }

  /** Attach a station speaking `protocol`. */
  connect(identity: string, protocol: string, password?: string): MemoryStation {
    const accept = this.onConnection;
    if (!accept) throw new Error('MemoryAdapter: not listening');
    let handler: ((m: OCPPMessage) => Promise<OCPPMessage | undefined>) | undefined;
    let answerer: ((m: Extract<OCPPMessage, { type: 2 }>) => Promise<OCPPMessage> | OCPPMessage) | undefined;
    const closeHandlers: (() => void)[] = [];
    let closed = false;
    const station: MemoryStation = {
      identity,
      call: async (action, payload) => {
        if (closed || !handler) throw new Error(`${identity} is not connected`);
        return handler({ type: 2, messageId: `m${this.nextId++}`, action, payload });
      },
      answer: (h) => {
        answerer = h;
      },
      disconnect: () => {
        if (closed) return;
        closed = true;
        this.open.delete(station);
        for (const h of closeHandlers.splice(0)) h();
      },
    };
    const connection: IConnection = {
      identity,
      protocol,
      password,
      send: async (message) => {
        if (message.type !== 2) return undefined;
        if (closed || !answerer) throw new Error(`${identity} cannot answer ${message.action}`);
        return answerer(message);
      },
      onMessage: (h) => {
        handler = h;
      },
      onClose: (h) => {
        if (closed) h();
        else closeHandlers.push(h);
      },
      close: async () => station.disconnect(),
    };
    this.open.add(station);
    accept(connection);
    return station;
  }

  async close(): Promise<void> {
    for (const s of [...this.open]) s.disconnect();
    this.onConnection = undefined;
  }
}
