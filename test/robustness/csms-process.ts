/**
 * A CSMS in a process of its own, for the robustness tests: an uncaught error would end this process,
 * which the test sees (exit code) instead of taking the test runner down with it. Configured by one
 * JSON argument; prints `ready <port>`, then one line per runtime event the tests wait on.
 *
 * auth (profiles 1 and 2): the password is `good-password-16`; an identity starting with `slow-` makes
 * the callback wait until the station's socket has closed, then accept: the handshake completes on a
 * socket that is already gone.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createCsms } from '../../src/actors/csms.js';
import { registerDefaultHandlers } from '../../src/actors/default-handlers.js';
import type { CsmsOptions } from '../../src/actors/options.js';
import { passwordMatches } from '../../src/transport/handshake.js';

export interface CsmsProcessConfig {
  mode: 'listen' | 'attach';
  /** PEM paths: serve wss:// (security profile 2). */
  tls?: { cert: string; key: string };
  auth?: boolean;
  options?: Omit<CsmsOptions, 'auth' | 'tls' | 'securityProfile'>;
}

const config = JSON.parse(process.argv[2]!) as CsmsProcessConfig;
const print = (line: string) => process.stdout.write(`${line}\n`);

const tls = config.tls && {
  cert: readFileSync(config.tls.cert, 'utf8'),
  key: readFileSync(config.tls.key, 'utf8'),
};
const csms = createCsms({
  ...config.options,
  securityProfile: tls ? 2 : config.auth ? 1 : 0,
  ...(tls && config.mode === 'listen' ? { tls } : {}),
  ...(config.auth || tls
    ? {
        auth: async ({ identity, password, request }) => {
          if (identity.startsWith('slow-')) {
            print(`auth-pending ${identity}`);
            if (!request.socket.destroyed) await new Promise((r) => request.socket.once('close', r));
            setImmediate(() => print(`auth-done ${identity}`));
            return true;
          }
          return password !== undefined && passwordMatches(password, 'good-password-16');
        },
      }
    : {}),
});
registerDefaultHandlers(csms);

csms.on('transportError', (e) =>
  print(`event transportError ${(e.error as { code?: string }).code ?? e.error.message}`),
);
csms.on('securityEvent', (e) => print(`event securityEvent ${e.type}`));
csms.on('authFailed', (e) => print(`event authFailed ${e.status} ${e.reason}`));
csms.on('connected', (e) => print(`event connected ${e.station.identity}`));
csms.on('disconnected', (e) => print(`event disconnected ${e.station.identity} ${e.code}`));

let port: number;
if (config.mode === 'listen') {
  port = (await csms.listen({ port: 0, host: '127.0.0.1' })).port;
} else {
  // The application's own server and routes; the CSMS only takes the upgrades.
  const app = (_req: unknown, res: import('node:http').ServerResponse) => res.end('application route\n');
  const server = tls ? createHttpsServer(tls, app) : createHttpServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  await csms.attach(server);
  port = (server.address() as import('node:net').AddressInfo).port;
}
print(`ready ${port}`);

process.on('SIGTERM', async () => {
  await csms.close({ drainMs: 0 });
  process.exit(0);
});
