/**
 * What a user of the package gets: the repository as a fresh clone has it (tracked files, no dist/) is
 * packed with `npm pack` (which must build it), the tarball is installed in a scratch project, and that
 * project imports both entry points from ESM and CommonJS, runs the bin and type-checks a consumer under
 * strict with every moduleResolution, without skipLibCheck.
 *
 * Fast enough for every run: the clone borrows this checkout's node_modules for the build, and the scratch
 * install resolves the dependencies from npm's cache (`--prefer-offline`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

const tmp = mkdtempSync(join(tmpdir(), 'ocpp-actors-install-'));
const clone = join(tmp, 'clone');
const project = join(tmp, 'consumer');
let packed: { filename: string; files: { path: string }[] };

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  // What `git clone` would check out: tracked files plus new ones not ignored (so uncommitted work counts).
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(clone, f)), { recursive: true });
    try {
      copyFileSync(join(ROOT, f), join(clone, f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // deleted in the working tree
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tmp], clone));

  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  run(
    'npm',
    [
      'install',
      join(tmp, packed.filename),
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
    ],
    project,
  );
}, 240_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the packed package', () => {
  it('builds itself on pack: ships dist/ with the schemas, the LICENSE, and maps that carry their sources', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli/main.js',
        'dist/protocol/index.js',
        'dist/protocol/schemas/ocpp1.6.json',
        'dist/translation/index.js',
        'dist/bus/nats/index.js',
        'dist/proxy/index.js',
        'dist/plugins/index.js',
        'dist/operator/index.js',
        'dist/operator/page/app.js',
        'dist/operator/page/index.html',
      ]),
    );
    expect(
      paths.filter((p) => !p.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(p)),
    ).toEqual([]);
    const map = JSON.parse(readFileSync(join(project, 'node_modules/ocpp-actors/dist/index.js.map'), 'utf8'));
    expect(map.sourcesContent?.length).toBe(map.sources.length);
  });

  it('imports every entry point from ESM', () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      `import { createCsms, createStation } from 'ocpp-actors';
import { decodeFrame } from 'ocpp-actors/protocol';
import { presets } from 'ocpp-actors/translation';
import { createNatsBus } from 'ocpp-actors/nats';
import { OCPPProtocolProxy, MemoryAdapter } from 'ocpp-actors/proxy';
import { heartbeatPlugin, metricsPlugin } from 'ocpp-actors/plugins';
import { operatorPage } from 'ocpp-actors/operator';
const csms = createCsms({ plugins: [heartbeatPlugin(), metricsPlugin(), operatorPage({ token: 'operator-token-0123456789' })] });
const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });
const page = await fetch('http://127.0.0.1:' + port + '/ops/app.js');
const station = createStation({ url: 'ws://127.0.0.1:' + port, identity: 'CP-ESM', protocols: ['ocpp1.6'] });
csms.handle('BootNotification', () => ({ status: 'Accepted', currentTime: new Date().toISOString(), interval: 60 }));
await station.connect();
const boot = await station.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
await station.close();
await csms.close();
const proxy = new OCPPProtocolProxy({ upstreamEndpoint: 'ws://127.0.0.1:' + port, upstreamProtocol: 'ocpp2.1' });
await proxy.listenOnAdapter(new MemoryAdapter());
await proxy.close();
console.log(boot.status, decodeFrame('[2,"1","Heartbeat",{}]', 'ocpp1.6').ok, typeof presets.ocpp16_to_ocpp21, typeof proxy.translate, typeof createNatsBus, page.status, page.headers.get('content-type'));
`,
    );
    expect(run(process.execPath, ['esm.mjs'], project).trim()).toBe(
      'Accepted true object function function 200 text/javascript; charset=utf-8',
    );
  });

  it('requires every entry point from CommonJS', () => {
    writeFileSync(
      join(project, 'cjs.cjs'),
      `const { createCsms, RpcError } = require('ocpp-actors');
const { decodeFrame } = require('ocpp-actors/protocol');
const { mergePresets } = require('ocpp-actors/translation');
const { createNatsBus } = require('ocpp-actors/nats');
const { heartbeatPlugin } = require('ocpp-actors/plugins');
const csms = createCsms({ protocols: ['ocpp1.6'], plugins: [heartbeatPlugin()] });
console.log(typeof csms.listen, new RpcError('NotSupported').kind, decodeFrame('nope', 'ocpp1.6').ok, typeof mergePresets, typeof createNatsBus);
csms.close();
`,
    );
    expect(run(process.execPath, ['cjs.cjs'], project).trim()).toBe(
      'function NotSupported false function function',
    );
  });

  it('runs the bin', () => {
    const bin = join(project, 'node_modules/.bin/ocpp-actors');
    expect(run(bin, ['--version'], project).trim()).toBe(pkg.version);
    expect(run(bin, ['serve', '--help'], project)).toMatch(/--host ADDRESS/);
  });

  it.each([
    ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
    // esModuleInterop as `tsc --init` sets it: zod's own CommonJS typings need it under node10, like ours.
    ['node10', { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true }],
  ])(
    'type-checks a strict consumer with moduleResolution %s, without skipLibCheck',
    (name, resolution) => {
      writeFileSync(join(project, 'consumer.mts'), CONSUMER);
      writeFileSync(join(project, 'consumer.ts'), CONSUMER);
      writeFileSync(join(project, 'consumer.cts'), CJS_CONSUMER);
      writeFileSync(
        join(project, `tsconfig.${name}.json`),
        JSON.stringify({
          compilerOptions: {
            ...resolution,
            target: 'ES2022',
            lib: ['ES2023'],
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: ['node'],
          },
          // nodenext: an ES module (.mts) and a CommonJS one (.cts, require of the ES package).
          files: name === 'nodenext' ? ['consumer.mts', 'consumer.cts'] : ['consumer.ts'],
        }),
      );
      const r = spawnSync(process.execPath, [TSC, '-p', `tsconfig.${name}.json`], {
        cwd: project,
        encoding: 'utf8',
      });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
    60_000,
  );
});

const CONSUMER = `import { createCsms, createStation, StationNotConnectedError, type CsmsOptions } from 'ocpp-actors';
import { decodeFrame, validatePayload, type Ocpp16 } from 'ocpp-actors/protocol';
import { mergePresets, presets } from 'ocpp-actors/translation';
import { createNatsBus, type NatsBusOptions } from 'ocpp-actors/nats';

const natsOptions: NatsBusOptions = { servers: 'nats://127.0.0.1:4222', nodeId: 'A' };
export const cluster = () => createNatsBus(natsOptions).then((bus) => createCsms({ bus }));
import { createPlugin, metricsPlugin, type OcppPlugin } from 'ocpp-actors/plugins';
import { operatorPage, type StationRow } from 'ocpp-actors/operator';

export const metrics = metricsPlugin({ path: '/metrics' });
export const ops = operatorPage({ token: 'operator-token-0123456789', metrics });
export const row: StationRow | undefined = undefined;
export const mine: OcppPlugin = createPlugin({ name: 'mine', level: 2, onConnection: (s) => void s.identity });
export const map = mergePresets(presets.ocpp16_to_ocpp21);
const options: CsmsOptions = { protocols: ['ocpp1.6', 'ocpp2.0.1'], securityProfile: 0 };
const csms = createCsms(options);
csms.handle('ocpp1.6', 'StartTransaction', async ({ payload }) => ({
  transactionId: payload.connectorId,
  idTagInfo: { status: 'Accepted' },
}));
csms.handle('BootNotification', () => ({ status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }));
export async function reset(identity: string): Promise<string> {
  try {
    const answer = await csms.call(identity, 'Reset', { type: 'Soft' });
    return answer.status;
  } catch (error) {
    if (error instanceof StationNotConnectedError) return 'offline';
    throw error;
  }
}
const station = createStation({ url: 'ws://localhost:9000', identity: 'CP-1', protocols: ['ocpp1.6'] });
station.handle('Reset', () => ({ status: 'Accepted' }));
const boot: Ocpp16.BootNotificationRequest = { chargePointVendor: 'V', chargePointModel: 'M' };
const frame = decodeFrame('[2,"1","Heartbeat",{}]', 'ocpp1.6');
export const checked = [boot, frame.ok, validatePayload('ocpp1.6', 'Heartbeat', 'request', {})];
`;

const CJS_CONSUMER = `import actors = require('ocpp-actors');
import protocol = require('ocpp-actors/protocol');
import nats = require('ocpp-actors/nats');

export const connect: typeof nats.createNatsBus = nats.createNatsBus;

const csms = actors.createCsms({ protocols: ['ocpp1.6'] });
csms.handle('ocpp1.6', 'Authorize', () => ({ idTagInfo: { status: 'Accepted' } }));
export const ok: boolean = protocol.decodeFrame('[2,"1","Heartbeat",{}]', 'ocpp1.6').ok;
`;
