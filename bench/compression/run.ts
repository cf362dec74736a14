/**
 * What permessage-deflate costs per connection: RSS of a CSMS process holding N 2.0.1 stations that
 * each booted and sent one 2 KB TransactionEvent, with compression off and on.
 * Usage: node --import tsx bench/compression/run.ts [stations=1000]
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const N = Number(process.argv[2] ?? 1000);
const now = new Date().toISOString();
const sampled = Array.from({ length: 12 }, (_, i) => ({ value: 1000 + i, measurand: 'Power.Active.Import' }));
const boot = { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V' } };
const event = {
  eventType: 'Started',
  timestamp: now,
  triggerReason: 'Authorized',
  seqNo: 0,
  transactionInfo: { transactionId: 'tx-1' },
  meterValue: [{ timestamp: now, sampledValue: sampled }],
};

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

async function measure(mode: 'off' | 'on'): Promise<{ before: number; after: number }> {
  const child = fork(new URL('./server.ts', import.meta.url), [mode], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
  });
  const ask = (cmd: string) =>
    new Promise<void>((resolve) => {
      child.once('message', () => resolve());
      child.send({ cmd });
    });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (m: { port: number }) => resolve(m.port)),
  );
  await ask('gc');
  const before = rssKb(child.pid!);
  const sockets: WebSocket[] = [];
  for (let i = 0; i < N; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, N - i) }, async (_, j) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/S${i + j}`, ['ocpp2.0.1'], {
          perMessageDeflate: mode === 'on' ? { threshold: 0 } : false,
        });
        sockets.push(ws);
        await new Promise((r) => ws.once('open', r));
        for (const [id, action, payload] of [
          ['b', 'BootNotification', boot],
          ['t', 'TransactionEvent', event],
        ] as const) {
          ws.send(JSON.stringify([2, id, action, payload]));
          await new Promise((r) => ws.once('message', r));
        }
      }),
    );
  }
  await ask('gc');
  const after = rssKb(child.pid!);
  for (const ws of sockets) ws.terminate();
  child.send({ cmd: 'exit' });
  return { before, after };
}

const off = await measure('off');
const on = await measure('on');
const per = (r: { before: number; after: number }) => ((r.after - r.before) / N).toFixed(1);
console.log(
  `permessage-deflate, ${N} stations (boot + one TransactionEvent each), server RSS growth per station:`,
);
console.log(`  off: ${per(off)} KB   on: ${per(on)} KB`);
