import * as z from 'zod';
import type { StationPlugin } from '../hooks/station-plugin.js';
import { DEFAULT_RETRY_BACK_OFF } from '../machines/client-connection.js';
import { OCPP_VERSIONS, type OcppVersion } from '../protocol/versions.js';
import { OptionsError } from '../rpc/errors.js';
import type { Logger } from '../util/logger.js';

/** TLS for a wss:// CSMS (security profiles 2 and 3), handed to `ws` / node:tls as is. */
export interface StationTlsOptions {
  /** The CA(s) the CSMS certificate must chain to; Node's default CAs otherwise. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Profile 3: the station's client certificate and key (PEM). */
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  rejectUnauthorized?: boolean;
  /** SNI and the name the certificate is checked against, when the URL host differs. */
  servername?: string;
  /** Default 'TLSv1.2', the minimum OCPP allows. */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher list; Node's default otherwise (it has the four suites OCPP requires). */
  ciphers?: string;
}

const ms = z.number().int().nonnegative();
const isObject = (v: unknown) => typeof v === 'object' && v !== null;

export const optionsSchema = z.object({
  /** The CSMS endpoint; `/<percent-encoded identity>` is appended. */
  url: z.string().regex(/^wss?:\/\/[^/]/i, 'url must be a ws:// or wss:// URL'),
  /** The station's identity (percent-encoded into the URL; the user name of HTTP Basic). */
  identity: z.string().min(1),
  /** Offered in Sec-WebSocket-Protocol in this order of preference. */
  protocols: z.array(z.enum(OCPP_VERSIONS)).min(1).default(['ocpp2.1', 'ocpp2.0.1', 'ocpp1.6']),
  /** Security profile 1/2: HTTP Basic with the identity as user; may be binary (1.6 AuthorizationKey). */
  password: z.union([z.string(), z.instanceof(Buffer)]).optional(),
  /** wss:// only: `ca` to trust the CSMS; `cert` + `key` for profile 3 (see StationTlsOptions). */
  tls: z
    .custom<StationTlsOptions>(isObject, 'tls must be an object')
    .refine(
      (t) => t.minVersion === undefined || t.minVersion === 'TLSv1.2' || t.minVersion === 'TLSv1.3',
      'tls.minVersion must be TLSv1.2 or TLSv1.3: OCPP needs TLS 1.2 at least',
    )
    .optional(),
  /** Validate every payload both ways against the official schemas. */
  strict: z.boolean().default(true),
  /** A CALL unanswered this long fails with CallTimeoutError. */
  callTimeoutMs: ms.default(30_000),
  /** A handler running this long is answered InternalError and its `signal` aborted. */
  handlerTimeoutMs: ms.default(30_000),
  /** Calls made while connected that may wait behind the one in flight; beyond it, CallQueueFullError. */
  maxQueuedCalls: z.number().int().min(0).default(100),
  /** CSMS calls waiting behind the one being handled; beyond it, a CALLERROR. */
  maxInboundWaiting: z.number().int().min(0).default(8),
  /** Keep calls made while disconnected (and those a dropped connection interrupted) for the next connection. */
  queueWhileOffline: z.boolean().default(true),
  /** The queue of calls kept for the next connection (`queueWhileOffline`). */
  offlineQueue: z
    .object({
      /** Calls kept at most. */
      max: z.number().int().min(0).default(1000),
      /** 'drop-oldest': make room and emit `offlineDropped`; 'reject-new': OfflineQueueFullError. */
      overflow: z.enum(['reject-new', 'drop-oldest']).default('drop-oldest'),
    })
    .prefault({}),
  /** 2.0.1 RetryBackOff* semantics, in ms; see `retryBackOffMs`. */
  reconnect: z
    .object({
      /** RetryBackOffWaitMinimum: the first wait, doubled per failed attempt. */
      waitMinimumMs: ms.default(DEFAULT_RETRY_BACK_OFF.waitMinimumMs),
      /** RetryBackOffRandomRange: up to this much random delay added to each wait. */
      randomRangeMs: ms.default(DEFAULT_RETRY_BACK_OFF.randomRangeMs),
      /** RetryBackOffRepeatTimes: how many times the wait doubles. */
      repeatTimes: z.number().int().min(0).default(DEFAULT_RETRY_BACK_OFF.repeatTimes),
      /** Upper bound of one wait. */
      maxDelayMs: ms.default(DEFAULT_RETRY_BACK_OFF.maxDelayMs),
      /** Source of the random part, [0, 1) (tests make it deterministic). */
      random: z.custom<() => number>((v) => typeof v === 'function', 'random must be a function').optional(),
    })
    .prefault({}),
  /**
   * WebSocketPingInterval in ms: ping this often and reconnect when a ping goes unanswered until the next
   * one. 0 (default) sends none and relies on the CSMS's pings, which `ws` answers by itself.
   */
  pingIntervalMs: ms.default(0),
  /** An attempt whose upgrade has not completed by then fails (and is retried). */
  handshakeTimeoutMs: z.number().int().positive().default(10_000),
  /** Offer permessage-deflate (optional for a station, 2.x §3.3). */
  compression: z.boolean().default(false),
  /** Send handler exception messages to the CSMS (default: a generic description). */
  exposeErrors: z.boolean().default(false),
  /** Log every frame at debug level (payloads may hold personal data: off by default). */
  logPayloads: z.boolean().default(false),
  /** pino-compatible logger (`info`/`warn`/`error`/`debug`); silent without one. */
  logger: z
    .custom<Logger>(
      (v) => isObject(v) && typeof (v as Logger).info === 'function',
      'logger must be pino-compatible (info/warn/error/debug)',
    )
    .optional(),
  /** Hook objects, as on the CSMS side, run in this order; `setup`/`onInit` get a station's context. */
  plugins: z
    .array(
      z.custom<StationPlugin>(
        (v) => isObject(v) && typeof (v as StationPlugin).name === 'string',
        'a plugin needs a name',
      ),
    )
    .default([]),
});

type SchemaInput = z.input<typeof optionsSchema>;

/** Options of `createStation`; `protocols` also narrows the typed API to those versions. */
export type StationOptions<V extends OcppVersion = OcppVersion> = Omit<SchemaInput, 'protocols'> & {
  protocols?: readonly V[];
};

export type ResolvedStationOptions = z.output<typeof optionsSchema>;

export function resolveStationOptions(input: StationOptions): ResolvedStationOptions {
  const result = optionsSchema.safeParse({ ...input, protocols: input.protocols && [...input.protocols] });
  if (!result.success) {
    throw new OptionsError(
      result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'options'}: ${i.message}`),
    );
  }
  const o = result.data;
  if (o.tls && !/^wss:/i.test(o.url)) throw new OptionsError(['tls: needs a wss:// url']);
  return o;
}
