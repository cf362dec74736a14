import type { Payload } from '../protocol/frames.js';
import { isOcppVersion, type OcppVersion } from '../protocol/versions.js';
import type { StationHandle } from './station-handle.js';

/** Return this from a handler to send no answer at all (e.g. the answer goes out some other way). */
export const NOREPLY: unique symbol = Symbol.for('ocpp-actors.noreply');
export type NoReply = typeof NOREPLY;

export interface HandlerContext<P = Payload> {
  readonly station: StationHandle;
  readonly action: string;
  readonly payload: P;
  readonly protocol: OcppVersion;
  readonly messageId: string;
  /** Aborts when the station disconnects or the handler exceeds its time limit. */
  readonly signal: AbortSignal;
  /** `signal.aborted`, read without building the signal: cheap enough to check before each step. */
  readonly abandoned: boolean;
}

export type Handler<P = Payload, R = Payload> = (
  ctx: HandlerContext<P>,
) => R | NoReply | PromiseLike<R | NoReply>;

/**
 * Handlers by action, for one version or for all. A version-specific handler wins over a
 * version-agnostic one; `*` catches every action nothing else handles.
 */
export class HandlerTable {
  private readonly specific = new Map<OcppVersion, Map<string, Handler>>();
  private readonly generic = new Map<string, Handler>();
  /** Handlers plugins provide for actions the application does not handle (e.g. Heartbeat). */
  private readonly fallbacks = new Map<string, Handler>();

  /** A plugin's handler for `action`, used only where no application handler for it exists. */
  setFallback(action: string, handler: Handler | undefined): void {
    if (handler) this.fallbacks.set(action, handler);
    else this.fallbacks.delete(action);
  }

  set(version: OcppVersion | undefined, action: string, handler: Handler): void {
    if (!version) {
      this.generic.set(action, handler);
      return;
    }
    let m = this.specific.get(version);
    if (!m) {
      m = new Map();
      this.specific.set(version, m);
    }
    m.set(action, handler);
  }

  /** The untyped side of `handle(action, fn)` / `handle(version, action, fn)`, for the CSMS and the station. */
  register(a: string, b: unknown, c?: unknown): void {
    if (typeof b === 'function') this.set(undefined, a, b as Handler);
    else if (isOcppVersion(a) && typeof b === 'string' && typeof c === 'function')
      this.set(a, b, c as Handler);
    else throw new TypeError('handle(action, handler) or handle(version, action, handler)');
  }

  delete(version: OcppVersion | undefined, action: string): void {
    if (version) this.specific.get(version)?.delete(action);
    else this.generic.delete(action);
  }

  get(version: OcppVersion, action: string): Handler | undefined {
    return (
      this.specific.get(version)?.get(action) ??
      this.generic.get(action) ??
      this.fallbacks.get(action) ??
      this.generic.get('*')
    );
  }
}
