/**
 * The floor of any WebSocket proxy, for bench:proxy's `relayed` phase: a bare `ws` relay that opens
 * one upstream socket per station (same path, same subprotocol) and passes every text frame on
 * unchanged both ways. No OCPP: no parsing, validation, translation, queues or state. What it costs
 * per round trip is what terminating two sockets costs in Node, the part of the proxy no code of ours
 * can remove.
 */

import { WebSocket, WebSocketServer } from 'ws';
import { type Adapter, ErrorCounter, runAdapter } from '../load/adapters/common.js';

const upstream = process.argv[2];
if (!upstream) throw new Error('usage: relay.ts <upstream ws url>');
const errors = new ErrorCounter();
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  handleProtocols: (protocols) => [...protocols][0] ?? false,
});
let connected = 0;

wss.on('connection', (station, request) => {
  const leg = new WebSocket(`${upstream}${request.url ?? '/'}`, station.protocol || undefined);
  // Frames from the station before the upstream leg is open wait here (the load worker boots at once).
  const early: string[] = [];
  station.on('message', (data, isBinary) => {
    const text = isBinary ? data : data.toString();
    if (leg.readyState === WebSocket.OPEN) leg.send(text);
    else early.push(String(text));
  });
  leg.on('open', () => {
    connected++;
    for (const text of early.splice(0)) leg.send(text);
  });
  leg.on('message', (data, isBinary) => station.send(isBinary ? data : data.toString()));
  leg.on('error', (e) => errors.add('upstreamError', e));
  station.on('error', (e) => errors.add('stationError', e));
  leg.on('close', () => {
    if (station.readyState === WebSocket.OPEN) station.close(1000);
  });
  station.on('close', () => {
    connected--;
    leg.close(1000);
  });
});

const adapter: Adapter = {
  listen: () =>
    new Promise((resolve) => {
      if (wss.address()) resolve((wss.address() as { port: number }).port);
      else wss.once('listening', () => resolve((wss.address() as { port: number }).port));
    }),
  connected: () => connected,
  fanout: async () => {
    throw new Error('the relay does not fan out');
  },
  close: () =>
    new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
};

await runAdapter('relay', adapter, errors);
