/**
 * The floor: bare `ws` + `JSON.parse`, canned answers, no validation, no state beyond the socket.
 * The least any OCPP-J server must do for a message: parse it, pick an answer, serialise, send.
 */

import { WebSocketServer } from 'ws';
import { ANSWERS, PROTOCOLS } from './answers.js';
import { type Adapter, ErrorCounter, runAdapter, settleAll } from './common.js';

const errors = new ErrorCounter();
const pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextId = 0;
let closing = false;

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: false,
  handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
});

wss.on('connection', (ws) => {
  const answers = ANSWERS[ws.protocol];
  if (!answers) return ws.close(1002);
  ws.on('message', (data: Buffer) => {
    let msg: unknown[];
    try {
      msg = JSON.parse(data.toString()) as unknown[];
    } catch (e) {
      errors.add('bad-json', e);
      return;
    }
    const [type, id] = msg as [number, string];
    if (type === 2) {
      const answer = answers[msg[2] as string];
      if (answer) ws.send(JSON.stringify([3, id, answer(msg[3] as Record<string, unknown>)]));
      else {
        errors.add('not-implemented', msg[2]);
        ws.send(JSON.stringify([4, id, 'NotImplemented', '', {}]));
      }
    } else if (type === 3 || type === 4) {
      const p = pending.get(id);
      if (!p) return errors.add('unknown-response', id);
      pending.delete(id);
      if (type === 3) p.resolve(msg[2]);
      else p.reject(new Error(`${msg[2]}`));
    }
  });
  ws.on('close', (code) => {
    if (!closing && code !== 1000 && code !== 1005) errors.add(`disconnected:${code}`);
  });
  ws.on('error', (e) => errors.add('socket-error', e));
});

function call(ws: import('ws').WebSocket, action: string, payload: unknown): Promise<unknown> {
  const id = `f${(nextId++).toString(36)}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('timeout'));
    }, 30_000);
    pending.set(id, {
      resolve: (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      reject: (e) => {
        clearTimeout(timer);
        reject(e);
      },
    });
    ws.send(JSON.stringify([2, id, action, payload]));
  });
}

const adapter: Adapter = {
  listen: () =>
    new Promise((resolve, reject) => {
      wss.once('error', reject);
      wss.once('listening', () => resolve((wss.address() as { port: number }).port));
    }),
  connected: () => wss.clients.size,
  fanout: (action, payload) =>
    settleAll(
      [...wss.clients].map((ws) => call(ws, action, payload)),
      errors,
    ),
  close: () =>
    new Promise((resolve) => {
      closing = true;
      for (const ws of wss.clients) ws.terminate();
      wss.close(() => resolve());
    }),
};

await runAdapter('bare', adapter, errors);
