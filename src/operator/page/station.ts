import type {
  CallOutcome,
  Diagram,
  LogEntry,
  StationDetail,
  StationEvent,
  StationStatusView,
} from '../wire.js';
import { getJson, postJson } from './api.js';
import { diagramView } from './diagram.js';
import { ago, h, time } from './dom.js';
import { schemaForm } from './form.js';
import { badge } from './list.js';

let diagramsOnce: Promise<Diagram[]> | undefined;
const loadDiagrams = () => {
  diagramsOnce ??= getJson<{ diagrams: Diagram[] }>('api/diagrams').then((r) => r.diagrams);
  diagramsOnce.catch(() => {
    diagramsOnce = undefined;
  });
  return diagramsOnce;
};

const LOG_ROWS = 200;

/** A station's page: state, diagrams lit live, counters, commands, message log. */
export function stationView(identity: string): {
  el: HTMLElement;
  onEvent(e: StationEvent): void;
  dispose(): void;
} {
  const title = h('h1', {}, identity);
  const states = h('div', { class: 'states', id: 'station-states' });
  const facts = h('dl', { class: 'facts', id: 'station-facts' });
  const counters = h('dl', { class: 'facts counters', id: 'station-counters' });
  const closeBtn = h(
    'button',
    { type: 'button', id: 'close-connection', class: 'danger' },
    'Close connection',
  );
  const inspectBtn = h('button', { type: 'button', id: 'inspect', hidden: true }, 'Inspect in Stately');
  const notice = h('div', { class: 'notice', id: 'station-notice' });
  const diagramsEl = h('div', { class: 'diagrams', id: 'diagrams' }, 'Loading diagrams…');
  const commandEl = h('div', { class: 'command', id: 'command' });
  const logBody = h('tbody', { id: 'log' });
  const el = h(
    'section',
    { class: 'station', 'data-identity': identity },
    h(
      'div',
      { class: 'station-head' },
      h('a', { href: '#/', class: 'back' }, '← Stations'),
      title,
      states,
      closeBtn,
      inspectBtn,
    ),
    notice,
    h(
      'div',
      { class: 'station-grid' },
      h(
        'div',
        { class: 'col-left' },
        h('h2', {}, 'State'),
        facts,
        h('h2', {}, 'Counters (since opened here)'),
        counters,
        h('h2', {}, 'Send a command'),
        commandEl,
      ),
      h('div', { class: 'col-right' }, h('h2', {}, 'Statecharts'), diagramsEl),
    ),
    h(
      'div',
      { class: 'log-wrap' },
      h('h2', {}, 'Messages'),
      h(
        'table',
        { class: 'log' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Time', '', 'Type', 'Action', 'Message id', 'Payload', 'ms'].map((t) => h('th', {}, t)),
          ),
        ),
        logBody,
      ),
    ),
  );

  const views: { id: string; setActive(ids: readonly string[]): void }[] = [];
  let active: Record<string, string[]> = {};
  let status: StationStatusView | null = null;

  loadDiagrams().then(
    (list) => {
      diagramsEl.replaceChildren();
      for (const d of list) {
        const v = diagramView(d);
        diagramsEl.append(v.el);
        if (d.live) views.push({ id: d.id, setActive: v.setActive });
      }
      for (const v of views) v.setActive(active[v.id] ?? []);
    },
    (error: unknown) => {
      diagramsEl.textContent = `Diagrams unavailable: ${String(error)}`;
    },
  );

  getJson<StationDetail>(`api/stations/${encodeURIComponent(identity)}`).then(
    (detail) => {
      buildCommands(detail);
      if (detail.inspector) {
        inspectBtn.hidden = false;
        setInspected(detail.inspected);
      }
    },
    (error: unknown) => {
      commandEl.textContent = String(error).includes('404')
        ? 'This CSMS does not know the station.'
        : String(error);
    },
  );

  let inspected = false;
  const setInspected = (on: boolean) => {
    inspected = on;
    inspectBtn.textContent = on ? 'Stop inspecting' : 'Inspect in Stately';
  };
  inspectBtn.addEventListener('click', async () => {
    const r = await postJson<{ inspected?: boolean; error?: string }>(
      `api/stations/${encodeURIComponent(identity)}/inspect`,
      { on: !inspected },
    );
    if (r.body.error) notice.textContent = r.body.error;
    else setInspected(r.body.inspected === true);
  });
  closeBtn.addEventListener('click', async () => {
    if (!confirm(`Close ${identity}'s connection? The station will reconnect on its own.`)) return;
    const r = await postJson<{ closed: boolean }>(`api/stations/${encodeURIComponent(identity)}/close`, {});
    notice.textContent = r.body.closed
      ? 'Connection closed by the operator.'
      : 'The station was not connected.';
  });

  function buildCommands(detail: StationDetail): void {
    const select = h(
      'select',
      { id: 'command-action' },
      ...detail.commands.map((c) => h('option', { value: c.action }, c.action)),
    );
    const formSlot = h('div', { class: 'form-slot' });
    const send = h('button', { type: 'submit', id: 'command-send' }, 'Send');
    const result = h('pre', { class: 'result', id: 'call-result' });
    const form = h('form', { id: 'command-form' }, select, formSlot, send, result);
    let current = schemaForm({});
    const pick = () => {
      const spec = detail.commands.find((c) => c.action === select.value);
      current = schemaForm((spec?.schema ?? {}) as Record<string, unknown>);
      formSlot.replaceChildren(current.el);
      result.textContent = '';
      result.className = 'result';
    };
    select.addEventListener('change', pick);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const problems = current.problems();
      if (problems.length) {
        result.className = 'result error';
        result.textContent = problems.join('\n');
        return;
      }
      send.disabled = true;
      result.className = 'result pending';
      result.textContent = `${select.value} sent…`;
      try {
        const r = await postJson<CallOutcome | { error: string }>(
          `api/stations/${encodeURIComponent(identity)}/call`,
          {
            action: select.value,
            payload: current.value() ?? {},
          },
        );
        const body = r.body;
        if ('ok' in body && body.ok) {
          result.className = 'result ok';
          result.textContent = `${select.value} answered in ${body.ms} ms:\n${JSON.stringify(body.response, null, 2)}`;
        } else if ('ok' in body) {
          result.className = 'result error';
          result.textContent = `${body.error.name}${body.error.code ? ` ${body.error.code}` : ''}: ${body.error.message}`;
        } else {
          result.className = 'result error';
          result.textContent = `Not sent: ${body.error}`;
        }
      } catch (error) {
        result.className = 'result error';
        result.textContent = String(error);
      } finally {
        send.disabled = false;
      }
    });
    commandEl.replaceChildren(form);
    pick();
  }

  const renderStatus = () => {
    if (!status) {
      states.replaceChildren(badge('forgotten'));
      return;
    }
    const st = status;
    states.replaceChildren(
      badge(st.connection),
      badge(st.registration),
      st.breaker !== 'closed' ? badge(st.breaker) : '',
    );
    const rows: [string, string][] = [
      ['Protocol', st.protocol],
      ['Address', st.remoteAddress ?? '–'],
      ['Connection', st.connection],
      ['Registration', st.registration],
      ['Breaker', st.breaker],
      ['Offline queue replay', st.replay],
      ['Calls queued / in flight', String(st.queuedCalls)],
      ['Calls being handled', String(st.handlingCalls)],
      ['Connected for', st.connection === 'open' ? ago(st.connectedAt) : '–'],
      ['Connections', String(st.connections)],
      ['Last message', st.lastMessageAt === null ? '–' : `${ago(st.lastMessageAt)} ago`],
    ];
    facts.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-fact': k }, v)]));
  };

  const logRow = (e: LogEntry) =>
    h(
      'tr',
      { class: `dir-${e.direction} t-${e.type}` },
      h('td', {}, time(e.at)),
      h('td', { class: 'dir' }, e.direction === 'IN' ? '→' : '←'),
      h('td', {}, e.type),
      h('td', {}, e.action ?? ''),
      h('td', { class: 'mid' }, e.messageId),
      h('td', { class: 'payload' }, JSON.stringify(e.body)),
      h('td', {}, e.latencyMs === null ? '' : String(e.latencyMs)),
    );

  const clock = setInterval(renderStatus, 1000);
  return {
    el,
    onEvent(e) {
      if (e.identity !== identity) return;
      status = e.status;
      active = e.active;
      for (const v of views) v.setActive(active[v.id] ?? []);
      renderStatus();
      if (!e.known) notice.textContent = 'The CSMS no longer knows this station (forgotten).';
      const c = e.counters;
      counters.replaceChildren(
        ...(
          [
            ['Messages in', c.messagesIn],
            ['Messages out', c.messagesOut],
            ['CALLERRORs', c.callErrors],
            ['Offline queue', c.offlineQueue ?? '–'],
          ] as const
        ).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]),
      );
      if (e.fullLog) logBody.replaceChildren();
      for (const entry of e.log) logBody.prepend(logRow(entry));
      while (logBody.childElementCount > LOG_ROWS) logBody.lastElementChild?.remove();
    },
    dispose() {
      clearInterval(clock);
    },
  };
}
