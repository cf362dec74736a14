import type WebSocket from 'ws';
import type { ReceiveVerdict } from '../hooks/dispatcher.js';

/** What the gate needs from its endpoint (implemented by RpcEndpoint; no closures). */
export interface ReceiveGateHost {
  /** The socket bound now: a frame of a socket since replaced is not answered on its successor. */
  boundSocket(): WebSocket | undefined;
  /** The receive interceptors' verdict on a frame. */
  interceptReceive(raw: string): ReceiveVerdict;
  /** Decode and handle a frame the interceptors let through. */
  process(raw: string): void;
  /** Frames waiting at most (the inbound queue's bound). */
  inboundLimit(): number;
  /** A frame dropped because `inboundLimit` frames already wait. */
  heldOverflow(raw: string, waiting: number): void;
  jobFailed(error: unknown): void;
}

/**
 * The receive interceptors of one connection, for when one of them answers with a promise: frames that
 * arrive meanwhile wait, in order, bounded like the inbound queue. Without async verdicts a frame
 * goes straight through.
 */
export class ReceiveGate {
  private held: { raw: string; ws: WebSocket | undefined }[] | undefined;

  constructor(private readonly host: ReceiveGateHost) {}

  receive(raw: string): void {
    const held = this.held;
    if (held) {
      if (held.length >= this.host.inboundLimit()) this.host.heldOverflow(raw, held.length);
      else held.push({ raw, ws: this.host.boundSocket() });
      return;
    }
    const verdict = this.host.interceptReceive(raw);
    if (verdict === false) return;
    if (verdict === true) {
      this.host.process(raw);
      return;
    }
    this.held = [];
    this.await(verdict, raw, this.host.boundSocket());
  }

  private await(verdict: Promise<boolean>, raw: string, ws: WebSocket | undefined): void {
    verdict
      .then((ok) => {
        if (ok && ws === this.host.boundSocket()) this.host.process(raw);
      })
      .catch((error) => this.host.jobFailed(error))
      .finally(() => this.release());
  }

  private release(): void {
    const held = this.held;
    while (held && held.length > 0) {
      const { raw, ws } = held.shift()!;
      if (ws !== this.host.boundSocket()) continue;
      const verdict = this.host.interceptReceive(raw);
      if (verdict === false) continue;
      if (verdict === true) {
        this.host.process(raw);
        continue;
      }
      this.await(verdict, raw, ws);
      return;
    }
    this.held = undefined;
  }
}
