/**
 * Handlers return plain object literals, versioned or not, sync or async, without `as const`: the
 * type-level half is checked by `npm run typecheck` (a wrong literal must stay an error), the run-time half
 * sends the answers over a real socket.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bootPayload, cleanup, startCsms, station } from './helpers.js';

afterEach(cleanup);

describe('handle() infers literal response types', () => {
  it('for versioned and unversioned handlers on both ends, answered over the wire', async () => {
    const { csms, url } = await startCsms();
    csms.handle('ocpp1.6', 'StartTransaction', async ({ payload }) => ({
      transactionId: payload.meterStart + 1,
      idTagInfo: { status: 'Accepted' },
    }));
    csms.handle('ocpp1.6', 'StopTransaction', () => ({ idTagInfo: { status: 'Accepted' } }));
    csms.handle('Authorize', async () => ({ idTagInfo: { status: 'Blocked' } }));
    // @ts-expect-error 'Acepted' is not a 1.6 AuthorizationStatus
    csms.handle('ocpp1.6', 'StopTransaction', () => ({ idTagInfo: { status: 'Acepted' } }));

    const s = station({ url, identity: 'CS-LITERALS', protocols: ['ocpp1.6'] });
    s.handle('ocpp1.6', 'Reset', async () => ({ status: 'Rejected' }));
    s.handle('UnlockConnector', () => ({ status: 'Unlocked' }));
    // @ts-expect-error 'Maybe' is not a ResetStatus
    s.handle('ocpp1.6', 'Reset', () => ({ status: 'Maybe' }));
    s.handle('ocpp1.6', 'Reset', async () => ({ status: 'Rejected' }));
    await s.connect();
    await s.call('BootNotification', bootPayload('ocpp1.6'));

    const started = await s.call('StartTransaction', {
      connectorId: 1,
      idTag: 'TAG',
      meterStart: 41,
      timestamp: new Date().toISOString(),
    });
    expect(started).toEqual({ transactionId: 42, idTagInfo: { status: 'Accepted' } });
    expect(await s.call('Authorize', { idTag: 'TAG' })).toEqual({ idTagInfo: { status: 'Blocked' } });
    expect(await csms.call('CS-LITERALS', 'Reset', { type: 'Hard' })).toEqual({ status: 'Rejected' });
    expect(await csms.call('CS-LITERALS', 'UnlockConnector', { connectorId: 1 })).toEqual({
      status: 'Unlocked',
    });
  });
});
