/**
 * Flag parsing shared by the subcommands: one error type for every usage mistake (exit code 2), unknown
 * flags answered with the closest known one, and `--help` / `-h` on every command.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A mistake in how the command was called (flag, value, combination, file named by a flag): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The subcommand whose usage to point at. */
    readonly command?: string,
  ) {
    super(message);
  }
}

type Options = Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }>;

/** The parsed values: booleans, strings that have a default, optional strings. */
export type FlagValues<O extends Options> = {
  [K in keyof O]: O[K] extends { type: 'boolean' }
    ? boolean
    : O[K] extends { default: string }
      ? string
      : string | undefined;
} & { help?: boolean };
const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** `parseArgs` with `--help`/`-h` added and every parse failure turned into a UsageError. */
export function parseFlags<O extends Options>(command: string, args: string[], options: O): FlagValues<O> {
  const known = Object.keys(options);
  for (const arg of args) {
    if (arg === '--') break;
    if (arg === '-h' || arg === '--help') continue;
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0]! : arg.startsWith('-') ? arg : undefined;
    if (name === undefined || known.includes(name)) continue;
    const near = closest(name.replace(/^-+/, ''), known);
    throw new UsageError(`unknown option '${arg}'${near ? `; did you mean --${near}?` : ''}`, command);
  }
  try {
    const withHelp: ParseArgsConfig['options'] = { ...options, ...HELP };
    return parseArgs({ args, options: withHelp, strict: true, allowPositionals: false })
      .values as FlagValues<O>;
  } catch (error) {
    // node:util's errors (a missing value, a stray argument) say what is wrong; they only need the pointer.
    throw new UsageError(error instanceof Error ? error.message : String(error), command);
  }
}

/** The candidate within edit distance 3 (and under half the word) of `word`, if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.ceil(word.length / 2)) + 1;
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 3 ? 1 : editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = row;
  }
  return previous[b.length]!;
}
