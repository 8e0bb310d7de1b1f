/**
 * Everything `report.html` shows, gathered by `lemsim run` from a finished simulation (the report
 * module renders it; it never reads the simulation itself). Units in the names; kW consumed > 0.
 */

import type { MeritOrderView } from './merit-orders.js';

export interface ReportTable {
  /** file-friendly id, also the CSV file name `<id>.csv` */
  readonly id: string;
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

export interface ReportData {
  readonly title: string;
  readonly subtitle: string;
  /** tables shown in the page and written as CSV beside it (e.g. the papers' Tables 2–4, II, IV, V) */
  readonly tables: readonly ReportTable[];
  /**
   * per reinforcement iteration; `welfareEur` is the welfare without price-taking demand's value at
   * its cap (summary.json `welfare_elastic_eur`), whose payment is `passiveDemandPaymentEur` (0: none)
   */
  readonly iterations: readonly { readonly iteration: number; readonly welfareEur: number; readonly violations: number; readonly batteryUnits: number; readonly passiveDemandPaymentEur?: number }[];
  /** per iteration and period: clearing outcome; `prices` one per community or `market` */
  readonly periods: readonly {
    readonly iteration: number;
    readonly label: string;
    readonly startMinute: number;
    readonly prices: Readonly<Record<string, number>>;
    readonly tradedKw: number;
    readonly importKw: number;
    readonly exportKw: number;
    readonly consumptionKw: number;
    readonly productionKw: number;
  }[];
  /** the merit orders of the chosen market periods of the last iteration (src/report/merit-orders.ts) */
  readonly meritOrders: readonly MeritOrderView[];
  /**
   * bus voltages of the last iteration (mean of the phase nodes): `steps[t].vPu[k]` is bus `buses[k]`
   * at sub-step t. Kept as one typed array per sub-step, not one object per value, so a 100,000-bus
   * feeder fits. `hops` is the bus's distance from the source in branches (-1: not reached);
   * `distancePu` its electrical distance (src/report/distance.ts; NaN: not reached or unknown).
   */
  readonly voltages: {
    readonly buses: readonly { readonly name: string; readonly hops: number; readonly distancePu?: number }[];
    readonly steps: readonly { readonly minute: number; readonly vPu: ArrayLike<number> }[];
  };
  /** the feeder drawn from its bus coordinates; buses without coordinates are absent */
  readonly map: {
    readonly buses: readonly { readonly name: string; readonly x: number; readonly y: number; readonly violations: number }[];
    readonly lines: readonly { readonly from: string; readonly to: string; readonly violations: number }[];
  };
  /** voltage limits and the nominal the colours are centred on (`limits.nominal_v_pu`), pu */
  readonly limits: { readonly vMinPu: number; readonly vMaxPu: number; readonly nominalVPu?: number };
}
