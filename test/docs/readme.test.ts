/**
 * The README's TypeScript, as a reader would paste it: every ```ts block is type-checked (strict, against
 * the sources in place of the package), and the blocks marked ```ts run are run as programs against a real
 * peer: the CSMS example gets a station that connects and answers, the station example gets a CSMS.
 * Port 9000 in an example is replaced by a free port; `ocpp-actors` imports by the sources.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createCsms, createStation, registerDefaultHandlers } from '../../src/index.js';
import { freePort } from '../client/helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Block {
  line: number;
  run: boolean;
  code: string;
}

function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  for (const m of markdown.matchAll(/^```(?:ts|typescript)( run)?\n([\s\S]*?)^```$/gm)) {
    out.push({
      line: markdown.slice(0, m.index).split('\n').length + 1,
      run: m[1] !== undefined,
      code: m[2]!,
    });
  }
  return out;
}

const all = blocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
// Inside node_modules so that the examples' other imports (ws, @statelyai/inspect, tsx) resolve.
const cacheDir = join(ROOT, 'node_modules/.cache');
mkdirSync(cacheDir, { recursive: true });
const dir = mkdtempSync(join(cacheDir, 'readme-doctest-'));
writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The block as a module of its own, importing the package from the sources. */
function write(block: Block, replace: (code: string) => string = (c) => c): string {
  const file = join(dir, `readme-line-${block.line}.ts`);
  const code = replace(block.code)
    .replaceAll("from 'ocpp-actors/protocol'", `from '${join(ROOT, 'src/protocol/index.js')}'`)
    .replaceAll("from 'ocpp-actors/nats'", `from '${join(ROOT, 'src/bus/nats/index.js')}'`)
    .replaceAll("from 'ocpp-actors/proxy'", `from '${join(ROOT, 'src/proxy/index.js')}'`)
    .replaceAll("from 'ocpp-actors/plugins'", `from '${join(ROOT, 'src/plugins/index.js')}'`)
    .replaceAll("from 'ocpp-actors/operator'", `from '${join(ROOT, 'src/operator/index.js')}'`)
    .replaceAll("from 'ocpp-actors'", `from '${join(ROOT, 'src/index.js')}'`);
  writeFileSync(file, code);
  return file;
}

describe('README TypeScript', () => {
  it('has blocks to check, some of them runnable', () => {
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(all.filter((b) => b.run).length).toBe(2);
  });

  it('type-checks every block under strict', () => {
    const files = all.map((b) => write(b));
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts'],
      types: ['node'],
      skipLibCheck: true,
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && files.includes(d.file.fileName))
      .map((d) => {
        const block = all[files.indexOf(d.file!.fileName)]!;
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        return `README.md:${block.line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  }, 120_000);
});

describe('README runnable examples', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  function runBlock(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: dir });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it('the embedding example waits for CP-1, calls it and closes', async () => {
    const block = all.find((b) => b.run && b.code.includes('createCsms('))!;
    const port = await freePort();
    const file = write(block, (c) => c.replaceAll('9000', String(port)));
    const running = runBlock(file);

    const station = createStation({
      url: `ws://127.0.0.1:${port}`,
      identity: 'CP-1',
      protocols: ['ocpp2.0.1'],
      password: 'a-password-of-16+',
      reconnect: { waitMinimumMs: 50, randomRangeMs: 10, repeatTimes: 0 },
    });
    closers.push(() => station.close());
    station.handle('GetVariables', ({ payload }) => ({
      getVariableResult: payload.getVariableData.map(({ component, variable }) => ({
        attributeStatus: 'Accepted',
        attributeValue: '300',
        component,
        variable,
      })),
    }));
    await station.connect();
    await station.call('BootNotification', {
      reason: 'PowerUp',
      chargingStation: { model: 'M', vendorName: 'V' },
    });

    const run = await running;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`listening on ws://localhost:${port}/<identity>`);
    expect(run.stdout).toContain('CP-1 Accepted');
    expect(run.stdout).toContain('HeartbeatInterval: 300');
    expect(run.stdout).toMatch(/connection: 'open',\s+registration: 'accepted'/);
  }, 60_000);

  it('the station example boots against a CSMS and closes', async () => {
    const block = all.find((b) => b.run && b.code.includes('createStation('))!;
    const csms = registerDefaultHandlers(createCsms());
    closers.push(() => csms.close({ drainMs: 0 }));
    const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });
    const booted: string[] = [];
    csms.on('registered', ({ station, status }) => booted.push(`${station.identity} ${status}`));
    const file = write(block, (c) => c.replaceAll('ws://localhost:9000', `ws://127.0.0.1:${port}`));

    const run = await runBlock(file);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('boot Accepted over ocpp2.0.1');
    expect(booted).toEqual(['CP-7 Accepted']);
  }, 60_000);
});
