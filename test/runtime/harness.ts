/**
 * Shared set-up for the runtime tests: a real CSMS listening on 127.0.0.1:0, raw stations connected
 * to it, event recording, and cleanup of everything a test opened (call `cleanup` in afterEach).
 */
import { expect } from 'vitest';
import { type Csms, createCsms } from '../../src/actors/csms.js';
import { registerDefaultHandlers } from '../../src/actors/default-handlers.js';
import type { CsmsOptions } from '../../src/actors/options.js';
import {
  bootPayload,
  connectExpectingHttpError,
  connectStation,
  type HttpRefusal,
  type StationSocket,
  type StationSocketOptions,
} from '../support/station-socket.js';

export interface TestCsms {
  readonly csms: Csms;
  readonly url: string;
  connect(identity: string, options?: StationSocketOptions): Promise<StationSocket>;
  refused(identity: string, options?: StationSocketOptions): Promise<HttpRefusal>;
  /** Connect with `version` and get an Accepted BootNotification answer. */
  boot(identity: string, version?: string): Promise<StationSocket>;
}

const csmsOpen: Csms[] = [];
const socketsOpen: StationSocket[] = [];

/** Start a CSMS with deterministic timers; `defaults: false` leaves it without handlers. */
export async function startCsms(
  options: CsmsOptions = {},
  { defaults = true }: { defaults?: boolean } = {},
): Promise<TestCsms> {
  const csms = createCsms({ jitterRatio: 0, ...options });
  if (defaults) registerDefaultHandlers(csms);
  csmsOpen.push(csms);
  const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });
  const url = `ws://127.0.0.1:${port}`;
  const connect = async (identity: string, o: StationSocketOptions = {}) => {
    const s = await connectStation(url, identity, o);
    socketsOpen.push(s);
    return s;
  };
  return {
    csms,
    url,
    connect,
    refused: (identity, o = {}) => connectExpectingHttpError(url, identity, o),
    async boot(identity, version = 'ocpp1.6') {
      const s = await connect(identity, { protocols: [version] });
      const answer = await s.call('BootNotification', bootPayload(version));
      expect(answer).toMatchObject([3, expect.any(String), { status: 'Accepted' }]);
      return s;
    },
  };
}

export async function cleanup(): Promise<void> {
  await Promise.all(socketsOpen.splice(0).map((s) => s.close()));
  await Promise.all(csmsOpen.splice(0).map((c) => c.close({ drainMs: 0 })));
}

/** The station still gets a CALLRESULT for a Heartbeat: whatever happened elsewhere did not hurt it. */
export async function expectServed(station: StationSocket): Promise<void> {
  const answer = await station.call('Heartbeat', {});
  expect(answer).toEqual([3, expect.any(String), { currentTime: expect.any(String) }]);
}

export { nextEvent, record } from '../support/events.js';
export { gate, until, within } from '../support/wait.js';
