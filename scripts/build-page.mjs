// The operator page's browser code: bundled by esbuild into dist/operator/page/, beside its HTML and CSS.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { PAGE_BUILD } from '../dist/operator/assets.js';
import { layoutAll } from '../dist/operator/diagrams.js';

mkdirSync('dist/operator/page', { recursive: true });
for (const file of ['index.html', 'style.css'])
  cpSync(`src/operator/page/${file}`, `dist/operator/page/${file}`);
await build({
  ...PAGE_BUILD,
  entryPoints: ['src/operator/page/main.ts'],
  outfile: 'dist/operator/page/app.js',
});
// The statecharts laid out once here; the page lays a machine out again only if it changed since.
writeFileSync('dist/operator/diagrams.json', JSON.stringify(await layoutAll()));
