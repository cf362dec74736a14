/**
 * Top self-time functions of a V8 .cpuprofile (from `npm run bench:load -- --profile max16`, or any
 * `node --cpu-prof`), and self time per source file / package. Given a sampling heap profile
 * (`--profile-kind heap`, a .heapprofile), the same tables in bytes allocated.
 * Usage: node --import tsx bench/load/profile-summary.ts <file.cpuprofile> [top=30]
 */

import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

interface HeapNode {
  id: number;
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}
interface HeapProfile {
  head: HeapNode;
}

/** A heap profile's tree as CPU-profile nodes whose hitCount is the bytes allocated there. */
function flattenHeap(h: HeapProfile): Profile {
  const nodes: ProfileNode[] = [];
  const walk = (n: HeapNode) => {
    nodes.push({ id: n.id, callFrame: n.callFrame, hitCount: n.selfSize });
    for (const c of n.children) walk(c);
  };
  walk(h.head);
  return { nodes, startTime: 0, endTime: 0 };
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const parsed = JSON.parse(readFileSync(file, 'utf8')) as Profile | HeapProfile;
const isHeap = 'head' in parsed;
const profile: Profile = isHeap ? flattenHeap(parsed) : parsed;

// Self "time" per node: each sample's time delta goes to the node it landed in (heap: bytes).
const selfUs = new Map<number, number>();
if (isHeap) {
  for (const n of profile.nodes) selfUs.set(n.id, n.hitCount ?? 0);
} else {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const next = deltas[i + 1] ?? 0;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, next));
  }
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;

function short(url: string): string {
  if (!url) return '';
  const p = url.replace(/^file:\/\//, '');
  const nm = p.lastIndexOf('node_modules/');
  if (nm >= 0) return p.slice(nm + 13);
  const cwd = `${process.cwd()}/`;
  return p.startsWith(cwd) ? p.slice(cwd.length) : p;
}

const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const n of profile.nodes) {
  const us = selfUs.get(n.id) ?? 0;
  if (!us) continue;
  const f = n.callFrame;
  const where = short(f.url);
  const key = `${f.functionName || '(anonymous)'}  ${where ? `${where}:${f.lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const group = where
    ? where.startsWith('dist/') || where.startsWith('src/')
      ? where
      : where.split('/')[0]!.startsWith('@')
        ? where.split('/').slice(0, 2).join('/')
        : where.includes('/')
          ? where.split('/')[0]!
          : where
    : f.functionName;
  byFile.set(group, (byFile.get(group) ?? 0) + us);
}

const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
const ms = isHeap
  ? (bytes: number) => `${(bytes / 1048576).toFixed(1).padStart(7)} MB`
  : (us: number) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
console.log(`${file}: ${ms(total).trim()} sampled`);
console.log(`\ntop ${top} functions by self ${isHeap ? 'allocation' : 'time'}`);
for (const [k, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${pct(us)} ${ms(us)}  ${k}`);
}
console.log('\nself time by file (ours) / package / V8 bucket');
for (const [k, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${pct(us)} ${ms(us)}  ${k}`);
}
