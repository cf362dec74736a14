import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The translation engine sits on protocol and machines only, and importing `ocpp-actors/translation`
 * loads no Node-only module (the 2.0.1 <-> 2.1 presets read the schema files on first use, lazily).
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Static imports (not `import()`), followed through the source tree. */
function staticGraph(entry: string): { files: Set<string>; external: Set<string> } {
  const files = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'";]*?from\s+'([^']+)'/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else external.add(spec);
    }
  };
  visit(entry);
  return { files, external };
}

describe('translation layering', () => {
  const { files, external } = staticGraph(resolve(SRC, 'translation/index.ts'));

  it('imports from src/translation, src/protocol and src/machines only', () => {
    const layers = new Set([...files].map((f) => f.slice(SRC.length + 1).split('/')[0]));
    expect([...layers].sort()).toEqual(['bus', 'machines', 'protocol', 'translation']);
  });

  it('loads no Node-only module and no package but xstate', () => {
    expect([...external].sort()).toEqual(['xstate']);
  });
});
