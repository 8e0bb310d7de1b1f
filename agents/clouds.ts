/**
 * A seeded stochastic cloud model for PV (`solar.clouds`, issue 13): a clear-sky index kc(t) that
 * multiplies the clear-sky profile, GHI(t) = kc(t) · GHI_clear(t).
 *
 * The model is a Markov-chain mixture distribution, the structure of Munkhammar & Widén ("A
 * Markov-chain probability distribution mixture approach to the clear-sky index", Solar Energy 170,
 * 2018, 174–183; and its N-state generalisation, Solar Energy 173, 2018, 487–495): a discrete-time
 * Markov chain over sky states, advanced every `step_min` minutes, and within each state kc drawn
 * independently from that state's distribution (here uniform on [lo, hi], the per-bin distribution of
 * the N-state model). Three states, clear, broken and overcast, with the physical restriction that the
 * sky passes through broken cloud between clear and overcast (Morf, "The stochastic two-state cloud
 * cover model STSCCM", Solar Energy 85, 2011, describes cloud cover by such state chains):
 *
 *   clear ──1/d_c──▶ broken ──(1/d_b)·a──▶ clear
 *   overcast ──1/d_o──▶ broken ──(1/d_b)·(1−a)──▶ overcast
 *
 * with d_s the mean duration of state s in steps (a state's dwell is geometric with that mean) and a
 * the share of broken spells that clear up. Its stationary distribution follows from flow balance,
 * π ∝ (a·d_c, d_b, (1−a)·d_o), and the long-run mean index is Σ π_s (lo_s + hi_s)/2
 * (`stationaryShares`, `expectedIndex`; the tests check both against long simulated series).
 *
 * The defaults are not fitted to a site: they give a mean index of about 0.81 (clear 64 %, broken 14 %,
 * overcast 21 % of the time) with clear spells of 3 h, broken spells of 20 min and overcast spells of
 * 1 h, and ranges that include the cloud enhancement (kc > 1) of broken skies. A study should fit
 * them to its site's measured clear-sky index (the papers above say how).
 *
 * Spatial decorrelation (`spatial.correlation` r): each PV system sees kc_i = w·kc_feeder + (1−w)·kc_own,
 * its own chain independent of the feeder-wide one with the same parameters, so the mean and the
 * bounds are unchanged and two systems' indices correlate with r = w² / (w² + (1−w)²), i.e.
 * w = √r / (√r + √(1−r)). r = 1 (the default) is one feeder-wide index.
 *
 * Random streams (src/kernel/rng.ts): `<seed>:clouds` for the feeder-wide chain and
 * `<seed>:clouds:<agent id>` for each system's own one, so clouds never shift another draw.
 */
import { Rng } from '../src/kernel/rng.js';

export const CLOUD_STATES = ['clear', 'broken', 'overcast'] as const;
export type CloudStateName = (typeof CLOUD_STATES)[number];

export interface CloudStateParams {
  /** mean duration of a spell in this state, minutes */
  readonly meanDurationMin: number;
  /** the state's clear-sky index range [lo, hi] (uniform) */
  readonly index: readonly [number, number];
}

export interface CloudParams {
  /** minutes between state transitions and index draws */
  readonly stepMin: number;
  readonly states: Readonly<Record<CloudStateName, CloudStateParams>>;
  /** share of broken spells that end clear (the rest end overcast) */
  readonly pBrokenToClear: number;
  /** correlation of two PV systems' indices (1: one feeder-wide index) */
  readonly correlation: number;
}

/** The defaults described above (not fitted to a site). */
export const DEFAULT_CLOUDS: CloudParams = {
  stepMin: 1,
  states: {
    clear: { meanDurationMin: 180, index: [0.95, 1.05] },
    broken: { meanDurationMin: 20, index: [0.3, 1.2] },
    overcast: { meanDurationMin: 60, index: [0.1, 0.45] },
  },
  pBrokenToClear: 0.5,
  correlation: 1,
};

/** Stationary probability of each state, in CLOUD_STATES order: π ∝ (a·d_c, d_b, (1−a)·d_o). */
export function stationaryShares(p: CloudParams): [number, number, number] {
  const a = p.pBrokenToClear;
  const w = [a * p.states.clear.meanDurationMin, p.states.broken.meanDurationMin, (1 - a) * p.states.overcast.meanDurationMin];
  const sum = w[0] + w[1] + w[2];
  return [w[0] / sum, w[1] / sum, w[2] / sum];
}

/** Long-run mean clear-sky index of the chain. */
export function expectedIndex(p: CloudParams): number {
  const pi = stationaryShares(p);
  return CLOUD_STATES.reduce((s, name, k) => s + (pi[k] * (p.states[name].index[0] + p.states[name].index[1])) / 2, 0);
}

