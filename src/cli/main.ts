#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { serve } from './serve.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const USAGE = `ocpp-actors ${pkg.version}

Usage:
  ocpp-actors serve [--port 9000] [--host 0.0.0.0] [--quiet]
      Start a CSMS speaking OCPP 2.1, 2.0.1 and 1.6 on the embedded bus, with default handlers
      (accept boots, answer heartbeats, status, meter values, authorize, transactions).
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
      const { values } = parseArgs({
        args: rest,
        options: {
          port: { type: 'string', default: '9000' },
          host: { type: 'string', default: '0.0.0.0' },
          quiet: { type: 'boolean', default: false },
        },
      });
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        console.error(`--port must be a port number, got ${values.port}`);
        return 2;
      }
      await serve({ port, host: values.host, quiet: values.quiet, version: pkg.version });
      return -1; // keeps running until a signal
    }
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
