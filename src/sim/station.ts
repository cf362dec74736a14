import { randomBytes } from 'node:crypto';
import {
  createStation,
  type RequestIn,
  type ResponseIn,
  type Station,
  StationClosedError,
} from '../client/index.js';
import { RpcError } from '../protocol/errors.js';
import type { CsmsHandled, OcppVersion } from '../protocol/index.js';
import { ConfigStore } from './config.js';
import { ChargingProfiles, Connector, type SessionStart, type StopCause, type Tx } from './connector.js';
import { identityOf, type ResolvedSimOptions } from './options.js';
import { errorKindOf, observeClient, type SimStats } from './stats.js';
import { spread, Timers } from './timers.js';

export type { Connector, ConnectorPhase, SessionStart, StopCause, Tx } from './connector.js';

export type BootReason = 'PowerUp' | 'RemoteReset' | 'Triggered' | 'Unknown';

export interface SimContext {
  readonly options: ResolvedSimOptions;
  readonly stats: SimStats;
}

/**
 * One virtual station: a station client, its connectors and their sessions. The session loop and the
 * bookkeeping (boot, heartbeat, reboot, profiles, availability) live here; what goes on the wire lives in
 * the version models (station-16.ts, station-2x.ts).
 */
export abstract class SimStation<V extends OcppVersion = OcppVersion> {
  readonly identity: string;
  readonly connectors: Connector[];
  readonly config: ConfigStore;
  readonly profiles: ChargingProfiles;
  /** The current boot was Accepted. */
  accepted = false;
  stopped = false;
  rebooting = false;
  /** 2.x Reset OnIdle during a session: no new sessions, reboot when the last one ends. */
  rebootWhenIdle = false;
  protected client: Station | undefined;
  protected readonly timers = new Timers();
  /** Bumped at every reboot and at stop: async flows begun under an older one give up. */
  protected generation = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** A BootNotification loop is running. */
  private registering = false;
  /** The meter interval in force: the exact option (fractional when tests compress time), then the key's. */
  private meterIntervalMs: number;
  private everBooted = false;

  constructor(
    readonly index: number,
    protected readonly ctx: SimContext,
  ) {
    const o = ctx.options;
    this.identity = identityOf(o, index);
    this.connectors = Array.from({ length: o.connectors }, (_, i) => new Connector(i + 1));
    this.profiles = new ChargingProfiles(this.connectors);
    this.config = new ConfigStore(
      {
        MeterValueSampleInterval: String(
          o.meterIntervalS > 0 ? Math.max(1, Math.round(o.meterIntervalS)) : 0,
        ),
        NumberOfConnectors: String(o.connectors),
        SecurityProfile: o.password ? '1' : '0',
        'SecurityCtrlr.Identity': this.identity,
      },
      (key) => this.configChanged(key),
    );
    this.meterIntervalMs = o.meterIntervalS * 1000;
  }

  // --- what the version models provide ------------------------------------------------------------
  protected abstract bootPayload(reason: BootReason): object;
  protected abstract registerHandlers(client: Station): void;
  /** After an Accepted boot: the status of the station and of every connector. */
  protected abstract announce(): Promise<void>;
  protected abstract sendStatus(c: Connector): Promise<void>;
  /** Plug in, authorize, start; resolves with the transaction, or undefined when none started. */
  protected abstract startTransaction(c: Connector, start: SessionStart): Promise<Tx | undefined>;
  /** Resolves true when the CSMS acknowledged the stop. */
  protected abstract stopTransaction(c: Connector, tx: Tx, cause: StopCause): Promise<boolean>;
  protected abstract sendPeriodicMeterValues(c: Connector, tx: Tx): Promise<void>;

  // --- life cycle -----------------------------------------------------------------------------------
  start(): void {
    void this.powerUp('PowerUp');
  }

  /** Close for good (end of the run). Transactions are left open, as on a power cut. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.shutdown();
  }

  /** Reset: end the sessions, go offline for the reboot delay, come back with a new BootNotification. */
  protected async reboot(cause: 'softReset' | 'hardReset'): Promise<void> {
    if (this.rebooting || this.stopped) return;
    this.rebooting = true;
    this.rebootWhenIdle = false;
    await Promise.all(this.connectors.map((c) => this.stopSession(c, cause)));
    await this.shutdown();
    if (!(await this.timers.sleep(this.ctx.options.rebootDelayS * 1000))) return;
    this.rebooting = false;
    if (!this.stopped) void this.powerUp('RemoteReset');
  }

  private async shutdown(): Promise<void> {
    this.generation++;
    this.accepted = false;
    this.timers.clear();
    for (const c of this.connectors) {
      c.timers.clear();
      c.phase = 'idle';
      c.tx = undefined;
    }
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }

  protected alive(generation: number): boolean {
    return !this.stopped && this.generation === generation;
  }

