import type { Measurand } from './config.js';

/** What an AC car can take: single-phase 32 A, three-phase 16 A, three-phase 32 A. */
const EVS = [
  { maxW: 7_400, phases: 1 },
  { maxW: 11_000, phases: 3 },
  { maxW: 22_000, phases: 3 },
] as const;

/** What a connector can deliver. */
const CONNECTOR_MAX_W = 22_000;
const NOMINAL_V = 230;

export interface Reading {
  measurand: Measurand;
  value: number;
  unit: 'Wh' | 'W' | 'A' | 'V' | 'Percent';
}

/**
 * One connector's energy meter and the car plugged into it. The register only grows, at the power
 * actually flowing over real elapsed time, so meter values stay consistent however the run's timing is
 * compressed. Power is the least of the car's, the connector's and the charging profile's limits,
 * tapers above 80% state of charge, and wanders ±2% between readings.
 */
export class EnergyMeter {
  private registerWh: number;
  private powerW = 0;
  private charging = false;
  private at = performance.now();
  private ev: (typeof EVS)[number] = EVS[1];
  private socPct = 50;
  private capacityWh = 60_000;
  /** From a charging profile; undefined: none. */
  limitW: number | undefined;

  constructor(private readonly random: () => number = Math.random) {
    this.registerWh = 100_000 + Math.floor(random() * 2_000_000);
  }

  /** A car arrives. */
  plugIn(): void {
    this.ev = EVS[Math.floor(this.random() * EVS.length)] ?? EVS[1];
    this.socPct = 15 + this.random() * 45;
    this.capacityWh = [40_000, 60_000, 80_000][Math.floor(this.random() * 3)] ?? 60_000;
  }

  startCharging(): void {
    this.advance();
    this.charging = true;
    this.powerW = this.targetW();
  }

  stopCharging(): void {
    this.advance();
    this.charging = false;
    this.powerW = 0;
  }

  /** The register in whole Wh (1.6 meterStart/meterStop are integers). */
  energyWh(): number {
    this.advance();
    return Math.floor(this.registerWh);
  }

  read(measurands: readonly Measurand[]): Reading[] {
    this.advance();
    if (this.charging) this.powerW = this.targetW() * (0.98 + 0.04 * this.random());
    const volts = NOMINAL_V - 2 + 4 * this.random();
    const out: Reading[] = [];
    for (const m of measurands) {
      switch (m) {
        case 'Energy.Active.Import.Register':
          out.push({ measurand: m, value: Math.floor(this.registerWh), unit: 'Wh' });
          break;
        case 'Power.Active.Import':
          out.push({ measurand: m, value: Math.round(this.powerW), unit: 'W' });
          break;
        case 'Current.Import':
          out.push({ measurand: m, value: round1(this.powerW / (volts * this.ev.phases)), unit: 'A' });
          break;
        case 'Voltage':
          out.push({ measurand: m, value: round1(volts), unit: 'V' });
          break;
        case 'SoC':
          out.push({ measurand: m, value: Math.floor(this.socPct), unit: 'Percent' });
          break;
      }
    }
    return out;
  }

  private targetW(): number {
    const cap = Math.min(this.ev.maxW, CONNECTOR_MAX_W, this.limitW ?? Number.POSITIVE_INFINITY);
    return this.socPct <= 80 ? cap : cap * Math.max(0.05, (100 - this.socPct) / 20);
  }

  private advance(): void {
    const now = performance.now();
    const wh = (this.powerW * (now - this.at)) / 3_600_000;
    this.at = now;
    this.registerWh += wh;
    this.socPct = Math.min(100, this.socPct + (wh / this.capacityWh) * 100);
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** A charging-schedule limit in W: amperes are converted at 230 V over the given (or 3) phases. */
export function limitInWatts(
  unit: 'A' | 'W',
  limit: number | undefined,
  phases?: number,
): number | undefined {
  if (limit === undefined) return undefined;
  return unit === 'W' ? limit : limit * NOMINAL_V * (phases ?? 3);
}
