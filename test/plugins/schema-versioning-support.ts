/**
 * Shared by the schemaVersioningPlugin preset tests: a 1.6 station (a raw socket, checked by the CSMS's
 * strict validation) against a CSMS whose handlers are all 2.0.1 ones.
 */
import type { Csms } from '../../src/actors/csms.js';
import { schemaVersioningPlugin } from '../../src/plugins/index.js';
import { InMemorySessionStore } from '../../src/translation/session.js';

export const v16to201 = (extra: Partial<Parameters<typeof schemaVersioningPlugin>[0]> = {}) =>
  schemaVersioningPlugin({ sourceVersion: 'ocpp1.6', targetVersion: 'ocpp2.0.1', ...extra });

export type Seen = [action: string, payload: Record<string, unknown>];

/** 2.0.1 handlers only, each recording what it got. */
export function handlers201(csms: Csms, seen: Seen[]): void {
  const on = (action: string, answer: (p: Record<string, unknown>) => Record<string, unknown>) =>
    csms.handle(
      'ocpp2.0.1',
      action as never,
      (({ payload }: { payload: Record<string, unknown> }) => {
        seen.push([action, payload]);
        return answer(payload);
      }) as never,
    );
  on('BootNotification', () => ({
    status: 'Accepted',
    currentTime: new Date().toISOString(),
    interval: 300,
  }));
  on('StatusNotification', () => ({}));
  on('Heartbeat', () => ({ currentTime: new Date().toISOString() }));
  on('Authorize', (p) => ({
    idTokenInfo: { status: (p.idToken as { idToken: string }).idToken === 'BAD' ? 'Blocked' : 'Accepted' },
  }));
  on('TransactionEvent', (p) => (p.eventType === 'Started' ? { idTokenInfo: { status: 'Accepted' } } : {}));
}

export const boot16 = { chargePointVendor: 'V', chargePointModel: 'M' };
export const at = '2026-01-01T00:00:00.000Z';

/** A session store whose counter (1.6 transaction ids) waits until `held` resolves: a slow store. */
export function storeWithHeldCounter(held: Promise<unknown>): InMemorySessionStore {
  return new (class extends InMemorySessionStore {
    override async increment(name: string): Promise<number> {
      await held;
      return super.increment(name);
    }
  })();
}
