/**
 * A day of the community market, two ways (issue 5):
 *   - hourly sequential (the paper's way, seed 000 Sec. III Stage II): clear hour after hour, each
 *     battery starting from the soc the previous hour left (Eq. (9) binds consecutive runs);
 *   - day-ahead: all hours at once with the soc coupling inside the optimisation, so a battery can
 *     move energy from a cheap hour to a dear one. Its welfare is never below the sequential one.
 * Every period in `day.hours` must list the same agents (ids, kinds, communities) in the same order;
 * battery soc is read from hour 0 only.
 */
import { ProblemError, SolverError } from '../errors.js';
import { socAfter } from './battery.js';
import { clearCommunityFast } from './fast-solver.js';
import type { BatteryAgent, CommunityAgent, CommunityDay, CommunityProblem, CommunityResult, DayResult } from './model.js';
import { validateProblem } from './problem-json.js';
import { type QpOptions, solveQpWith } from './qp-oracle.js';
import { type HighsModule, loadHighs } from '../solvers/highs.js';
import { toCanonical } from './canonical.js';
import { type CanonicalSolution, infeasibleResult, settle } from './settle.js';

/** Checks that every hour is valid and lists the same agents as hour 0. Throws `ProblemError`. */
export function validateDay(day: CommunityDay): void {
  if (day.hours.length === 0) throw new ProblemError(undefined, 'hours', 'needs at least one hour');
  const first = day.hours[0];
  day.hours.forEach((p, t) => {
    validateProblem(p);
    if (p.agents.length !== first.agents.length) throw new ProblemError(undefined, `hours[${t}].agents`, `has ${p.agents.length} agents, hour 0 has ${first.agents.length}`);
    if (p.communities.length !== first.communities.length) throw new ProblemError(undefined, `hours[${t}].communities`, 'differs from hour 0');
    p.agents.forEach((ag, i) => {
      const f = first.agents[i];
      if (ag.id !== f.id || ag.kind !== f.kind || ag.community !== f.community) {
        throw new ProblemError(undefined, `hours[${t}].agents[${i}] (${ag.id})`, `must be agent ${f.id} (${f.kind} in ${f.community}) as in hour 0`);
      }
    });
  });
}

/**
 * Hours whose agent lists differ (an agent bids only in some hours: no PV at night) as one day:
 * every hour lists the union of agents in order of first appearance, and of communities (sorted);
 * an agent absent from an hour enters it with a zero box (a battery as it bid elsewhere).
 */
export function alignHours(hours: readonly CommunityProblem[]): CommunityDay {
  const template = new Map<string, CommunityAgent>();
  const communities = new Set<string>();
  for (const p of hours) {
    for (const a of p.agents) if (!template.has(a.id)) template.set(a.id, a);
    for (const c of p.communities) communities.add(c.id);
  }
  const ids = [...communities].sort().map((id) => ({ id }));
  return {
    hours: hours.map((p) => {
      const here = new Map(p.agents.map((a) => [a.id, a]));
      const agents = [...template.values()].map((t): CommunityAgent => here.get(t.id) ?? (t.kind === 'battery' ? t : { ...t, pMinKw: 0, pMaxKw: 0 }));
      return { ...p, communities: ids, agents };
    }),
  };
}

/** The hour's problem with each battery's soc replaced by `soc[i]` (NaN: keep). */
export function withSoc(p: CommunityProblem, soc: Float64Array): CommunityProblem {
  return {
    ...p,
    agents: p.agents.map((ag, i): CommunityAgent => (ag.kind === 'battery' && !Number.isNaN(soc[i]) ? { ...ag, soc: soc[i] } : ag)),
  };
}

function sumWelfare(hours: readonly CommunityResult[]): number {
  let w = 0;
  for (const r of hours) w += r.welfareEur ?? 0;
  return w;
}

/**
 * Hourly sequential day: each hour cleared by `clear` (default: the exact fast solver), soc carried.
 * Stops at the first infeasible hour and reports it.
 */
export async function clearDayHourly(day: CommunityDay, clear: (p: CommunityProblem) => CommunityResult | Promise<CommunityResult> = clearCommunityFast): Promise<DayResult> {
  validateDay(day);
  const soc = Float64Array.from(day.hours[0].agents, (ag) => (ag.kind === 'battery' ? ag.soc : NaN));
  const results: CommunityResult[] = [];
  for (let t = 0; t < day.hours.length; t++) {
    const r = await clear(withSoc(day.hours[t], soc));
    results.push(r);
    if (r.status !== 'optimal') return { status: r.status, welfareEur: null, hours: results, reason: `hour ${t}: ${r.reason ?? r.status}` };
    r.agents.forEach((a, i) => {
      if (a.soc !== null) soc[i] = a.soc;
    });
  }
  return { status: 'optimal', welfareEur: sumWelfare(results), hours: results };
}

/**
 * Per-hour results of a day-ahead solution given each hour's net demands, prices and flows: each hour
 * is settled with the soc the solution reached at its start, so per-hour battery welfare v·ΔE adds up
 * to the day's.
 */
export function settleDay(day: CommunityDay, perHour: readonly CanonicalSolution[]): DayResult {
  const soc = Float64Array.from(day.hours[0].agents, (ag) => (ag.kind === 'battery' ? ag.soc : NaN));
  const results: CommunityResult[] = [];
  for (let t = 0; t < day.hours.length; t++) {
    const p = withSoc(day.hours[t], soc);
    const m = toCanonical(p);
    results.push(settle(p, m, perHour[t]));
    p.agents.forEach((ag, i) => {
      if (ag.kind === 'battery') soc[i] = socAfter(ag as BatteryAgent, perHour[t].dKw[i], p.periodHours);
    });
  }
  return { status: 'optimal', welfareEur: sumWelfare(results), hours: results };
}

/**
 * Day-ahead with the generic QP (HiGHS) over all hours and the soc coupling (seed 000, Eq. (9)
 * across hours). The oracle of `clearDayAhead`; throws `SolverError` when HiGHS fails.
 */
export async function clearDayAheadQp(day: CommunityDay, options: QpOptions = {}): Promise<DayResult> {
  return clearDayAheadQpWith(await loadHighs(), day, options);
}

/** `clearDayAheadQp` with a loaded HiGHS module (synchronous). */
export function clearDayAheadQpWith(highs: HighsModule, day: CommunityDay, options: QpOptions = {}): DayResult {
  validateDay(day);
  const m0 = toCanonical(day.hours[0]);
  if (m0.infeasible !== undefined) return { status: 'infeasible', welfareEur: null, hours: [infeasibleResult(m0.infeasible)], reason: m0.infeasible };
  try {
    const sol = solveQpWith(highs, day.hours, 'community-day-ahead-qp', options);
    return { ...settleDay(day, sol), energyValueEurPerKwh: sol.map((s) => s.energyValueEurPerKwh) };
  } catch (err) {
    if (err instanceof SolverError && /infeasible/i.test(err.status)) {
      return { status: 'infeasible', welfareEur: null, hours: [], reason: 'no battery schedule keeps every soc within its bounds over the day' };
    }
    throw err;
  }
}
