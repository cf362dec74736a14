import { get } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/cli/serve.js';

describe('serve', () => {
  it('answers GET /metrics with Prometheus text on the OCPP port (what `curl localhost:9000/metrics` shows)', async () => {
    const server = await startServer(
      { port: 0, host: '127.0.0.1', quiet: true, version: '0.0.0', securityProfile: 0 },
      () => {},
    );
    try {
      const body = await new Promise<{ status: number | undefined; text: string }>((resolve, reject) => {
        get(`http://127.0.0.1:${server.port}/metrics`, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode, text }));
        }).on('error', reject);
      });
      expect(body.status).toBe(200);
      expect(body.text).toMatch(/^# TYPE ocpp_connections_active gauge$/m);
      expect(body.text).toMatch(/^ocpp_connections_active 0$/m);
    } finally {
      await server.csms.close({ drainMs: 0 });
    }
  });
});
