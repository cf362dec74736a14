/** Start and talk to test/robustness/csms-process.ts. */
import { type ChildProcess, spawn } from 'node:child_process';
import type { CsmsProcessConfig } from './csms-process.js';

export interface ChildCsms {
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the process printed. */
  output(): string;
  /** Resolves with the first line matching `pattern` printed after `from` (an output offset). */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpExecArray>;
  /** Still running: no uncaught error ended it. */
  alive(): boolean;
  stop(): Promise<void>;
}

export async function startChildCsms(config: CsmsProcessConfig): Promise<ChildCsms> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/robustness/csms-process.ts', JSON.stringify(config)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.once('exit', () => {
    for (const w of [...waiters]) w();
  });
  const waitFor = (pattern: RegExp, timeoutMs = 10_000, from = 0): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(text.slice(from));
        if (m) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(m);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check);
          clearTimeout(timer);
          reject(
            new Error(
              `CSMS process exited (${child.exitCode ?? child.signalCode}) waiting for ${pattern}:\n${text}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${text}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const port = Number((await waitFor(/ready (\d+)/, 20_000))[1]);
  return {
    port,
    url: `${config.tls ? 'wss' : 'ws'}://127.0.0.1:${port}`,
    process: child,
    output: () => text,
    waitFor,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
