import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * A real `nats-server -js` for one test file: its own free port and temporary store. A missing
 * binary fails the test run loudly (never a skip): CI installs it (.ci/services).
 */
export interface NatsServer {
  readonly url: string;
  readonly port: number;
  /** The running server's process id (undefined while stopped): benchmarks read its CPU time. */
  readonly pid: number | undefined;
  /** Stops the server (SIGTERM, waits for exit) and starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Stops it, keeping the store, until `start()`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes the store. */
  dispose(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];

export function natsServerBinary(): string {
  const fromEnv = process.env.NATS_SERVER;
  if (fromEnv) return fromEnv;
  const onPath = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'nats-server'));
  const found = [...onPath, ...CANDIDATES].find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      'nats-server not found (PATH, /usr/sbin, or $NATS_SERVER): the NATS bus tests need a real server; ' +
        'install it (Debian: apt-get install nats-server)',
    );
  }
  return found;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startNatsServer(): Promise<NatsServer> {
  const binary = natsServerBinary();
  const storeDir = mkdtempSync(join(tmpdir(), 'nats-test-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async () => {
    if (child) return;
    const proc = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => fail(new Error(`nats-server not ready within 10 s:\n${log}`)), 10_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        proc.kill('SIGKILL');
        reject(err);
      };
      proc.once('error', fail);
      proc.once('exit', (code) => fail(new Error(`nats-server exited (${code}) during start:\n${log}`)));
      proc.stderr?.on('data', (chunk: Buffer) => {
        if (log.length < 20_000) log += chunk.toString();
        if (log.includes('Server is ready')) {
          clearTimeout(timer);
          proc.removeAllListeners('exit');
          proc.removeAllListeners('error');
          proc.stderr?.removeAllListeners('data');
          proc.stderr?.resume();
          resolve();
        }
      });
    });
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid;
    },
    start,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    dispose: async () => {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/** Deletes every stream (KV buckets included) whose name starts with `prefix`: a test's clean-up. */
export async function deleteStreams(url: string, prefix: string): Promise<void> {
  const { connect } = await import('nats');
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(prefix) || name.startsWith(`KV_${prefix}`)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}
