import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

const here = (file: string) => fileURLToPath(new URL(`./page/${file}`, import.meta.url));

let loaded: Promise<Map<string, Asset>> | undefined;

/**
 * The page's files: from dist/operator/page (built by `npm run build`, esbuild bundling page/main.ts);
 * when running from the sources (tests, tsx) the bundle is built here once, in memory, so the page
 * always matches its source.
 */
export function pageAssets(): Promise<Map<string, Asset>> {
  loaded ??= load();
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}

async function load(): Promise<Map<string, Asset>> {
  const out = new Map<string, Asset>();
  for (const file of ['index.html', 'style.css'])
    out.set(file, { type: TYPES[file]!, body: readFileSync(here(file)) });
  const built = here('app.js');
  if (existsSync(built)) {
    out.set('app.js', { type: TYPES['app.js']!, body: readFileSync(built) });
    return out;
  }
  const esbuild = await import('esbuild').catch(() => {
    throw new Error(`operator page: ${built} is missing; run npm run build`);
  });
  const result = await esbuild.build({ ...PAGE_BUILD, entryPoints: [here('main.ts')], write: false });
  out.set('app.js', { type: TYPES['app.js']!, body: Buffer.from(result.outputFiles[0]!.contents) });
  return out;
}

/** How the browser bundle is built, here and by scripts/build-page.mjs. */
export const PAGE_BUILD = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  platform: 'browser',
} as const;
