import type { IncomingMessage } from 'node:http';
import type { PeerCertificate } from 'node:tls';
import type { InspectionEvent, Observer } from 'xstate';
import * as z from 'zod';
import type { Bus } from '../bus/types.js';
import type { OcppPlugin } from '../hooks/types.js';
import type { RestoredRegistration } from '../machines/station.js';
import { OCPP_VERSIONS, type OcppVersion } from '../protocol/versions.js';
import { type CertificateIdentity, tlsOptionsSchema } from '../transport/tls.js';
import type { Logger } from '../util/logger.js';
import { PUBLISHED_EVENTS } from './cluster/events-out.js';
import { OptionsError } from './errors.js';

/** What the auth callback learns about a connecting station. */
export interface AuthRequest {
  readonly identity: string;
  readonly protocol: OcppVersion;
  /** Basic-auth password as bytes (the 1.6 AuthorizationKey may be binary); undefined without Basic auth. */
  readonly password: Buffer | undefined;
  /** Profile 3: the station's verified client certificate, already bound to `identity`. */
  readonly certificate?: PeerCertificate;
  readonly remoteAddress: string | undefined;
  readonly request: IncomingMessage;
}

/**
 * true: accept. false: 401. 'unknown': 404, which the 1.6 errata §3.3 recommends for an unknown
 * identity. 'forbidden': 403. Compare passwords with `passwordMatches` (constant time).
 */
export type AuthResult = boolean | 'unknown' | 'forbidden';
export type AuthCallback = (req: AuthRequest) => AuthResult | Promise<AuthResult>;

/** XState's timer source (its `Clock`, which it does not export), e.g. a `SimulatedClock`. */
export interface ActorClock {
  setTimeout(fn: () => void, timeout: number): unknown;
  clearTimeout(id: unknown): void;
}

/** What XState's `inspect` option takes. */
export type InspectOption = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', `${what} must be a function`);
const ms = z.number().int().nonnegative();

