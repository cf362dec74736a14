import { type Csms, createCsms } from '../actors/csms.js';
import { registerDefaultHandlers } from '../actors/default-handlers.js';
import { OptionsError } from '../actors/errors.js';
import { metricsPlugin } from '../plugins/metrics.js';
import { parseFlags, UsageError } from './args.js';
import { type OperatorFlags, serveOperator } from './serve-operator.js';
import { type SecurityFlags, ServeSecurity, securityFlagProblems } from './serve-security.js';

export interface ServeOptions extends SecurityFlags, OperatorFlags {
  port: number;
  host: string;
  quiet: boolean;
  version: string;
  /** Connection attempts per remote address: a burst and a sustained rate, or off. */
  rateLimit?: false | { burst: number; perSecond: number };
  /** Whole handshake, TCP accept to upgrade (default 10 s). */
  handshakeTimeoutMs?: number;
  /** NATS server URL(s): run as one node of a cluster on NATS JetStream. */
  nats?: string[];
  /** This node's id in the cluster (default: a random one). */
  nodeId?: string;
}

export const SERVE_USAGE = `  ocpp-actors serve [--port 9000] [--host 127.0.0.1] [--quiet]
                    [--security-profile 0|1|2|3] [--tls-cert cert.pem --tls-key key.pem] [--tls-ca ca.pem]
                    [--password-file passwords.txt] [--rate-limit BURST,PER_SECOND|off]
                    [--handshake-timeout MS] [--nats nats://127.0.0.1:4222 [--node-id A]]
                    [--ops-token T | --no-ops] [--ops-remote] [--inspect [--inspect-port 8080]]
      Start a CSMS speaking OCPP 2.1, 2.0.1 and 1.6 on the embedded bus (or, with --nats, as one node
      of a cluster), with default handlers (accept boots, answer heartbeats, status, meter values,
      authorize, transactions).`;

export const SERVE_HELP = `Usage:
${SERVE_USAGE}

Options:
  --port N                  TCP port (default 9000; 0 picks a free one)
  --host ADDRESS            address to bind (default 127.0.0.1: this machine only). --host 0.0.0.0 accepts
                            stations from the network; with --security-profile 0 anyone may connect.
  --quiet                   print the start banner only, not each station's connects, boots and refusals
  --security-profile N      0: no authentication (default); 1: HTTP Basic; 2: TLS + HTTP Basic;
                            3: TLS + client certificates (CN = identity)
  --tls-cert FILE           PEM certificate (profiles 2 and 3)
  --tls-key FILE            PEM key of the certificate (profiles 2 and 3)
  --tls-ca FILE             PEM CA that signs station certificates (profile 3)
  --password-file FILE      identity:password lines (profiles 1 and 2); unknown identity: 404, wrong password: 401
  --rate-limit B,R|off      connection attempts per remote address: burst B, then R per second (default
                            200,100; HTTP 429 beyond); 'off' for simulators connecting thousands from one address
  --handshake-timeout MS    a connection that has not completed its WebSocket handshake this long after
                            accept is cut (default 10000)
  --nats URL[,URL]          run as one node of a cluster on NATS JetStream (server 2.9 or later): stations
                            may connect to any node; calls, queued commands and events reach them anywhere.
                            An unreachable server at start is an error (exit 1)
  --node-id ID              this node's name in the cluster (default: random); shown when a station moves
  --ops-token T             the operator page's token (at least 16 characters; default: a random one). The
                            page (/ops on the same port) is printed with its token in the start banner
  --no-ops                  no operator page
  --ops-remote              serve the operator page to other machines too (default: this machine only)
  --inspect                 start Stately's inspector bridge (@statelyai/inspect); "Inspect in Stately" on a
                            station's operator page streams that station's statecharts to it
  --inspect-port N          the bridge's port (default 8080)
  -h, --help                this help

SIGHUP re-reads the certificate, key, CA and password files; stations stay connected.
SIGINT/SIGTERM close every connection (handlers get 2 s to finish) and exit 0.`;

