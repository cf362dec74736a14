import * as z from 'zod';
import { OCPP_VERSIONS } from '../protocol/versions.js';
import { OptionsError } from '../rpc/errors.js';
import type { SimProgress } from './run.js';

const seconds = z.number().finite().nonnegative();

const optionsSchema = z.object({
  /** The CSMS endpoint; station i connects to `<url>/<identity>`. */
  url: z
    .string()
    .regex(/^wss?:\/\/[^/]/i, 'url must be a ws:// or wss:// URL')
    .default('ws://127.0.0.1:9000'),
  stations: z.number().int().positive().max(1_000_000),
  protocol: z.enum(OCPP_VERSIONS),
  /** Stop after this many seconds; until `stop()` or the abort signal otherwise. */
  durationS: z.number().finite().positive().optional(),
  /** Connectors per station (EVSEs with one connector each in 2.x). */
  connectors: z.number().int().min(1).max(32).default(2),
  /** Initial MeterValueSampleInterval / SampledDataCtrlr.TxUpdatedInterval, seconds (0: no periodic values). */
  meterIntervalS: seconds.default(10),
  /** How long a session charges before the driver stops it (±20%). */
  chargeDurationS: z.number().finite().positive().default(60),
  /** Time a connector stays free between sessions (±50%); plugging in, tapping and unplugging take a fraction. */
  idleS: z.number().finite().positive().default(10),
  /** Drivers never plug in on their own: sessions start only on RemoteStart/RequestStartTransaction. */
  remoteOnly: z.boolean().default(false),
  /** Stations started per second. */
  ramp: z.number().finite().positive().default(50),
  identityPrefix: z.string().default('SIM-'),
  /** Security profile 1 (HTTP Basic, identity as user). */
  password: z.string().optional(),
  /** A station rebooting after Reset stays offline this long. */
  rebootDelayS: seconds.default(1),
  /** Reported while stations ramp up, and once more when every station has booted. */
  onProgress: z.custom<(p: SimProgress) => void>((v) => typeof v === 'function').optional(),
  progressIntervalMs: z.number().int().positive().default(500),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'signal must be an AbortSignal').optional(),
});

export type SimulationOptions = z.input<typeof optionsSchema>;
export type ResolvedSimOptions = z.output<typeof optionsSchema>;

export function resolveSimOptions(input: SimulationOptions): ResolvedSimOptions {
  const result = optionsSchema.safeParse(input);
  if (!result.success) {
    throw new OptionsError(
      result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'options'}: ${i.message}`),
    );
  }
  return result.data;
}

/** SIM-0001 … : 1-based, zero-padded so identities sort in station order. */
export function identityOf(o: ResolvedSimOptions, index: number): string {
  return `${o.identityPrefix}${String(index + 1).padStart(4, '0')}`;
}
