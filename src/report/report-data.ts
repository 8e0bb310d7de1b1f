/**
 * Everything `report.html` shows, gathered by `lemsim run` from a finished simulation (the report
 * module renders it; it never reads the simulation itself). Units in the names; kW consumed > 0.
 */

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
  /** per reinforcement iteration */
  readonly iterations: readonly { readonly iteration: number; readonly welfareEur: number; readonly violations: number; readonly batteryUnits: number }[];
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
  /** the order book of one chosen period, for merit-order curves (blocks in market convention: kW > 0) */
  readonly meritOrder: {
    readonly label: string;
    readonly supply: readonly { readonly kw: number; readonly priceEurPerKwh: number }[];
    readonly demand: readonly { readonly kw: number; readonly priceEurPerKwh: number }[];
    readonly priceEurPerKwh: number | null;
  } | null;
  /**
   * bus voltages of the last iteration (mean of the phase nodes): `steps[t].vPu[k]` is bus `buses[k]`
   * at sub-step t. Kept as one typed array per sub-step, not one object per value, so a 100,000-bus
   * feeder fits. `hops` is the bus's distance from the source in branches (-1: not reached).
   */
  readonly voltages: {
    readonly buses: readonly { readonly name: string; readonly hops: number }[];
    readonly steps: readonly { readonly minute: number; readonly vPu: ArrayLike<number> }[];
  };
  /** the feeder drawn from its bus coordinates; buses without coordinates are absent */
  readonly map: {
    readonly buses: readonly { readonly name: string; readonly x: number; readonly y: number; readonly violations: number }[];
    readonly lines: readonly { readonly from: string; readonly to: string; readonly violations: number }[];
  };
  /** voltage limits, pu, drawn as reference lines */
  readonly limits: { readonly vMinPu: number; readonly vMaxPu: number };
}
