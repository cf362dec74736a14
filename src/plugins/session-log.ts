import type { OcppPlugin } from '../hooks/types.js';

/** A console-style logger: `info(message, fields)`. */
export interface SessionLogger {
  info(message: string, fields?: object): void;
  warn(message: string, fields?: object): void;
}

export interface SessionLogOptions {
  /** Default `console`. */
  logger?: SessionLogger;
  /** `minimal`: identity only; `standard` (default): address, protocol, duration, code; `verbose`: also registration, evictions, dead peers. */
  logLevel?: 'minimal' | 'standard' | 'verbose';
}

/** Logs connects and disconnects with identity, address, protocol and connection duration. */
export function sessionLogPlugin(options: SessionLogOptions = {}): OcppPlugin {
  const log = options.logger ?? console;
  const level = options.logLevel ?? 'standard';
  const minimal = level === 'minimal';
  const plugin: OcppPlugin = {
    name: 'session-log',
    level: 1,
    events: {
      connected: ({ station, reconnect }) =>
        log.info(
          '[session] connected',
          minimal
            ? { identity: station.identity }
            : {
                identity: station.identity,
                ip: station.remoteAddress,
                protocol: station.protocol,
                reconnect,
              },
        ),
      disconnected: ({ station, code, reason, durationMs }) =>
        log.info(
          '[session] disconnected',
          minimal
            ? { identity: station.identity }
            : { identity: station.identity, durationSec: Math.round(durationMs / 1000), code, reason },
        ),
    },
  };
  if (level !== 'verbose') return plugin;
  return {
    ...plugin,
    events: {
      ...plugin.events,
      registered: ({ station, status }) =>
        log.info('[session] registered', { identity: station.identity, status }),
      evicted: ({ station, replacement }) =>
        log.warn('[session] replaced', {
          identity: station.identity,
          ip: station.remoteAddress,
          by: replacement.remoteAddress,
          node: replacement.node,
        }),
      pongTimeout: ({ station }) => log.warn('[session] no pong', { identity: station.identity }),
    },
  };
}
