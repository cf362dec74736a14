import type { Diagram } from '../wire.js';
import { h, s } from './dom.js';

let markers = 0;

/** A machine drawn from its laid-out definition; `setActive` lights the states a station is in. */
export function diagramView(d: Diagram): { el: HTMLElement; setActive(ids: readonly string[]): void } {
  const marker = `arrow-${++markers}`;
  const pad = 8;
  const svg = s('svg', {
    class: 'diagram',
    viewBox: `${-pad} ${-pad} ${d.width + 2 * pad} ${d.height + 2 * pad}`,
    'data-machine': d.id,
    role: 'img',
    'aria-label': d.title,
  });
  svg.append(
    s(
      'defs',
      {},
      s(
        'marker',
        {
          id: marker,
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }),
      ),
    ),
  );
  const byId = new Map<string, SVGElement>();
  // Compound states first (they contain the others), then leaves, then edges on top.
  const ordered = [...d.nodes].sort(
    (a, b) =>
      Number(a.type === 'atomic' || a.type === 'final') - Number(b.type === 'atomic' || b.type === 'final'),
  );
  for (const n of ordered) {
    const leaf = n.type === 'atomic' || n.type === 'final';
    const g = s('g', { class: `state ${leaf ? 'leaf' : 'compound'} t-${n.type}`, 'data-state-id': n.id });
    g.append(s('rect', { x: n.x, y: n.y, width: n.width, height: n.height, rx: leaf ? 8 : 10 }));
    if (n.type === 'final')
      g.append(
        s('rect', {
          class: 'final-inner',
          x: n.x + 3,
          y: n.y + 3,
          width: n.width - 6,
          height: n.height - 6,
          rx: 6,
        }),
      );
    g.append(
      leaf
        ? s('text', { x: n.x + n.width / 2, y: n.y + n.height / 2 + 4, 'text-anchor': 'middle' }, n.label)
        : s('text', { x: n.x + 10, y: n.y + 18, class: 'compound-label' }, n.label),
    );
    if (n.initial) g.append(s('circle', { class: 'initial', cx: n.x - 2, cy: n.y - 2, r: 4 }));
    svg.append(g);
    byId.set(n.id, g);
  }
  for (const e of d.edges) {
    if (e.points.length < 2) continue;
    const g = s('g', { class: 'edge', 'data-source': e.source, 'data-target': e.target });
    g.append(
      s('polyline', {
        points: e.points.map((p) => `${p.x},${p.y}`).join(' '),
        'marker-end': `url(#${marker})`,
      }),
    );
    if (e.labelAt)
      g.append(s('text', { x: e.labelAt.x + 2, y: e.labelAt.y + 11, class: 'edge-label' }, e.label));
    svg.append(g);
  }
  const el = h(
    'figure',
    { class: `machine${d.live ? '' : ' reference'}`, 'data-machine': d.id },
    h('figcaption', {}, h('strong', {}, d.title), h('span', { class: 'note' }, d.note)),
    svg as unknown as Node,
  );
  let lit: SVGElement[] = [];
  return {
    el,
    setActive(ids) {
      for (const g of lit) g.classList.remove('active');
      lit = [];
      for (const id of ids) {
        const g = byId.get(id);
        if (g) {
          g.classList.add('active');
          lit.push(g);
        }
      }
      for (const edge of svg.querySelectorAll<SVGElement>('g.edge')) {
        edge.classList.toggle('from-active', ids.includes(edge.dataset.source ?? ''));
      }
    },
  };
}
