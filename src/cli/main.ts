#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { closest, UsageError } from './args.js';
import { PROXY_HELP, PROXY_USAGE, parseProxyArgs, runProxy } from './proxy.js';
import { parseServeArgs, SERVE_HELP, SERVE_USAGE, serve } from './serve.js';
import { SIMULATE_HELP, SIMULATE_USAGE, simulate } from './simulate.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const USAGE = `ocpp-actors ${pkg.version}

Usage:
${SERVE_USAGE}
${SIMULATE_USAGE}
${PROXY_USAGE}
  ocpp-actors help [serve|simulate|proxy]       this help, or a command's options (also: <command> --help, -h)
  ocpp-actors --version

Exit codes: 0 done; 1 the command ran and failed (e.g. the port is in use, or simulate had more failed
stations than --max-failures); 2 usage error (unknown option, bad value, missing file named by an option).`;

const HELP: Record<string, string> = { serve: SERVE_HELP, simulate: SIMULATE_HELP, proxy: PROXY_HELP };
const COMMANDS = ['serve', 'simulate', 'proxy', 'help', 'version'];

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case '--version':
    case 'version':
      console.log(pkg.version);
      return 0;
    case 'serve': {
      const options = parseServeArgs(rest, pkg.version);
      if (options === 'help') {
        console.log(SERVE_HELP);
        return 0;
      }
      await serve(options);
      return -1; // keeps running until a signal
    }
    case 'simulate':
      return simulate(rest);
    case 'proxy': {
      const options = parseProxyArgs(rest, pkg.version);
      if (options === 'help') {
        console.log(PROXY_HELP);
        return 0;
      }
      await runProxy(options);
      return -1; // keeps running until a signal
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h': {
      const topic = rest[0];
      if (topic !== undefined && !HELP[topic]) throw new UsageError(`no help on '${topic}'`);
      console.log(topic ? HELP[topic] : USAGE);
      return 0;
    }
    default: {
      const near = closest(command.replace(/^-+/, ''), COMMANDS);
      throw new UsageError(`unknown command '${command}'${near ? `; did you mean ${near}?` : ''}`);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      const help = error.command ? `ocpp-actors ${error.command} --help` : 'ocpp-actors --help';
      console.error(`ocpp-actors: ${error.message}\nRun '${help}' for usage.`);
      process.exitCode = 2;
      return;
    }
    console.error(`ocpp-actors: ${error instanceof Error ? error.message : error}`);
    process.exitCode = 1;
  },
);
