import { UnknownHookError } from './errors.js';
import type { OcppPlugin } from './types.js';

/** Every hook an OcppPlugin may have. Other `on*` names are typos and refused. */
export const HOOK_NAMES = [
  'onInit',
  'onConnection',
  'onDisconnect',
  'onEviction',
  'onClosing',
  'onClose',
  'onReconfigure',
  'onHandshake',
  'onBeforeReceive',
  'onBeforeSend',
  'onMessage',
  'onBadMessage',
  'onValidationFailure',
  'onHandlerError',
  'onError',
  'onSecurityEvent',
  'onAuthFailed',
  'onRateLimitExceeded',
  'onTLSUpdate',
  'onTelemetry',
  'onBackpressure',
  'onPongTimeout',
  'onHttpRequest',
] as const;

const HOOKS = new Set<string>(HOOK_NAMES);
const HOOK_LIKE = /^on[A-Z]/;

/**
 * Refuse what cannot be meant: an `on*` key that is no hook, an `events` key no emitter has, a level
 * outside 1-4. Other keys are the plugin's own API (`getMetrics`, say) and stay allowed.
 */
export function checkPluginKeys(plugin: OcppPlugin, eventNames: ReadonlySet<string> | undefined): void {
  if (typeof plugin.name !== 'string' || plugin.name === '') throw new TypeError('a plugin needs a name');
  if (plugin.level !== undefined && ![1, 2, 3, 4].includes(plugin.level))
    throw new RangeError(`plugin "${plugin.name}": level must be 1, 2, 3 or 4`);
  for (const key of Object.keys(plugin)) {
    if (HOOK_LIKE.test(key) && !HOOKS.has(key)) throw new UnknownHookError(plugin.name, key, HOOK_NAMES);
  }
  if (plugin.events && eventNames) {
    for (const key of Object.keys(plugin.events)) {
      if (!eventNames.has(key)) throw new UnknownHookError(plugin.name, `events.${key}`, [...eventNames]);
    }
  }
}
