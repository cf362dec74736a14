// The operator page's browser code: bundled by esbuild into dist/operator/page/, beside its HTML and CSS.
import { cpSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';
import { PAGE_BUILD } from '../dist/operator/assets.js';

mkdirSync('dist/operator/page', { recursive: true });
for (const file of ['index.html', 'style.css'])
  cpSync(`src/operator/page/${file}`, `dist/operator/page/${file}`);
await build({
  ...PAGE_BUILD,
  entryPoints: ['src/operator/page/main.ts'],
  outfile: 'dist/operator/page/app.js',
});
