import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { until } from '../support/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ProxyCli {
  child: ChildProcessWithoutNullStreams;
  out: { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

/** The real CLI, as `npx ocpp-actors proxy` runs it from the sources. */
export function proxyCli(args: string[]): ProxyCli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'proxy', ...args], {
    cwd: root,
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => {
    out.stdout += d;
  });
  child.stderr.on('data', (d) => {
    out.stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out, exited };
}

/** Waits for the start banner; the URL stations connect to. */
export async function proxyUrl(cli: ProxyCli): Promise<string> {
  await until(() => /proxy listening on ws:\/\/127\.0\.0\.1:\d+/.test(cli.out.stdout), 15_000, 'banner');
  return `ws://127.0.0.1:${/127\.0\.0\.1:(\d+)/.exec(cli.out.stdout)![1]}`;
}
