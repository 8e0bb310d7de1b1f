/**
 * From a cleared period to each peer's dispatch in the market sign convention of DESIGN rule 2
 * (seed convention: consumer P ≥ 0, producer P ≤ 0, kW). This is the one place the auction's
 * unsigned, side-tagged quantities get a sign; the grid operator converts further to its own
 * convention when it maps dispatch onto buses.
 */
import type { PeriodBook } from './orders.js';
import type { PeriodResult } from './clearing.js';

/**
 * Net accepted power per agent, kW: Σ accepted demand − Σ accepted supply of its blocks (a prosumer
 * with both nets out). Agents with no accepted block are absent. Keys in first-appearance order of
 * the book (supply side first), so iteration is deterministic.
 */
export function dispatchKwByAgent(book: PeriodBook, result: PeriodResult): Map<string, number> {
  const out = new Map<string, number>();
  const accepted = new Set([...result.acceptedSupply, ...result.acceptedDemand]);
  for (const o of book.supply) if (accepted.has(o.id)) out.set(o.agent, (out.get(o.agent) ?? 0) - o.kw);
  for (const o of book.demand) if (accepted.has(o.id)) out.set(o.agent, (out.get(o.agent) ?? 0) + o.kw);
  return out;
}