const SERVE_FLAGS = {
  port: { type: 'string', default: '9000' },
  host: { type: 'string', default: '127.0.0.1' },
  quiet: { type: 'boolean', default: false },
  'security-profile': { type: 'string', default: '0' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
  'password-file': { type: 'string' },
  'rate-limit': { type: 'string' },
  'handshake-timeout': { type: 'string' },
  nats: { type: 'string' },
  'node-id': { type: 'string' },
  'ops-token': { type: 'string' },
  'no-ops': { type: 'boolean', default: false },
  'ops-remote': { type: 'boolean', default: false },
  inspect: { type: 'boolean', default: false },
  'inspect-port': { type: 'string' },
} as const;

/** The serve flags, or `'help'`; a UsageError says why they are unusable. */
export function parseServeArgs(args: string[], version: string): ServeOptions | 'help' {
  const values = parseFlags('serve', args, SERVE_FLAGS);
  if (values.help) return 'help';
  const usage = (message: string) => new UsageError(message, 'serve');
  let rateLimit: ServeOptions['rateLimit'];
  const rl = values['rate-limit'];
  if (rl === 'off') rateLimit = false;
  else if (rl !== undefined) {
    const [burst, perSecond] = rl.split(',').map(Number);
    if (!burst || !perSecond || burst <= 0 || perSecond <= 0)
      throw usage(`--rate-limit must be BURST,PER_SECOND (e.g. 200,100) or off, got ${rl}`);
    rateLimit = { burst, perSecond };
  }
  const ht = values['handshake-timeout'];
  const handshakeTimeoutMs = ht === undefined ? undefined : Number(ht);
  if (handshakeTimeoutMs !== undefined && (!Number.isInteger(handshakeTimeoutMs) || handshakeTimeoutMs < 0))
    throw usage(`--handshake-timeout must be milliseconds, got ${ht}`);
  const nats = values.nats?.split(',').filter((u) => u.length > 0);
  if (nats !== undefined && (nats.length === 0 || nats.some((u) => !/^(nats|tls|wss?):\/\/./.test(u))))
    throw usage(`--nats must be nats://HOST:PORT (comma-separated for several), got ${values.nats}`);
  const nodeId = values['node-id'];
  if (nodeId !== undefined && nats === undefined) throw usage('--node-id needs --nats');
  if (nodeId !== undefined && !/^[A-Za-z0-9_-]+$/.test(nodeId))
    throw usage(`--node-id must be letters, digits, - and _, got ${nodeId}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw usage(`--port must be a port number, got ${values.port}`);
  const opsToken = values['ops-token'];
  if (opsToken !== undefined && opsToken.length < 16)
    throw usage('--ops-token must be at least 16 characters');
  if (values['no-ops'] && (opsToken !== undefined || values.inspect || values['ops-remote']))
    throw usage('--no-ops leaves no page for --ops-token, --ops-remote or --inspect');
  const ip = values['inspect-port'];
  const inspectPort = ip === undefined ? 8080 : Number(ip);
  if (!Number.isInteger(inspectPort) || inspectPort <= 0 || inspectPort > 65535)
    throw usage(`--inspect-port must be a port number, got ${ip}`);
  if (ip !== undefined && !values.inspect) throw usage('--inspect-port needs --inspect');
  const profile = values['security-profile'];
  if (profile !== '0' && profile !== '1' && profile !== '2' && profile !== '3')
    throw usage(`--security-profile must be 0, 1, 2 or 3, got ${profile}`);
  const options: ServeOptions = {
    port,
    host: values.host,
    quiet: values.quiet,
    version,
    securityProfile: Number(profile) as 0 | 1 | 2 | 3,
    tlsCert: values['tls-cert'],
    tlsKey: values['tls-key'],
    tlsCa: values['tls-ca'],
    passwordFile: values['password-file'],
    ...(rateLimit !== undefined && { rateLimit }),
    ...(handshakeTimeoutMs !== undefined && { handshakeTimeoutMs }),
    ...(nats !== undefined && { nats }),
    ...(nodeId !== undefined && { nodeId }),
    ...(opsToken !== undefined && { opsToken }),
    ...(values['no-ops'] && { noOps: true }),
    ...(values['ops-remote'] && { opsRemote: true }),
    ...(values.inspect && { inspectPort }),
  };
  const problems = securityFlagProblems(options);
  if (problems.length) throw usage(problems.join('\n'));
  return options;
}

/** Loopback addresses: only this machine can reach them. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** What the start banner says about who can connect, so an open development server is never a surprise. */
export function exposureNotes(host: string, securityProfile: number): string[] {
  if (isLoopback(host)) {
    return [
      `  bound to ${host}: only this machine can connect (--host 0.0.0.0 accepts stations from the network)`,
      ...(securityProfile === 0 ? ['  security profile 0: no authentication'] : []),
    ];
  }
  return [
    `  WARNING: bound to ${host}: anyone who can reach this machine on the network can connect`,
    ...(securityProfile === 0
      ? [
          '  WARNING: security profile 0: no authentication; anyone who connects may act as any station' +
            ' (--security-profile 1, 2 or 3 with --password-file or certificates)',
        ]
      : []),
  ];
}

export interface RunningServer {
  readonly csms: Csms;
  readonly port: number;
  readonly url: string;
  /** Start-banner lines about the operator page (its URL with the token) and the inspector. */
  readonly operatorNotes: string[];
  /** Re-read the certificate and password files (what SIGHUP does); throws and keeps the old ones on error. */
  reload(): Promise<string[]>;
}

/** The CSMS of `serve`, listening, with its stations logged through `log`. */
export async function startServer(opts: ServeOptions, log: (line: string) => void): Promise<RunningServer> {
  const security = await ServeSecurity.load(opts);
  // Loaded only for --nats: the embedded bus never loads the NATS client.
  const bus = opts.nats
    ? await (await import('../bus/nats/index.js')).createNatsBus({ servers: opts.nats, nodeId: opts.nodeId })
    : undefined;
  const metrics = metricsPlugin({ intervalMs: 0 });
  const operator = await serveOperator(opts, metrics);
  const csms = registerDefaultHandlers(
    createCsms({
      ...security.csmsOptions(),
      ...(bus && { bus, nodeId: bus.nodeId }),
      ...(opts.rateLimit !== undefined && { connectionRateLimit: opts.rateLimit }),
      ...(opts.handshakeTimeoutMs !== undefined && { handshakeTimeoutMs: opts.handshakeTimeoutMs }),
      // GET /metrics on the same port: Prometheus text; the operator page under /ops.
      plugins: [metrics, ...operator.plugins],
    }),
  );
  csms.on('connected', ({ station, reconnect }) =>
    log(
      `${reconnect ? 'reconnected' : 'connected'} ${station.identity} ${station.protocol} from ${station.remoteAddress ?? '?'}`,
    ),
  );
  csms.on('registered', ({ station, status }) => log(`boot ${status} ${station.identity}`));
  csms.on('disconnected', ({ station, code }) => log(`disconnected ${station.identity} (${code})`));
  const refused: Parameters<typeof csms.on<'authFailed'>>[1] = ({ handshake, status, reason }) =>
    log(`refused ${handshake.identity ?? handshake.url} ${status} ${reason}`);
  csms.on('authFailed', refused);
  csms.on('handshakeRejected', refused);
  // Refusals at the TLS layer have no HTTP request, so no authFailed / handshakeRejected.
  // Sockets cut before their handshake can come by the thousand in a flood: one line a second at most.
  const cut = { HANDSHAKE_TIMEOUT: 0, PENDING_HANDSHAKES_EXCEEDED: 0 };
  const summary = setInterval(() => {
    if (cut.HANDSHAKE_TIMEOUT)
      log(`cut ${cut.HANDSHAKE_TIMEOUT} connection(s) that did not finish the handshake in time`);
    if (cut.PENDING_HANDSHAKES_EXCEEDED)
      log(`refused ${cut.PENDING_HANDSHAKES_EXCEEDED} connection(s): too many handshakes in progress`);
    cut.HANDSHAKE_TIMEOUT = cut.PENDING_HANDSHAKES_EXCEEDED = 0;
  }, 1_000);
  summary.unref();
  csms.on('closed', () => {
    clearInterval(summary);
    operator.stop();
    void bus?.close();
  });
  if (bus) {
    csms.on('clusterError', ({ operation, identity, error }) =>
      log(
        `cluster: ${operation}${identity ? ` ${identity}` : ''} failed: ${error instanceof Error ? error.message : error}`,
      ),
    );
  }
  csms.on('securityEvent', ({ type, remoteAddress, details }) => {
    if (details?.stage === 'tls') log(`refused TLS from ${remoteAddress ?? '?'}: ${type} ${details.reason}`);
    else if (type === 'HANDSHAKE_TIMEOUT' || type === 'PENDING_HANDSHAKES_EXCEEDED') cut[type]++;
  });
  csms.on('badMessage', ({ station, reason }) => log(`bad message from ${station.identity}: ${reason}`));
  csms.on('validationFailure', ({ station, direction, error }) =>
    log(`invalid ${direction === 'IN' ? 'message from' : 'answer to'} ${station.identity}: ${error.message}`),
  );

  let port: number;
  try {
    ({ port } = await csms.listen({ port: opts.port, host: opts.host }));
  } catch (error) {
    await csms.close({ drainMs: 0 });
    throw listenFailure(error, opts);
  }
  const scheme = opts.securityProfile >= 2 ? 'wss' : 'ws';
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? 'localhost' : opts.host;
  const page = `${opts.securityProfile >= 2 ? 'https' : 'http'}://${host}:${port}`;
  return {
    csms,
    port,
    url: `${scheme}://${host}:${port}`,
    operatorNotes: operator.banner(page),
    reload: () => security.reload(csms),
  };
}

/** A failed listen, said the way a user can act on. */
function listenFailure(error: unknown, opts: ServeOptions): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${opts.host}:${opts.port}`;
  // The files were read, but the certificate, key or CA in them are not usable together.
  if (error instanceof OptionsError)
    return new UsageError(`--tls-cert/--tls-key/--tls-ca: ${error.issues.join('; ')}`, 'serve');
  if (code?.startsWith('ERR_OSSL'))
    return new UsageError(`--tls-cert/--tls-key/--tls-ca: not usable PEM (${code})`, 'serve');
  if (code === 'EADDRINUSE')
    return new Error(
      `cannot listen on ${where}: the port is in use (EADDRINUSE); stop the other process or pick another --port`,
    );
  if (code === 'EACCES')
    return new Error(
      `cannot listen on ${where}: permission denied (EACCES); ports below 1024 need privileges`,
    );
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new Error(
      `cannot listen on ${where}: --host ${opts.host} is not an address of this machine (${code})`,
    );
  return error instanceof Error ? error : new Error(String(error));
}

/** The main job: a CSMS on the embedded bus with default handlers, printing stations as they come and go. */
export async function serve(opts: ServeOptions): Promise<void> {
  const log = (line: string) => {
    if (!opts.quiet) console.log(`${new Date().toISOString()} ${line}`);
  };
  const { csms, url, reload, operatorNotes } = await startServer(opts, log);
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
  process.on('SIGHUP', () => {
    reload().then(
      (what) => console.log(`SIGHUP: reloaded ${what.length ? what.join(' and ') : 'nothing (no files)'}`),
      (error: unknown) =>
        console.error(
          `SIGHUP: reload failed, keeping the previous files: ${error instanceof Error ? error.message : error}`,
        ),
    );
  });
  // Printed last: whoever waits for the banner may signal at once.
  console.log(
    [
      `ocpp-actors ${opts.version}: CSMS listening on ${url}/<station identity> (${csms.options.protocols.join(', ')}; security profile ${opts.securityProfile})`,
      ...(opts.nats ? [`  cluster node ${csms.nodeId} on NATS ${opts.nats.join(', ')}`] : []),
      ...exposureNotes(opts.host, opts.securityProfile),
      ...operatorNotes,
    ].join('\n'),
  );
}
