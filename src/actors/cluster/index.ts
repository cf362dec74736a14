import type { Bus } from '../../bus/types.js';
import type { Dispatcher } from '../../hooks/dispatcher.js';
import type { CsmsEventMap } from '../../hooks/types.js';
import type { RestoredRegistration, StationContext } from '../../machines/station.js';
import type { Payload } from '../../protocol/frames.js';
import type { CallOptions } from '../../rpc/runtime.js';
import { EventsOut, PUBLISHED_EVENTS, type PublishedEvent } from './events-out.js';
import type { ClusterHost } from './host.js';
import { Ownerships } from './ownership.js';
import { Routing } from './routing.js';

export type { ClusterHost } from './host.js';

export interface ClusterSettings {
  leaseMs: number;
  registrationTtlMs: number;
  callDedupWindowMs: number;
  publishEvents: boolean | readonly PublishedEvent[];
  redactPayloads: boolean;
  dedupEvents: boolean;
}

/**
 * This node's part in a cluster of CSMS nodes sharing one bus: ownership of its stations, routing
 * of calls and commands to other nodes, CALL de-duplication and events out. Created by the CSMS
 * only when it runs on a cluster bus; a single node never pays for any of it.
 */
export class ClusterNode {
  private constructor(
    readonly ownerships: Ownerships,
    private readonly routing: Routing,
    private readonly events: EventsOut | undefined,
    private readonly host: ClusterHost,
  ) {}

  static async start(
    host: ClusterHost,
    dispatcher: Dispatcher<CsmsEventMap>,
    settings: ClusterSettings,
    callTimeoutMs: () => number,
  ): Promise<ClusterNode> {
    const ownerships = await Ownerships.start(host);
    const routing = new Routing(host, ownerships, callTimeoutMs);
    await routing.ready;
    const events =
      settings.publishEvents !== false &&
      (settings.publishEvents === true || settings.publishEvents.length > 0)
        ? new EventsOut(
            host.bus,
            dispatcher,
            {
              kinds: settings.publishEvents === true ? PUBLISHED_EVENTS : settings.publishEvents,
              redactPayloads: settings.redactPayloads,
              dedup: settings.dedupEvents,
            },
            (error) => host.busError('publish', undefined, error),
          )
        : undefined;
    return new ClusterNode(ownerships, routing, events, host);
  }

  get bus(): Bus {
    return this.host.bus;
  }

  admit(identity: string): Promise<void> {
    return this.ownerships.admit(identity);
  }

  restoredRegistration(identity: string): RestoredRegistration | undefined {
    return this.ownerships.takeRegistration(identity);
  }

  call(identity: string, action: string, payload: Payload, options: CallOptions): Promise<Payload> {
    return this.routing.call(identity, action, payload, options);
  }

  /** A BootNotification answer was recorded: keep it beside the station's ownership. */
  registered(identity: string, c: StationContext): void {
    if (!c.bootStatus || c.bootedAt === undefined) return;
    const interval = (c.bootStatus === 'Accepted' ? c.heartbeatInterval : c.bootRetryInterval) ?? 0;
    this.ownerships.recordRegistration(identity, { status: c.bootStatus, interval, bootedAt: c.bootedAt });
  }

  forgotten(identity: string): Promise<void> {
    return this.ownerships.forgotten(identity);
  }

  enqueued(identity: string): void {
    this.routing.enqueued(identity);
  }

  /** Store a registration before its BootNotification answer goes out (see Registrations.store). */
  storeRegistration(identity: string, registration: RestoredRegistration): Promise<void> {
    return this.ownerships.storeRegistration(identity, registration);
  }

  async stop(): Promise<void> {
    this.events?.stop();
    await this.routing.stop();
    await this.ownerships.stop();
  }
}
