/**
 * Ours (see ours.ts) with the operator page enabled and open: a separate process (ops-browser.ts) plays
 * the browser, reading the page's event stream (every list batch) with one station's page open (its
 * log and diagrams' states). The report compares CPU per call with plain `ours` in the same run: what
 * a CSMS pays while someone looks (target <= 1.10x).
 */

import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type Operator = typeof import('../../../src/operator/index.js');
const o: Operator = await import(pathToFileURL(resolve('dist/operator/index.js')).href);

const token = 'bench-operator-token-0123456789';
(globalThis as { benchPlugins?: object }).benchPlugins = {
  name: 'ours-ops',
  plugins: [o.operatorPage({ token })],
  afterListen: (port: number) =>
    new Promise<void>((ready, failed) => {
      const browser = fork(resolve('bench/load/adapters/ops-browser.ts'), [String(port), token], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      browser.once('message', () => ready());
      browser.once('exit', (code) => failed(new Error(`ops-browser exited with ${code}`)));
      process.once('exit', () => browser.kill());
    }),
};
await import('./ours.js');
