import type { OcppPlugin, PluginCsms } from '../hooks/types.js';

export interface InspectorOptions {
  /**
   * Where inspection events go: an `@statelyai/inspect` inspector's `inspect` observer (it converts
   * XState's events to its own format and relays them to the Stately inspector), or any function.
   */
  inspect: { next?: (event: never) => void } | ((event: never) => void);
}

export interface InspectorPlugin extends OcppPlugin {
  /** Start relaying a station's statechart (and its breaker / replay actors); true when it is known now. */
  select(identity: string): boolean;
  deselect(identity: string): void;
  readonly selected: ReadonlySet<string>;
}

/**
 * Relays the XState inspection events of the stations an operator selects, one at a time on demand:
 * inspecting every station at once costs a large share of throughput, so nothing is attached until a
 * station is selected, and the subscription goes when the last one is deselected.
 */
export function inspectorPlugin(options: InspectorOptions): InspectorPlugin {
  const target = options.inspect;
  const relay = (event: unknown) =>
    typeof target === 'function' ? (target as (e: unknown) => void)(event) : target.next?.(event as never);
  const selected = new Set<string>();
  let csms: PluginCsms | undefined;
  let session: ReturnType<PluginCsms['inspect']> | undefined;

  return {
    name: 'inspector',
    level: 1,
    selected,
    setup(ctx) {
      csms = ctx.csms;
      return () => {
        session?.stop();
        session = undefined;
        selected.clear();
      };
    },
    select(identity) {
      if (!csms) throw new Error('inspectorPlugin: register the plugin before selecting stations');
      selected.add(identity);
      session ??= csms.inspect(selected, relay);
      return session.announce(identity);
    },
    deselect(identity) {
      selected.delete(identity);
      if (selected.size === 0) {
        session?.stop();
        session = undefined;
      }
    },
    events: {
      forgotten: ({ identity }) => {
        selected.delete(identity);
      },
    },
  };
}
