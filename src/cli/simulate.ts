import { OCPP_VERSIONS, type OcppVersion } from '../protocol/versions.js';
import { runSimulation, type SimProgress, type SimulationSummary } from '../sim/index.js';
import { parseFlags, UsageError } from './args.js';

export const SIMULATE_USAGE = `  ocpp-actors simulate [--url ws://127.0.0.1:9000] [--stations 10] [--protocol ocpp1.6|ocpp2.0.1|ocpp2.1]
                       [--duration S] [--max-failures N] [--json] [more: see ocpp-actors simulate --help]
      Run N virtual charging stations in this process against a CSMS and print a summary.`;

export const SIMULATE_HELP = `Usage:
${SIMULATE_USAGE}

Station i connects to <url>/<prefix><i>: boot, status, heartbeats, authorize, transactions with meter
values, answers to the CSMS's commands. Stations start --ramp per second; the run lasts --duration seconds
or until SIGINT/SIGTERM, then prints a summary. Times are in seconds and may be fractional.

Options:
  --url URL                 the CSMS (default ws://127.0.0.1:9000)
  --stations N              how many stations (default 10)
  --protocol VERSION        ocpp1.6 (default), ocpp2.0.1 or ocpp2.1
  --duration S              stop after S seconds (default: run until SIGINT/SIGTERM)
  --connectors N            connectors per station (default 2)
  --ramp R                  stations started per second (default 50)
  --meter-interval S        seconds between meter values in a transaction (default 10)
  --charge-duration S       mean length of a charging session (default 60)
  --idle S                  mean idle time between sessions (default 10)
  --identity-prefix P       identity prefix (default SIM-)
  --password P              HTTP Basic password of every station (profiles 1 and 2)
  --reboot-delay S          seconds a station takes to come back after a Reset (default 1)
  --remote-only             no driver plugs in on their own; sessions start only on the CSMS's remote start
  --max-failures N          exit 1 when more than N stations never booted (default 0)
  --json                    the summary as one JSON line on stdout
  -h, --help                this help`;

const SIMULATE_FLAGS = {
  url: { type: 'string', default: 'ws://127.0.0.1:9000' },
  stations: { type: 'string', default: '10' },
  protocol: { type: 'string', default: 'ocpp1.6' },
  duration: { type: 'string' },
  connectors: { type: 'string', default: '2' },
  ramp: { type: 'string', default: '50' },
  'meter-interval': { type: 'string', default: '10' },
  'charge-duration': { type: 'string', default: '60' },
  idle: { type: 'string', default: '10' },
  'identity-prefix': { type: 'string', default: 'SIM-' },
  password: { type: 'string' },
  'reboot-delay': { type: 'string', default: '1' },
  'remote-only': { type: 'boolean', default: false },
  'max-failures': { type: 'string', default: '0' },
  json: { type: 'boolean', default: false },
} as const;

/**
 * `simulate …`: resolves with the exit code once the run has ended and its summary was printed: 0, or 1 when
 * more stations than `--max-failures` never booted. Unusable flags throw a UsageError.
 */
