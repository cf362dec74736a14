import type { Bus } from '../bus/types.js';
import type { Dispatcher } from '../hooks/dispatcher.js';
import type {
  CsmsEventMap,
  FallbackHandler,
  OcppPlugin,
  PluginContext,
  PluginCsms,
  PluginSecurityEventType,
} from '../hooks/types.js';
import type { Handler, HandlerTable } from '../rpc/handlers.js';
import type { Logger } from '../util/logger.js';

/** What the host needs of the CSMS beyond the dispatcher and handler table. */
export interface PluginHostDeps {
  readonly dispatcher: Dispatcher<CsmsEventMap>;
  readonly handlers: HandlerTable;
  readonly logger: Logger;
  readonly bus: Bus;
  readonly csms: PluginCsms;
  options(): object;
}

interface Mounted {
  readonly plugin: OcppPlugin;
  readonly fallbacks: string[];
  /** setup()'s result: resolves to the plugin's teardown, if it gave one. */
  setup: Promise<unknown> | undefined;
}

/**
 * Registers plugins with the dispatcher and gives each its context: setup at registration, onInit at
 * start, teardown on removal and close (each bounded by the dispatcher's hook timeout).
 */
export class PluginHost {
  private readonly mounted = new Map<string, Mounted>();
  private port: number | undefined;
  private started = false;

  constructor(private readonly d: PluginHostDeps) {}

  add(plugin: OcppPlugin): void {
    this.d.dispatcher.register(plugin);
    const m: Mounted = { plugin, fallbacks: [], setup: undefined };
    this.mounted.set(plugin.name, m);
    if (plugin.setup) {
      // Synchronously: what setup registers (fallback handlers, say) is in place when plugin() returns.
      const failed = (error: unknown) => this.d.dispatcher.pluginFailed(plugin.name, 'setup', error);
      try {
        m.setup = Promise.resolve(plugin.setup(this.contextFor(m))).catch(failed);
      } catch (error) {
        failed(error);
      }
    }
    if (this.started && plugin.onInit) void this.init(m);
  }

  async remove(name: string): Promise<boolean> {
    const m = this.mounted.get(name);
    if (!m) return false;
    this.mounted.delete(name);
    this.d.dispatcher.unregister(name);
    for (const action of m.fallbacks) this.d.handlers.setFallback(action, undefined);
    await this.teardown(m);
    return true;
  }

  /** The CSMS started listening: every plugin's setup finished, then onInit(ctx) in hook order. */
  async start(port: number | undefined): Promise<void> {
    this.port = port;
    this.started = true;
    for (const m of this.inOrder())
      if (m.setup) await this.d.dispatcher.bounded(m.plugin.name, 'setup', () => m.setup);
    for (const m of this.inOrder()) if (m.plugin.onInit) await this.init(m);
  }

  /** After onClose: release what plugins own. */
  async close(): Promise<void> {
    for (const m of this.inOrder()) await this.teardown(m);
  }

  private inOrder(): Mounted[] {
    return this.d.dispatcher.plugins.map((p) => this.mounted.get(p.name)!).filter(Boolean);
  }

  private init(m: Mounted): Promise<void> {
    return this.d.dispatcher.bounded(m.plugin.name, 'onInit', () => m.plugin.onInit!(this.contextFor(m)));
  }

  private async teardown(m: Mounted): Promise<void> {
    const setup = m.setup;
    if (!setup) return;
    m.setup = undefined;
    await this.d.dispatcher.bounded(m.plugin.name, 'teardown', async () => {
      const release = await setup;
      if (typeof release === 'function') await release();
    });
  }

  private contextFor(m: Mounted): PluginContext {
    const d = this.d;
    const host = this;
    return {
      csms: d.csms,
      logger: d.logger,
      bus: d.bus,
      get port() {
        return host.port;
      },
      get options() {
        return d.options();
      },
      securityEvent(type: PluginSecurityEventType, fields) {
        d.dispatcher.emit('securityEvent', {
          type,
          identity: fields.identity,
          remoteAddress: fields.remoteAddress,
          timestamp: new Date(),
          details: { plugin: m.plugin.name, ...fields.details },
        });
      },
      fallback(action: string, handler: FallbackHandler) {
        const h: Handler = (c) =>
          handler({
            identity: c.station.identity,
            protocol: c.protocol,
            action: c.action,
            messageId: c.messageId,
            payload: c.payload,
          });
        d.handlers.setFallback(action, h);
        m.fallbacks.push(action);
      },
      reportError: (error, hook = 'plugin') => d.dispatcher.pluginFailed(m.plugin.name, hook, error),
      redact: (value) => d.dispatcher.redaction.value(value),
      on: (name, listener) => d.dispatcher.on(name, listener, m.plugin.name),
    };
  }
}
