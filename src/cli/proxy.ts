import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Bus } from '../bus/types.js';
import type { StationTlsOptions } from '../client/options.js';
import { OCPP_VERSIONS, type OcppVersion } from '../protocol/versions.js';
import { CsmsAdapter } from '../proxy/csms-adapter.js';
import { OCPPProtocolProxy } from '../proxy/proxy.js';
import { KvSessionStore } from '../translation/kv-session-store.js';
import { presets } from '../translation/presets/index.js';
import type { TranslationMap } from '../translation/types.js';
import { parseFlags, UsageError } from './args.js';
import { isLoopback } from './serve.js';

export interface ProxyCliOptions {
  port: number;
  host: string;
  accept: OcppVersion[];
  upstream: string;
  upstreamProtocol: OcppVersion;
  quiet: boolean;
  version: string;
  /** PEM file paths for the upstream wss:// legs. */
  upstreamCa?: string;
  upstreamCert?: string;
  upstreamKey?: string;
  /** Per station: `<dir>/<identity>.pem` and `<dir>/<identity>.key`, over --upstream-cert. */
  upstreamCertDir?: string;
  /** NATS server URL(s): the session store on the bus's KV, shared by every proxy node. */
  nats?: string[];
}

export const PROXY_USAGE = `  ocpp-actors proxy --upstream ws://csms:9000 [--upstream-protocol ocpp2.1] [--accept ocpp1.6]
                    [--port 9001] [--host 127.0.0.1] [--quiet] [--nats nats://127.0.0.1:4222]
                    [--upstream-ca ca.pem] [--upstream-cert cert.pem --upstream-key key.pem]
                    [--upstream-cert-dir DIR]
      Translate between OCPP versions: stations speaking --accept connect here; each gets its own
      connection to the CSMS at --upstream (same identity and password) in --upstream-protocol.`;

export const PROXY_HELP = `Usage:
${PROXY_USAGE}

Options:
  --upstream URL            the CSMS (ws:// or wss://); each station's identity is appended
  --upstream-protocol V     the version the CSMS speaks: ocpp1.6, ocpp2.0.1 or ocpp2.1 (default ocpp2.1)
  --accept V[,V]            versions stations may speak here (default ocpp1.6); each is translated to
                            --upstream-protocol with the built-in preset, the same version passes through
  --port N                  TCP port for stations (default 9001; 0 picks a free one)
  --host ADDRESS            address to bind (default 127.0.0.1: this machine only)
  --quiet                   print the start banner only, not each station as it connects and goes
  --nats URL[,URL]          keep the session store (transaction-id maps) in the KV bucket proxy-sessions
                            of NATS JetStream (server 2.9 or later): shared by every proxy node on it,
                            kept across restarts
  --upstream-ca FILE        PEM CA(s) a wss:// CSMS's certificate must chain to (default: Node's CAs)
  --upstream-cert FILE      PEM client certificate every upstream leg presents (security profile 3)
  --upstream-key FILE       its PEM key
  --upstream-cert-dir DIR   per station: DIR/<identity>.pem and DIR/<identity>.key, read as each
                            station connects (over --upstream-cert); a station with none presents
                            --upstream-cert or nothing, and the CSMS's refusal is its answer
  -h, --help                this help

Strict validation on both legs; without --nats the transaction-id mapping is kept in memory (lost on
exit). A station's handshake waits for the CSMS to accept its upstream leg (401/403/404 from the CSMS
refuse it with the same status; an unreachable CSMS: accepted, its leg keeps retrying).
SIGINT/SIGTERM disconnect every station and its upstream connection and exit 0.`;

const PROXY_FLAGS = {
  upstream: { type: 'string' },
  'upstream-protocol': { type: 'string', default: 'ocpp2.1' },
  accept: { type: 'string', default: 'ocpp1.6' },
  port: { type: 'string', default: '9001' },
  host: { type: 'string', default: '127.0.0.1' },
  quiet: { type: 'boolean', default: false },
  nats: { type: 'string' },
  'upstream-ca': { type: 'string' },
  'upstream-cert': { type: 'string' },
  'upstream-key': { type: 'string' },
  'upstream-cert-dir': { type: 'string' },
} as const;