  private async powerUp(reason: BootReason): Promise<void> {
    const gen = this.generation;
    const o = this.ctx.options;
    const client = createStation({
      url: o.url,
      identity: this.identity,
      protocols: [o.protocol],
      ...(o.password === undefined ? {} : { password: o.password }),
    });
    this.client = client;
    observeClient(client, this.ctx.stats, this);
    this.registerHandlers(client);
    try {
      await client.connect();
    } catch {
      return; // closed before it could connect
    }
    await this.register(gen, reason);
  }

  private async register(gen: number, reason: BootReason): Promise<void> {
    this.registering = true;
    const booted = await this.boot(gen, reason).finally(() => {
      this.registering = false;
    });
    if (!booted) return;
    await this.announce();
    if (!this.alive(gen)) return;
    for (const c of this.connectors) this.scheduleSession(c);
  }

  /** TriggerMessage(BootNotification): a boot already under way answers it; else boot (again). */
  protected triggeredBoot(): void {
    if (this.registering) return;
    if (this.accepted) void this.rawCall('BootNotification', this.bootPayload('Triggered'));
    else void this.register(this.generation, 'Triggered');
  }

  /**
   * The CSMS refuses our calls as coming before an accepted boot: it lost our registration (a restart
   * of an in-memory CSMS). Boot again on the same connection rather than fail every call from now on.
   */
  private lostRegistration(): void {
    if (!this.accepted || this.rebooting || this.registering) return;
    this.accepted = false;
    this.timers.cancel(this.heartbeatTimer);
    void this.register(this.generation, 'Unknown');
  }

  /** BootNotification until Accepted; Pending/Rejected retry after the interval the CSMS asked for. */
  protected async boot(gen: number, reason: BootReason): Promise<boolean> {
    for (;;) {
      const res = (await this.rawCall('BootNotification', this.bootPayload(reason))) as
        | { status: string; interval: number }
        | undefined;
      if (!this.alive(gen)) return false;
      if (res?.status === 'Accepted') {
        this.accepted = true;
        if (!this.everBooted) {
          this.everBooted = true;
          this.ctx.stats.everBooted++;
          this.ctx.stats.lastFirstBootAt = performance.now();
        }
        this.config.setInternal('HeartbeatInterval', String(res.interval));
        this.armHeartbeat();
        return true;
      }
      const waitS = res && res.interval > 0 ? res.interval : 10;
      if (!(await this.timers.sleep(spread(waitS * 1000, 0.1)))) return false;
    }
  }

  private armHeartbeat(): void {
    this.timers.cancel(this.heartbeatTimer);
    const s = this.config.int('HeartbeatInterval');
    if (s <= 0 || !this.accepted) return;
    // Early rather than late: a heartbeat after the interval could make the CSMS think we went offline.
    this.heartbeatTimer = this.timers.after(s * 1000 * (0.9 + 0.1 * Math.random()), () => {
      void this.rawCall('Heartbeat', {});
      this.armHeartbeat();
    });
  }

  private configChanged(key: string): void {
    if (key === 'HeartbeatInterval') this.armHeartbeat();
    if (key === 'MeterValueSampleInterval') {
      this.meterIntervalMs = this.config.int(key) * 1000;
      for (const c of this.connectors) if (c.phase === 'charging') this.armMeter(c);
    }
  }

  // --- calls and statistics -------------------------------------------------------------------------
  /** CALL the CSMS, typed for the model's versions; undefined when it failed or the station went down. */
  protected call<A extends CsmsHandled<V>>(
    action: A,
    payload: RequestIn<V, A>,
  ): Promise<ResponseIn<V, A> | undefined> {
    return this.rawCall(action, payload) as Promise<ResponseIn<V, A> | undefined>;
  }

  /** CALL the CSMS; undefined when it failed (counted by kind) or the station went down meanwhile. */
  private async rawCall(action: string, payload: unknown): Promise<Record<string, unknown> | undefined> {
    const client = this.client;
    if (!client || this.stopped) return undefined;
    try {
      const res = await client.call(action as never, payload as never);
      this.ctx.stats.calls++;
      return res as Record<string, unknown>;
    } catch (error) {
      // Calls cut short by our own close (reboot, end of run) are not failures.
      if (error instanceof StationClosedError || this.client !== client) return undefined;
      this.ctx.stats.error(
        errorKindOf(error),
        `${action} from ${this.identity}: ${(error as Error).message}`,
      );
      if (error instanceof RpcError && error.kind === 'SecurityError' && action !== 'BootNotification')
        this.lostRegistration();
      return undefined;
    }
  }

  /** Run `fn` after the current handler's answer has gone out (1.6 TriggerMessage: answer first). */
  protected defer(fn: () => unknown): void {
    this.timers.after(0, () => void fn());
  }

  // --- sessions -------------------------------------------------------------------------------------
  protected canStart(c: Connector): boolean {
    return (
      this.accepted &&
      !this.stopped &&
      !this.rebooting &&
      !this.rebootWhenIdle &&
      c.operative &&
      !c.scheduledInoperative &&
      c.phase === 'idle'
    );
  }

