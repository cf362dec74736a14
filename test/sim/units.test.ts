import { describe, expect, it } from 'vitest';
import { CallTimeoutError } from '../../src/actors/errors.js';
import { RpcError, ValidationError } from '../../src/protocol/errors.js';
import { ConfigStore } from '../../src/sim/config.js';
import { resolveSimOptions } from '../../src/sim/index.js';
import { EnergyMeter, limitInWatts } from '../../src/sim/meter.js';
import { errorKindOf, LatencyHistogram } from '../../src/sim/stats.js';
import { Timers } from '../../src/sim/timers.js';

describe('LatencyHistogram', () => {
  it('gives percentiles within 4% in fixed memory', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 10_000; i++) h.record(i / 100); // 0.01 … 100 ms, uniform
    expect(h.quantile(0.5)).toBeCloseTo(50, -0.4);
    expect(Math.abs(h.quantile(0.5) - 50) / 50).toBeLessThan(0.04);
    expect(Math.abs(h.quantile(0.99) - 99) / 99).toBeLessThan(0.04);
    expect(h.max).toBe(100);
    expect(new LatencyHistogram().quantile(0.5)).toBe(0);
  });
});

describe('errorKindOf', () => {
  it('tells local schema refusals from CALLERRORs and timeouts', () => {
    expect(errorKindOf(new ValidationError('FormatViolation', 'x', 'Heartbeat', []))).toBe('validation');
    expect(errorKindOf(new RpcError('InternalError'))).toBe('callError');
    expect(errorKindOf(new CallTimeoutError('A', 'Heartbeat', 1))).toBe('timeout');
    expect(errorKindOf(new Error('boom'))).toBe('other');
  });
});

describe('ConfigStore', () => {
  it('shares one value between the 1.6 key and the 2.x variable, and reports changes', () => {
    const changed: string[] = [];
    const c = new ConfigStore({ MeterValueSampleInterval: '30' }, (k) => changed.push(k));
    expect(c.getVariable({ name: 'SampledDataCtrlr' }, { name: 'TxUpdatedInterval' })).toEqual({
      status: 'Accepted',
      value: '30',
    });
    expect(c.changeConfiguration('metervaluesampleinterval', '15')).toBe('Accepted');
    expect(c.getVariable({ name: 'sampleddatactrlr' }, { name: 'txupdatedinterval' }).value).toBe('15');
    expect(c.setVariable({ name: 'OCPPCommCtrlr' }, { name: 'HeartbeatInterval' }, '60')).toBe('Accepted');
    expect(c.int('HeartbeatInterval')).toBe(60);
    expect(changed).toEqual(['MeterValueSampleInterval', 'HeartbeatInterval']);
  });

  it('refuses bad values, read-only keys, and names it does not know', () => {
    const c = new ConfigStore({});
    expect(c.changeConfiguration('HeartbeatInterval', '-1')).toBe('Rejected');
    expect(c.changeConfiguration('StopTransactionOnInvalidId', 'yes')).toBe('Rejected');
    expect(c.changeConfiguration('MeterValuesSampledData', 'Energy.Active.Import.Register,Bogus')).toBe(
      'Rejected',
    );
    expect(c.changeConfiguration('NumberOfConnectors', '3')).toBe('Rejected');
    expect(c.changeConfiguration('TxCtrlr.TxStartPoint', 'x')).toBe('NotSupported'); // 2.x only
    expect(c.setVariable({ name: 'TxCtrlr' }, { name: 'Nope' }, '1')).toBe('UnknownVariable');
    expect(c.setVariable({ name: 'TxCtrlr', instance: 'x' }, { name: 'TxStartPoint' }, '1')).toBe(
      'UnknownComponent',
    );
    expect(c.getConfiguration(['Nope'])).toEqual({ unknownKey: ['Nope'] });
    const all = c.getConfiguration(undefined).configurationKey!;
    expect(all.some((k) => k.key.includes('.'))).toBe(false);
  });
});

describe('EnergyMeter', () => {
  it('only counts energy while charging, at no more than the profile limit', async () => {
    const m = new EnergyMeter(() => 0.5);
    m.plugIn();
    const before = m.energyWh();
    await new Promise((r) => setTimeout(r, 30));
    expect(m.energyWh()).toBe(before);
    m.limitW = limitInWatts('A', 6, 1);
    m.startCharging();
    const [power] = m.read(['Power.Active.Import']);
    expect(power!.value).toBeLessThanOrEqual(6 * 230 * 1.02);
    expect(power!.value).toBeGreaterThan(0);
    m.stopCharging();
    expect(m.read(['Power.Active.Import'])[0]!.value).toBe(0);
  });
});

describe('Timers', () => {
  it('resolves a cleared sleep with false instead of leaving it pending', async () => {
    const timers = new Timers();
    const slept = timers.sleep(10_000);
    timers.clear();
    expect(await slept).toBe(false);
    expect(await timers.sleep(1)).toBe(true);
  });
});

describe('resolveSimOptions', () => {
  it('fills in the defaults and refuses nonsense', () => {
    expect(resolveSimOptions({ stations: 1, protocol: 'ocpp1.6' })).toMatchObject({
      url: 'ws://127.0.0.1:9000',
      connectors: 2,
      ramp: 50,
      identityPrefix: 'SIM-',
    });
    expect(() => resolveSimOptions({ stations: 0, protocol: 'ocpp1.6', url: 'http://x' })).toThrow(
      /url[\s\S]*stations/,
    );
  });
});
