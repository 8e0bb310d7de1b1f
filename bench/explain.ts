/**
 * auction-explain: what "why this price" (markets/auction/explain.ts) adds to a clearing, since the
 * market operator now explains every period. On the synthetic books of the auction benchmarks (55
 * peers × 288 periods; one period of 10,000 peers × 6 blocks): clearing ms, explanation ms, and
 * their ratio. Best of `repeats`. Figures only, no assertions.
 */
import { clear } from '../markets/auction/clearing.js';
import { explainPrice } from '../markets/auction/explain.js';
import type { AuctionBook } from '../markets/auction/orders.js';
import { syntheticDay, syntheticLargePeriod } from '../markets/auction/synthetic-book.js';
import { loadMilpSolver } from '../markets/solvers/milp.js';
import { type Benchmark, secondsSince } from './bench.js';

async function measure(book: AuctionBook, repeats: number): Promise<Record<string, unknown>> {
  const solver = await loadMilpSolver('highs');
  const config = { pricing: 'midpoint' as const, solver };
  let result = clear(book, config); // warm-up
  let clearMs = Infinity;
  let explainMs = Infinity;
  let inconsistent = 0;
  for (let i = 0; i < repeats; i++) {
    let t = process.hrtime.bigint();
    result = clear(book, config);
    clearMs = Math.min(clearMs, secondsSince(t) * 1000);
    t = process.hrtime.bigint();
    inconsistent = 0;
    book.periods.forEach((p, k) => {
      if (!explainPrice(p, book.grid, result.periods[k], 'midpoint').consistent) inconsistent++;
    });
    explainMs = Math.min(explainMs, secondsSince(t) * 1000);
  }
  return { periods: book.periods.length, clear_ms: Math.round(clearMs * 10) / 10, explain_ms: Math.round(explainMs * 10) / 10, explain_over_clear: Math.round((explainMs / clearMs) * 1000) / 1000, inconsistent };
}

export const auctionExplainDay: Benchmark = { name: 'auction-explain-day', run: () => measure(syntheticDay(55, 288), 5) };
export const auctionExplain10k: Benchmark = { name: 'auction-explain-10k', run: () => measure(syntheticLargePeriod(10_000, 6), 3) };
