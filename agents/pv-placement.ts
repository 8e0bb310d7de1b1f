/**
 * Which prosumers get PV, and how much (`prosumers.pv`): every `every`-th prosumer from `offset`, or a
 * seeded `share` of them (a Fisher–Yates draw from the scenario's seed, so placement repeats for one
 * seed and changes with another); sizes are one value, a list in prosumer order, or a range drawn
 * per system on 0.1 kW steps.
 */
import { Rng } from '../src/kernel/rng.js';
import type { Scenario } from '../scenarios/schema.js';

/** PV size of each prosumer (in the order given), kWp; 0 for none. */
export function pvSizes(s: Scenario, prosumerIds: readonly string[]): number[] {
  const pv = s.prosumers.pv;
  const n = prosumerIds.length;
  let chosen: number[];
  if (pv.share === undefined) chosen = prosumerIds.map((_, i) => i).filter((i) => i % pv.every === pv.offset);
  else {
    const rng = new Rng(`${s.seed}:pv-placement`);
    const order = prosumerIds.map((_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    chosen = order.slice(0, Math.round(pv.share * n)).sort((a, b) => a - b);
  }
  const sizes = new Array<number>(n).fill(0);
  const draw = new Rng(`${s.seed}:pv-size`);
  chosen.forEach((i, k) => {
    const kw = pv.kw;
    if (typeof kw === 'number') sizes[i] = kw;
    else if (Array.isArray(kw)) sizes[i] = kw[k % kw.length];
    else sizes[i] = Math.round((kw.min + draw.next() * (kw.max - kw.min)) * 10) / 10;
  });
  return sizes;
}

/**
 * Lognormal demand factors with mean 1 (`prosumers.load_noise.sigma`), one per period, from the
 * agent's own stream: exp(σ·z − σ²/2), z standard normal. The same in every reinforcement
 * iteration, so iterations stay comparable.
 */
export function loadNoiseFactors(seed: number, agentId: string, sigma: number, periods: number): Float64Array {
  const out = new Float64Array(periods).fill(1);
  if (!(sigma > 0)) return out;
  const rng = new Rng(`${seed}:load-noise:${agentId}`);
  for (let k = 0; k < periods; k++) out[k] = Math.exp(sigma * rng.normal() - (sigma * sigma) / 2);
  return out;
}
