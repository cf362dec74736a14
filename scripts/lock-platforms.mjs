// This machine's npm registry serves only the platform binaries it runs (linux-x64-glibc), so
// `npm install` writes a lock without the other platforms' optional packages, and `npm ci` then
// refuses the lock as out of sync. This adds the missing entries (platform-gated, optional, no
// tarball: npm skips them here and would fetch them on their own platform). Run after `npm install`.
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const pkgs = lock.packages;
const platformOf = (name) => {
  const m = /cli-(android|darwin|linux|win32)-(arm64|x64)(-musl)?$/.exec(name);
  if (!m) return undefined;
  return { os: [m[1]], cpu: [m[2]], ...(m[1] === 'linux' ? { libc: [m[3] ? 'musl' : 'glibc'] } : {}) };
};
let added = 0;
for (const [path, entry] of Object.entries(pkgs)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (pkgs[key]) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    pkgs[key] = { version, ...platform, dev: entry.dev, optional: true, license: entry.license };
    if (!entry.dev) delete pkgs[key].dev;
    added++;
  }
  void path;
}
lock.packages = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: added ${added} platform entries`);
