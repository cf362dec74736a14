import type { Dispatcher } from '../hooks/dispatcher.js';
import type { PluginStation, StationPlugin, StationPluginContext } from '../hooks/station-plugin.js';
import type { OcppPlugin } from '../hooks/types.js';
import type { Logger } from '../util/logger.js';
import type { StationEventMap } from './events.js';

interface Mounted {
  readonly plugin: StationPlugin;
  /** setup()'s result: resolves to the plugin's teardown, if it gave one. */
  setup: Promise<unknown> | undefined;
}

/**
 * A station client's plugins: registered with its dispatcher, given their context (setup at
 * registration, onInit on the first connect), released on close; each bounded by the dispatcher's
 * hook timeout, failures reported as `pluginError`.
 */
export class StationPluginHost {
  private readonly mounted: Mounted[] = [];
  private started = false;

  constructor(
    private readonly dispatcher: Dispatcher<StationEventMap>,
    private readonly station: PluginStation,
    private readonly logger: Logger,
    private readonly options: object,
  ) {}

  add(plugin: StationPlugin): void {
    // The dispatcher runs hooks only: setup and onInit are called here, with a station's context.
    this.dispatcher.register(plugin as OcppPlugin);
    const m: Mounted = { plugin, setup: undefined };
    this.mounted.push(m);
    if (plugin.setup) {
      const failed = (error: unknown) => this.dispatcher.pluginFailed(plugin.name, 'setup', error);
      try {
        m.setup = Promise.resolve(plugin.setup(this.contextFor(plugin))).catch(failed);
      } catch (error) {
        failed(error);
      }
    }
    if (this.started) void this.init(m);
  }

  /** The station started connecting: onInit(ctx) of each plugin, once. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const m of this.mounted) void this.init(m);
  }

  /** The station closed: release what plugins own. */
  async close(): Promise<void> {
    for (const m of this.mounted) {
      const setup = m.setup;
      if (!setup) continue;
      m.setup = undefined;
      await this.dispatcher.bounded(m.plugin.name, 'teardown', async () => {
        const release = await setup;
        if (typeof release === 'function') await release();
      });
    }
  }

  private async init(m: Mounted): Promise<void> {
    const onInit = m.plugin.onInit;
    if (!onInit) return;
    if (m.setup) await this.dispatcher.bounded(m.plugin.name, 'setup', () => m.setup);
    await this.dispatcher.bounded(m.plugin.name, 'onInit', () =>
      onInit.call(m.plugin, this.contextFor(m.plugin)),
    );
  }

  private contextFor(plugin: StationPlugin): StationPluginContext {
    const d = this.dispatcher;
    return {
      station: this.station,
      logger: this.logger,
      options: this.options,
      reportError: (error, hook = 'plugin') => d.pluginFailed(plugin.name, hook, error),
      redact: (value) => d.redaction.value(value),
    };
  }
}
