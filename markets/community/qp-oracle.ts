/**
 * The generic QP of seed 000, Eqs. (1)–(18), solved by HiGHS: the oracle the structured solvers are
 * tested against, and the fallback for extensions that break their structure. A general QP over
 * P per agent, charge/discharge/energy per battery and γ (grid and inter-community trade) per
 * community. Φ, α and β per agent are eliminated: they carry no cost, so Eqs. (2)–(7) only say that a
 * community's imports minus exports equal Σ (P + S) — and left in, their zero-curvature directions
 * made HiGHS's active-set QP fail (error −1) or hang even on ten agents. The split of a community's
 * trade into α/β/Φ is then the same deterministic allocation as the fast solver's (`settle.ts`).
 * Eqs. (6)–(8) over a full mesh of communities with one fee are written through a pool (export to
 * the pool, import from it, the pool balances): the same optimum with C instead of C² variables.
 *
 * It handles T ≥ 1 periods at once, with battery energy carried from one period to the next
 * (day-ahead); T = 1 is the single-period market. HiGHS is called through `solveLpFormat` with a
 * quadratic objective section `[ … ] / 2`; its failure (the issue saw error −1 at 2,720 agents)
 * comes back as a `SolverError`.
 */
import { SolverError } from '../errors.js';
import { type HighsModule, loadHighs, solveLpFormatWith } from '../solvers/highs.js';
import { chargeLimitKw, dischargeLimitKw, energyFloorKwh } from './battery.js';
import { toCanonical } from './canonical.js';
import { interTradePays, routeFlows } from './fast-solver.js';
import { lpModel, lpNumber, lpTerm, OBJECTIVE_SCALE, objectiveTerm, quadraticTerm } from './lp-text.js';
import type { BatteryAgent, CommunityProblem, CommunityResult } from './model.js';
import { assertMarketInvariants } from './kkt.js';
import { infeasibleResult, settle } from './settle.js';

/** Exact QP options: HiGHS regularises QPs by default, which moves the optimum by ~1e-5. */
const HIGHS_QP_OPTIONS = {
  qp_regularization_value: 0,
  primal_feasibility_tolerance: 1e-10,
  dual_feasibility_tolerance: 1e-10,
};

/** Regularisation of the one retry after HiGHS error −1 (HiGHS's own default). */
const QP_RETRY_REGULARIZATION = 1e-7;

/** Solution of the T-period QP in the paper's variables, per period. */
export interface QpPeriodSolution {
  readonly dKw: Float64Array;
  readonly priceEurPerKwh: Float64Array;
  readonly flows: Array<{ from: number; to: number; kw: number }>;
  /** Stored energy at the end of the period per agent (batteries), kWh. */
  readonly energyKwh: Float64Array;
  /** ν: value of a kWh stored at the end of the period (the energy row's multiplier; batteries), EUR/kWh. */
  readonly energyValueEurPerKwh: Float64Array;
}

/**
 * Writes the T-period model as LP-format text. All periods must list the same agents (ids, kinds,
 * communities) in the same order; battery soc is read from period 0 and carried through the
 * energy rows (seed 000, Eq. (9)).
 */