/** Weight of the feeder-wide index in a system's own one for a correlation r: √r / (√r + √(1−r)). */
export function feederWeight(r: number): number {
  const a = Math.sqrt(Math.max(0, Math.min(1, r)));
  const b = Math.sqrt(Math.max(0, 1 - r));
  return a / (a + b);
}

/** The largest index the model can give (PV output is capped at its rating anyway). */
export function maxIndex(p: CloudParams): number {
  return Math.max(...CLOUD_STATES.map((s) => p.states[s].index[1]));
}

/**
 * One realisation of the chain: the state (index into CLOUD_STATES) and kc of each of `steps` steps.
 * The first state is drawn from the stationary distribution, so every step has the stationary law.
 */
export function cloudSeries(p: CloudParams, rng: Rng, steps: number): { state: Uint8Array; index: Float64Array } {
  const state = new Uint8Array(steps);
  const index = new Float64Array(steps);
  const pi = stationaryShares(p);
  const leave = Float64Array.from(CLOUD_STATES, (s) => Math.min(1, p.stepMin / p.states[s].meanDurationMin));
  const lo = Float64Array.from(CLOUD_STATES, (s) => p.states[s].index[0]);
  const width = Float64Array.from(CLOUD_STATES, (s) => p.states[s].index[1] - p.states[s].index[0]);
  const u0 = rng.next();
  let s = u0 < pi[0] ? 0 : u0 < pi[0] + pi[1] ? 1 : 2;
  for (let k = 0; k < steps; k++) {
    if (k > 0 && rng.next() < leave[s]) s = s === 1 ? (rng.next() < p.pBrokenToClear ? 0 : 2) : 1;
    state[k] = s;
    index[k] = lo[s] + rng.next() * width[s];
  }
  return { state, index };
}

/**
 * The clear-sky index over a horizon, feeder-wide and per PV system: `indexAt(agent, hour)` is the
 * index of the step that holds clock `hour` (steps counted from the horizon's start). Series are made
 * on first use and kept.
 */
export class CloudField {
  private readonly feeder: Float64Array;
  private readonly own = new Map<string, Float64Array>();
  private readonly steps: number;
  private readonly weight: number;

  constructor(
    private readonly seed: number,
    readonly params: CloudParams,
    /** horizon start and end, clock hours */
    private readonly fromH: number,
    toH: number,
  ) {
    this.steps = Math.max(1, Math.ceil(((toH - fromH) * 60) / params.stepMin - 1e-9));
    this.feeder = cloudSeries(params, new Rng(`${seed}:clouds`), this.steps).index;
    this.weight = feederWeight(params.correlation);
  }

  private stepOf(hour: number): number {
    const k = Math.floor(((hour - this.fromH) * 60) / this.params.stepMin + 1e-9);
    return k < 0 ? 0 : k >= this.steps ? this.steps - 1 : k;
  }

  /** The clear-sky index PV system `agent` sees at clock `hour` (the feeder-wide one when undefined or r = 1). */
  indexAt(agent: string | undefined, hour: number): number {
    return this.seriesOf(agent)[this.stepOf(hour)];
  }

  /** `indexAt` for one system, as a function of the clock hour (its series made once). */
  indexOf(agent: string | undefined): (hour: number) => number {
    const series = this.seriesOf(agent);
    return (hour) => series[this.stepOf(hour)];
  }

  /** The index series system `agent` sees, one value per step: w·feeder + (1 − w)·own. */
  private seriesOf(agent: string | undefined): Float64Array {
    if (agent === undefined || this.weight >= 1) return this.feeder;
    let mixed = this.own.get(agent);
    if (!mixed) {
      const own = cloudSeries(this.params, new Rng(`${this.seed}:clouds:${agent}`), this.steps).index;
      mixed = new Float64Array(this.steps);
      for (let k = 0; k < this.steps; k++) mixed[k] = this.weight * this.feeder[k] + (1 - this.weight) * own[k];
      this.own.set(agent, mixed);
    }
    return mixed;
  }
}

/** The scenario's `solar.clouds` block (snake_case, defaults filled) as model parameters. */
export function cloudParams(c: {
  readonly step_min: number;
  readonly p_broken_to_clear: number;
  readonly states: Readonly<Record<CloudStateName, { readonly mean_duration_min: number; readonly index: readonly [number, number] }>>;
  readonly spatial: { readonly correlation: number };
}): CloudParams {
  const st = (n: CloudStateName): CloudStateParams => ({ meanDurationMin: c.states[n].mean_duration_min, index: [c.states[n].index[0], c.states[n].index[1]] });
  return { stepMin: c.step_min, pBrokenToClear: c.p_broken_to_clear, correlation: c.spatial.correlation, states: { clear: st('clear'), broken: st('broken'), overcast: st('overcast') } };
}
