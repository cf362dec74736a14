import type { FleetEvent, FleetSample } from '../wire.js';
import { h, s } from './dom.js';

const W = 640;
const H = 160;

function lineChart(title: string, points: [number, number][], unit: string): HTMLElement {
  const fig = h('figure', { class: 'chart' }, h('figcaption', {}, title));
  if (points.length < 2) {
    fig.append(h('p', { class: 'note' }, 'Collecting samples…'));
    return fig;
  }
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const yMax = Math.max(1, ...ys);
  const px = (x: number) => 40 + ((x - x0) / Math.max(1, x1 - x0)) * (W - 50);
  const py = (y: number) => H - 20 - (y / yMax) * (H - 30);
  const svg = s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'line-chart' },
    s('line', { x1: 40, y1: H - 20, x2: W - 10, y2: H - 20, class: 'axis' }),
    s('text', { x: 36, y: py(yMax) + 4, 'text-anchor': 'end', class: 'tick' }, yMax.toLocaleString()),
    s('text', { x: 36, y: H - 16, 'text-anchor': 'end', class: 'tick' }, '0'),
    s('text', { x: 40, y: H - 4, class: 'tick' }, new Date(x0).toLocaleTimeString()),
    s(
      'text',
      { x: W - 10, y: H - 4, 'text-anchor': 'end', class: 'tick' },
      new Date(x1).toLocaleTimeString(),
    ),
    s('polyline', { points: points.map(([x, y]) => `${px(x)},${py(y)}`).join(' '), class: 'series' }),
  );
  fig.append(svg as unknown as Node, h('p', { class: 'now' }, `now: ${ys.at(-1)!.toLocaleString()} ${unit}`));
  return fig;
}

function barChart(title: string, counts: Record<string, number>): HTMLElement {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const fig = h('figure', { class: 'chart' }, h('figcaption', {}, title));
  if (!entries.length) {
    fig.append(h('p', { class: 'note' }, 'No CALLERROR so far.'));
    return fig;
  }
  const max = Math.max(...entries.map((e) => e[1]));
  fig.append(
    h(
      'div',
      { class: 'bars' },
      ...entries.map(([code, n]) =>
        h(
          'div',
          { class: 'bar-row' },
          h('span', { class: 'code' }, code),
          h('span', { class: 'bar', style: `width:${Math.max(2, (n / max) * 100)}%` }),
          h('span', { class: 'n' }, n.toLocaleString()),
        ),
      ),
    ),
  );
  return fig;
}

/** The fleet: connected stations over time, frames per second, CALLERRORs per code. */
export function fleetView(): { el: HTMLElement; onEvent(e: FleetEvent): void } {
  const el = h('section', { class: 'fleet', id: 'fleet' }, h('p', { class: 'note' }, 'Waiting for samples…'));
  let samples: FleetSample[] = [];
  let last: FleetEvent | undefined;
  const render = () => {
    if (!last) return;
    const charts: HTMLElement[] = [
      lineChart(
        'Connected stations',
        samples.map((x) => [x.at, x.connected]),
        'connected',
      ),
    ];
    if (last.metrics) {
      charts.push(
        lineChart(
          'Frames per second (in + out)',
          samples.filter((x) => x.callsPerSecond !== null).map((x) => [x.at, x.callsPerSecond!]),
          '/s',
        ),
        barChart('CALLERRORs by code (since start)', last.errorsByCode ?? {}),
      );
    } else {
      charts.push(
        h(
          'p',
          { class: 'note' },
          'Register metricsPlugin and pass it as operatorPage({ metrics }) for calls per second and errors per code.',
        ),
      );
    }
    el.replaceChildren(...charts);
  };
  return {
    el,
    onEvent(e) {
      samples = e.full ? e.samples : [...samples, ...e.samples].slice(-720);
      last = e;
      render();
    },
  };
}

/** Keeps the fleet history while another view is shown. */
export class FleetState {
  last: FleetEvent | undefined;
  samples: FleetSample[] = [];
  add(e: FleetEvent): FleetEvent {
    this.samples = e.full ? e.samples : [...this.samples, ...e.samples].slice(-720);
    this.last = { ...e, samples: this.samples, full: true };
    return this.last;
  }
}
