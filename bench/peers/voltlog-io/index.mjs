import logger from './index.cjs';

export const { createLogger, consoleTransport, prettyTransport } = logger;
export default logger;