const isVersion = (v: string): v is OcppVersion => (OCPP_VERSIONS as readonly string[]).includes(v);

export function parseProxyArgs(args: string[], version: string): ProxyCliOptions | 'help' {
  const values = parseFlags('proxy', args, PROXY_FLAGS);
  if (values.help) return 'help';
  const usage = (message: string) => new UsageError(message, 'proxy');
  const upstream = values.upstream;
  if (upstream === undefined) throw usage('--upstream is required (the CSMS URL, e.g. ws://127.0.0.1:9000)');
  if (!/^wss?:\/\/[^/]/i.test(upstream))
    throw usage(`--upstream must be a ws:// or wss:// URL, got ${upstream}`);
  const upstreamProtocol = values['upstream-protocol'];
  if (!isVersion(upstreamProtocol))
    throw usage(`--upstream-protocol must be one of ${OCPP_VERSIONS.join(', ')}, got ${upstreamProtocol}`);
  const accept = values.accept.split(',').map((v) => v.trim());
  const wrong = accept.filter((v) => !isVersion(v));
  if (wrong.length || accept.length === 0)
    throw usage(`--accept takes ${OCPP_VERSIONS.join(', ')} (comma-separated), got ${values.accept}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw usage(`--port must be a port number, got ${values.port}`);
  const nats = values.nats?.split(',').filter((u) => u.length > 0);
  if (nats !== undefined && (nats.length === 0 || nats.some((u) => !/^(nats|tls|wss?):\/\/./.test(u))))
    throw usage(`--nats must be nats://HOST:PORT (comma-separated for several), got ${values.nats}`);
  const tls = {
    upstreamCa: values['upstream-ca'],
    upstreamCert: values['upstream-cert'],
    upstreamKey: values['upstream-key'],
    upstreamCertDir: values['upstream-cert-dir'],
  };
  const anyTls = Object.values(tls).some((v) => v !== undefined);
  if (anyTls && !/^wss:/i.test(upstream))
    throw usage('--upstream-ca/--upstream-cert/--upstream-key/--upstream-cert-dir need a wss:// --upstream');
  if ((tls.upstreamCert === undefined) !== (tls.upstreamKey === undefined))
    throw usage('--upstream-cert and --upstream-key go together');
  for (const [flag, path] of [
    ['--upstream-ca', tls.upstreamCa],
    ['--upstream-cert', tls.upstreamCert],
    ['--upstream-key', tls.upstreamKey],
  ] as const)
    if (path !== undefined) readable(flag, path, 'file');
  if (tls.upstreamCertDir !== undefined) readable('--upstream-cert-dir', tls.upstreamCertDir, 'directory');
  return {
    port,
    host: values.host,
    accept: accept as OcppVersion[],
    upstream,
    upstreamProtocol,
    quiet: values.quiet,
    version,
    ...Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined)),
    ...(nats !== undefined && { nats }),
  };
}

function readable(flag: string, path: string, kind: 'file' | 'directory'): void {
  let ok: boolean;
  try {
    const st = statSync(path);
    ok = kind === 'file' ? st.isFile() : st.isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`${flag}: ${path} is not a readable ${kind}`, 'proxy');
}

/**
 * The upstream legs' TLS: the shared settings, and per station its own certificate from the directory
 * when it has one. Identities that could name a file elsewhere (separators, a leading dot) get none.
 */
function upstreamTls(o: ProxyCliOptions): {
  shared: StationTlsOptions | undefined;
  perStation?: (identity: string) => StationTlsOptions | undefined;
} {
  const shared: StationTlsOptions = {};
  if (o.upstreamCa) shared.ca = readFileSync(o.upstreamCa);
  if (o.upstreamCert && o.upstreamKey) {
    shared.cert = readFileSync(o.upstreamCert);
    shared.key = readFileSync(o.upstreamKey);
  }
  const dir = o.upstreamCertDir;
  const tls = Object.keys(shared).length ? shared : undefined;
  if (!dir) return { shared: tls };
  return {
    shared: tls,
    perStation: (identity) => {
      if (/[/\\\0]/.test(identity) || identity.startsWith('.')) return undefined;
      try {
        const cert = readFileSync(join(dir, `${identity}.pem`));
        const key = readFileSync(join(dir, `${identity}.key`));
        return { ...shared, cert, key };
      } catch {
        return undefined;
      }
    },
  };
}

