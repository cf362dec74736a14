/**
 * Cancelling a station client's call with `signal`: taken out of the queue (never sent) while it waits,
 * its answer no longer awaited once sent, and never re-sent after a reconnect. Real CSMS, real sockets;
 * what the CSMS received is the proof.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CallAbortedError } from '../../src/client/index.js';
import { cleanup, freePort, startCsms, station, until } from './helpers.js';

afterEach(cleanup);

/** Our CSMS (no boot required) whose Authorize answers only when the test says so; records CALLs received. */
async function csmsWithSlowAuthorize(port = 0) {
  const t = await startCsms({ requireBoot: false, protocols: ['ocpp1.6'] }, port);
  const received: string[] = [];
  t.csms.on('message', ({ direction, message }) => {
    if (direction === 'IN' && message.type === 2) received.push(message.action);
  });
  let release: () => void = () => {};
  t.csms.handle('Authorize', async () => {
    await new Promise<void>((r) => {
      release = r;
    });
    return { idTagInfo: { status: 'Accepted' as const } };
  });
  return { ...t, received, release: () => release() };
}

const STATUS = { connectorId: 1, errorCode: 'NoError', status: 'Available' } as const;

describe('cancelling a call (signal)', () => {
  it('an already aborted signal: rejected at once, nothing sent', async () => {
    const t = await csmsWithSlowAuthorize();
    const s = station({ url: t.url, identity: 'CP-1', protocols: ['ocpp1.6'] });
    await s.connect();
    const aborted = AbortSignal.abort(new Error('too late'));
    await expect(s.call('Heartbeat', {}, { signal: aborted })).rejects.toMatchObject({
      name: 'CallAbortedError',
      sent: false,
    });
    await s.call('StatusNotification', STATUS);
    expect(t.received).toEqual(['StatusNotification']);
  });

  it('waiting behind the call in flight: taken out of the queue and never sent', async () => {
    const t = await csmsWithSlowAuthorize();
    const s = station({ url: t.url, identity: 'CP-1', protocols: ['ocpp1.6'] });
    await s.connect();
    const inFlight = s.call('Authorize', { idTag: 'T1' });
    const cancel = new AbortController();
    const queued = s.call('Heartbeat', {}, { signal: cancel.signal });
    const after = s.call('StatusNotification', STATUS);
    await until(() => t.received.includes('Authorize'), 5_000, 'Authorize in flight');
    expect(s.state.waitingCalls).toBe(2);
    cancel.abort(new Error('no longer needed'));
    const error = await queued.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallAbortedError);
    expect(error).toMatchObject({ sent: false, cause: new Error('no longer needed') });
    expect(s.state.waitingCalls).toBe(1);
    t.release();
    await inFlight;
    await after;
    expect(t.received).toEqual(['Authorize', 'StatusNotification']);
  });

  it('in the offline queue: never delivered when the CSMS comes up', async () => {
    const port = await freePort();
    const s = station({ url: `ws://127.0.0.1:${port}`, identity: 'CP-1', protocols: ['ocpp1.6'] });
    void s.connect().catch(() => {});
    const cancel = new AbortController();
    const offline = s.call('Heartbeat', {}, { signal: cancel.signal });
    const kept = s.call('StatusNotification', STATUS);
    expect(s.state.offlineQueue).toBe(2);
    cancel.abort();
    await expect(offline).rejects.toMatchObject({ name: 'CallAbortedError', sent: false });
    expect(s.state.offlineQueue).toBe(1);
    const t = await csmsWithSlowAuthorize(port);
    await kept;
    expect(t.received).toEqual(['StatusNotification']);
  });

  it('in flight: rejected at once, the next call still waits for its answer, and it is not re-sent after a drop', async () => {
    const t = await csmsWithSlowAuthorize();
    const s = station({ url: t.url, identity: 'CP-1', protocols: ['ocpp1.6'] });
    await s.connect();
    const cancel = new AbortController();
    const inFlight = s.call('Authorize', { idTag: 'T1' }, { signal: cancel.signal });
    const next = s.call('StatusNotification', STATUS);
    await until(() => t.received.includes('Authorize'), 5_000, 'Authorize in flight');
    cancel.abort();
    await expect(inFlight).rejects.toMatchObject({ name: 'CallAbortedError', sent: true });
    // One CALL in flight (OCPP-J): the next waits although the aborted one's caller stopped waiting.
    expect(s.state).toMatchObject({ inFlight: 1, waitingCalls: 1 });
    expect(t.received).toEqual(['Authorize']);
    // The connection drops before the answer: the aborted call is not sent again on the next one.
    await t.csms.handleOf('CP-1')?.close(1012, 'restart');
    await next;
    expect(t.received).toEqual(['Authorize', 'StatusNotification']);
  });
});