export function buildQpText(hours: readonly CommunityProblem[]): string {
  const obj: string[] = [];
  const quad: string[] = [];
  const rows: string[] = [];
  const bounds: string[] = [];
  const first = hours[0];
  const nc = first.communities.length;
  const nAgents = first.agents.length;
  const T = hours.length;
  for (let t = 0; t < T; t++) {
    const p = hours[t];
    const h = p.periodHours;
    const m = toCanonical(p);
    // per community: imports − exports − Σ net demand = 0 (Eqs. (2)–(7) with Φ, α, β eliminated)
    const balance: string[][] = Array.from({ length: nc }, () => []);
    const shiftKw = new Float64Array(nc);
    for (let i = 0; i < nAgents; i++) {
      const ag = p.agents[i];
      const c = m.communityOf[i];
      if (ag.kind === 'battery') {
        const ch = `c${t}_${i}`;
        const dis = `x${t}_${i}`;
        const e = `e${t}_${i}`;
        balance[c].push(`- ${ch}`, `+ ${dis}`); // S = ch − dis
        bounds.push(`0 <= ${ch} <= ${lpNumber(chargeLimitKw(ag))}`, `0 <= ${dis} <= ${lpNumber(dischargeLimitKw(ag))}`);
        bounds.push(`${lpNumber(energyFloorKwh(ag, T > 1 && t === T - 1))} <= ${e} <= ${lpNumber(ag.socMax * ag.capacityKwh)}`);
        // seed 000, Eq. (9): e_t = (1 − λ_sd)·e_{t−1} + h·(η_ch·ch − dis/η_dis)
        const keep = 1 - ag.selfDischargePerPeriod;
        if (t === 0) {
          rows.push(`s${t}_${i}: ${e} ${lpTerm(-h * ag.etaCh, ch)} ${lpTerm(h / ag.etaDis, dis)} = ${lpNumber(keep * ag.soc * ag.capacityKwh)}`);
        } else {
          rows.push(`s${t}_${i}: ${e} ${lpTerm(-keep, `e${t - 1}_${i}`)} ${lpTerm(-h * ag.etaCh, ch)} ${lpTerm(h / ag.etaDis, dis)} = 0`);
        }
        // welfare v·ΔE summed over periods: Σ_t v_t·(e_t − e_{t−1}) → coefficient v_t − v_{t+1} on e_t
        const next = t + 1 < T ? (hours[t + 1].agents[i] as BatteryAgent).valueEurPerKwh : 0;
        const w = ag.valueEurPerKwh - next;
        if (w !== 0) obj.push(objectiveTerm(-w, e));
        if (ag.aEurPerKwhPerKw > 0) quad.push(quadraticTerm(ag.aEurPerKwhPerKw * h, ch), quadraticTerm(ag.aEurPerKwhPerKw * h, dis));
      } else {
        const pv = `p${t}_${i}`;
        // P = lo + p with p ∈ [0, hi − lo]: HiGHS's QP solver failed (error −1) on boxes such as
        // [5e-5, 0.1] and solved the same model with the box moved to start at 0
        const lo = m.lo[i];
        balance[c].push(`- ${pv}`);
        shiftKw[c] += lo;
        bounds.push(`0 <= ${pv} <= ${lpNumber(m.hi[i] - lo)}`);
        // −h·(b·P − ½·a·P²): consumer utility, or producer −cost with G = −P; in p: linear
        // coefficient −h·(b − a·lo), curvature a·h, constant dropped
        const linear = -h * (ag.bEurPerKwh - ag.aEurPerKwhPerKw * lo);
        if (linear !== 0) obj.push(objectiveTerm(linear, pv));
        if (ag.aEurPerKwhPerKw > 0) quad.push(quadraticTerm(ag.aEurPerKwhPerKw * h, pv));
      }
    }
    const poolIn: string[] = [];
    const poolOut: string[] = [];
    for (let c = 0; c < nc; c++) {
      const gi = `gi${t}_${c}`;
      const ge = `ge${t}_${c}`;
      const terms = [`${gi}`, `- ${ge}`];
      obj.push(objectiveTerm(h * p.grid.importPriceEurPerKwh, gi), objectiveTerm(-h * p.grid.exportPriceEurPerKwh, ge));
      if (nc > 1) {
        const qi = `qi${t}_${c}`;
        const qo = `qo${t}_${c}`;
        terms.push(`+ ${qi}`, `- ${qo}`);
        poolIn.push(qi);
        poolOut.push(qo);
        if (p.interCommunityFeeEurPerKwh !== 0) obj.push(objectiveTerm(h * p.interCommunityFeeEurPerKwh, qi));
      }
      rows.push(`cb${t}_${c}: ${[...terms, ...balance[c]].join(' ')} = ${lpNumber(shiftKw[c])}`);
    }
    // Eq. (8) through the pool
    if (nc > 1) rows.push(`pool${t}: ${[...poolOut.map((v) => `+ ${v}`), ...poolIn.map((v) => `- ${v}`)].join(' ')} = 0`);
  }
  return lpModel(obj, quad, rows, bounds);
}

export interface QpOptions {
  /** HiGHS time limit, s; reaching it is a `SolverError` (status "Time limit reached"). */
  readonly timeLimitS?: number;
}

/**
 * Solves the T-period QP with HiGHS. Throws `SolverError` if HiGHS fails or reports anything but
 * an optimum. `modelName` names the model in errors.
 */
export async function solveQp(hours: readonly CommunityProblem[], modelName = 'community-qp', options: QpOptions = {}): Promise<QpPeriodSolution[]> {
  return solveQpWith(await loadHighs(), hours, modelName, options);
}

