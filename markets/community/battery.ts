/**
 * Battery physics of seed 000, Eqs. (9)–(13), and the Standard Battery Unit of Table III.
 *
 * The paper writes the battery limits with signs that do not agree with each other (Eq. (11) has
 * −S·η_dis ≥ …, Eq. (13) −S ≥ λ_dis·cap, which forbid discharging as written) and keeps charge and
 * discharge in one variable S with one efficiency. We use the consistent form the issue asks for:
 *   S = ch − dis, ch, dis ≥ 0,
 *   ch ≤ min(power, rate_ch·cap),  dis ≤ min(power, rate_dis·cap)                (Eqs. (12), (13)),
 *   ΔE = (η_ch·ch − dis/η_dis)·h − λ_sd·soc·cap,   soc' = soc + ΔE/cap           (Eq. (9)),
 *   soc_min ≤ soc' ≤ soc_max                                                      (Eqs. (10), (11)),
 * where λ_sd is the loss per period as in Eq. (9). The battery's welfare term is v·ΔE −
 * ½·a·(ch² + dis²)·h. With v ≥ 0 and η ≤ 1 charging and discharging at once never pays, so the
 * battery reduces to one variable S with a concave value that has a kink at S = 0 (marginal value
 * v·η_ch when charging, v/η_dis when discharging) — the same shape as every other agent.
 */
import type { BatteryAgent } from './model.js';

/** Table III: one Standard Battery Unit (power and capacity scale with the number of units). */
export const STANDARD_BATTERY_UNIT = {
  powerKw: 2.56,
  capacityKwh: 10.24,
  socMax: 0.8,
  socMin: 0.2,
  socInit: 0.5,
  etaCh: 0.96,
  etaDis: 0.96,
  rateChPerH: 0.25,
  rateDisPerH: 0.9375,
  /** fraction of the stored energy lost per hour (Table III; a period of h hours loses h times it) */
  selfDischargePerH: 1.72e-5,
} as const;

/**
 * Parameters of a bank of `units` Standard Battery Units (Table III lists 1, 3 and 5; power and
 * capacity are linear in the count, everything else is shared). Wear curvature and stored-energy
 * value are market choices, not in the table: the caller supplies them.
 */
export function standardBatteryUnits(units: number): Omit<BatteryAgent, 'id' | 'community' | 'aEurPerKwhPerKw' | 'valueEurPerKwh' | 'kind'> {
  const u = STANDARD_BATTERY_UNIT;
  return {
    capacityKwh: u.capacityKwh * units,
    powerKw: u.powerKw * units,
    soc: u.socInit,
    socMin: u.socMin,
    socMax: u.socMax,
    etaCh: u.etaCh,
    etaDis: u.etaDis,
    rateChPerH: u.rateChPerH,
    rateDisPerH: u.rateDisPerH,
    // one-hour periods: the per-period loss of Eq. (9) is the hourly rate
    selfDischargePerPeriod: u.selfDischargePerH,
  };
}

/** Charge limit, kW (Eq. (12)). */
export function chargeLimitKw(b: BatteryAgent): number {
  return Math.min(b.powerKw, b.rateChPerH * b.capacityKwh);
}

/** Discharge limit, kW (Eq. (13)). */
export function dischargeLimitKw(b: BatteryAgent): number {
  return Math.min(b.powerKw, b.rateDisPerH * b.capacityKwh);
}

/** Stored energy, kWh, after self-discharge of one period and before any charging (Eq. (9)). */
export function energyAfterSelfDischargeKwh(b: BatteryAgent): number {
  return b.soc * b.capacityKwh * (1 - b.selfDischargePerPeriod);
}

/**
 * Range [sLoKw, sHiKw] of net charging S that keeps soc' within its bounds and ch, dis within their
 * limits for a period of `periodHours` h. `sLoKw > sHiKw` means no feasible action exists.
 */
export function netChargeRangeKw(b: BatteryAgent, periodHours: number): { sLoKw: number; sHiKw: number } {
  const e0 = energyAfterSelfDischargeKwh(b);
  const eLo = b.socMin * b.capacityKwh - e0; // kWh that must at least be added (may be < 0)
  const eHi = b.socMax * b.capacityKwh - e0; // kWh that may at most be added
  const chMax = chargeLimitKw(b);
  const disMax = dischargeLimitKw(b);
  // S ≥ 0 adds η_ch·S·h, S ≤ 0 adds S·h/η_dis
  const toS = (eKwh: number) => (eKwh >= 0 ? eKwh / (b.etaCh * periodHours) : (eKwh * b.etaDis) / periodHours);
  return { sLoKw: Math.max(-disMax, toS(eLo)), sHiKw: Math.min(chMax, toS(eHi)) };
}

/** Energy added to the store by net charging `sKw` for `periodHours` h, before self-discharge, kWh. */
export function storedEnergyGainKwh(b: BatteryAgent, sKw: number, periodHours: number): number {
  return sKw >= 0 ? b.etaCh * sKw * periodHours : (sKw * periodHours) / b.etaDis;
}

/**
 * State of charge at the end of the period after net charging `sKw` (seed 000, Eq. (9)). Rounding
 * may land a hair outside a bound the solver put it on; such excursions (< 1e-9) are snapped back.
 */
export function socAfter(b: BatteryAgent, sKw: number, periodHours: number): number {
  const soc = (energyAfterSelfDischargeKwh(b) + storedEnergyGainKwh(b, sKw, periodHours)) / b.capacityKwh;
  if (soc > b.socMax && soc - b.socMax < 1e-9) return b.socMax;
  if (soc < b.socMin && b.socMin - soc < 1e-9) return b.socMin;
  return soc;
}

/**
 * Default stored-energy value: midpoint of the grid's export and import prices (issue 5), and 0
 * when that midpoint is negative (negative grid prices are valid input; a negative stored value is
 * not, so a default the user never wrote must not turn valid prices into an error: issue 11).
 */
export function defaultStoredValueEurPerKwh(importPriceEurPerKwh: number, exportPriceEurPerKwh: number): number {
  return Math.max(0, (importPriceEurPerKwh + exportPriceEurPerKwh) / 2);
}

/**
 * Lowest stored energy allowed at the end of a period, kWh: soc_min, and at the end of the day (the
 * last hour of a day-ahead market) also the battery's `terminalSocMin` (`batteries.terminal_soc:
 * initial` sets it to the starting soc, so the day ends with the charge it began with).
 */
export function energyFloorKwh(b: BatteryAgent, lastHour: boolean): number {
  const floor = lastHour && b.terminalSocMin !== undefined ? Math.max(b.socMin, b.terminalSocMin) : b.socMin;
  return floor * b.capacityKwh;
}
