/** A real local HTTP server that records POSTs and answers with what the test says. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: unknown;
}

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** How the next requests are answered: a status, or 'hang' (never answer). Default 200. */
  answer: (req: Received, n: number) => number | 'hang';
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  const r: Receiver = {
    url: '',
    received,
    answer: () => 200,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const entry = { headers: req.headers, body, json };
      received.push(entry);
      const status = r.answer(entry, received.length);
      if (status === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (r as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return r;
}
