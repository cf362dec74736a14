import { createCsms } from '../actors/csms.js';
import { registerDefaultHandlers } from '../actors/default-handlers.js';

export interface ServeOptions {
  port: number;
  host: string;
  quiet: boolean;
  version: string;
}

/** The main job: a CSMS on the embedded bus with default handlers, printing stations as they come and go. */
export async function serve(opts: ServeOptions): Promise<void> {
  const csms = registerDefaultHandlers(createCsms());
  const log = (line: string) => {
    if (!opts.quiet) console.log(`${new Date().toISOString()} ${line}`);
  };
  csms.on('connected', ({ station, reconnect }) =>
    log(
      `${reconnect ? 'reconnected' : 'connected'} ${station.identity} ${station.protocol} from ${station.remoteAddress ?? '?'}`,
    ),
  );
  csms.on('registered', ({ station, status }) => log(`boot ${status} ${station.identity}`));
  csms.on('disconnected', ({ station, code }) => log(`disconnected ${station.identity} (${code})`));
  csms.on('authFailed', ({ handshake, status, reason }) =>
    log(`refused ${handshake.identity ?? handshake.url} ${status} ${reason}`),
  );
  csms.on('badMessage', ({ station, reason }) => log(`bad message from ${station.identity}: ${reason}`));
  csms.on('validationFailure', ({ station, direction, error }) =>
    log(`invalid ${direction === 'IN' ? 'message from' : 'answer to'} ${station.identity}: ${error.message}`),
  );

  const { port } = await csms.listen({ port: opts.port, host: opts.host });
  console.log(
    `ocpp-actors ${opts.version}: CSMS listening on ws://${opts.host === '0.0.0.0' ? 'localhost' : opts.host}:${port}/<station identity> (${csms.options.protocols.join(', ')})`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing ${csms.connectedCount} station connections`);
    csms.close({ drainMs: 2_000 }).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
