import { EnergyMeter } from './meter.js';
import { Timers } from './timers.js';

export type ConnectorPhase = 'idle' | 'preparing' | 'charging' | 'finishing';
export type StopCause = 'local' | 'remote' | 'softReset' | 'hardReset' | 'unlock' | 'deauthorized';

export interface SessionStart {
  idTag: string;
  remote: boolean;
  /** 2.x: the idToken the CSMS sent with RequestStartTransaction, echoed as is. */
  idToken?: object;
  remoteStartId?: number;
}

export interface Tx {
  /** 2.x: the station's UUID; 1.6: the CSMS's integer, as a string. */
  readonly id: string;
  readonly idTag: string;
  readonly remoteStartId: number | undefined;
  readonly startedAt: number;
  /** 2.x TransactionEvent seqNo: the next one to send. */
  seqNo: number;
  /** Energy started flowing (ms since epoch). */
  chargingSince: number | undefined;
  /** The stop is being sent; nothing else may act on this transaction. */
  ending: boolean;
  /** The CSMS refused the token in the start answer (StopTxOnInvalidId). */
  deauthorized: boolean;
}

export interface ChargingProfile {
  id: number;
  purpose: string;
  stackLevel: number;
  /** From the first period of the first schedule; time-varying schedules are not followed. */
  limitW: number | undefined;
}

export class Connector {
  phase: ConnectorPhase = 'idle';
  operative = true;
  /** ChangeAvailability(Inoperative) came during a session: applied when it ends (Scheduled). */
  scheduledInoperative = false;
  tx: Tx | undefined;
  readonly timers = new Timers();
  readonly meter = new EnergyMeter();
  readonly profiles = new Map<number, ChargingProfile>();
  meterTimer: NodeJS.Timeout | undefined;

  constructor(readonly id: number) {}
}

/** Charging profiles and the power limits they put on each connector. */
export class ChargingProfiles {
  /** Station-wide ones (1.6 connector 0, 2.x EVSE 0); the others live on their connector. */
  readonly station = new Map<number, ChargingProfile>();

  constructor(private readonly connectors: readonly Connector[]) {}

  /** A profile replaces any other with its id, wherever it was. */
  install(target: Connector | undefined, profile: ChargingProfile): void {
    this.station.delete(profile.id);
    for (const c of this.connectors) c.profiles.delete(profile.id);
    (target ? target.profiles : this.station).set(profile.id, profile);
    this.apply();
  }

  /** Remove the profiles `match` selects (`c` undefined: station-wide); how many went. */
  clear(match: (p: ChargingProfile, c: Connector | undefined) => boolean): number {
    let removed = 0;
    const sweep = (m: Map<number, ChargingProfile>, c: Connector | undefined) => {
      for (const [id, p] of m)
        if (match(p, c)) {
          m.delete(id);
          removed++;
        }
    };
    sweep(this.station, undefined);
    for (const c of this.connectors) sweep(c.profiles, c);
    this.apply();
    return removed;
  }

  /** A TxProfile lives as long as its transaction. */
  transactionEnded(c: Connector): void {
    for (const [id, p] of c.profiles) if (p.purpose === 'TxProfile') c.profiles.delete(id);
    this.apply();
  }

  /** Each connector charges at most at the least limit of the profiles that apply to it. */
  private apply(): void {
    for (const c of this.connectors) {
      let limit: number | undefined;
      for (const p of [...this.station.values(), ...c.profiles.values()])
        if (p.limitW !== undefined) limit = Math.min(limit ?? p.limitW, p.limitW);
      c.meter.limitW = limit;
    }
  }
}
