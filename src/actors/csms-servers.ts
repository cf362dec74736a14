import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server as TlsServer } from 'node:tls';
import { createOcppServer, ServerSet } from '../transport/servers.js';
import { type CsmsTlsOptions, secureContextOptions, type TlsServerEvents } from '../transport/tls.js';
import { UpgradeHandler, type UpgradeOptions } from '../transport/upgrade.js';
import { OptionsError } from './errors.js';
import type { ResolvedCsmsOptions } from './options.js';
import { emitTlsRefusal } from './refusals.js';
import { checkListenTls, withTls } from './tls-settings.js';
import { type AdmissionHooks, applyUpgradeSettings, upgradeOptionsFor } from './upgrade-options.js';

/**
 * Where a CSMS meets its stations: the servers `listen()` starts and those given to `attach()`, the
 * WebSocket upgrade of their connections (handshake limits, auth, refusals) and the TLS material of
 * the servers it owns. What happens once a station is accepted is the CSMS's (`hooks.accepted`).
 */
export class CsmsServers {
  private readonly upgradeOptions: UpgradeOptions;
  private readonly upgrade: UpgradeHandler;
  private readonly servers: ServerSet;
  /** Failed TLS handshakes on our servers and on attached https servers. */
  private readonly tlsEvents: TlsServerEvents;

  constructor(
    o: ResolvedCsmsOptions,
    private readonly hooks: AdmissionHooks,
  ) {
    const d = hooks.dispatcher;
    this.tlsEvents = {
      refused: (r) => emitTlsRefusal(d, r),
      failed: (error) => d.emit('transportError', { station: undefined, error }),
    };
    this.upgradeOptions = upgradeOptionsFor(o, hooks);
    this.upgrade = new UpgradeHandler(this.upgradeOptions);
    this.servers = new ServerSet(this.upgrade, this.tlsEvents, (error) =>
      d.emit('transportError', { station: undefined, error }),
    );
  }

  /** A server of its own on `port` (0: a free one), with TLS for profiles 2 and 3. */
  async listen(o: ResolvedCsmsOptions, port: number, host: string): Promise<{ port: number; host: string }> {
    checkListenTls(o);
    const server = createOcppServer(
      o.securityProfile,
      o.tls,
      o.handshakeTimeoutMs,
      this.tlsEvents,
      (req, res) => this.hooks.dispatcher.serveHttp(req, res),
    );
    const addr = await this.servers.listen(server, port, host);
    return { port: addr.port, host: addr.address };
  }

  /** Serve on an application's server; the port it listens on, if it does yet. */
  attach(o: ResolvedCsmsOptions, server: HttpServer | HttpsServer): number | undefined {
    if (o.securityProfile === 3 && !(server instanceof TlsServer))
      throw new OptionsError(['attach: security profile 3 needs an https server with requestCert']);
    this.servers.attach(server);
    const addr = server.address();
    return addr && typeof addr === 'object' ? addr.port : undefined;
  }

  /** New TLS material for the servers `listen()` started; the options with it merged in. */
  updateTls(o: ResolvedCsmsOptions, next: Partial<CsmsTlsOptions>): ResolvedCsmsOptions {
    const merged = withTls(o, next);
    this.servers.setSecureContext(secureContextOptions(merged.tls!));
    return merged;
  }

  /** `reconfigure`: the handshake settings are read per upgrade; a new timeout reaches the servers too. */
  reconfigured(o: ResolvedCsmsOptions): void {
    if (!applyUpgradeSettings(this.upgradeOptions, o)) return;
    this.upgrade.limitsChanged();
    this.servers.setHandshakeTimeout(o.handshakeTimeoutMs);
  }

  pendingStats(): ReturnType<UpgradeHandler['pendingStats']> {
    return this.upgrade.pendingStats();
  }

  /** Refuse what is still in its handshake, then close (or detach from) every server. */
  async close(): Promise<void> {
    this.upgrade.close();
    await this.servers.close();
  }
}
