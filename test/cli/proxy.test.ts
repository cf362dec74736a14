import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStation } from '../../src/client/index.js';
import { startCsms, type TestCsms, waitFor } from '../sim/helpers.js';
import { until } from '../support/wait.js';
import { proxyCli, proxyUrl } from './proxy-cli.js';

let t: TestCsms;
beforeAll(async () => {
  t = await startCsms();
});
afterAll(() => t.close());

describe('ocpp-actors proxy', () => {
  it('puts a 1.6 station through to a 2.1 CSMS, prints it as it connects, and exits 0 on SIGTERM', async () => {
    const cli = proxyCli([
      '--port',
      '0',
      '--accept',
      'ocpp1.6',
      '--upstream',
      t.url,
      '--upstream-protocol',
      'ocpp2.1',
    ]);
    const url = await proxyUrl(cli);
    const station = createStation({
      url,
      identity: 'CLI-1',
      protocols: ['ocpp1.6'],
    });
    try {
      await station.connect();
      const boot = await station.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      expect(boot.status).toBe('Accepted');
      const upstream = await waitFor(t, 'CLI-1', 'BootNotification');
      expect(upstream).toMatchObject({ chargingStation: { vendorName: 'V', model: 'M' } });
      expect(t.csms.station('CLI-1')?.protocol).toBe('ocpp2.1');
      await until(() => cli.out.stdout.includes('connected CLI-1 ocpp1.6 -> ocpp2.1'), 5_000, 'connect line');
    } finally {
      await station.close();
    }
    cli.child.kill('SIGTERM');
    expect(await cli.exited, cli.out.stderr).toBe(0);
    expect(cli.out.stdout).toContain('SIGTERM: closing');
  });

  it('answers usage mistakes with exit code 2 and --help with 0', async () => {
    const missing = proxyCli(['--port', '0']);
    expect(await missing.exited).toBe(2);
    expect(missing.out.stderr).toContain('--upstream is required');
    const wrong = proxyCli(['--upstream', t.url, '--accept', 'ocpp1.5']);
    expect(await wrong.exited).toBe(2);
    expect(wrong.out.stderr).toContain('--accept');
    const help = proxyCli(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.out.stdout).toContain('--upstream-protocol');
  });
});