const SHORT: Record<OcppVersion, string> = {
  'ocpp1.6': 'ocpp16',
  'ocpp2.0.1': 'ocpp201',
  'ocpp2.1': 'ocpp21',
};

/** The built-in preset for stations of `station` behind a CSMS of `csms` (none: the same version). */
export function presetFor(station: OcppVersion, csms: OcppVersion): TranslationMap | undefined {
  if (station === csms) return undefined;
  return (presets as Record<string, TranslationMap>)[`${SHORT[station]}_to_${SHORT[csms]}`];
}

export interface RunningProxy {
  readonly proxy: OCPPProtocolProxy;
  readonly port: number;
  /** Close the proxy, then the NATS connection of its session store (if any). */
  close(): Promise<void>;
}

export async function startProxyServer(
  o: ProxyCliOptions,
  log: (line: string) => void,
): Promise<RunningProxy> {
  // Loaded only for --nats: without it the NATS client is never loaded.
  const bus: Bus | undefined = o.nats
    ? await (await import('../bus/nats/index.js')).createNatsBus({ servers: o.nats })
    : undefined;
  const tls = upstreamTls(o);
  const proxy = new OCPPProtocolProxy({
    upstreamEndpoint: o.upstream,
    upstreamProtocol: o.upstreamProtocol,
    ...(bus && { sessionStore: new KvSessionStore(await bus.kv('proxy-sessions')) }),
    ...(tls.shared && { upstream: { tls: tls.shared } }),
    ...(tls.perStation && {
      upstreamFor: ({ identity }) => {
        const own = tls.perStation?.(identity);
        return own ? { tls: own } : undefined;
      },
    }),
  });
  const close = async () => {
    await proxy.close();
    await bus?.close();
  };
  for (const v of o.accept) {
    const preset = presetFor(v, o.upstreamProtocol);
    if (preset) proxy.translate(preset);
  }
  proxy.on('connection', (identity, protocol) =>
    log(`connected ${identity} ${protocol} -> ${o.upstreamProtocol}`),
  );
  proxy.on('disconnect', (identity) => log(`disconnected ${identity}`));
  proxy.on('translationError', (e, m, c) =>
    log(`translation error ${c.identity} ${m.action ?? ''}: ${e.message}`),
  );
  proxy.on('middlewareError', (e, _m, c) => log(`middleware error ${c.identity}: ${e.message}`));
  proxy.on('upstreamError', (e, identity) => log(`upstream error ${identity}: ${e.message}`));
  const adapter = new CsmsAdapter({ port: o.port, host: o.host, protocols: o.accept });
  adapter.csms.on('validationFailure', ({ station, direction, error }) =>
    log(`invalid ${direction === 'IN' ? 'message from' : 'answer to'} ${station.identity}: ${error.message}`),
  );
  try {
    await proxy.listenOnAdapter(adapter);
  } catch (error) {
    await close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new Error(
        `cannot listen on ${o.host}:${o.port}: the port is in use (EADDRINUSE); pick another --port`,
      );
    throw error;
  }
  return { proxy, port: adapter.port ?? o.port, close };
}

/** The `proxy` command: runs until SIGINT/SIGTERM. */
export async function runProxy(o: ProxyCliOptions): Promise<void> {
  const log = (line: string) => {
    if (!o.quiet) console.log(`${new Date().toISOString()} ${line}`);
  };
  const { proxy, port, close } = await startProxyServer(o, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing ${proxy.connections} station connections`);
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const host = o.host === '0.0.0.0' || o.host === '::' ? 'localhost' : o.host;
  console.log(
    [
      `ocpp-actors ${o.version}: proxy listening on ws://${host}:${port}/<station identity> (${o.accept.join(', ')}) -> ${o.upstream} (${o.upstreamProtocol})`,
      ...(isLoopback(o.host)
        ? []
        : [`  WARNING: bound to ${o.host}: anyone who can reach this machine can connect`]),
      ...(o.nats ? [`  session store: KV bucket proxy-sessions on NATS ${o.nats.join(', ')}`] : []),
    ].join('\n'),
  );
}
