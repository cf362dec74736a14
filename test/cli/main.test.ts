/**
 * The command line as a user meets it: help on every command, typos answered with the closest flag and a
 * pointer to usage, one exit-code convention (0 done, 1 failed at run time, 2 usage), and a `serve` that
 * binds loopback by default and says plainly who can connect.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; output: () => Run; exited: Promise<Run> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root });
  const run: Run = { code: null, stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => {
    run.stdout += d;
  });
  child.stderr!.on('data', (d) => {
    run.stderr += d;
  });
  const exited = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ ...run, code }));
  });
  return { child, output: () => run, exited };
}

const cli = (...args: string[]) => start(args).exited;

async function waitForOutput(
  s: ReturnType<typeof start>,
  pattern: RegExp,
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(s.output().stdout)) {
    if (Date.now() > deadline)
      throw new Error(`no ${pattern} in:\n${s.output().stdout}\n${s.output().stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return s.output().stdout;
}

async function listening(): Promise<Server & { port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}

describe('ocpp-actors help', { timeout: 30_000 }, () => {
  it.concurrent('prints the usage and the exit codes for -h, --help, help and no command', async () => {
    const runs = await Promise.all([cli('-h'), cli('--help'), cli('help'), cli()]);
    for (const run of runs) {
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(runs[0]!.stdout);
    }
    expect(runs[0]!.stdout).toMatch(
      /ocpp-actors serve[\s\S]*ocpp-actors simulate[\s\S]*Exit codes: 0 .*; 1 .*/,
    );
  });

  it.concurrent('prints each command’s options for <command> --help, -h and help <command>', async () => {
    const serve = await Promise.all([cli('serve', '--help'), cli('serve', '-h'), cli('help', 'serve')]);
    for (const run of serve) {
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(serve[0]!.stdout);
    }
    expect(serve[0]!.stdout).toMatch(/--host ADDRESS +address to bind \(default 127\.0\.0\.1/);
    const simulate = await cli('simulate', '-h');
    expect(simulate.code).toBe(0);
    expect(simulate.stdout).toMatch(/--max-failures N +exit 1 when more than N stations never booted/);
  });
});

describe('usage errors exit 2 with a pointer to usage', { timeout: 30_000 }, () => {
  it.concurrent('suggests the closest flag for a typo', async () => {
    const serve = await cli('serve', '--prot', '9100');
    expect(serve.code).toBe(2);
    expect(serve.stderr).toBe(
      "ocpp-actors: unknown option '--prot'; did you mean --port?\nRun 'ocpp-actors serve --help' for usage.\n",
    );
    const simulate = await cli('simulate', '--station', '5');
    expect(simulate.code).toBe(2);
    expect(simulate.stderr).toContain("unknown option '--station'; did you mean --stations?");
    expect(simulate.stderr).toContain("Run 'ocpp-actors simulate --help' for usage.");
  });

  it.concurrent('suggests the closest command and refuses stray arguments and bad values', async () => {
    const command = await cli('srve');
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'srve'; did you mean serve?");
    const stray = await cli('serve', '9000');
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/Unexpected argument '9000'[\s\S]*ocpp-actors serve --help/);
    const value = await cli('serve', '--port', 'nine');
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('--port must be a port number, got nine');
  });

  it.concurrent('names the flag of a file that cannot be read', async () => {
    const run = await cli(
      ...['serve', '--port', '0', '--security-profile', '2', '--password-file', 'package.json'],
      ...['--tls-cert', 'package.json', '--tls-key', 'nope.key'],
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--tls-key nope.key: cannot read the file (no such file)');
  });
});

describe('ocpp-actors serve', { timeout: 30_000 }, () => {
  it.concurrent('binds 127.0.0.1 by default and says so, and that profile 0 has no authentication', async () => {
    const s = start(['serve', '--port', '0']);
    try {
      const banner = await waitForOutput(s, /no authentication/);
      expect(banner).toMatch(/CSMS listening on ws:\/\/127\.0\.0\.1:\d+\/<station identity>/);
      expect(banner).toContain('bound to 127.0.0.1: only this machine can connect (--host 0.0.0.0');
      expect(banner).not.toContain('WARNING');
    } finally {
      s.child.kill('SIGTERM');
    }
    expect((await s.exited).code).toBe(0);
  });

  it.concurrent('warns plainly when --host opens it to the network without authentication', async () => {
    const s = start(['serve', '--port', '0', '--host', '0.0.0.0']);
    try {
      const banner = await waitForOutput(s, /WARNING: security profile 0/);
      expect(banner).toContain(
        'WARNING: bound to 0.0.0.0: anyone who can reach this machine on the network can connect',
      );
      expect(banner).toContain('no authentication; anyone who connects may act as any station');
    } finally {
      s.child.kill('SIGTERM');
    }
    expect((await s.exited).code).toBe(0);
  });

  it.concurrent('exits 1 and says what to do when the port is in use', async () => {
    const taken = await listening();
    try {
      const run = await cli('serve', '--port', String(taken.port));
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `ocpp-actors: cannot listen on 127.0.0.1:${taken.port}: the port is in use (EADDRINUSE); stop the other process or pick another --port\n`,
      );
    } finally {
      taken.close();
    }
  });
});
