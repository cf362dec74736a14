#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseServeArgs, SERVE_USAGE, serve } from './serve.js';
import { SIMULATE_USAGE, simulate } from './simulate.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const USAGE = `ocpp-actors ${pkg.version}

Usage:
${SERVE_USAGE}
${SIMULATE_USAGE}
  ocpp-actors --version
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case '--version':
    case 'version':
      console.log(pkg.version);
      return 0;
    case 'serve': {
      const options = parseServeArgs(rest, pkg.version);
      if ('error' in options) {
        console.error(options.error);
        return 2;
      }
      await serve(options);
      return -1; // keeps running until a signal
    }
    case 'simulate':
      return simulate(rest);
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`Unknown command '${command}'.\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
