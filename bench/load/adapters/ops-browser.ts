/**
 * An open operator page, without the browser: reads `/ops/api/stream` the way the page does (every
 * event parsed) and opens the page of the first benchmark station (`S00000`) once it appears. Its own
 * process, so its CPU is not counted as the server's.
 */

const [port, token] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}/ops`;
const headers = { Authorization: `Bearer ${token}` };
const WATCHED = 'S00000';
let events = 0;
let selected = false;

const res = await fetch(`${base}/api/stream`, { headers });
if (res.status !== 200 || !res.body) throw new Error(`ops-browser: stream ${res.status}`);
process.send?.('ready');
let stream = '';
let buffer = '';
const decoder = new TextDecoder();
for await (const chunk of res.body) {
  buffer += decoder.decode(chunk as Uint8Array, { stream: true });
  let end = buffer.indexOf('\n\n');
  while (end >= 0) {
    const block = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    end = buffer.indexOf('\n\n');
    const name = /^event: (.*)$/m.exec(block)?.[1];
    const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as {
      stream?: string;
      rows?: [string][];
    };
    events++;
    if (name === 'hello') stream = data.stream ?? '';
    if (!selected && data.rows?.some((r) => r[0] === WATCHED)) {
      selected = true;
      await fetch(`${base}/api/select`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ stream, station: WATCHED }),
      });
    }
  }
}
console.error(`ops-browser: stream ended after ${events} events`);
