/**
 * From a solved market (net demand per agent, price and net import per community, border flows) to
 * the result record: α/β/Φ per agent, soc', welfare per agent and in total. Shared by the fast
 * solver and the QP oracle, so both report through the same arithmetic.
 *
 * Settlement rule (why individual welfare adds up to the total): every agent pays its community
 * price λ_c for its net demand P + S; the community manager buys and sells across the border at the
 * prices that make its price λ_c (π_imp from the grid, π_exp to the grid, μ + fee / μ between
 * communities), so the managers break even and Σ individual welfare = welfare of Eq. (1).
 */
import { socAfter } from './battery.js';
import { type CanonicalMarket, valuePerHour } from './canonical.js';
import { type AgentOutcome, type CommunityOutcome, type CommunityProblem, type CommunityResult, type Flow, GRID_ID } from './model.js';

/** A solution in the canonical variables, before settlement. */
export interface CanonicalSolution {
  /** Net demand P + S per agent (problem order), kW. */
  readonly dKw: Float64Array;
  /** Community prices, EUR/kWh. */
  readonly priceEurPerKwh: Float64Array;
  /** Flows between communities (indices) and the grid (index −1), kW. */
  readonly flows: ReadonlyArray<{ from: number; to: number; kw: number }>;
  /** Per-agent α and β when the solver chose them (QP oracle); otherwise allocated here. */
  readonly alphaKw?: Float64Array;
  readonly betaKw?: Float64Array;
}

/**
 * Builds the result. When α/β are not given, a community's import is allocated to its net buyers in
 * proportion to their net demand and its export to its net sellers in proportion to their net supply
 * (the paper sums α over consumers, Eq. (4), and β over producers, Eq. (5)); any split is optimal,
 * this one is deterministic. Φ then follows from Eq. (2).
 */
export function settle(problem: CommunityProblem, m: CanonicalMarket, sol: CanonicalSolution): CommunityResult {
  const h = m.periodHours;
  const nc = m.nCommunities;
  const importKw = new Float64Array(nc);
  const exportKw = new Float64Array(nc);
  let gridImportKw = 0;
  let gridExportKw = 0;
  let interKw = 0;
  for (const f of sol.flows) {
    if (f.from >= 0) exportKw[f.from] += f.kw;
    if (f.to >= 0) importKw[f.to] += f.kw;
    if (f.from < 0) gridImportKw += f.kw;
    else if (f.to < 0) gridExportKw += f.kw;
    else interKw += f.kw;
  }
  let alpha = sol.alphaKw;
  let beta = sol.betaKw;
  if (!alpha || !beta) {
    alpha = new Float64Array(m.nAgents);
    beta = new Float64Array(m.nAgents);
    for (let c = 0; c < nc; c++) {
      let buy = 0;
      let sell = 0;
      for (let k = m.start[c]; k < m.start[c + 1]; k++) {
        const d = sol.dKw[m.order[k]];
        if (d > 0) buy += d;
        else sell -= d;
      }
      for (let k = m.start[c]; k < m.start[c + 1]; k++) {
        const i = m.order[k];
        const d = sol.dKw[i];
        if (d > 0 && importKw[c] > 0) alpha[i] = (importKw[c] * d) / buy;
        if (d < 0 && exportKw[c] > 0) beta[i] = (exportKw[c] * -d) / sell;
      }
    }
  }
  const agents: AgentOutcome[] = new Array(m.nAgents);
  let welfareEur = 0;
  for (let i = 0; i < m.nAgents; i++) {
    const ag = problem.agents[i];
    const d = sol.dKw[i];
    const price = sol.priceEurPerKwh[m.communityOf[i]];
    const valueEur = h * valuePerHour(m, i, d) + m.constantEur[i];
    welfareEur += valueEur;
    const isBattery = ag.kind === 'battery';
    agents[i] = {
      id: ag.id,
      pKw: isBattery ? 0 : d,
      sKw: isBattery ? d : 0,
      // seed 000, Eq. (2): P + S + Φ − α + β = 0
      phiKw: alpha[i] - beta[i] - d,
      alphaKw: alpha[i],
      betaKw: beta[i],
      soc: isBattery ? socAfter(ag, d, h) : null,
      welfareEur: valueEur - h * price * d,
    };
  }
  // seed 000, Eq. (1): grid import cost, export revenue and inter-community fees
  welfareEur += h * (-m.importPrice * gridImportKw + m.exportPrice * gridExportKw - m.fee * interKw);
  const communities: CommunityOutcome[] = problem.communities.map((c, k) => ({
    id: c.id,
    priceEurPerKwh: sol.priceEurPerKwh[k],
    importKw: importKw[k],
    exportKw: exportKw[k],
  }));
  const name = (k: number) => (k < 0 ? GRID_ID : problem.communities[k].id);
  const flows: Flow[] = sol.flows.filter((f) => f.kw > 0).map((f) => ({ from: name(f.from), to: name(f.to), kw: f.kw }));
  return { status: 'optimal', welfareEur, agents, communities, flows };
}

/** The result of an infeasible problem: a status and a reason, no numbers (never NaN). */
export function infeasibleResult(reason: string): CommunityResult {
  return { status: 'infeasible', welfareEur: null, agents: [], communities: [], flows: [], reason };
}
