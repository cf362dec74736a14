// `prepare` builds dist/ wherever npm makes a package of this checkout: `npm pack`/`publish`, a git
// dependency (npm installs the devDependencies first) and `npm install <path>`, which links the checkout
// and runs prepare there without installing its devDependencies: then they are installed here first.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  require.resolve('typescript/package.json');
} catch {
  console.error('ocpp-actors: installing the build tools (devDependencies) to build dist/');
  const install = existsSync('package-lock.json') ? 'npm ci' : 'npm install --no-save';
  execSync(`${install} --ignore-scripts --no-audit --no-fund --include=dev`, { stdio: 'inherit' });
}
execSync('npm run build', { stdio: 'inherit' });
