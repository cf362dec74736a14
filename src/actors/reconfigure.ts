import { RPC_SETTINGS } from '../rpc/runtime.js';
import type { CsmsOptions } from './options.js';

/**
 * The options a running CSMS may change (`reconfigure`), declared once: the endpoints' settings, read
 * per frame, and the handshake's, read per upgrade. Everything else shapes sockets or actors that
 * exist already (path, compression, bus, plugins, …) and is refused.
 */
export const RECONFIGURABLE = [
  ...RPC_SETTINGS,
  'protocols',
  'maxConnections',
  'maxPendingHandshakes',
  'maxKnownStations',
  'handshakeTimeoutMs',
  'onNoCommonProtocol',
  'auth',
  'certificateIdentity',
] as const satisfies readonly (keyof CsmsOptions)[];

export type ReconfigurableOptions = Partial<Pick<CsmsOptions, (typeof RECONFIGURABLE)[number]>>;

const ALLOWED: ReadonlySet<string> = new Set(RECONFIGURABLE);

/** The keys of `next` that may not change at run time, as OptionsError issues. */
export function notReconfigurable(next: object): string[] {
  return Object.keys(next)
    .filter((k) => !ALLOWED.has(k))
    .map((k) => `${k}: cannot be changed at run time`);
}
