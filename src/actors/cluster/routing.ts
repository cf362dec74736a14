import { NoRespondersError, RequestTimeoutError } from '../../bus/errors.js';
import { encodeToken } from '../../bus/subject.js';
import type { BusData, Service } from '../../bus/types.js';
import { RpcError } from '../../protocol/errors.js';
import type { Payload } from '../../protocol/frames.js';
import type { CallOptions } from '../../rpc/runtime.js';
import {
  BreakerOpenError,
  CallTimeoutError,
  OcppActorsError,
  RegistrationError,
  StationDisconnectedError,
  StationNotConnectedError,
} from '../errors.js';
import type { ClusterHost } from './host.js';
import type { Ownerships } from './ownership.js';

/** A routed call as it travels to the owning node. */
interface RoutedCall {
  readonly i: string;
  readonly a: string;
  readonly p: Payload;
  readonly o: CallOptions;
}

/** The owning node's answer: the station's payload, or its typed error as data. */
type RoutedAnswer = { readonly ok: Payload } | { readonly err: ErrorData };

interface ErrorData {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

const callSubject = (node: string) => `_cluster.${encodeToken(node)}.call`;
const flushSubject = (node: string) => `_cluster.${encodeToken(node)}.flush`;
/** Time the routed hop adds on top of the call's own timeout before the caller gives up. */
const HOP_MS = 2_000;

/**
 * `csms.call` and `csms.enqueue` from any node: a call for a station held elsewhere goes to its
 * owning node by request/reply and comes back as the station's answer or the same typed error the
 * owner saw; a queued command wakes the owner's flush.
 */
export class Routing {
  private readonly services: Service[];

  constructor(
    private readonly host: ClusterHost,
    private readonly ownerships: Ownerships,
    private readonly callTimeoutMs: () => number,
  ) {
    const bus = host.bus;
    this.services = [
      bus.serve(callSubject(host.nodeId), (data) => this.answer(data as RoutedCall)),
      bus.serve(flushSubject(host.nodeId), (data) => {
        host.flush((data as { i: string }).i);
        return {};
      }),
    ];
  }

  get ready(): Promise<unknown> {
    return Promise.all(this.services.map((s) => s.ready));
  }

  /** A call for a station not connected here. */
  async call(identity: string, action: string, payload: Payload, options: CallOptions): Promise<Payload> {
    const owner = this.ownerships.ownerOf(identity);
    if (owner === undefined || owner === this.host.nodeId) throw new StationNotConnectedError(identity);
    const timeoutMs = (options.timeoutMs ?? this.callTimeoutMs()) + HOP_MS;
    let answer: BusData;
    try {
      answer = await this.host.bus.request(
        callSubject(owner),
        { i: identity, a: action, p: payload, o: options } satisfies RoutedCall,
        { timeoutMs },
      );
    } catch (error) {
      // The owner is gone (killed, before its lease ran out): nobody serves the station now.
      if (error instanceof NoRespondersError) throw new StationNotConnectedError(identity);
      if (error instanceof RequestTimeoutError) throw new CallTimeoutError(identity, action, timeoutMs);
      throw error;
    }
    const routed = answer as RoutedAnswer;
    if ('ok' in routed) return routed.ok;
    throw errorFromData(routed.err);
  }

  /** Wake the owner's flush after a command was queued here (its queue is on the bus already). */
  enqueued(identity: string): void {
    const owner = this.ownerships.ownerOf(identity);
    if (owner === undefined || owner === this.host.nodeId) return;
    this.host.bus
      .request(flushSubject(owner), { i: identity })
      // Not lost if this fails: the owner (or the next node the station reaches) flushes on its next ready.
      .catch((error) => this.host.busError('flush', identity, error));
  }

  stop(): Promise<unknown> {
    return Promise.all(this.services.map((s) => s.stop()));
  }

  private async answer(call: RoutedCall): Promise<RoutedAnswer> {
    try {
      return { ok: await this.host.localCall(call.i, call.a, call.p, call.o) };
    } catch (error) {
      return { err: errorToData(error) };
    }
  }
}

function errorToData(error: unknown): ErrorData {
  if (error instanceof RpcError)
    return {
      name: 'RpcError',
      code: error.kind,
      message: error.message,
      description: error.description,
      details: error.details,
      wireCode: error.wireCode,
    };
  if (error instanceof Error)
    return { ...(error as unknown as ErrorData), name: error.name, message: error.message };
  return { name: 'Error', code: 'UNKNOWN', message: String(error) };
}

/** The typed error the owning node saw, rebuilt on this side (the classes callers match with instanceof). */
export function errorFromData(e: ErrorData): Error {
  const s = (k: string) => e[k] as string;
  switch (e.name) {
    case 'RpcError':
      return new RpcError(
        e.code as ConstructorParameters<typeof RpcError>[0],
        s('description'),
        e.details as Record<string, unknown>,
        e.wireCode as string | undefined,
      );
    case 'StationNotConnectedError':
      return new StationNotConnectedError(s('identity'));
    case 'StationDisconnectedError':
      return new StationDisconnectedError(s('identity'), e.sent as boolean);
    case 'CallTimeoutError':
      return new CallTimeoutError(s('identity'), s('action'), e.timeoutMs as number);
    case 'BreakerOpenError':
      return new BreakerOpenError(s('identity'), e.state as 'open' | 'halfOpen');
    case 'RegistrationError':
      return new RegistrationError(s('identity'), s('action'), s('registration'));
    default:
      return new OcppActorsError(e.code ?? 'REMOTE_ERROR', e.message);
  }
}
