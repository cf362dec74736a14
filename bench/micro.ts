/**
 * Micro benchmark of the per-frame protocol work: decode + strict validation + encode of the reply.
 * Each case runs for a bounded time after a warm-up; ops/s are medians of 5 rounds.
 * Usage: npm run bench   (or: node --import tsx bench/micro.ts [--json])
 */

import type { OcppVersion } from '../src/protocol/index.js';
import { decodeFrame, encodeCallResult, validatePayload } from '../src/protocol/index.js';

const now = new Date().toISOString();

function sampled16(n: number) {
  const measurands = ['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Voltage'];
  return Array.from({ length: n }, (_, i) => ({
    value: String(1000 + i),
    context: 'Sample.Periodic',
    measurand: measurands[i % measurands.length],
    phase: i % 2 ? 'L1' : 'L2',
    location: 'Outlet',
    unit: i % 4 === 0 ? 'Wh' : i % 4 === 1 ? 'W' : i % 4 === 2 ? 'A' : 'V',
  }));
}

function sampled201(n: number) {
  const measurands = ['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Voltage'];
  return Array.from({ length: n }, (_, i) => ({
    value: 1000 + i,
    context: 'Sample.Periodic',
    measurand: measurands[i % measurands.length],
    phase: i % 2 ? 'L1' : 'L2',
    location: 'Outlet',
    unitOfMeasure: { unit: i % 4 === 0 ? 'Wh' : 'W', multiplier: 0 },
  }));
}

const meterValues16 = JSON.stringify([
  2,
  'c0ffee00-0000-4000-8000-000000000001',
  'MeterValues',
  { connectorId: 1, transactionId: 42, meterValue: [{ timestamp: now, sampledValue: sampled16(12) }] },
]);

const transactionEvent201 = JSON.stringify([
  2,
  'c0ffee00-0000-4000-8000-000000000002',
  'TransactionEvent',
  {
    eventType: 'Updated',
    timestamp: now,
    triggerReason: 'MeterValuePeriodic',
    seqNo: 7,
    transactionInfo: { transactionId: 'tx-0001', chargingState: 'Charging' },
    evse: { id: 1, connectorId: 1 },
    meterValue: [{ timestamp: now, sampledValue: sampled201(12) }],
  },
]);

interface Case {
  name: string;
  bytes: number;
  run: () => void;
}

function fullPath(version: OcppVersion, raw: string, validate: boolean): () => void {
  return () => {
    const d = decodeFrame(raw, version);
    if (!d.ok || d.frame.type !== 2) throw new Error('bench frame did not decode');
    if (validate) {
      const err = validatePayload(version, d.frame.action, 'request', d.frame.payload);
      if (err) throw err;
    }
    encodeCallResult(d.frame.messageId, {});
  };
}

function validateOnly(version: OcppVersion, raw: string): () => void {
  const [, , action, payload] = JSON.parse(raw) as [number, string, string, Record<string, unknown>];
  return () => {
    if (validatePayload(version, action, 'request', payload)) throw new Error('bench payload is invalid');
  };
}

const cases: Case[] = [
  {
    name: '1.6 MeterValues: validate only',
    bytes: meterValues16.length,
    run: validateOnly('ocpp1.6', meterValues16),
  },
  {
    name: '2.0.1 TransactionEvent: validate only',
    bytes: transactionEvent201.length,
    run: validateOnly('ocpp2.0.1', transactionEvent201),
  },
  {
    name: '1.6 MeterValues: JSON.parse only',
    bytes: meterValues16.length,
    run: () => JSON.parse(meterValues16),
  },
  {
    name: '1.6 MeterValues: decode+encode',
    bytes: meterValues16.length,
    run: fullPath('ocpp1.6', meterValues16, false),
  },
  {
    name: '1.6 MeterValues: decode+validate+encode',
    bytes: meterValues16.length,
    run: fullPath('ocpp1.6', meterValues16, true),
  },
  {
    name: '2.0.1 TransactionEvent: JSON.parse only',
    bytes: transactionEvent201.length,
    run: () => JSON.parse(transactionEvent201),
  },
  {
    name: '2.0.1 TransactionEvent: decode+encode',
    bytes: transactionEvent201.length,
    run: fullPath('ocpp2.0.1', transactionEvent201, false),
  },
  {
    name: '2.0.1 TransactionEvent: decode+validate+encode',
    bytes: transactionEvent201.length,
    run: fullPath('ocpp2.0.1', transactionEvent201, true),
  },
];

function measure(run: () => void, ms: number): number {
  let ops = 0;
  const start = performance.now();
  // Batches of 200 keep timer reads out of the measured work.
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= ms) return (ops / elapsed) * 1000;
    for (let i = 0; i < 200; i++) run();
    ops += 200;
  }
}

const json = process.argv.includes('--json');
const results: { name: string; bytes: number; opsPerSec: number; min: number; max: number }[] = [];
for (const c of cases) {
  c.run();
  measure(c.run, 300);
  const rounds = Array.from({ length: 5 }, () => measure(c.run, 400)).sort((a, b) => a - b);
  results.push({ name: c.name, bytes: c.bytes, opsPerSec: rounds[2]!, min: rounds[0]!, max: rounds[4]! });
}

if (json) {
  for (const r of results) console.log(JSON.stringify(r));
} else {
  console.log(`micro benchmark (node ${process.version}), median of 5 rounds of 400 ms`);
  console.log(
    `${'case'.padEnd(50)} ${'bytes'.padStart(6)} ${'ops/s'.padStart(10)} ${'min-max'.padStart(22)}`,
  );
  for (const r of results) {
    const range = `${Math.round(r.min)}-${Math.round(r.max)}`;
    console.log(
      `${r.name.padEnd(50)} ${String(r.bytes).padStart(6)} ${Math.round(r.opsPerSec).toString().padStart(10)} ${range.padStart(22)}`,
    );
  }
}
