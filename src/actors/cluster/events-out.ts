import { stationSubject } from '../../bus/subject.js';
import type { Bus, PublishOptions } from '../../bus/types.js';
import type { Dispatcher } from '../../hooks/dispatcher.js';
import type { CsmsEventMap, CsmsEventName } from '../../hooks/types.js';

/** The runtime events published for other services, one subject per station and kind. */
export const PUBLISHED_EVENTS = [
  'connected',
  'registered',
  'disconnected',
  'evicted',
  'forgotten',
  'message',
  'badMessage',
  'validationFailure',
  'handlerError',
  'callRefused',
  'unknownResponse',
  'callResultError',
  'backpressure',
  'pongTimeout',
  'transportError',
  'breakerChanged',
  'replayProgress',
  'commandDelivered',
  'commandExpired',
  'commandDropped',
  'securityEvent',
  'rateLimitExceeded',
  'authFailed',
  'handshakeRejected',
] as const satisfies readonly CsmsEventName[];

export type PublishedEvent = (typeof PUBLISHED_EVENTS)[number];

export interface EventsOutOptions {
  readonly kinds: readonly PublishedEvent[];
  /** Leave OCPP payloads out of `message` and `commandDelivered` events (they may hold personal data). */
  redactPayloads: boolean;
  /**
   * Publish `message` events with a `Nats-Msg-Id` made of station, direction, message id and type, so
   * the same OCPP message reported twice (a CALL retried on another node) is stored once.
   */
  dedup: boolean;
}

/** Subject of a station's events (relative to the bus's event root): `ocpp.evt.<identity token>.<kind>`. */
export const eventSubject = (identity: string, kind: string) => stationSubject('ocpp.evt', identity, kind);

/**
 * Publishes every runtime event of this node to the bus, where other services read them durably
 * (`bus.durable(name, 'ocpp.evt.>')`) from any node. Never waits on the bus: the bus pipelines
 * publishes in a bounded window; a full window refuses the publish (counted in `bus.stats().bufferFull`)
 * and the event is reported once per burst as `clusterError`, not retried.
 */
export class EventsOut {
  private readonly off: (() => void)[] = [];
  private failing = false;
  private readonly failed = (error: unknown) => {
    if (this.failing) return;
    this.failing = true;
    this.report(error);
  };
  private readonly published = () => {
    this.failing = false;
  };

  constructor(
    private readonly bus: Bus,
    private readonly dispatcher: Dispatcher<CsmsEventMap>,
    private readonly options: EventsOutOptions,
    private readonly report: (error: unknown) => void,
  ) {
    for (const kind of options.kinds)
      this.off.push(
        dispatcher.on(kind, (event) => this.publish(kind, event as unknown as Record<string, unknown>)),
      );
  }

  stop(): void {
    for (const off of this.off) off();
    this.off.length = 0;
  }

  private publish(kind: string, event: Record<string, unknown>): void {
    const identity = identityOf(event);
    if (identity === undefined) return;
    let opts: PublishOptions | undefined;
    if (kind === 'message' && this.options.dedup) {
      const m = event.message as { type: number; messageId: string };
      opts = { msgId: `${identity}|${event.direction as string}|${m.messageId}|${m.type}` };
    }
    let data: Record<string, unknown>;
    try {
      data = plain(event, this.options.redactPayloads);
    } catch (error) {
      this.failed(error);
      return;
    }
    // An event about a call in progress carries its trace context (otelPlugin), for consumers to continue.
    if (this.dispatcher.tracesCalls) {
      const messageId = (event.message as { messageId?: unknown } | undefined)?.messageId ?? event.messageId;
      if (typeof messageId === 'string') {
        const trace = this.dispatcher.traceContext(identity, messageId);
        if (trace) data.trace = trace;
      }
    }
    this.bus.publish(eventSubject(identity, kind), data, opts).then(this.published, this.failed);
  }
}

function identityOf(event: Record<string, unknown>): string | undefined {
  const holder = (event.station ?? event.handshake) as { identity?: string } | undefined;
  const identity = holder?.identity ?? event.identity;
  return typeof identity === 'string' ? identity : undefined;
}

const PAYLOAD_KEYS = new Set(['payload', 'response', 'raw']);

/** The event as JSON-safe data: stations by name, errors by name/code/message, no sockets or requests. */
function plain(event: Record<string, unknown>, redact: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in event) {
    const value = event[key];
    if (key === 'station' || key === 'replacement' || key === 'previous') {
      const s = value as
        | { identity: string; protocol?: string; remoteAddress?: string; node?: string }
        | undefined;
      out[key] = s && {
        identity: s.identity,
        protocol: s.protocol,
        remoteAddress: s.remoteAddress,
        node: s.node,
      };
    } else if (key === 'handshake') {
      const h = value as { identity?: string; remoteAddress?: string; protocols?: unknown };
      out[key] = { identity: h.identity, remoteAddress: h.remoteAddress };
    } else if (value instanceof Error) {
      out[key] = { name: value.name, code: (value as { code?: unknown }).code, message: value.message };
    } else if (redact && key === 'message' && value && typeof value === 'object') {
      const { payload: _p, ...frame } = value as Record<string, unknown>;
      out[key] = frame;
    } else if (redact && PAYLOAD_KEYS.has(key)) {
      out[key] = undefined;
    } else {
      out[key] = value;
    }
  }
  return out;
}