  /** A car arrives after a while (±50%). */
  protected scheduleSession(c: Connector): void {
    if (this.ctx.options.remoteOnly || !this.canStart(c)) return;
    c.timers.after(spread(this.ctx.options.idleS * 1000, 0.5), () => {
      if (this.canStart(c)) void this.session(c, { idTag: randomTag(), remote: false });
    });
  }

  /** The connector's pending local plug-in gives way; the session starts after the answer went out. */
  protected remoteStart(c: Connector, start: SessionStart): void {
    c.timers.clear();
    c.phase = 'preparing'; // now, so that a second request for this connector is refused
    this.defer(() => this.session(c, start));
  }

  /** Free, operative connector `id`, or the first one when no id is given. */
  protected pickConnector(id: number | undefined): Connector | undefined {
    const candidates = id === undefined ? this.connectors : [this.connectors[id - 1]];
    return candidates.find((c) => c !== undefined && this.canStart(c));
  }

  protected txOf(id: string): Connector | undefined {
    return this.connectors.find((c) => c.tx?.id === id && !c.tx.ending);
  }

  private async session(c: Connector, start: SessionStart): Promise<void> {
    const gen = this.generation;
    c.phase = 'preparing';
    c.meter.plugIn();
    const tx = await this.startTransaction(c, start);
    if (!this.alive(gen)) return;
    if (!tx) {
      await this.unplug(c, gen);
      return;
    }
    this.ctx.stats.transactionsStarted++;
    if (tx.ending) return; // stopped while starting: stopSession carries on from here
    if (tx.deauthorized && this.config.bool('StopTransactionOnInvalidId')) {
      await this.stopSession(c, 'deauthorized');
      return;
    }
    c.phase = 'charging';
    this.armMeter(c);
    c.timers.after(
      spread(this.ctx.options.chargeDurationS * 1000, 0.2),
      () => void this.stopSession(c, 'local'),
    );
  }

  private armMeter(c: Connector): void {
    c.timers.cancel(c.meterTimer);
    const ms = this.meterIntervalMs;
    if (ms <= 0) return;
    c.meterTimer = c.timers.after(spread(ms, 0.05), () => {
      const tx = c.tx;
      if (!tx || tx.ending) return;
      void this.sendPeriodicMeterValues(c, tx);
      this.armMeter(c);
    });
  }

  /** End the session's transaction (if any), then unplug unless the station is going down. */
  protected async stopSession(c: Connector, cause: StopCause): Promise<void> {
    const tx = c.tx;
    if (!tx || tx.ending) return;
    tx.ending = true;
    const gen = this.generation;
    c.timers.clear();
    c.meter.stopCharging();
    c.phase = 'finishing';
    if (await this.stopTransaction(c, tx, cause)) this.ctx.stats.transactionsStopped++;
    if (c.tx === tx) c.tx = undefined;
    this.profiles.transactionEnded(c);
    if (!this.alive(gen) || this.rebooting) return;
    // The driver takes a moment to unplug.
    if (await c.timers.sleep(spread(Math.min(2000, this.ctx.options.idleS * 250), 0.2)))
      await this.unplug(c, gen);
  }

  private async unplug(c: Connector, gen: number): Promise<void> {
    c.phase = 'idle';
    if (c.scheduledInoperative) {
      c.operative = false;
      c.scheduledInoperative = false;
    }
    await this.sendStatus(c);
    if (!this.alive(gen)) return;
    if (this.rebootWhenIdle && this.connectors.every((x) => x.phase === 'idle')) {
      void this.reboot('softReset');
      return;
    }
    this.scheduleSession(c);
  }

  /** The plug-to-tap delay of a local session. */
  protected tapDelayMs(): number {
    return spread(Math.min(1000, this.ctx.options.idleS * 250), 0.2);
  }

  // --- shared command logic -------------------------------------------------------------------------
  /** ChangeAvailability on `targets`: Scheduled when one is in a session (applied when it ends). */
  protected changeAvailability(targets: Connector[], operative: boolean): 'Accepted' | 'Scheduled' {
    let scheduled = false;
    for (const c of targets) {
      if (operative) {
        c.scheduledInoperative = false;
        if (c.operative) continue;
        c.operative = true;
        this.defer(async () => {
          await this.sendStatus(c);
          this.scheduleSession(c);
        });
      } else if (c.phase !== 'idle') {
        c.scheduledInoperative = true;
        scheduled = true;
      } else if (c.operative) {
        c.operative = false;
        c.timers.clear();
        this.defer(() => this.sendStatus(c));
      }
    }
    return scheduled ? 'Scheduled' : 'Accepted';
  }
}

/** A 7-byte ISO 14443 UID, as RFID readers report it. */
export function randomTag(): string {
  return randomBytes(7).toString('hex').toUpperCase();
}

export const now = (): string => new Date().toISOString();
