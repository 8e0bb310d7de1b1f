/**
 * The generic QP of seed 000, Eqs. (1)–(18), solved by HiGHS: the oracle the structured solvers are
 * tested against, and the fallback for extensions that break their structure. It keeps the paper's
 * variables — P, S (= ch − dis), Φ, α, β per agent and γ per community — and one row per equation,
 * so it checks the structured solver through a different formulation. Eqs. (6)–(8) over a full mesh
 * of communities with one fee are written through a pool (export to the pool, import from it, the
 * pool balances), which has the same optimum with C instead of C² variables.
 *
 * It handles T ≥ 1 periods at once, with battery energy carried from one period to the next
 * (day-ahead); T = 1 is the single-period market. HiGHS is called through `solveLpFormat` with a
 * quadratic objective section `[ … ] / 2`; its failure (the issue saw error −1 at 2,720 agents)
 * comes back as a `SolverError`.
 */
import { SolverError } from '../../src/errors.js';
import { solveLpFormat } from '../solvers/highs.js';
import { chargeLimitKw, dischargeLimitKw } from './battery.js';
import { toCanonical } from './canonical.js';
import type { BatteryAgent, CommunityProblem, CommunityResult } from './model.js';
import { assertMarketInvariants } from './kkt.js';
import { infeasibleResult, settle } from './settle.js';

/** Exact QP options: HiGHS regularises QPs by default, which moves the optimum by ~1e-5. */
const HIGHS_QP_OPTIONS = {
  qp_regularization_value: 0,
  primal_feasibility_tolerance: 1e-10,
  dual_feasibility_tolerance: 1e-10,
};

function coef(v: number, name: string): string {
  return `${v < 0 ? '-' : '+'} ${Math.abs(v)} ${name}`;
}

/** Solution of the T-period QP in the paper's variables, per period. */
export interface QpPeriodSolution {
  readonly dKw: Float64Array;
  readonly alphaKw: Float64Array;
  readonly betaKw: Float64Array;
  readonly priceEurPerKwh: Float64Array;
  readonly flows: Array<{ from: number; to: number; kw: number }>;
  /** Stored energy at the end of the period per agent (batteries), kWh. */
  readonly energyKwh: Float64Array;
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
    const members: string[][] = Array.from({ length: nc }, () => []);
    const alphas: string[][] = Array.from({ length: nc }, () => []);
    const betas: string[][] = Array.from({ length: nc }, () => []);
    for (let i = 0; i < nAgents; i++) {
      const ag = p.agents[i];
      const c = m.communityOf[i];
      const phi = `f${t}_${i}`;
      const al = `a${t}_${i}`;
      const be = `b${t}_${i}`;
      members[c].push(phi);
      alphas[c].push(al);
      betas[c].push(be);
      bounds.push(`${phi} free`);
      if (ag.kind === 'battery') {
        const ch = `c${t}_${i}`;
        const dis = `x${t}_${i}`;
        const e = `e${t}_${i}`;
        // seed 000, Eq. (2) with S = ch − dis
        rows.push(`r${t}_${i}: ${ch} - ${dis} + ${phi} - ${al} + ${be} = 0`);
        bounds.push(`0 <= ${ch} <= ${chargeLimitKw(ag)}`, `0 <= ${dis} <= ${dischargeLimitKw(ag)}`);
        bounds.push(`${ag.socMin * ag.capacityKwh} <= ${e} <= ${ag.socMax * ag.capacityKwh}`);
        // seed 000, Eq. (9): e_t = (1 − λ_sd)·e_{t−1} + h·(η_ch·ch − dis/η_dis)
        const keep = 1 - ag.selfDischargePerPeriod;
        if (t === 0) {
          rows.push(`s${t}_${i}: ${e} ${coef(-h * ag.etaCh, ch)} ${coef(h / ag.etaDis, dis)} = ${keep * ag.soc * ag.capacityKwh}`);
        } else {
          rows.push(`s${t}_${i}: ${e} ${coef(-keep, `e${t - 1}_${i}`)} ${coef(-h * ag.etaCh, ch)} ${coef(h / ag.etaDis, dis)} = 0`);
        }
        // welfare v·ΔE summed over periods: Σ_t v_t·(e_t − e_{t−1}) → coefficient v_t − v_{t+1} on e_t
        const next = t + 1 < T ? (hours[t + 1].agents[i] as BatteryAgent).valueEurPerKwh : 0;
        const w = ag.valueEurPerKwh - next;
        if (w !== 0) obj.push(coef(-w, e));
        if (ag.aEurPerKwhPerKw > 0) quad.push(`${ag.aEurPerKwhPerKw * h} ${ch} ^ 2`, `${ag.aEurPerKwhPerKw * h} ${dis} ^ 2`);
      } else {
        const pv = `p${t}_${i}`;
        rows.push(`r${t}_${i}: ${pv} + ${phi} - ${al} + ${be} = 0`);
        bounds.push(`${m.lo[i]} <= ${pv} <= ${m.hi[i]}`);
        // −h·(b·P − ½·a·P²): consumer utility, or producer −cost with G = −P
        if (ag.bEurPerKwh !== 0) obj.push(coef(-h * ag.bEurPerKwh, pv));
        if (ag.aEurPerKwhPerKw > 0) quad.push(`${ag.aEurPerKwhPerKw * h} ${pv} ^ 2`);
      }
    }
    const poolIn: string[] = [];
    const poolOut: string[] = [];
    for (let c = 0; c < nc; c++) {
      const gi = `gi${t}_${c}`;
      const ge = `ge${t}_${c}`;
      // seed 000, Eq. (3)
      rows.push(`cb${t}_${c}: ${members[c].length > 0 ? members[c].join(' + ') : `0 ${gi}`} = 0`);
      // Eqs. (4)–(7): γ_imp = Σ α = grid import + pool import; γ_exp = Σ β = grid export + pool export
      const imp = [gi];
      const exp = [ge];
      obj.push(coef(h * p.grid.importPriceEurPerKwh, gi), coef(-h * p.grid.exportPriceEurPerKwh, ge));
      if (nc > 1) {
        const pin = `qi${t}_${c}`;
        const pout = `qo${t}_${c}`;
        imp.push(pin);
        exp.push(pout);
        poolIn.push(pin);
        poolOut.push(pout);
        if (p.interCommunityFeeEurPerKwh !== 0) obj.push(coef(h * p.interCommunityFeeEurPerKwh, pin));
      }
      rows.push(`ci${t}_${c}: ${[...alphas[c].map((v) => `+ ${v}`), ...imp.map((v) => `- ${v}`)].join(' ')} = 0`);
      rows.push(`ce${t}_${c}: ${[...betas[c].map((v) => `+ ${v}`), ...exp.map((v) => `- ${v}`)].join(' ')} = 0`);
    }
    // Eq. (8) through the pool
    if (nc > 1) rows.push(`pool${t}: ${[...poolOut.map((v) => `+ ${v}`), ...poolIn.map((v) => `- ${v}`)].join(' ')} = 0`);
  }
  const objective = obj.length > 0 ? obj.join(' ') : '0 gi0_0';
  const lines = ['Minimize', ` obj: ${objective}${quad.length > 0 ? ` + [ ${quad.join(' + ')} ] / 2` : ''}`, 'Subject To', ...rows.map((r) => ` ${r}`), 'Bounds', ...bounds.map((b) => ` ${b}`), 'End', ''];
  return lines.join('\n');
}

