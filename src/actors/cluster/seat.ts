import { BusUnavailableError } from '../../bus/errors.js';
import type { Bus, EnqueueAck } from '../../bus/types.js';
import type { Dispatcher } from '../../hooks/dispatcher.js';
import type { CsmsEventMap } from '../../hooks/types.js';
import type { RestoredRegistration, StationContext } from '../../machines/station.js';
import type { Payload } from '../../protocol/frames.js';
import type { OcppVersion } from '../../protocol/versions.js';
import type { Handler } from '../../rpc/handlers.js';
import type { CallOptions } from '../../rpc/runtime.js';
import { StationNotConnectedError } from '../errors.js';
import type { AuthCallback, ResolvedClusterOptions } from '../options.js';
import { storingBoot } from './boot-store.js';
import { dedupHandler } from './call-dedup.js';
import type { ClusterHost } from './host.js';
import { ClusterNode } from './index.js';

/** What the seat needs from its CSMS, read when used. */
export interface SeatParts {
  readonly nodeId: string;
  readonly bus: Bus;
  readonly dispatcher: Dispatcher<CsmsEventMap>;
  /** The user's auth callback in force. */
  auth(): AuthCallback | undefined;
  callTimeoutMs(): number;
  /** A station connected to this node, if any. */
  connected(identity: string):
    | {
        readonly protocol: OcppVersion;
        readonly remoteAddress: string | undefined;
        call(action: string, payload: Payload, o?: CallOptions): Promise<Payload>;
        close(code: number, reason: string): unknown;
      }
    | undefined;
  /** Connected and Accepted here. */
  isReady(identity: string): boolean;
  /** Flush the station's queued commands now. */
  flush(identity: string): void;
}

/**
 * The CSMS's place in a cluster: everything the facade does differently on a cluster bus goes
 * through here (admission, handler wrapping, routing, ownership upkeep). Created only on a cluster
 * bus; the cluster node itself starts when the CSMS starts listening.
 */
export class ClusterSeat {
  private node: ClusterNode | undefined;

  constructor(
    private readonly parts: SeatParts,
    private readonly options: ResolvedClusterOptions,
  ) {}

  /** The handshake's auth step: the user's auth, then (accepted) the claim and the stored registration. */
  readonly auth: AuthCallback = async (req) => {
    const auth = this.parts.auth();
    const verdict = auth ? await auth(req) : true;
    if (verdict === true && this.node) await this.node.admit(req.identity);
    return verdict;
  };

  restoredRegistration(identity: string): RestoredRegistration | undefined {
    return this.node?.restoredRegistration(identity);
  }

  /**
   * A handler as a cluster runs it: a BootNotification answer waits until its registration is
   * stored, and CALLs are de-duplicated across nodes (unless the window is 0). `action` as
   * registered (`*` included).
   */
  wrap(action: string, handler: Handler): Handler {
    const h =
      action === 'BootNotification' || action === '*'
        ? storingBoot(handler, (identity, registration) => this.storeRegistration(identity, registration))
        : handler;
    const window = this.options.callDedupWindowMs;
    if (!window) return h;
    return dedupHandler(this.parts.bus, window, h, (op, id, e) => this.error(op, id, e));
  }

  private storeRegistration(identity: string, registration: RestoredRegistration): Promise<void> {
    // Cut off from the bus: answer now rather than after the bus's timeout (reported, not hidden).
    if (!this.parts.bus.stats().connected) {
      this.error('registration', identity, new BusUnavailableError('registration'));
      return Promise.resolve();
    }
    return this.node?.storeRegistration(identity, registration) ?? Promise.resolve();
  }

  async start(): Promise<void> {
    this.node ??= await ClusterNode.start(this.host(), this.parts.dispatcher, this.options, () =>
      this.parts.callTimeoutMs(),
    );
  }

  /** A call for a station not connected here: to the node holding it. */
  call(identity: string, action: string, payload: Payload, options: CallOptions): Promise<Payload> {
    if (!this.node) return Promise.reject(new StationNotConnectedError(identity));
    return this.node.call(identity, action, payload, options);
  }

  /** After a command was stored: wake the node holding the station. */
  enqueued(ack: Promise<EnqueueAck>, identity: string): Promise<EnqueueAck> {
    return ack.then((a) => {
      this.node?.enqueued(identity);
      return a;
    });
  }

  registered(identity: string, context: StationContext): void {
    this.node?.registered(identity, context);
  }

  forgotten(identity: string): void {
    void this.node?.forgotten(identity);
  }

  async stop(): Promise<void> {
    await this.node?.stop();
  }

  private host(): ClusterHost {
    const p = this.parts;
    return {
      nodeId: p.nodeId,
      bus: p.bus,
      leaseMs: this.options.leaseMs,
      registrationTtlMs: this.options.registrationTtlMs,
      localCall: (identity, action, payload, options) => {
        const station = p.connected(identity);
        if (!station) return Promise.reject(new StationNotConnectedError(identity));
        return station.call(action, payload, options);
      },
      isConnected: (identity) => p.connected(identity) !== undefined,
      // Another node holds the station now: say so (naming it) and close this node's socket.
      evict: (identity, node) => {
        const station = p.connected(identity);
        if (!station) return;
        const { protocol, remoteAddress } = station;
        p.dispatcher.emit('evicted', {
          station: { identity, protocol, remoteAddress },
          replacement: { identity, protocol: undefined, remoteAddress: undefined, node },
        });
        void station.close(4000, `evicted: connected to node ${node}`);
      },
      flush: (identity) => {
        if (p.isReady(identity)) p.flush(identity);
      },
      busError: (operation, identity, error) => this.error(operation, identity, error),
    };
  }

  private error(operation: string, identity: string | undefined, error: unknown): undefined {
    this.parts.dispatcher.emit('clusterError', { operation, identity, error });
    return undefined;
  }
}
