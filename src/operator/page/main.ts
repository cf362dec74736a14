import type { FleetEvent, HelloEvent, RowsEvent, SnapshotEvent, StationEvent } from '../wire.js';
import { AuthError, postJson, readStream, setCredentials, takeTokenFromUrl } from './api.js';
import { h } from './dom.js';
import { FleetState, fleetView } from './fleet.js';
import { stationsView } from './list.js';
import { stationView } from './station.js';
import { StationStore } from './store.js';

const app = document.getElementById('app')!;
const connState = document.getElementById('conn-state')!;
const store = new StationStore();
const fleet = new FleetState();
let streamId: string | undefined;
let selected: string | undefined;
let current: { dispose?(): void; onStation?(e: StationEvent): void; onFleet?(e: FleetEvent): void } = {};

function route(): void {
  current.dispose?.();
  const m = /^#\/station\/(.+)$/.exec(location.hash);
  const fleetPage = location.hash === '#/fleet';
  for (const a of document.querySelectorAll<HTMLAnchorElement>('[data-nav]'))
    a.classList.toggle('on', a.dataset.nav === (fleetPage ? 'fleet' : 'stations') && !m);
  if (m) {
    const identity = decodeURIComponent(m[1]!);
    const v = stationView(identity);
    app.replaceChildren(v.el);
    current = { dispose: v.dispose, onStation: v.onEvent };
    select(identity);
  } else if (fleetPage) {
    const v = fleetView();
    app.replaceChildren(v.el);
    if (fleet.last) v.onEvent(fleet.last);
    current = { onFleet: (e) => v.onEvent(e) };
    select(undefined);
  } else {
    const v = stationsView(store);
    app.replaceChildren(v.el);
    current = { dispose: v.dispose };
    select(undefined);
  }
}

function select(identity: string | undefined): void {
  selected = identity;
  if (streamId) void postJson('api/select', { stream: streamId, station: identity ?? null }).catch(() => {});
}

function showLogin(reason: string): void {
  current.dispose?.();
  current = {};
  store.replace([]);
  connState.textContent = 'not signed in';
  connState.className = 'conn-state bad';
  const token = h('input', {
    type: 'password',
    id: 'login-token',
    placeholder: 'token',
    autocomplete: 'off',
  });
  const user = h('input', {
    type: 'text',
    id: 'login-user',
    placeholder: 'user (Basic)',
    autocomplete: 'username',
  });
  const pass = h('input', { type: 'password', id: 'login-password', placeholder: 'password (Basic)' });
  const form = h(
    'form',
    { class: 'login', id: 'login' },
    h('h1', {}, 'Operator sign-in'),
    h('p', { class: 'error', id: 'login-reason' }, reason),
    h('label', {}, 'Token ', token),
    h('p', { class: 'note' }, 'or HTTP Basic credentials'),
    h('label', {}, 'User ', user),
    h('label', {}, 'Password ', pass),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setCredentials(
      token.value || undefined,
      user.value ? { user: user.value, password: pass.value } : undefined,
    );
    location.hash = '#/';
    void connect();
  });
  app.replaceChildren(form);
}

let attempt = 0;
let running: AbortController | undefined;

/** The one stream of this tab; reconnects with back-off, shows the sign-in on 401/403. */
async function connect(): Promise<void> {
  running?.abort();
  const controller = new AbortController();
  running = controller;
  let routed = false;
  try {
    await readStream((name, data) => {
      if (name === 'hello') {
        const hello = data as HelloEvent;
        streamId = hello.stream;
        attempt = 0;
        store.replace(hello.rows);
        connState.textContent = 'live';
        connState.className = 'conn-state ok';
        if (!routed) {
          routed = true;
          route();
        } else select(selected);
      } else if (name === 'rows') {
        const e = data as RowsEvent;
        store.update(e.rows, e.removed);
      } else if (name === 'snapshot') {
        store.replace((data as SnapshotEvent).rows);
      } else if (name === 'station') {
        current.onStation?.(data as StationEvent);
      } else if (name === 'fleet') {
        const e = fleet.add(data as FleetEvent);
        current.onFleet?.(e);
      }
    }, controller.signal);
  } catch (error) {
    if (controller.signal.aborted) return;
    if (error instanceof AuthError) {
      showLogin(
        error.message === '403'
          ? 'This address may not use the page (403).'
          : 'Not authorised (401): sign in.',
      );
      return;
    }
  }
  if (controller.signal.aborted) return;
  streamId = undefined;
  connState.textContent = 'reconnecting…';
  connState.className = 'conn-state warn';
  attempt++;
  setTimeout(() => void connect(), Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)));
}

takeTokenFromUrl();
window.addEventListener('hashchange', () => {
  if (streamId) route();
});
void connect();