/** `solveQp` with a loaded HiGHS module (synchronous). */
export function solveQpWith(highs: HighsModule, hours: readonly CommunityProblem[], modelName = 'community-qp', options: QpOptions = {}): QpPeriodSolution[] {
  const text = buildQpText(hours);
  const limit = options.timeLimitS !== undefined ? { time_limit: options.timeLimitS } : {};
  let sol;
  try {
    sol = solveLpFormatWith(highs, modelName, text, { ...HIGHS_QP_OPTIONS, ...limit });
  } catch (err) {
    // HiGHS's active-set QP without regularisation fails (error −1) on some instances from a few
    // hundred agents (issue 11: 300 agents in 30 communities, seed 2): the Hessian is only
    // semidefinite (a = 0 producers, battery losses) and the unregularised factorisation breaks
    // down. Retried once with HiGHS's default proximal regularisation (1e-7); the invariants
    // below (balance, KKT) still certify the result, or it is reported as the SolverError it is.
    if (!(err instanceof SolverError) || err.status !== 'error') throw err;
    sol = solveLpFormatWith(highs, modelName, text, { ...HIGHS_QP_OPTIONS, qp_regularization_value: QP_RETRY_REGULARIZATION, ...limit });
  }
  const col = (name: string): number => {
    const c = sol.Columns[name];
    if (!c) throw new SolverError(modelName, 'missing column', name);
    return c.Primal;
  };
  const rowDual = new Map<string, number>();
  for (const r of sol.Rows) rowDual.set(r.Name, r.Dual ?? NaN);
  const out: QpPeriodSolution[] = [];
  for (let t = 0; t < hours.length; t++) {
    const p = hours[t];
    const n = p.agents.length;
    const nc = p.communities.length;
    const dKw = new Float64Array(n);
    const energyKwh = new Float64Array(n);
    const nu = new Float64Array(n);
    const m = toCanonical(p);
    const lower = m.lo;
    for (let i = 0; i < n; i++) {
      const ag = p.agents[i];
      if (ag.kind === 'battery') {
        dKw[i] = col(`c${t}_${i}`) - col(`x${t}_${i}`);
        energyKwh[i] = col(`e${t}_${i}`);
        // the dual of the energy row is ∂(−welfare)/∂(energy added): minus the value of stored energy
        nu[i] = -(rowDual.get(`s${t}_${i}`) ?? NaN) / OBJECTIVE_SCALE;
      } else dKw[i] = lower[i] + col(`p${t}_${i}`);
    }
    const price = new Float64Array(nc);
    for (let c = 0; c < nc; c++) {
      // a dual is ∂objective/∂rhs; one more kWh that must be brought into c costs λ_c·h
      const dual = rowDual.get(`cb${t}_${c}`);
      if (dual === undefined || !Number.isFinite(dual)) throw new SolverError(modelName, 'missing dual', `cb${t}_${c}`);
      price[c] = dual / (OBJECTIVE_SCALE * p.periodHours);
    }
    // net import per community = Σ (P + S) of its agents (HiGHS's gi + qi − ge − qo to its
    // tolerance); the routing is rebuilt canonically because with a zero fee (or equal grid prices)
    // HiGHS may return transit through a community, an equally good optimum
    const net = new Float64Array(nc);
    for (let i = 0; i < n; i++) net[m.communityOf[i]] += dKw[i];
    for (let c = 0; c < nc; c++) if (Math.abs(net[c]) < 1e-10) net[c] = 0;
    out.push({ dKw, priceEurPerKwh: price, flows: routeFlows(net, interTradePays(m)), energyKwh, energyValueEurPerKwh: nu });
  }
  return out;
}

/**
 * Clears one period with the generic QP (HiGHS). Same contract as `clearCommunityFast`; slower, and
 * fails with `SolverError` on large instances.
 */
export async function clearCommunityQp(problem: CommunityProblem, options: QpOptions = {}): Promise<CommunityResult> {
  const m = toCanonical(problem);
  if (m.infeasible !== undefined) return infeasibleResult(m.infeasible);
  const [s] = await solveQp([problem], 'community-qp', options);
  const result = settle(problem, m, { dKw: s.dKw, priceEurPerKwh: s.priceEurPerKwh, flows: s.flows });
  assertMarketInvariants('community-qp', problem, m, result);
  return result;
}
