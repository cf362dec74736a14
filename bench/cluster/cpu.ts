import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux only). */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined || pid === process.pid) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1_000;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000) / TICKS_PER_SECOND;
}

/** CPU used by each named process while `work` runs, in µs per unit of work done. */
export async function cpuPer<T>(
  pids: Record<string, number | undefined>,
  work: () => Promise<T>,
  units: (result: T) => number,
): Promise<{ result: T; usPerUnit: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const result = await work();
  const n = Math.max(1, units(result));
  const usPerUnit = Object.fromEntries(
    Object.entries(pids).map(([k, pid]) => [k, Math.round(((cpuMs(pid) - before[k]!) * 1_000) / n)]),
  );
  return { result, usPerUnit };
}
