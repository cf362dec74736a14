import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import type { RpcError } from '../protocol/errors.js';
import type { CallFrame, Payload } from '../protocol/frames.js';
import type { OcppVersion } from '../protocol/versions.js';
import { type HandlerHost, HandlerRun } from './handler-run.js';
import type { Handler } from './handlers.js';
import type { InboundJob } from './inbound-calls.js';
import type { StationHandle } from './station-handle.js';

/**
 * A CALL made up on a station's behalf (a translator's follow-up: the 1.6 StatusNotification a 2.x
 * station's charging state stands for), handled as the station's own are: in its inbound queue after
 * the CALLs before it, by the application's handler, within the time limit. Its answer goes to whoever
 * made it up, never to the station.
 */
export class LocalCall implements InboundJob, HandlerHost {
  readonly messageId = randomUUID();
  private readonly frame: CallFrame;

  constructor(
    private readonly endpoint: Pick<
      HandlerHost,
      'identity' | 'handle' | 'handlerTimeoutMs' | 'isBound' | 'connectionSignal'
    >,
    private readonly handler: Handler,
    private readonly protocol: OcppVersion,
    action: string,
    payload: Payload,
    private readonly socket: WebSocket | undefined,
    private readonly resolve: (answer: Payload) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.frame = { type: 2, messageId: this.messageId, action, payload };
  }

  run(): Promise<void> | void {
    const { frame } = this;
    return new HandlerRun(
      this,
      this.handler,
      frame,
      frame.payload,
      this.protocol,
      false,
      this.socket,
      0,
    ).run();
  }

  get identity(): string {
    return this.endpoint.identity;
  }
  get handle(): StationHandle {
    return this.endpoint.handle;
  }
  get connectionSignal(): AbortSignal {
    return this.endpoint.connectionSignal;
  }
  handlerTimeoutMs(): number {
    return this.endpoint.handlerTimeoutMs();
  }
  isBound(socket: WebSocket | undefined): boolean {
    return this.endpoint.isBound(socket);
  }
  handlerReturned(_f: CallFrame, _s: boolean, _w: WebSocket | undefined, _t: number, result: unknown): void {
    if (result !== null && typeof result === 'object' && !Array.isArray(result))
      this.resolve(result as Payload);
    else this.reject(new TypeError(`Handler for ${this.frame.action} returned no payload object`));
  }
  handlerFailed(_f: CallFrame, _s: boolean, _w: WebSocket | undefined, error: unknown): void {
    this.reject(error);
  }
  // Not a translated CALL: nothing to translate back.
  translateAnswer(_f: CallFrame, result: Payload): Payload {
    return result;
  }
  translateError(_f: CallFrame, error: RpcError): RpcError {
    return error;
  }
}
