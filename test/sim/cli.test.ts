import { spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSummary, simulate } from '../../src/cli/simulate.js';
import type { SimulationSummary } from '../../src/sim/index.js';
import { startCsms, type TestCsms } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

let t: TestCsms;
beforeAll(async () => {
  t = await startCsms();
});
afterAll(() => t.close());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI, as `npx ocpp-actors` runs it from the sources; `onStderr` may signal it. */
function cli(
  args: string[],
  onStderr?: (text: string, kill: (s: NodeJS.Signals) => void) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'simulate', ...args], {
      cwd: root,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, (s) => child.kill(s));
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('ocpp-actors simulate', () => {
  it.concurrent('runs for --duration and prints the summary as one JSON line with --json', async () => {
    const run = await cli([
      '--url',
      t.url,
      '--stations',
      '5',
      '--protocol',
      'ocpp2.0.1',
      '--duration',
      '2',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!) as SimulationSummary;
    expect(summary).toMatchObject({ protocol: 'ocpp2.0.1', stations: 5, connected: 5, booted: 5 });
    expect(summary.errors.total).toBe(0);
    expect(summary.durationS).toBeGreaterThanOrEqual(2);
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p50);
    expect(run.stderr).toMatch(/connected 5\/5, booted 5, [\d.]+ st\/s/);
    expect(t.failures).toEqual([]);
  });

  it.concurrent('stops cleanly on SIGINT with the summary, exit code 0', async () => {
    let sent = false;
    const run = await cli(
      ['--url', t.url, '--stations', '3', '--protocol', 'ocpp1.6', '--identity-prefix', 'INT-'],
      (err, kill) => {
        if (!sent && /booted 3/.test(err)) {
          sent = true;
          kill('SIGINT');
        }
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('SIGINT: stopping the stations');
    expect(run.stdout).toMatch(/^ocpp1\.6 simulation against ws:\/\/127\.0\.0\.1:\d+: 3 stations/);
    expect(run.stdout).toMatch(/connected {2}3\/3 in/);
    expect(run.stdout).toMatch(/errors {5}0 \(/);
    expect(t.boots.get('INT-0003')).toBe(1);
  });

  it.concurrent('exits 1 when more stations than --max-failures never booted', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const args = ['--url', `ws://127.0.0.1:${port}`, '--stations', '2', '--duration', '0.5', '--json'];
    const failed = await cli(args);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('2 of 2 stations never booted (--max-failures 0)');
    expect(JSON.parse(failed.stdout)).toMatchObject({ stations: 2, booted: 0 });
    expect((await cli([...args, '--max-failures', '2'])).code).toBe(0);
  });

  it('refuses bad flags with a usage error naming each', async () => {
    await expect(simulate(['--stations', '0', '--protocol', 'ocpp3', '--duration', 'x'])).rejects.toThrow(
      /--stations must be a positive integer[\s\S]*--duration[\s\S]*--protocol/,
    );
  });

  it('formats the summary for people', () => {
    const text = formatSummary({
      protocol: 'ocpp1.6',
      url: 'ws://h:1',
      stations: 2,
      durationS: 3,
      connected: 2,
      booted: 2,
      connectedAtEnd: 2,
      ramp: { connectedS: 0.5, stationsPerSecond: 4, bootedS: 0.6 },
      calls: 10,
      commands: 1,
      transactions: { started: 1, stopped: 1 },
      latencyMs: { p50: 1, p99: 2, max: 3 },
      errors: { total: 1, connect: 1, callError: 0, validation: 0, timeout: 0, other: 0, invalidFromCsms: 0 },
      errorSamples: ['connect: refused'],
    });
    expect(text).toContain('connected  2/2 in 0.50 s (4.0 st/s), booted 2 in 0.60 s');
    expect(text).toContain('p50 1 ms, p99 2 ms');
    expect(text).toContain('    connect: refused');
  });
});
