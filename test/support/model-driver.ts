/**
 * Helpers for driving the station test model (test/machines/station-model.ts) against a real CSMS over
 * real sockets: a station socket that answers whatever the CSMS asks and can play a peer that never
 * completes a closing handshake, and a BootNotification desk whose answer the test picks per step.
 */
import WebSocket from 'ws';
import type { Csms } from '../../src/actors/csms.js';
import type { CsmsEventMap, CsmsEventName } from '../../src/hooks/types.js';
import type { BootStatus } from '../../src/machines/station.js';

export type Frame = unknown[];

export interface CloseSeen {
  code: number;
  reason: string;
}

/** Lets work the CSMS queued (microtasks, socket callbacks already due) run before checking it. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let sequence = 0;

/** A schema-valid BootNotification request for `protocol`. */
export function bootRequest(protocol: string): Record<string, unknown> {
  if (protocol === 'ocpp1.6') return { chargePointVendor: 'ModelVendor', chargePointModel: 'ModelModel' };
  return { reason: 'PowerUp', chargingStation: { vendorName: 'ModelVendor', model: 'ModelModel' } };
}

/**
 * A station on a real `ws` client socket. Every CALL the CSMS sends (TriggerMessage, ClearCache, …) is
 * answered `{ status: 'Accepted' }` at once and kept in `callsFromCsms`.
 */
export class ModelStationSocket {
  readonly callsFromCsms: Frame[] = [];
  readonly closed: Promise<CloseSeen>;
  private readonly answers = new Map<string, (frame: Frame) => void>();

  private constructor(
    readonly ws: WebSocket,
    readonly identity: string,
  ) {
    this.closed = new Promise((resolve) =>
      ws.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
    );
    ws.on('message', (data: Buffer) => this.onMessage(data.toString('utf8')));
  }

  static open(
    url: string,
    identity: string,
    protocol: string,
    timeoutMs = 2_000,
  ): Promise<ModelStationSocket> {
    const ws = new WebSocket(`${url}/${encodeURIComponent(identity)}`, [protocol], {
      handshakeTimeout: timeoutMs,
    });
    const station = new ModelStationSocket(ws, identity);
    return new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`HTTP ${res.statusCode} for ${identity}`)),
      );
      ws.once('open', () => {
        ws.off('error', reject);
        // After the handshake, errors surface as a close.
        ws.on('error', () => {});
        if (ws.protocol !== protocol) reject(new Error(`negotiated '${ws.protocol}', offered ${protocol}`));
        else resolve(station);
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  private onMessage(text: string): void {
    const frame = JSON.parse(text) as Frame;
    if (frame[0] === 2) {
      this.callsFromCsms.push(frame);
      this.ws.send(JSON.stringify([3, frame[1], { status: 'Accepted' }]));
      return;
    }
    if (frame[0] !== 3 && frame[0] !== 4) return;
    const id = String(frame[1]);
    this.answers.get(id)?.(frame);
    this.answers.delete(id);
  }

  /** Send a CALL without waiting for its answer; returns its message id. */
  send(action: string, payload: unknown): string {
    const id = `m${++sequence}`;
    this.ws.send(JSON.stringify([2, id, action, payload]));
    return id;
  }

  /** Send a CALL; resolves with the CALLRESULT or CALLERROR that answers it. */
  call(action: string, payload: unknown, timeoutMs = 3_000): Promise<Frame> {
    const id = `m${++sequence}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.answers.delete(id);
        reject(new Error(`${this.identity}: no answer to ${action} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.answers.set(id, (frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
      this.ws.send(JSON.stringify([2, id, action, payload]));
    });
  }

  /**
   * Stop reading the socket: a close frame from the CSMS stays unread, so the closing handshake it
   * starts never completes and its side stays `closing`. Writing still works.
   */
  stopReading(): void {
    this.ws.pause();
  }

  /** Close with a closing handshake. */
  close(code = 1000): Promise<CloseSeen> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code);
    else this.ws.terminate();
    return this.closed;
  }

  /** Drop the TCP connection without a closing handshake. */
  terminate(): Promise<CloseSeen> {
    this.ws.terminate();
    return this.closed;
  }
}

/**
 * The CSMS's BootNotification handler. It answers `status` (set by the test before each boot) with the
 * interval given for that status; `hold()` makes the next answer wait for `release(status)`, to answer
 * a BootNotification after the socket it came in on is gone.
 */
export class BootDesk {
  status: BootStatus = 'Accepted';
  handled = 0;
  private holdNext = false;
  private held: ((status: BootStatus) => void) | undefined;
  private arrivals: (() => void)[] = [];

  constructor(
    csms: Csms,
    private readonly intervals: Readonly<Record<BootStatus, number>>,
  ) {
    csms.handle('BootNotification', () => {
      this.handled++;
      for (const arrived of this.arrivals.splice(0)) arrived();
      if (!this.holdNext) return this.answer(this.status);
      this.holdNext = false;
      return new Promise((resolve) => {
        this.held = (status) => resolve(this.answer(status));
      });
    });
  }

  private answer(status: BootStatus) {
    return { status, currentTime: new Date().toISOString(), interval: this.intervals[status] };
  }

  get holding(): boolean {
    return this.held !== undefined;
  }

  /** The next BootNotification is answered only on `release`. */
  hold(): void {
    this.holdNext = true;
  }

  /** Resolves when the next BootNotification reaches the handler (start waiting before sending it). */
  nextArrival(timeoutMs = 3_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no BootNotification within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.arrivals.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Answer the held BootNotification with `status`; resolves once the CSMS has dealt with the answer. */
  async release(status: BootStatus): Promise<void> {
    const held = this.held;
    this.held = undefined;
    held?.(status);
    await flush();
  }
}

/** The next `name` event for `identity`; start waiting before causing it. */
export function nextStationEvent<K extends CsmsEventName>(
  csms: Csms,
  name: K,
  identity: string,
  timeoutMs = 3_000,
): Promise<CsmsEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${name} event for ${identity} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = csms.on(name, (event) => {
      const station = (event as { station?: { identity?: string } }).station;
      if (station?.identity !== identity) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}