export const optionsSchema = z.object({
  /** Subprotocols in the server's order of preference. */
  protocols: z.array(z.enum(OCPP_VERSIONS)).min(1).default(['ocpp2.1', 'ocpp2.0.1', 'ocpp1.6']),
  /** Validate every payload both ways against the official schemas. */
  strict: z.boolean().default(true),
  /** URL prefix under which `/<identity>` is served. */
  path: z.string().startsWith('/').default('/'),
  /**
   * 0: no authentication; 1: HTTP Basic checked by `auth`; 2: TLS + HTTP Basic; 3: TLS + client
   * certificate (mutual TLS). One profile per CSMS, so per port (2.0.1 A00.FR.001).
   */
  securityProfile: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).default(0),
  /** Profiles 1 and 2 (and optionally 3): decides each handshake; see AuthResult for the HTTP statuses. */
  auth: fn<AuthCallback>('auth').optional(),
  /** Profiles 2 and 3: the server certificate and key (and for 3 the station CA) `listen()` serves with. */
  tls: tlsOptionsSchema.optional(),
  /** Profile 3: does this verified certificate belong to this identity? Default: subject CN === identity. */
  certificateIdentity: fn<CertificateIdentity>('certificateIdentity').optional(),
  /** Answer SecurityError to any CALL but BootNotification until the station is Accepted. */
  requireBoot: z.boolean().default(true),
  /** An outbound CALL unanswered this long fails with CallTimeoutError (and counts toward the breaker). */
  callTimeoutMs: ms.default(30_000),
  /** A handler running this long is answered InternalError and its `signal` aborted. */
  handlerTimeoutMs: ms.default(30_000),
  /**
   * Longest wait for each plugin's `onInit`, `onClosing`, `onClose` and teardown (then
   * PluginTimeoutError), and at shutdown for the events still queued for slow observers (the rest are
   * dropped, PluginBacklogError): bounds how long `close()` waits on plugins.
   */
  hookTimeoutMs: z.number().int().positive().default(5_000),
  /** Outbound calls waiting behind the one in flight, per station; beyond it, CallQueueFullError. */
  maxQueuedCalls: z.number().int().min(0).default(100),
  /**
   * Frames from stations handled per turn of the event loop, over all stations; the rest wait, in the
   * order they came, for the next turns. 0 (the default): none waits. Meant for a process that forwards
   * what it receives and waits for answers from elsewhere (the protocol proxy's CsmsAdapter sets 64):
   * saturated, it keeps each turn short, so what a call leaves waiting dies young instead of being
   * promoted. A station with 32 frames waiting is not read further until they are handled.
   */
  framesPerTurn: z.number().int().min(0).default(0),
  /** Inbound CALLs waiting behind the one being handled; beyond it, a CALLERROR (flood). */
  maxInboundWaiting: z.number().int().min(0).default(8),
  /** A frame larger than this closes the socket with 1009. */
  maxPayloadBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** From accept to a completed upgrade (TLS, headers, `auth`); beyond it the socket is cut. */
  handshakeTimeoutMs: ms.default(10_000),
  /** Open station connections at most; the next handshake gets HTTP 503. */
  maxConnections: z.number().int().positive().default(50_000),
  /**
   * Sockets accepted but not yet upgraded (TLS handshake, request headers, the auth wait), at most;
   * the next is closed at once (securityEvent PENDING_HANDSHAKES_EXCEEDED). Each is cut after
   * `handshakeTimeoutMs` from accept (408; securityEvent HANDSHAKE_TIMEOUT).
   */
  maxPendingHandshakes: z.number().int().positive().default(2_000),
  /** Connection attempts per remote address; `false` disables. Over the rate: HTTP 429. */
  connectionRateLimit: z
    .union([
      z.literal(false),
      z.object({
        /** Attempts allowed at once from one address. */
        burst: z.number().positive(),
        /** Attempts per second refilled after the burst. */
        perSecond: z.number().positive(),
      }),
    ])
    .default({ burst: 200, perSecond: 100 }),
  /** Ping a station silent this long; terminate it if the next interval passes without a pong. 0 disables. */
  pingIntervalMs: ms.default(30_000),
  /** 'close': complete the handshake without a subprotocol, then close (the spec's way); 'reject': HTTP 400. */
  onNoCommonProtocol: z.enum(['close', 'reject']).default('close'),
  /**
   * permessage-deflate (RFC 7692). Off by default: measured with `ws`, a connection's memory grew
   * from about 6 KB to 240 KB once a compressed message passed. See README "Compression".
   */
  compression: z
    .union([
      z.boolean(),
      z.object({
        /** Messages smaller than this (bytes) are sent uncompressed. */
        threshold: z.number().int().nonnegative().default(1024),
        /** Reset the compression context per message (memory per station stays flat). */
        serverNoContextTakeover: z.boolean().default(true),
      }),
    ])
    .default(false),
  /** Keep a disconnected station's actor (and so its registration) this long for a reconnect. */
  forgetAfterMs: ms.default(10 * 60_000),
  /**
   * The stored registration of a station this node does not know (first connection since a restart, or
   * forgotten): its last BootNotification answer, or undefined. Read once when its actor is created;
   * without it a 2.x station that does not boot again is asked to with TriggerMessage(BootNotification).
   */
  restoreRegistration:
    fn<(identity: string) => RestoredRegistration | undefined>('restoreRegistration').optional(),
  /**
   * Disconnected stations remembered (for `forgetAfterMs`) at most; beyond it the least recently seen
   * is forgotten first (`forgotten` event, reason 'capacity'). ~3.4 KB of heap each.
   */
  maxKnownStations: z.number().int().nonnegative().default(10_000),
  /** Runs the station and breaker actors' timers (forgetAfterMs, breaker reset), e.g. a SimulatedClock. */
  clock: z
    .custom<ActorClock>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as ActorClock).setTimeout === 'function' &&
        typeof (v as ActorClock).clearTimeout === 'function',
      'clock must have setTimeout and clearTimeout',
    )
    .optional(),
  /**
   * XState inspection for every station and breaker actor, as XState takes it: an observer (`{ next }`,
   * e.g. `createWebSocketInspector({ url }).inspect` of the Stately inspector) or a function. Each actor's
   * id is its station identity.
   */
  inspect: z
    .custom<InspectOption>(
      (v) =>
        typeof v === 'function' ||
        (typeof v === 'object' && v !== null && typeof (v as Observer<InspectionEvent>).next === 'function'),
      'inspect must be a function or an observer with next()',
    )
    // One shape inside; the observer is called as a method, so its `this` stays intact.
    .transform((v): ((event: unknown) => void) =>
      typeof v === 'function' ? (v as (event: unknown) => void) : (e) => v.next?.(e as InspectionEvent),
    )
    .optional(),
  /** Per-station circuit breaker over outbound calls; `false` turns it off. */
  breaker: z
    .union([
      z.literal(false),
      z.object({
        /** Timed-out calls in a row that open the breaker (calls then fail fast with BreakerOpenError). */
        failureThreshold: z.number().int().positive().default(5),
        /** How long it stays open before one probe call is let through. */
        resetTimeoutMs: ms.default(30_000),
      }),
    ])
    .default({ failureThreshold: 5, resetTimeoutMs: 30_000 }),
  /**
   * How the offline queue (`enqueue`) flushes to a station that is back: `flushDelayMs` between two
   * commands; `maxAttempts` deliveries that got no answer (timeout) before a command is dropped and
   * reported (`commandDropped`), 0 for no limit. A disconnect is not a failed attempt.
   */
  replay: z
    .object({
      /** Pause between two commands flushed to a station. */
      flushDelayMs: ms.default(0),
      /** Unanswered deliveries (timeouts) of one command before it is dropped; 0: no limit. */
      maxAttempts: z.number().int().min(0).default(0),
    })
    .default({ flushDelayMs: 0, maxAttempts: 0 }),
  /** A station's unsent bytes over this emit `backpressure` (the socket is slower than what is sent to it). */
  backpressureBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Send handler exception messages to stations in the CALLERROR (default: a generic description). */
  exposeErrors: z.boolean().default(false),
  /** ± spread applied to every timer so timers armed together do not fire together. */
  jitterRatio: z.number().min(0).max(0.5).default(0.1),
  /** Emit `telemetry` (connections, message counts, handshakes, memory) this often; 0: never. */
  telemetryIntervalMs: ms.default(0),
  /** pino-compatible logger (`info`/`warn`/`error`/`debug`); silent without one. */
  logger: z
    .custom<Logger>(
      (v) => typeof v === 'object' && v !== null && typeof (v as Logger).info === 'function',
      'logger must be pino-compatible (info/warn/error/debug)',
    )
    .optional(),
  /** Log payloads at debug level (off: payloads may hold personal data). */
  logPayloads: z.boolean().default(false),
  /** Hook objects (`onConnection`, `onMessage`, …, see Plugins and events), run in this order. */
  plugins: z
    .array(
      z.custom<OcppPlugin>(
        (v) => typeof v === 'object' && v !== null && typeof (v as OcppPlugin).name === 'string',
        'a plugin needs a name',
      ),
    )
    .default([]),
  /** Where offline commands and station ownership live; the embedded in-memory bus by default. */
  bus: z.custom<Bus>((v) => typeof v === 'object' && v !== null, 'bus must be a Bus').optional(),
  /** This node's name on the bus (ownership, event origin). */
  nodeId: z.string().min(1).optional(),
  /**
   * Run as one node of a cluster on `bus` (on by default when `bus` is a cluster bus such as
   * `createNatsBus`; `false` keeps a shared bus for queues only). See README "Running several nodes".
   */
  cluster: z
    .union([
      z.literal(false),
      z.object({
        /**
         * A node's lease: its claims on stations lapse this long after it last renewed it (one write per
         * node every third of it, whatever the number of stations).
         */
        leaseMs: ms.default(15_000),
        /**
         * A station's registration kept on the bus lapses this long after it was last written (the node
         * holding the station writes it again at half of it); a station away longer boots again.
         */
        registrationTtlMs: ms.min(1).default(7 * 24 * 3_600_000),
        /** A CALL retried within this long (same id, action and payload) gets the first answer; 0: off. */
        callDedupWindowMs: z.number().int().nonnegative().default(120_000),
        /**
         * Publish runtime events to `ocpp.evt.<identity>.<kind>` on the bus: all (true), none, or the kinds
         * listed. `message` events (two JetStream publishes per call) cost the most; see bench:cluster.
         */
        publishEvents: z.union([z.boolean(), z.array(z.enum(PUBLISHED_EVENTS))]).default(true),
        /** Leave OCPP payloads out of published events. */
        redactPayloads: z.boolean().default(false),
        /** Publish `message` events with a de-duplication id (the same OCPP message is stored once). */
        dedupEvents: z.boolean().default(true),
      }),
    ])
    .optional(),
});

