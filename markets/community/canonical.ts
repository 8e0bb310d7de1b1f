/**
 * Every agent of the community market reduces to one canonical shape, which is what makes the fast
 * solver exact and short: a net demand d = P + S (kW) in a box [lo, hi] with a concave value per hour
 *   w(d) = bPos·d − ½·a·d²  for d ≥ 0,      w(d) = bNeg·d − ½·a·d²  for d ≤ 0,      bNeg ≥ bPos,
 * so its marginal value is bPos − a·d above zero and bNeg − a·d below (a kink at 0 when bNeg > bPos).
 *   - consumer (seed 000, U(P) = b·P − ½·a·P²): bPos = bNeg = b, d = P ∈ [p_min, p_max];
 *   - producer (C(G) = b·G + ½·a·G², G = −P): w(P) = −C(−P) = b·P − ½·a·P², d = P ∈ [−p_max, −p_min];
 *   - battery: bPos = v·η_ch, bNeg = v/η_dis, d = S ∈ the range of `netChargeRangeKw`.
 * At price λ the agent's best response maximises w(d) − λ·d: the unconstrained maximiser clipped to
 * the box. A new agent type whose value has this shape needs only a `toCanonical` case; anything
 * else goes to the QP oracle.
 *
 * Arrays are typed (DESIGN rule 10) and agents are grouped by community so a community's members
 * are one contiguous run of `order`.
 */
import { ProblemError } from '../errors.js';
import { netChargeRangeKw } from './battery.js';
import type { CommunityProblem } from './model.js';

export interface CanonicalMarket {
  readonly periodHours: number;
  readonly importPrice: number;
  readonly exportPrice: number;
  readonly fee: number;
  readonly nAgents: number;
  readonly nCommunities: number;
  /** Community index of each agent (problem order). */
  readonly communityOf: Int32Array;
  /** Agents of community c are order[start[c] .. start[c+1]). */
  readonly order: Int32Array;
  readonly start: Int32Array;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly bPos: Float64Array;
  readonly bNeg: Float64Array;
  readonly a: Float64Array;
  /** Welfare that does not depend on the decision (battery self-discharge, −v·λ_sd·soc·cap), EUR. */
  readonly constantEur: Float64Array;
  /** Why no feasible point exists (a battery that cannot keep its soc in bounds), if so. */
  readonly infeasible?: string;
}

/**
 * Compiles a validated problem into the canonical arrays. Throws `ProblemError` for an unknown
 * community (the one check compiling needs; everything else is `validateProblem`'s job).
 */
export function toCanonical(problem: CommunityProblem): CanonicalMarket {
  const n = problem.agents.length;
  const nc = problem.communities.length;
  const index = new Map<string, number>();
  problem.communities.forEach((c, i) => index.set(c.id, i));
  const communityOf = new Int32Array(n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const bPos = new Float64Array(n);
  const bNeg = new Float64Array(n);
  const a = new Float64Array(n);
  const constantEur = new Float64Array(n);
  let infeasible: string | undefined;
  const h = problem.periodHours;
  for (let i = 0; i < n; i++) {
    const ag = problem.agents[i];
    const c = index.get(ag.community);
    if (c === undefined) throw new ProblemError(undefined, `agents[${i}] (${ag.id}).community`, `unknown community '${ag.community}'`);
    communityOf[i] = c;
    a[i] = ag.aEurPerKwhPerKw;
    switch (ag.kind) {
      case 'consumer':
        lo[i] = ag.pMinKw;
        hi[i] = ag.pMaxKw;
        bPos[i] = bNeg[i] = ag.bEurPerKwh;
        break;
      case 'producer':
        lo[i] = -ag.pMaxKw;
        hi[i] = -ag.pMinKw;
        bPos[i] = bNeg[i] = ag.bEurPerKwh;
        break;
      case 'battery': {
        const r = netChargeRangeKw(ag, h);
        lo[i] = r.sLoKw;
        hi[i] = r.sHiKw;
        bPos[i] = ag.valueEurPerKwh * ag.etaCh;
        bNeg[i] = ag.valueEurPerKwh / ag.etaDis;
        // seed 000, Eq. (9): the self-discharge part of v·ΔE does not depend on S
        constantEur[i] = -ag.valueEurPerKwh * ag.selfDischargePerPeriod * ag.soc * ag.capacityKwh;
        if (r.sLoKw > r.sHiKw + 1e-12 && infeasible === undefined) {
          infeasible = `battery ${ag.id} cannot keep its soc within [${ag.socMin}, ${ag.socMax}] within its power limits`;
        }
        if (r.sLoKw > r.sHiKw) hi[i] = lo[i] = (r.sLoKw + r.sHiKw) / 2; // keeps arrays sane; status says infeasible
        break;
      }
    }
  }
  // group by community, stable in problem order (deterministic)
  const start = new Int32Array(nc + 1);
  for (let i = 0; i < n; i++) start[communityOf[i] + 1]++;
  for (let c = 0; c < nc; c++) start[c + 1] += start[c];
  const fill = start.slice(0, nc);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[communityOf[i]]++] = i;
  return {
    periodHours: h,
    importPrice: problem.grid.importPriceEurPerKwh,
    exportPrice: problem.grid.exportPriceEurPerKwh,
    fee: problem.interCommunityFeeEurPerKwh,
    nAgents: n,
    nCommunities: nc,
    communityOf,
    order,
    start,
    lo,
    hi,
    bPos,
    bNeg,
    a,
    constantEur,
    infeasible,
  };
}

