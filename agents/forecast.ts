/**
 * Forecasts an agent may read (a service of the world, not agent state): per market period of the
 * horizon, a feeder load's nominal demand (its own load shape averaged over the period's minutes,
 * times `prosumers.load_scale`, as the prosumer draws it), a PV system's output from the
 * scenario's PV profile (clear sky or a measured file), and the feeder's total nominal load.
 * Each series is computed once, on first use, and shared; strategies see them through their context
 * as read-only views starting at the period being bid for (a perfect forecast: the physics the
 * simulation will then apply).
 */
import type { Network } from '../grid/model/network.js';
import { shapeMultipliers } from '../grid/model/elements/loadshape.js';
import type { Period } from './agent.js';
import { type PvProfile, meanProfileKw } from './solar.js';

/** Mean nominal demand of a feeder load over [fromS, toS), kW, from its load shape (daily mode). */
export function nominalDemandKw(network: Network, loadIndex: number, fromS: number, toS: number): number {
  const l = network.loads[loadIndex];
  const shape = l.status === 'fixed' ? undefined : (l.daily ?? l.yearly ?? l.duty);
  const n = Math.max(1, Math.round((toS - fromS) / 60));
  let sum = 0;
  for (let k = 0; k < n; k++) {
    // minute M is the solve at t = M·60 s; the period's minutes are its starts + 1 … end
    const minute = fromS / 60 + ((k + 1) * (toS - fromS)) / 60 / n;
    sum += shape ? (shape.useActual ? shapeMultipliers(shape, minute / 60).p : l.kW * shapeMultipliers(shape, minute / 60).p) : l.kW;
  }
  return Math.max(0, sum / n);
}

export class Forecasts {
  private readonly demand = new Map<number, Float64Array>();
  private readonly pv = new Map<number, Float64Array>();
  private feeder: Float64Array | undefined;
  static readonly NONE = new Float64Array(0);

  constructor(
    private readonly network: Network,
    private readonly periods: readonly Period[],
    private readonly pvProfile: PvProfile,
    /** `prosumers.load_scale`: multiplies every nominal demand */
    private readonly loadScale: number,
    /** the feeder loads whose nominal demand makes up the feeder's total */
    private readonly loadIndices: readonly number[],
  ) {}

  /** Nominal demand of feeder load `loadIndex` in every period, kW. */
  demandKw(loadIndex: number): Float64Array {
    let s = this.demand.get(loadIndex);
    if (!s) {
      s = Float64Array.from(this.periods, (p) => nominalDemandKw(this.network, loadIndex, p.startS, p.endS) * this.loadScale);
      this.demand.set(loadIndex, s);
    }
    return s;
  }

  /** Output of a `kwp` system in every period, kW (zeros for kwp = 0). */
  pvKw(kwp: number): Float64Array {
    let s = this.pv.get(kwp);
    if (!s) {
      s = Float64Array.from(this.periods, (p) => (kwp > 0 ? meanProfileKw(this.pvProfile, kwp, p.startS / 3600, p.endS / 3600) : 0));
      this.pv.set(kwp, s);
    }
    return s;
  }

  /**
   * `series` from period `k` on, as a read-only view. Series shared by many agents (a PV size's, the
   * feeder's) keep the view of the period last asked for: 10,000 agents bidding for period k share one.
   */
  from(series: Float64Array, k: number): Float64Array {
    const last = this.views.get(series);
    if (last && last.k === k) return last.view;
    const view = series.subarray(k);
    this.views.set(series, { k, view });
    return view;
  }
  private readonly views = new WeakMap<Float64Array, { k: number; view: Float64Array }>();

  /** Total nominal demand of the feeder's loads in every period, kW. */
  feederLoadKw(): Float64Array {
    if (!this.feeder) {
      const total = new Float64Array(this.periods.length);
      for (const li of this.loadIndices) {
        const d = this.demandKw(li);
        for (let p = 0; p < total.length; p++) total[p] += d[p];
      }
      this.feeder = total;
    }
    return this.feeder;
  }
}