/** Matches pool exporters to pool importers in community order; grid trades as they are. */
function flowsOf(gi: Float64Array, ge: Float64Array, qi: Float64Array, qo: Float64Array): Array<{ from: number; to: number; kw: number }> {
  const snap = (v: number) => (v > 1e-9 ? v : 0);
  const flows: Array<{ from: number; to: number; kw: number }> = [];
  const out = Float64Array.from(qo, snap);
  let e = 0;
  for (let c = 0; c < qi.length; c++) {
    let need = snap(qi[c]);
    while (need > 0) {
      while (e < out.length && out[e] <= 0) e++;
      if (e === out.length) break;
      const kw = Math.min(need, out[e]);
      if (e !== c) flows.push({ from: e, to: c, kw });
      need -= kw;
      out[e] -= kw;
    }
  }
  for (let c = 0; c < gi.length; c++) {
    if (snap(gi[c]) > 0) flows.push({ from: -1, to: c, kw: gi[c] });
    if (snap(ge[c]) > 0) flows.push({ from: c, to: -1, kw: ge[c] });
  }
  return flows;
}

/**
 * Solves the T-period QP with HiGHS. Throws `SolverError` if HiGHS fails or reports anything but
 * an optimum. `modelName` names the model in errors.
 */
export async function solveQp(hours: readonly CommunityProblem[], modelName = 'community-qp'): Promise<QpPeriodSolution[]> {
  const text = buildQpText(hours);
  const sol = await solveLpFormat(modelName, text, HIGHS_QP_OPTIONS);
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
    const alphaKw = new Float64Array(n);
    const betaKw = new Float64Array(n);
    const energyKwh = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const ag = p.agents[i];
      if (ag.kind === 'battery') {
        dKw[i] = col(`c${t}_${i}`) - col(`x${t}_${i}`);
        energyKwh[i] = col(`e${t}_${i}`);
      } else dKw[i] = col(`p${t}_${i}`);
      alphaKw[i] = Math.max(0, col(`a${t}_${i}`));
      betaKw[i] = Math.max(0, col(`b${t}_${i}`));
    }
    const price = new Float64Array(nc);
    const gi = new Float64Array(nc);
    const ge = new Float64Array(nc);
    const qi = new Float64Array(nc);
    const qo = new Float64Array(nc);
    for (let c = 0; c < nc; c++) {
      // a dual is ∂objective/∂rhs; one more kWh that must be sold inside c costs λ_c·h
      const dual = rowDual.get(`cb${t}_${c}`);
      if (dual === undefined || !Number.isFinite(dual)) throw new SolverError(modelName, 'missing dual', `cb${t}_${c}`);
      price[c] = dual / p.periodHours;
      gi[c] = col(`gi${t}_${c}`);
      ge[c] = col(`ge${t}_${c}`);
      if (nc > 1) {
        qi[c] = col(`qi${t}_${c}`);
        qo[c] = col(`qo${t}_${c}`);
      }
    }
    out.push({ dKw, alphaKw, betaKw, priceEurPerKwh: price, flows: flowsOf(gi, ge, qi, qo), energyKwh });
  }
  return out;
}

/**
 * Clears one period with the generic QP (HiGHS). Same contract as `clearCommunityFast`; slower, and
 * fails with `SolverError` on large instances.
 */
export async function clearCommunityQp(problem: CommunityProblem): Promise<CommunityResult> {
  const m = toCanonical(problem);
  if (m.infeasible !== undefined) return infeasibleResult(m.infeasible);
  const [s] = await solveQp([problem]);
  const result = settle(problem, m, { dKw: s.dKw, priceEurPerKwh: s.priceEurPerKwh, flows: s.flows, alphaKw: s.alphaKw, betaKw: s.betaKw });
  assertMarketInvariants('community-qp', problem, m, result);
  return result;
}
