'use strict';
// No-op logger with the voltlog-io surface ocpp-ws-io imports: createLogger, consoleTransport, prettyTransport.
const noop = () => {};
function createLogger() {
  const logger = {
    trace: noop,
    debug: noop,
    info: noop,
    warn: noop,
    error: noop,
    fatal: noop,
    log: noop,
    child: () => logger,
    flush: async () => {},
    close: async () => {},
  };
  return logger;
}
const transport = (name) => () => ({ name, write: noop });
module.exports = {
  createLogger,
  consoleTransport: transport('console'),
  prettyTransport: transport('pretty'),
};
