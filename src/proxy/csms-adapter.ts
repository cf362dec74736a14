import { type Csms, createCsms } from '../actors/csms.js';
import type { AuthCallback, CsmsOptions } from '../actors/options.js';
import { actionInfo } from '../protocol/actions.js';
import { RpcError } from '../protocol/errors.js';
import type { Payload } from '../protocol/frames.js';
import { type HandlerContext, NOREPLY, type NoReply } from '../rpc/handlers.js';
import type { StationHandle } from '../rpc/station-handle.js';
import type { OCPPMessage } from '../translation/types.js';
import { DEFAULT_TURN_BUDGET } from '../util/turn-budget.js';
import type { AdmissionGate, CallContext, IConnection, ITransportAdapter } from './types.js';

/** The CSMS's refusal of the upstream leg, as the station's handshake answer (same status). */
const AUTH_RESULT_OF = { 401: false, 403: 'forbidden', 404: 'unknown' } as const;

export interface CsmsAdapterOptions extends CsmsOptions {
  /** Default 9001; 0 picks a free one (read it from `port` after `listen`). */
  port?: number;
  host?: string;
}

/**
 * The standard adapter: our CSMS runtime faces the stations, so the handshake (identity, subprotocol,
 * security profiles 1-3, TLS), limits, keep-alive and strict validation of every frame come with it.
 * Its `framesPerTurn` defaults to 64 (a CSMS's to 0): frames past the budget wait before they are
 * decoded, which is what keeps a saturated proxy's calls short-lived.
 * During each station's handshake, after your own `auth` (if any) accepts it, the proxy opens the
 * station's upstream leg with its identity and password: the CSMS's refusal (401/403/404) is the
 * station's answer, before it is accepted. `requireBoot` is off: the CSMS behind the proxy decides
 * about boots.
 */
export class CsmsAdapter implements ITransportAdapter {
  readonly csms: Csms;
  private readonly listenAt: { port: number; host: string };
  private readonly connections = new Map<string, CsmsConnection>();
  /** Passwords seen at the handshake, taken by the connection that follows it. */
  private readonly passwords = new Map<string, Buffer>();
  private boundPort: number | undefined;
  private admit: AdmissionGate | undefined;

  constructor(options: CsmsAdapterOptions = {}) {
    const { port = 9001, host = '0.0.0.0', auth, framesPerTurn = DEFAULT_TURN_BUDGET, ...rest } = options;
    this.listenAt = { port, host };
    const gate: AuthCallback = async (req) => {
      const verdict = auth ? await auth(req) : true;
      if (verdict !== true) return verdict;
      if (this.admit) {
        const answer = await this.admit({
          identity: req.identity,
          protocol: req.protocol,
          password: req.password,
        });
        if (answer !== true) return AUTH_RESULT_OF[answer.status];
      }
      if (req.password) this.passwords.set(req.identity, req.password);
      else this.passwords.delete(req.identity);
      return true;
    };
    this.csms = createCsms({ requireBoot: false, ...rest, framesPerTurn, auth: gate });
  }

  /** The port listened on (after `listen`). */
  get port(): number | undefined {
    return this.boundPort;
  }

  async listen(onConnection: (connection: IConnection) => void, admit?: AdmissionGate): Promise<void> {
    this.admit = admit;
    this.csms.handle('*', (ctx) => {
      const c = this.connections.get(ctx.station.identity);
      if (!c) throw new RpcError('InternalError', 'station not attached to the proxy');
      return c.received(ctx);
    });
    this.csms.on('connected', ({ station }) => {
      const handle = this.csms.handleOf(station.identity);
      if (!handle) return;
      this.connections.get(station.identity)?.closed();
      const password = this.passwords.get(station.identity);
      this.passwords.delete(station.identity);
      const c = new CsmsConnection(handle, password);
      this.connections.set(station.identity, c);
      onConnection(c);
    });
    this.csms.on('disconnected', ({ station }) => {
      const c = this.connections.get(station.identity);
      if (!c) return;
      this.connections.delete(station.identity);
      c.closed();
    });
    const { port } = await this.csms.listen(this.listenAt);
    this.boundPort = port;
  }

  async close(): Promise<void> {
    await this.csms.close({ drainMs: 1_000 });
  }
}

/** One station's connection to the adapter's CSMS, as the proxy sees it. */
class CsmsConnection implements IConnection {
  readonly identity: string;
  readonly protocol: string;
  private handler:
    | ((message: OCPPMessage, context?: CallContext) => Promise<OCPPMessage | undefined>)
    | undefined;
  private readonly closeHandlers: (() => void)[] = [];
  private isClosed = false;

  constructor(
    private readonly station: StationHandle,
    readonly password: Buffer | undefined,
  ) {
    this.identity = station.identity;
    this.protocol = station.protocol;
  }

  async send(message: OCPPMessage): Promise<OCPPMessage | undefined> {
    if (message.type !== 2) return undefined;
    try {
      const payload = await this.station.call(message.action, message.payload, {
        messageId: message.messageId,
      });
      return { type: 3, messageId: message.messageId, payload };
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      return {
        type: 4,
        messageId: message.messageId,
        errorCode: err.code,
        errorDescription: err.description,
        errorDetails: err.details,
      };
    }
  }

  onMessage(
    handler: (message: OCPPMessage, context?: CallContext) => Promise<OCPPMessage | undefined>,
  ): void {
    this.handler = handler;
  }

  onClose(handler: () => void): void {
    if (this.isClosed) handler();
    else this.closeHandlers.push(handler);
  }

  close(): Promise<void> {
    return this.station.close(1001, 'proxy closing');
  }

  /** A CALL from the station: its answer is the handler's return (a CALLERROR is thrown). */
  async received(ctx: HandlerContext): Promise<Payload | NoReply> {
    if (!this.handler) throw new RpcError('InternalError', 'proxy not ready');
    // The handler's signal aborts at its time limit (the station is answered InternalError then) and
    // when the station goes: the forwarded call is cancelled rather than delivered after that. Handed
    // over unread: it is built on first read (an AbortController, ~5 µs), which most calls never need.
    const answer = await this.handler(
      { type: 2, messageId: ctx.messageId, action: ctx.action, payload: ctx.payload },
      ctx,
    );
    if (answer === undefined && actionInfo(ctx.protocol, ctx.action)?.sendOnly) return NOREPLY;
    if (answer?.type === 3) return answer.payload;
    if (answer?.type === 4)
      throw new RpcError(
        answer.errorCode as never,
        answer.errorDescription,
        answer.errorDetails ?? {},
        answer.errorCode,
      );
    throw new RpcError('InternalError', 'the proxy gave no answer');
  }

  closed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const h of this.closeHandlers.splice(0)) h();
  }
}

/** The seed's adapter name, for code moving over from ocpp-protocol-proxy (`{ port, protocols }`). */
export const OcppWsIoAdapter = CsmsAdapter;
