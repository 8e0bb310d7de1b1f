/**
 * Seeded synthetic instances of the community market for tests and benchmarks: a Case-Study-2-like
 * system (seed 000: 5 communities, 272 agents) and larger ones, and a 24-hour day with a solar
 * profile and an evening demand peak. Deterministic: the same seed gives the same instance (no
 * Math.random, DESIGN rule 7).
 */
import { standardBatteryUnits } from './battery.js';
import type { CommunityAgent, CommunityDay, CommunityProblem } from './model.js';

/** mulberry32: small, fast, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticOptions {
  readonly communities: number;
  readonly agents: number;
  /** Number of battery agents among `agents` (Standard Battery Unit banks of 1, 3 or 5 units). */
  readonly batteries: number;
  readonly seed: number;
  /** Fraction of consumers/producers with a = 0 (linear welfare, jumping responses). Default 0. */
  readonly linearShare?: number;
  readonly importPriceEurPerKwh?: number;
  readonly exportPriceEurPerKwh?: number;
  readonly feeEurPerKwh?: number;
}

/** One period: consumers and producers alternate, batteries spread over the communities. */
export function syntheticProblem(o: SyntheticOptions): CommunityProblem {
  const rnd = seededRandom(o.seed);
  const communities = Array.from({ length: o.communities }, (_, k) => ({ id: `c${k + 1}` }));
  const agents: CommunityAgent[] = [];
  const pi = o.importPriceEurPerKwh ?? 0.1;
  const pe = o.exportPriceEurPerKwh ?? 0.05;
  const prosumers = o.agents - o.batteries;
  for (let k = 0; k < prosumers; k++) {
    const community = communities[k % o.communities].id;
    const linear = rnd() < (o.linearShare ?? 0);
    const a = linear ? 0 : 0.005 + 0.03 * rnd();
    if (k % 2 === 0) {
      const pMax = 0.5 + 4 * rnd();
      agents.push({ kind: 'consumer', id: `load${k}`, community, pMinKw: rnd() < 0.3 ? 0.2 * pMax * rnd() : 0, pMaxKw: pMax, aEurPerKwhPerKw: a, bEurPerKwh: 0.04 + 0.14 * rnd() });
    } else {
      const pMax = 0.5 + 5 * rnd();
      agents.push({ kind: 'producer', id: `pv${k}`, community, pMinKw: 0, pMaxKw: pMax, aEurPerKwhPerKw: a, bEurPerKwh: 0.1 * rnd() });
    }
  }
  for (let k = 0; k < o.batteries; k++) {
    const units = [1, 3, 5][k % 3];
    agents.push({
      kind: 'battery',
      id: `bat${k}`,
      community: communities[(k * 7) % o.communities].id,
      ...standardBatteryUnits(units),
      soc: 0.2 + 0.6 * rnd(),
      aEurPerKwhPerKw: 0.002 * rnd(),
      valueEurPerKwh: pe + (pi - pe) * rnd(),
    });
  }
  return {
    periodHours: 1,
    grid: { importPriceEurPerKwh: pi, exportPriceEurPerKwh: pe },
    interCommunityFeeEurPerKwh: o.feeEurPerKwh ?? 0.01,
    communities,
    agents,
  };
}

/** The paper's Case Study 2 size: 5 communities, 272 agents (here 12 of them batteries). */
export function caseStudy2Like(seed = 2): CommunityProblem {
  return syntheticProblem({ communities: 5, agents: 272, batteries: 12, seed });
}

/**
 * A 24-hour day built on `base`: producers follow a solar bell (zero at night), consumers' willingness
 * to pay and size follow a morning and evening peak. Batteries keep their parameters; their soc in
 * hours > 0 is a placeholder (the day modes carry it).
 */
export function syntheticDay(base: CommunityProblem, hours = 24): CommunityDay {
  const out: CommunityProblem[] = [];
  for (let t = 0; t < hours; t++) {
    const sun = Math.max(0, Math.sin(((t - 6) / 12) * Math.PI));
    const demand = 0.6 + 0.3 * Math.exp(-((t - 8) ** 2) / 4) + 0.5 * Math.exp(-((t - 19) ** 2) / 6);
    const agents = base.agents.map((ag): CommunityAgent => {
      if (ag.kind === 'producer') return { ...ag, pMinKw: 0, pMaxKw: ag.pMaxKw * sun };
      if (ag.kind === 'consumer') return { ...ag, pMinKw: ag.pMinKw * demand, pMaxKw: ag.pMaxKw * demand, bEurPerKwh: ag.bEurPerKwh * (0.7 + 0.4 * demand) };
      return ag;
    });
    out.push({ ...base, agents });
  }
  return { hours: out };
}
