/** Options of the load benchmark: `--flag value` (or `--flag=value`), else env `BENCH_LOAD_<FLAG>`. */

/**
 * `ours-plugins`: ours with metricsPlugin + otelPlugin (SDK, no-op exporter) + sessionLogPlugin registered.
 * `ours-plugins-sampled`: the same with otelPlugin's `sampleRatio: 0.1` (10 % of the calls that went well traced, every failed one).
 * `ours-ops`: ours with the operator page open in another process (its stream, one station selected).
 */
export const SERVERS = [
  'ours',
  'ours-plugins',
  'ours-plugins-sampled',
  'ours-ops',
  'bare',
  'ocpp-rpc',
  'ocpp-ws-io',
] as const;
export type ServerName = (typeof SERVERS)[number];

export interface Config {
  /** Stations connected (1.6) per server per round: connect, idle RSS, fan-out, fixed-rate phases. */
  stations: number;
  /** Of those, how many drive the max-rate phase (one outstanding CALL each). */
  callStations: number;
  /** Calls/s of the fixed-rate (below saturation) phase, spread over all stations. */
  rate: number;
  /** 2.0.1 stations connected after the 1.6 phases for a 2.0.1 max-rate phase; 0 skips it. */
  v201: number;
  rounds: number;
  /** Measured window of each call phase, and the warm-up before it (seconds). */
  duration: number;
  warmup: number;
  servers: ServerName[];
  baseline: ServerName;
  /** Load-generating processes. */
  workers: number;
  /** Connections being set up at once, per worker. */
  concurrency: number;
  out: string;
  /** Profile every server's adapter (inspector) during this phase: max16 | rate16 | max201 | connect | fanout. */
  profile: string;
  /**
   * Give the server process a CPU of its own and the load generators the rest (taskset), so a server's
   * CPU per call is not moved by where the scheduler put it relative to the load. `auto` pins with 4 or
   * more CPUs: on 2, one core cannot generate the max-rate load for the fastest servers, which then run
   * below saturation and pay more CPU per call than when saturated (measured here: bare ws 59 vs 49 µs).
   */
  pin: 'auto' | 'on' | 'off';
  /** cpu: V8 CPU profile; heap: sampling heap profile (what allocates). */
  profileKind: 'cpu' | 'heap';
  help: boolean;
}

const DEFAULTS: Config = {
  stations: 10_000,
  callStations: 1_000,
  rate: 1_000,
  v201: 1_000,
  rounds: 3,
  duration: 3,
  warmup: 1,
  servers: [...SERVERS],
  baseline: 'bare',
  workers: 2,
  concurrency: 100,
  out: 'bench/results',
  profile: '',
  profileKind: 'cpu',
  pin: 'auto',
  help: false,
};

export const USAGE = `usage: npm run bench:load -- [options]     (or env BENCH_LOAD_<OPTION>, e.g. BENCH_LOAD_STATIONS=2000)
  --stations N        1.6 stations per server per round (default ${DEFAULTS.stations}; at most ~19000 per process)
  --call-stations N   stations driving the max-rate phase (default ${DEFAULTS.callStations})
  --rate N            calls/s of the fixed-rate phase over all stations (default ${DEFAULTS.rate})
  --v201 N            2.0.1 stations for the 2.0.1 max-rate phase, 0 to skip (default ${DEFAULTS.v201})
  --rounds N          rounds, servers interleaved A B, B A, ... (default ${DEFAULTS.rounds})
  --duration S        measured seconds per call phase (default ${DEFAULTS.duration})
  --warmup S          warm-up seconds before each measured window (default ${DEFAULTS.warmup})
  --servers a,b       subset of ${SERVERS.join(',')} (default all)
  --baseline NAME     ratios against this server (default ${DEFAULTS.baseline})
  --workers N         load-generating processes (default ${DEFAULTS.workers})
  --concurrency N     connection set-ups in flight per worker (default ${DEFAULTS.concurrency})
  --out DIR           where the JSON lines go (default ${DEFAULTS.out})
  --profile PHASE     CPU-profile each server during max16|rate16|max201|connect|fanout (skews that round)
  --profile-kind K    cpu (default) or heap: a sampling heap profile, allocations by function
  --pin auto|on|off   server on a CPU of its own, load generators on the others (taskset; auto: with
                      4+ CPUs, since on 2 one core cannot saturate the fastest servers)`;

function positive(name: string, v: string, min = 0): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name}: expected a number >= ${min}, got ${v}`);
  return n;
}

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const raw = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('BENCH_LOAD_') && v !== undefined) {
      raw.set(k.slice(11).toLowerCase().replaceAll('_', '-'), v);
    }
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    const eq = a.indexOf('=');
    if (eq > 0) raw.set(a.slice(2, eq), a.slice(eq + 1));
    else if (a === '--help' || a === '-h') raw.set('help', 'true');
    else raw.set(a.slice(2), argv[++i] ?? '');
  }
  const c: Config = { ...DEFAULTS, servers: [...DEFAULTS.servers] };
  for (const [k, v] of raw) {
    switch (k) {
      case 'stations':
        c.stations = Math.floor(positive(k, v, 1));
        break;
      case 'call-stations':
        c.callStations = Math.floor(positive(k, v, 1));
        break;
      case 'rate':
        c.rate = positive(k, v, 1);
        break;
      case 'v201':
        c.v201 = Math.floor(positive(k, v));
        break;
      case 'rounds':
        c.rounds = Math.floor(positive(k, v, 1));
        break;
      case 'duration':
        c.duration = positive(k, v, 0.5);
        break;
      case 'warmup':
        c.warmup = positive(k, v);
        break;
      case 'servers':
        c.servers = v.split(',').map((s) => {
          if (!(SERVERS as readonly string[]).includes(s)) throw new Error(`--servers: unknown server ${s}`);
          return s as ServerName;
        });
        break;
      case 'baseline':
        if (!(SERVERS as readonly string[]).includes(v)) throw new Error(`--baseline: unknown server ${v}`);
        c.baseline = v as ServerName;
        break;
      case 'workers':
        c.workers = Math.floor(positive(k, v, 1));
        break;
      case 'concurrency':
        c.concurrency = Math.floor(positive(k, v, 1));
        break;
      case 'out':
        c.out = v;
        break;
      case 'profile':
        c.profile = v;
        break;
      case 'pin':
        if (v !== 'auto' && v !== 'on' && v !== 'off') throw new Error(`--pin: auto, on or off, got ${v}`);
        c.pin = v;
        break;
      case 'profile-kind':
        if (v !== 'cpu' && v !== 'heap') throw new Error(`--profile-kind: cpu or heap, got ${v}`);
        c.profileKind = v;
        break;
      case 'help':
        c.help = true;
        break;
      default:
        throw new Error(`unknown option --${k}\n${USAGE}`);
    }
  }
  c.callStations = Math.min(c.callStations, c.stations);
  if (c.stations + c.v201 > 19_000)
    throw new Error('stations + v201 must stay <= 19000 (20000 open files per process)');
  if (c.stations / c.workers > 19_000) throw new Error('too many stations per worker');
  return c;
}
