/**
 * `ocpp-actors serve --nats`: a node of a cluster from the command line, as the README shows it (two
 * nodes on one machine), and the clear refusal when NATS cannot be reached.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawStation } from '../cluster/harness.js';
import { freePort, type NatsServer, startNatsServer } from '../support/nats-server.js';
import { until } from '../support/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Serve {
  readonly child: ChildProcess;
  out: string;
  err: string;
  readonly exited: Promise<number | null>;
}

function serve(...args: string[]): Serve {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', ...args],
    {
      cwd: root,
    },
  );
  const s: Serve = {
    child,
    out: '',
    err: '',
    exited: new Promise((r) => child.on('close', (code) => r(code))),
  };
  child.stdout!.on('data', (d) => {
    s.out += d;
  });
  child.stderr!.on('data', (d) => {
    s.err += d;
  });
  return s;
}

const portOf = (s: Serve) => Number(/ws:\/\/127\.0\.0\.1:(\d+)\//.exec(s.out)![1]);

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNatsServer();
}, 20_000);
afterAll(() => nats?.dispose());

describe('serve --nats', { timeout: 30_000 }, () => {
  it('exits 1 naming the URL when NATS cannot be reached', async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const s = serve('--nats', url);
    expect(await s.exited).toBe(1);
    expect(s.err).toContain(`cannot connect to NATS at ${url}`);
  });

  it('refuses malformed flags with usage (exit 2)', async () => {
    const noNats = serve('--node-id', 'A');
    const badUrl = serve('--nats', 'http://127.0.0.1:4222');
    expect(await noNats.exited).toBe(2);
    expect(noNats.err).toContain('--node-id needs --nats');
    expect(await badUrl.exited).toBe(2);
    expect(badUrl.err).toContain('--nats must be nats://HOST:PORT');
  });

  it('runs two nodes: a station moving from A to B is closed on A with 4000, and both exit 0 on SIGTERM', async () => {
    const a = serve('--nats', nats.url, '--node-id', 'A');
    const b = serve('--nats', nats.url, '--node-id', 'B');
    await until(() => /cluster node A/.test(a.out) && /cluster node B/.test(b.out), 20_000, 'both banners');
    const first = await RawStation.connect(`ws://127.0.0.1:${portOf(a)}/CP-cli`);
    expect((await first.boot())[2]).toMatchObject({ status: 'Accepted' });
    const second = await RawStation.connect(`ws://127.0.0.1:${portOf(b)}/CP-cli`);
    expect(await first.closed).toEqual({ code: 4000, reason: 'evicted: connected to node B' });
    await until(() => /disconnected CP-cli \(4000\)/.test(a.out), 5_000, "A's log line");
    expect((await second.call('Heartbeat', {}))[0]).toBe(3);
    second.close();
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });
});
