import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/, one way: a folder may import only the folders listed for it. Folders not listed
 * (translation, plugins, and whatever sits on top) may import anything except the CLI, and since every
 * listed folder names what it may import, nothing below can import them.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  util: [],
  protocol: ['util'],
  machines: ['protocol', 'util'],
  transport: ['protocol', 'util'],
  hooks: ['transport', 'protocol', 'util'],
  rpc: ['hooks', 'transport', 'protocol', 'machines', 'util'],
  actors: ['rpc', 'hooks', 'transport', 'protocol', 'machines', 'bus', 'util'],
  client: ['rpc', 'hooks', 'transport', 'protocol', 'machines', 'util'],
  sim: ['client', 'rpc', 'hooks', 'transport', 'protocol', 'machines', 'util'],
  // The engine: no sockets; the bus only for its KV contract (types and one error class).
  translation: ['protocol', 'machines', 'bus'],
  // The protocol proxy: the engine driven by our CSMS (station leg) and station clients (upstream leg).
  proxy: [
    'translation',
    'actors',
    'client',
    'rpc',
    'hooks',
    'transport',
    'protocol',
    'machines',
    'bus',
    'util',
  ],
  // The operator's page: a plugin on top of the runtime, below the CLI only.
  operator: ['plugins', 'actors', 'bus', 'rpc', 'hooks', 'transport', 'protocol', 'machines', 'util'],
  cli: ['*'],
};

const SRC = resolve(__dirname, '../src');
/** Imports evaluated when the module loads (not `import type`, not dynamic `import()`). */
const STATIC_IMPORT =
  /^(?:import|export)\s+(?!type\b)[^'"]*?from\s*['"]([^'"]+)['"]|^import\s+['"]([^'"]+)['"]/gm;
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The top folder of src/ a path lies in ('' for src/index.ts). */
const folderOf = (path: string) => {
  const parts = relative(SRC, path).split(sep);
  return parts.length > 1 ? parts[0]! : '';
};

/** Every import in src/ that crosses folders: [from folder, to folder, file, specifier]. */
function crossings(): [string, string, string, string][] {
  const out: [string, string, string, string][] = [];
  for (const file of filesUnder(SRC)) {
    const from = folderOf(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const to = folderOf(resolve(dirname(file), m[1]!));
      if (to !== from) out.push([from, to, relative(SRC, file), m[1]!]);
    }
  }
  return out;
}

const allowed = (from: string, to: string): boolean => {
  if (from === '') return true; // the package entry re-exports the public API
  const list = MAY_IMPORT[from];
  if (!list) return to !== 'cli' && to !== '';
  return list.includes('*') || list.includes(to);
};

describe('layering of src/', () => {
  it('every cross-folder import goes down the layers', () => {
    const wrong = crossings()
      .filter(([from, to]) => !allowed(from, to))
      .map(([from, to, file, spec]) => `${file} (${from}) imports ${spec} (${to})`);
    expect(wrong).toEqual([]);
  });

  it('sees the imports it judges (a planted violation would be caught)', () => {
    const all = crossings();
    // The scan finds real crossings, so an empty list above means something.
    expect(all.some(([from, to]) => from === 'client' && to === 'rpc')).toBe(true);
    expect(all.some(([from, to]) => from === 'actors' && to === 'rpc')).toBe(true);
    expect(allowed('client', 'actors')).toBe(false);
    expect(allowed('transport', 'hooks')).toBe(false);
    expect(allowed('transport', 'plugins')).toBe(false);
    expect(allowed('protocol', 'transport')).toBe(false);
    expect(allowed('rpc', 'client')).toBe(false);
    expect(allowed('rpc', 'actors')).toBe(false);
    expect(allowed('machines', 'rpc')).toBe(false);
    expect(allowed('translation', 'actors')).toBe(false);
    expect(allowed('translation', 'proxy')).toBe(false);
    expect(allowed('proxy', 'cli')).toBe(false);
  });

  it('only the package entry and the CLI import the operator page (it sits on top of everything else)', () => {
    const wrong = crossings()
      .filter(([from, to]) => to === 'operator' && from !== '' && from !== 'cli')
      .map(([from, , file, spec]) => `${file} (${from}) imports ${spec}`);
    expect(wrong).toEqual([]);
    expect(allowed('operator', 'plugins')).toBe(true);
    expect(allowed('operator', 'cli')).toBe(false);
  });

  it('the main entry never loads the NATS client (it is the ocpp-actors/nats subpath)', () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
        const spec = (m[1] ?? m[2])!;
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
        else packages.add(spec.split('/')[0]!);
      }
    };
    visit(join(SRC, 'index.ts'));
    expect(seen.size).toBeGreaterThan(50);
    expect(packages).toContain('ws');
    expect(packages).not.toContain('nats');
    expect([...seen].some((f) => f.includes(`${sep}bus${sep}nats${sep}`))).toBe(false);
  });
});
