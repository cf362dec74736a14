import type { PluginContext } from '../hooks/types.js';

/**
 * ocpp-ws-io's per-plugin `logger` (any object with `warn`, and `error` where it has one): the plugin's
 * own lines go there, as well as to the CSMS's `pluginError` events, which every failure still is.
 */
export interface PluginLogger {
  warn(...args: unknown[]): void;
  error?(...args: unknown[]): void;
}

/** `ctx.reportError`, with the plugin's `logger` told as well. */
export function reportingTo(
  ctx: Pick<PluginContext, 'reportError'>,
  plugin: string,
  logger: PluginLogger | undefined,
): (error: unknown, hook?: string) => void {
  return (error, hook) => {
    if (logger) (logger.error ?? logger.warn).call(logger, `[${plugin}] ${hook ?? 'failure'}:`, error);
    ctx.reportError(error, hook);
  };
}