/** Value per hour w(d) of canonical agent i at net demand d, EUR/h. */
export function valuePerHour(m: CanonicalMarket, i: number, d: number): number {
  const b = d >= 0 ? m.bPos[i] : m.bNeg[i];
  return b * d - 0.5 * m.a[i] * d * d;
}

/**
 * Largest best response (left limit) of agent i at price λ: argmax w(d) − λ·d over [lo, hi]. For
 * a > 0 the response is a continuous function of λ and `responseLow` returns the same value; for
 * a = 0 the response jumps at λ = bPos and λ = bNeg, and [responseLow, responseHigh] is the set of
 * optimal responses there.
 */
export function responseHigh(m: CanonicalMarket, i: number, price: number): number {
  const a = m.a[i];
  const bp = m.bPos[i];
  const bn = m.bNeg[i];
  let d: number;
  if (a > 0) {
    d = price < bp ? (bp - price) / a : price > bn ? (bn - price) / a : 0;
  } else {
    d = price <= bp ? Infinity : price > bn ? -Infinity : 0;
  }
  const lo = m.lo[i];
  const hi = m.hi[i];
  return d < lo ? lo : d > hi ? hi : d;
}

/** Smallest best response (right limit) of agent i at price λ; see `responseHigh`. */
export function responseLow(m: CanonicalMarket, i: number, price: number): number {
  const a = m.a[i];
  const bp = m.bPos[i];
  const bn = m.bNeg[i];
  let d: number;
  if (a > 0) {
    d = price < bp ? (bp - price) / a : price > bn ? (bn - price) / a : 0;
  } else {
    d = price < bp ? Infinity : price >= bn ? -Infinity : 0;
  }
  const lo = m.lo[i];
  const hi = m.hi[i];
  return d < lo ? lo : d > hi ? hi : d;
}

/**
 * Prices at which agent i's response changes slope or jumps; between consecutive ones it is affine
 * in λ. A superset is harmless (extra points only split affine pieces).
 */
export function pushKnots(m: CanonicalMarket, i: number, out: number[]): void {
  const a = m.a[i];
  const bp = m.bPos[i];
  const bn = m.bNeg[i];
  out.push(bp);
  if (bn !== bp) out.push(bn);
  if (a > 0) {
    const lo = m.lo[i];
    const hi = m.hi[i];
    if (hi > 0) out.push(bp - a * hi);
    if (lo > 0) out.push(bp - a * lo);
    if (lo < 0) out.push(bn - a * lo);
    if (hi < 0) out.push(bn - a * hi);
  }
}
