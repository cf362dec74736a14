import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { optionsTables, withTables } from '../../scripts/options-table.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

describe('README options tables', () => {
  it('match the option schemas (run `npm run docs:options` if this fails)', async () => {
    const readme = readFileSync(README, 'utf8');
    const tables = await optionsTables();
    expect(withTables(readme, tables)).toBe(readme);
  });

  it('list every option of createCsms and createStation with a type, a default and a description', async () => {
    const tables = await optionsTables();
    for (const name of ['createCsms', 'createStation']) {
      const rows = tables.get(name)!.split('\n').slice(2);
      expect(rows.length).toBeGreaterThan(20);
      for (const row of rows)
        expect(row, `${name}: ${row}`).toMatch(/^\| `[\w.]+` \| `[^`]+` \| [^|]+ \| .*\S.* \|$/);
    }
    expect(tables.get('createCsms')).toContain('| `backpressureBytes` | `integer` | `1_048_576` |');
    expect(tables.get('createStation')).toContain('| `queueWhileOffline` | `boolean` | `true` |');
  });
});
