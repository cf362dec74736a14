// Child process: a CSMS with or without permessage-deflate; reports its port, then GCs on request.
import { createCsms, registerDefaultHandlers } from '../../src/index.js';

const compression = process.argv[2] === 'on';
const csms = registerDefaultHandlers(
  createCsms({ compression, connectionRateLimit: false, pingIntervalMs: 0, protocols: ['ocpp2.0.1'] }),
);
const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });
process.send?.({ port });
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'gc') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ gc: true });
  }
  if (m.cmd === 'exit') csms.close().then(() => process.exit(0));
});
