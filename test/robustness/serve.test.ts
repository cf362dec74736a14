/**
 * `ocpp-actors serve`, spawned as a user runs it, gets the same protections: resets at every refusal
 * path and silent sockets leave it running and serving a station.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RawPeer, rawPeer, upgradeRequest } from '../support/raw-peer.js';
import { bootPayload, connectStation, type StationSocket } from '../support/station-socket.js';

let child: ChildProcess;
let output = '';
let port: number;
let canary: StationSocket;

function waitForOutput(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(output);
      if (m) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(m);
      }
    };
    const poll = setInterval(check, 20);
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`no ${pattern} in output:\n${output}`));
    }, timeoutMs);
    check();
  });
}

beforeAll(async () => {
  child = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--host', '127.0.0.1'],
      ...['--handshake-timeout', '1000'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  port = Number((await waitForOutput(/listening on ws:\/\/127\.0\.0\.1:(\d+)/))[1]);
  canary = await connectStation(`ws://127.0.0.1:${port}`, 'CP-canary');
  await canary.call('BootNotification', bootPayload('ocpp1.6'));
}, 30_000);

afterAll(async () => {
  await canary?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
});

const alive = () => child.exitCode === null && child.signalCode === null;

describe('ocpp-actors serve under attack', () => {
  it.each([
    ['a path outside the endpoint', upgradeRequest({ path: '/a/b/c' }), /^HTTP\/1\.1 404/],
    ['a key ws would refuse', upgradeRequest({ path: '/CP-x', key: 'short' }), /^HTTP\/1\.1 400/],
    ['a request it accepts', upgradeRequest({ path: '/CP-reset' }), /^HTTP\/1\.1 101/],
  ])('a reset after %s leaves it serving', async (_what, request, answer) => {
    const p: RawPeer = await rawPeer(port);
    p.write(request);
    await p.waitFor(answer);
    p.reset();
    expect(await canary.call('Heartbeat', {})).toEqual([3, expect.any(String), expect.any(Object)]);
    expect(alive(), output).toBe(true);
  });

  it('cuts silent sockets after --handshake-timeout and says so once, not once per socket', async () => {
    const silent = await Promise.all(Array.from({ length: 30 }, () => rawPeer(port)));
    await Promise.all(silent.map((p) => p.closed));
    const cutLines = () => [
      ...output.matchAll(/cut (\d+) connection\(s\) that did not finish the handshake/g),
    ];
    const total = () => cutLines().reduce((n, m) => n + Number(m[1]), 0);
    const deadline = Date.now() + 5_000;
    while (total() < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(total()).toBe(30);
    // Summarised: one line per second at most, not one per socket.
    expect(cutLines().length).toBeLessThanOrEqual(3);
    const fresh = await connectStation(`ws://127.0.0.1:${port}`, 'CP-fresh');
    expect(await fresh.call('BootNotification', bootPayload('ocpp1.6'))).toMatchObject([
      3,
      expect.any(String),
      { status: 'Accepted' },
    ]);
    await fresh.close();
    expect(alive()).toBe(true);
  });
});