export async function simulate(args: string[]): Promise<number> {
  const values = parseFlags('simulate', args, SIMULATE_FLAGS);
  if (values.help) {
    console.log(SIMULATE_HELP);
    return 0;
  }
  const problems: string[] = [];
  const num = (flag: string, raw: string | undefined, check: (n: number) => boolean, what: string) => {
    const n = Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isFinite(n) || !check(n))
      problems.push(`--${flag} must be ${what}, got ${raw}`);
    return n;
  };
  const positiveInt = (n: number) => Number.isInteger(n) && n > 0;
  const stations = num('stations', values.stations, positiveInt, 'a positive integer');
  const connectors = num('connectors', values.connectors, positiveInt, 'a positive integer');
  const ramp = num('ramp', values.ramp, (n) => n > 0, 'a positive number');
  const meterIntervalS = num('meter-interval', values['meter-interval'], (n) => n >= 0, 'seconds ≥ 0');
  const chargeDurationS = num('charge-duration', values['charge-duration'], (n) => n > 0, 'seconds > 0');
  const idleS = num('idle', values.idle, (n) => n > 0, 'seconds > 0');
  const rebootDelayS = num('reboot-delay', values['reboot-delay'], (n) => n >= 0, 'seconds ≥ 0');
  const durationS =
    values.duration === undefined ? undefined : num('duration', values.duration, (n) => n > 0, 'seconds > 0');
  const maxFailures = num(
    'max-failures',
    values['max-failures'],
    (n) => Number.isInteger(n) && n >= 0,
    'an integer ≥ 0',
  );
  const protocol = values.protocol as OcppVersion;
  if (!OCPP_VERSIONS.includes(protocol))
    problems.push(`--protocol must be one of ${OCPP_VERSIONS.join(', ')}, got ${values.protocol}`);
  if (problems.length) throw new UsageError(problems.join('\n'), 'simulate');

  const live = process.stderr.isTTY;
  const abort = new AbortController();
  let interrupted = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal means the clean stop is taking too long for the user.
    if (++interrupted > 1) process.exit(130);
    process.stderr.write(`${live ? '\n' : ''}${signal}: stopping the stations…\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let progressShown = false;
  try {
    const summary = await runSimulation({
      url: values.url,
      stations,
      protocol,
      ...(durationS === undefined ? {} : { durationS }),
      connectors,
      ramp,
      meterIntervalS,
      chargeDurationS,
      idleS,
      rebootDelayS,
      remoteOnly: values['remote-only'],
      identityPrefix: values['identity-prefix'],
      ...(values.password === undefined ? {} : { password: values.password }),
      signal: abort.signal,
      progressIntervalMs: live ? 250 : 1000,
      onProgress: (p) => {
        progressShown = true;
        // On a terminal the line is rewritten in place; in a log, one line per report.
        process.stderr.write(live ? `\r${progressLine(p)}\x1b[K` : `${progressLine(p)}\n`);
      },
    });
    if (live && progressShown) process.stderr.write('\n');
    if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else process.stdout.write(formatSummary(summary));
    // A station failed if it never got an Accepted boot: it could not connect, was refused, or was not answered.
    const failed = summary.stations - summary.booted;
    if (failed <= maxFailures) return 0;
    process.stderr.write(
      `${failed} of ${summary.stations} stations never booted (--max-failures ${maxFailures})\n`,
    );
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function progressLine(p: SimProgress): string {
  return `connected ${p.connected}/${p.stations}, booted ${p.booted}, ${p.stationsPerSecond.toFixed(1)} st/s`;
}

export function formatSummary(s: SimulationSummary): string {
  const e = s.errors;
  const lines = [
    `${s.protocol} simulation against ${s.url}: ${s.stations} stations, ${s.durationS.toFixed(1)} s`,
    `  connected  ${s.connected}/${s.stations} in ${s.ramp.connectedS.toFixed(2)} s (${s.ramp.stationsPerSecond.toFixed(1)} st/s), ` +
      `booted ${s.booted} in ${s.ramp.bootedS.toFixed(2)} s, ${s.connectedAtEnd} connected at the end`,
    `  calls      ${s.calls} answered, p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms; ` +
      `${s.commands} CSMS commands`,
    `  sessions   ${s.transactions.started} transactions started, ${s.transactions.stopped} stopped`,
    `  errors     ${e.total} (connect ${e.connect}, CALLERROR ${e.callError}, validation ${e.validation}, ` +
      `timeout ${e.timeout}, other ${e.other}); invalid CSMS calls ${e.invalidFromCsms}`,
    ...s.errorSamples.map((x) => `    ${x}`),
  ];
  return `${lines.join('\n')}\n`;
}