export type ClusterOptions = Exclude<z.input<typeof optionsSchema>['cluster'], false | undefined>;
export type ResolvedClusterOptions = Exclude<ResolvedCsmsOptions['cluster'], false | undefined>;

/** The cluster settings in force: explicit ones, else the defaults when the bus says it is shared. */
export function clusterOptionsOf(o: ResolvedCsmsOptions, bus: Bus): ResolvedClusterOptions | undefined {
  if (o.cluster === false) return undefined;
  if (o.cluster) return o.cluster;
  return bus.shared ? (optionsSchema.shape.cluster.parse({}) as ResolvedClusterOptions) : undefined;
}

export type CsmsOptions = z.input<typeof optionsSchema>;
export type ResolvedCsmsOptions = z.output<typeof optionsSchema>;

export function resolveCsmsOptions(input: CsmsOptions = {}): ResolvedCsmsOptions {
  const result = optionsSchema.safeParse(input);
  if (!result.success) {
    throw new OptionsError(
      result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'options'}: ${i.message}`),
    );
  }
  const o = result.data;
  const issues: string[] = [];
  if ((o.securityProfile === 1 || o.securityProfile === 2) && !o.auth)
    issues.push(`auth: security profile ${o.securityProfile} needs an auth callback (HTTP Basic)`);
  if (o.tls && o.securityProfile < 2)
    issues.push(`tls: security profile ${o.securityProfile} is unencrypted; TLS is profile 2 (or 3)`);
  // Without its own CA, any publicly trusted certificate whose CN is an identity would do.
  if (o.tls && o.securityProfile === 3 && !o.tls.ca)
    issues.push('tls.ca: security profile 3 needs the CA that signs station certificates');
  if (issues.length) throw new OptionsError(issues);
  return o;
}

export interface ListenOptions {
  port?: number;
  host?: string;
}

export interface CloseOptions {
  /** How long running handlers may finish before sockets close. */
  drainMs?: number;
}
