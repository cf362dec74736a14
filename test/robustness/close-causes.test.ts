/**
 * When ws closes a connection because of a frame it rejects, `disconnected` reports the close code and
 * reason the station was sent, not the 1006 ws's own close event says. The table is checked against
 * ws's source, and every row is provoked over a real socket.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WS_CLOSE_CAUSES } from '../../src/transport/close-causes.js';
import { cleanup, expectServed, nextEvent, startCsms } from '../runtime/harness.js';
import { type RawPeer, rawPeer, upgradeRequest, wsFrame } from '../support/raw-peer.js';

afterEach(cleanup);

describe('the close-cause table', () => {
  it('has exactly the error codes ws raises, each with the close code ws sends', () => {
    const receiver = join(dirname(createRequire(import.meta.url).resolve('ws')), 'lib', 'receiver.js');
    const source = readFileSync(receiver, 'utf8');
    const raised = new Map<string, number>();
    for (const m of source.matchAll(
      /createError\(\s*\w+,\s*[^;]*?,\s*(?:true|false),\s*(\d{4}),\s*'(WS_ERR_\w+)'/g,
    ))
      raised.set(m[2]!, Number(m[1]));
    expect(raised.size).toBeGreaterThan(10);
    expect(Object.fromEntries(Object.entries(WS_CLOSE_CAUSES).map(([k, v]) => [k, v.code]))).toEqual(
      Object.fromEntries(raised),
    );
  });
});

const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9 } as const;

/**
 * Frames that make ws close, and the code each must be reported with. Every row but
 * WS_ERR_UNEXPECTED_MASK, which only a client raises (a server's frames must not be masked).
 */
const CASES: { error: keyof typeof WS_CLOSE_CAUSES; frames: () => Buffer[] }[] = [
  { error: 'WS_ERR_INVALID_OPCODE', frames: () => [wsFrame(3, 'x')] },
  { error: 'WS_ERR_UNEXPECTED_RSV_1', frames: () => [wsFrame(OPCODE.text, 'x', { rsv: 4 })] },
  { error: 'WS_ERR_UNEXPECTED_RSV_2_3', frames: () => [wsFrame(OPCODE.text, 'x', { rsv: 2 })] },
  { error: 'WS_ERR_EXPECTED_FIN', frames: () => [wsFrame(OPCODE.ping, 'x', { fin: false })] },
  {
    error: 'WS_ERR_EXPECTED_MASK',
    frames: () => [wsFrame(OPCODE.text, '[2,"1","Heartbeat",{}]', { mask: false })],
  },
  { error: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', frames: () => [wsFrame(OPCODE.ping, Buffer.alloc(126))] },
  {
    error: 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH',
    frames: () => [wsFrame(OPCODE.text, Buffer.alloc(0), { announcedLength: 2n ** 62n })],
  },
  {
    error: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
    frames: () => [wsFrame(OPCODE.text, Buffer.alloc(70_000, 0x20))],
  },
  { error: 'WS_ERR_INVALID_UTF8', frames: () => [wsFrame(OPCODE.text, Buffer.from([0xc3, 0x28]))] },
  {
    error: 'WS_ERR_INVALID_CLOSE_CODE',
    frames: () => [wsFrame(OPCODE.close, Buffer.from([0x03, 0xe7]))], // 999
  },
  {
    error: 'WS_ERR_TOO_MANY_BUFFERED_PARTS',
    // ws's server default allows 16,384 fragments per message.
    frames: () => [
      wsFrame(OPCODE.text, '[', { fin: false }),
      ...Array.from({ length: 16_400 }, () => wsFrame(OPCODE.continuation, ' ', { fin: false })),
    ],
  },
];

describe('disconnected reports the close ws sent', () => {
  it.each(CASES)('$error', async ({ error, frames }) => {
    const { csms, url, boot } = await startCsms({ maxPayloadBytes: 64 * 1024 });
    const canary = await boot('CP-canary');
    const port = Number(new URL(url).port);
    const peer: RawPeer = await rawPeer(port);
    peer.write(upgradeRequest({ path: '/CP-bad' }));
    await peer.waitFor(/^HTTP\/1\.1 101/);
    const disconnected = nextEvent(csms, 'disconnected', (e) => e.station.identity === 'CP-bad', 5_000);
    peer.write(Buffer.concat(frames()));
    const expected = WS_CLOSE_CAUSES[error]!;
    expect(await disconnected).toMatchObject({ code: expected.code, reason: expected.reason });
    await expectServed(canary);
  });
});
