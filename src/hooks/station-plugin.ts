import type { OcppVersion } from '../protocol/versions.js';
import type { Logger } from '../util/logger.js';
import type { Awaitable, OcppPlugin } from './types.js';

/** The station client as its plugins see it. */
export interface PluginStation {
  readonly identity: string;
  /** The negotiated subprotocol (the last one, while disconnected; undefined before the first). */
  readonly protocol: OcppVersion | undefined;
  readonly connected: boolean;
  /** CALL the CSMS, as the station's own calls are made (queued while offline, one in flight). */
  call(action: string, payload: Record<string, unknown>): Promise<unknown>;
}

/** What a station-side plugin gets at registration (`setup(ctx)`) and on the first `connect()` (`onInit(ctx)`). */
export interface StationPluginContext {
  readonly station: PluginStation;
  readonly logger: Logger;
  /** The station's options in force. */
  readonly options: object;
  /**
   * Report a failure of the plugin's own work (a store, a sink, a timer): counted, logged and emitted
   * as `pluginError` like a failing hook.
   */
  reportError(error: unknown, hook?: string): void;
  /** Redact a value the way the registered redactors do. */
  redact<T>(value: T): T;
}

/**
 * A plugin for a station client (`createStation({ plugins })`, `station.plugin()`): the hooks of a
 * CSMS plugin that a station's events feed, with a station's context in `setup` and `onInit`.
 */
export interface StationPlugin extends Omit<OcppPlugin, 'setup' | 'onInit'> {
  /** Called at registration; may return a function releasing what the plugin owns, run on `close()`. */
  setup?(ctx: StationPluginContext): Awaitable<void | (() => Awaitable<void>)>;
  /** Called once, when the station first starts connecting. */
  onInit?(ctx: StationPluginContext): Awaitable<void>;
}
