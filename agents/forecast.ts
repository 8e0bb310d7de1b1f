/**
 * Forecasts an agent may read (a service of the world, not agent state): per market period of the
 * horizon, a feeder load's nominal demand (its own load shape averaged over the period's minutes,
 * times `prosumers.load_scale`, as the prosumer draws it), a PV system's output from the
 * scenario's PV profile (clear sky or a measured file), and the feeder's total nominal load.
 * Each series is computed once, on first use, and shared; strategies see them through their context
 * as read-only views starting at the period being bid for (a perfect forecast: the physics the
 * simulation will then apply). With `solar.clouds` (agents/clouds.ts) a system's PV is the clear-sky
 * profile times the seeded clear-sky index it sees; the forecast is that realisation.
 */
import type { Network } from '../grid/model/network.js';
import { shapeMultipliers } from '../grid/model/elements/loadshape.js';
import type { Period } from './agent.js';
import type { CloudField } from './clouds.js';
import { pvElementOutput, subStepTimes } from './feeder-elements.js';
import { type PvProfile, meanOfSlices, meanProfileKw, profileSlices } from './solar.js';

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
  private readonly pv = new Map<string, Float64Array>();
  private feeder: Float64Array | undefined;
  private slices: ReturnType<typeof profileSlices>[] | undefined;
  static readonly NONE = new Float64Array(0);

  constructor(
    private readonly network: Network,
    private readonly periods: readonly Period[],
    private readonly pvProfile: PvProfile,
    /** `prosumers.load_scale`: multiplies every nominal demand */
    private readonly loadScale: number,
    /** the feeder loads whose nominal demand makes up the feeder's total */
    private readonly loadIndices: readonly number[],
    /** `solar.clouds`: the seeded clear-sky index, feeder-wide and per system */
    private readonly clouds?: CloudField,
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

  /**
   * Output of a `kwp` system in every period, kW (zeros for kwp = 0). `agent` names the system's
   * owner, whose own clear-sky index it sees when clouds decorrelate in space.
   */
  pvKw(kwp: number, agent?: string): Float64Array {
    const clouds = this.clouds;
    const own = clouds !== undefined && clouds.params.correlation < 1 && agent !== undefined ? agent : undefined;
    const key = own === undefined ? String(kwp) : `${own}:${kwp}`;
    let s = this.pv.get(key);
    if (!s) {
      if (clouds) {
        // the clear-sky slices are the same for every system: computed once, then each system's own sky
        this.slices ??= this.periods.map((p) => profileSlices(this.pvProfile, p.startS / 3600, p.endS / 3600));
        const index = clouds.indexOf(own);
        const slices = this.slices;
        s = Float64Array.from(this.periods, (_, k) => (kwp > 0 ? meanOfSlices(slices[k], kwp, index) : 0));
      } else s = Float64Array.from(this.periods, (p) => (kwp > 0 ? meanProfileKw(this.pvProfile, kwp, p.startS / 3600, p.endS / 3600) : 0));
      this.pv.set(key, s);
    }
    return s;
  }

  /**
   * issue 12: what a prosumer's feeder PVSystems (indices into network.pces) would deliver in every
   * period, kW: the mean over the period's power-flow sub-steps of their summed unconstrained output,
   * as the grid model computes it (agents/feeder-elements.ts).
   */
  pvElementsKw(pces: readonly number[], subStepS: number): Float64Array {
    const key = `pce:${subStepS}:${pces.join(',')}`;
    let s = this.pv.get(key);
    if (!s) {
      const series = pvElementOutput(this.network, pces, this.periods, subStepS);
      const out = new Float64Array(this.periods.length);
      let k = 0;
      this.periods.forEach((p, i) => {
        const n = subStepTimes(p, subStepS).length;
        let sum = 0;
        for (let j = 0; j < n; j++, k++) for (const e of series) sum += e[k];
        out[i] = n > 0 ? sum / n : 0;
      });
      s = out;
      this.pv.set(key, s);
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
