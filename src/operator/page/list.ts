import type { StationRow } from '../wire.js';
import { ago, h } from './dom.js';
import { F, type Filter, type StationStore } from './store.js';

const ROW_HEIGHT = 30;
const OVERSCAN = 8;

const COLUMNS: { title: string; cls: string; cell: (r: StationRow, now: number) => Node | string }[] = [
  {
    title: 'Station',
    cls: 'c-id',
    cell: (r) => h('a', { href: `#/station/${encodeURIComponent(r[F.identity])}` }, r[F.identity]),
  },
  { title: 'Protocol', cls: 'c-proto', cell: (r) => r[F.protocol].replace('ocpp', '') },
  { title: 'Connection', cls: 'c-conn', cell: (r) => badge(r[F.connection]) },
  { title: 'Registration', cls: 'c-reg', cell: (r) => badge(r[F.registration]) },
  { title: 'Breaker', cls: 'c-brk', cell: (r) => badge(r[F.breaker]) },
  { title: 'Calls out', cls: 'c-num', cell: (r) => String(r[F.queuedCalls]) },
  {
    title: 'Connected for',
    cls: 'c-time',
    cell: (r, now) => (r[F.connection] === 'open' ? ago(r[F.connectedAt], now) : '–'),
  },
  {
    title: 'Last message',
    cls: 'c-time',
    cell: (r, now) => (r[F.lastMessageAt] === null ? '–' : `${ago(r[F.lastMessageAt], now)} ago`),
  },
  { title: 'Replay', cls: 'c-replay', cell: (r) => r[F.replay] },
];

export const badge = (state: string) => h('span', { class: `badge s-${state.replace('.', '-')}` }, state);

const FILTERS: [Filter, string][] = [
  ['all', 'All'],
  ['connected', 'Connected'],
  ['disconnected', 'Disconnected'],
  ['accepted', 'Accepted'],
  ['pending', 'Pending'],
  ['rejected', 'Rejected'],
  ['unregistered', 'Unregistered'],
  ['breaker', 'Breaker not closed'],
];

/**
 * The stations list: only the rows in view (plus a few) exist in the DOM, so 10,000 stations scroll
 * like 30. Redrawn at most once per frame, whatever the rate of updates.
 */
export function stationsView(store: StationStore): { el: HTMLElement; dispose(): void } {
  const search = h('input', {
    type: 'search',
    id: 'search',
    placeholder: 'Search identity…',
    value: store.search,
    autocomplete: 'off',
  });
  const filter = h('select', { id: 'filter' }, ...FILTERS.map(([v, t]) => h('option', { value: v }, t)));
  filter.value = store.filter;
  const summary = h('span', { class: 'summary', id: 'summary' });
  const head = h('div', { class: 'row head' }, ...COLUMNS.map((c) => h('div', { class: c.cls }, c.title)));
  const spacer = h('div', { class: 'spacer' });
  const rows = h('div', { class: 'rows' });
  const viewport = h('div', { class: 'viewport', id: 'stations' }, spacer, rows);
  const el = h(
    'section',
    { class: 'stations' },
    h('div', { class: 'toolbar' }, search, filter, summary),
    h('div', { class: 'table' }, head, viewport),
  );

  let frame = 0;
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(draw);
  };
  const draw = () => {
    frame = 0;
    const list = store.visible();
    const now = Date.now();
    spacer.style.height = `${list.length * ROW_HEIGHT}px`;
    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(
      list.length,
      Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW_HEIGHT) + OVERSCAN,
    );
    const out: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const r = list[i]!;
      const row = h(
        'div',
        { class: 'row', 'data-identity': r[F.identity], style: `transform:translateY(${i * ROW_HEIGHT}px)` },
        ...COLUMNS.map((c) => h('div', { class: c.cls }, c.cell(r, now))),
      );
      out.push(row);
    }
    rows.replaceChildren(...out);
    const c = store.counts();
    summary.textContent = `${list.length.toLocaleString()} shown · ${c.total.toLocaleString()} known · ${c.connected.toLocaleString()} connected · ${c.accepted.toLocaleString()} accepted`;
  };

  const query = () => store.setQuery(search.value, filter.value as Filter);
  search.addEventListener('input', query);
  filter.addEventListener('change', query);
  viewport.addEventListener('scroll', schedule, { passive: true });
  const off = store.onChange(schedule);
  // "Connected for" and "last message" age even without updates.
  const clock = setInterval(schedule, 1000);
  schedule();
  return {
    el,
    dispose() {
      off();
      clearInterval(clock);
      cancelAnimationFrame(frame);
    },
  };
}
