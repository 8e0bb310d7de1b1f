/**
 * Realistic books (markets/auction/synthetic-book.ts: seed 004's peers, 0.5 kW blocks with remainder
 * blocks) cleared by the structured path and by HiGHS: same welfare. Sized to stay fast; the full-size
 * figures are in `npm run bench -- auction` (benchmarks are not tests).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { clear } from '../../../markets/auction/clearing.js';
import { syntheticDay, syntheticLargePeriod } from '../../../markets/auction/synthetic-book.js';
import { type MilpSolver, loadMilpSolver } from '../../../markets/solvers/milp.js';

let highs: MilpSolver;
beforeAll(async () => {
  highs = await loadMilpSolver('highs');
});

describe('structured path against HiGHS on synthetic books', () => {
  it('a morning of the 55-peer day, period by period, without needing the MILP', () => {
    const day = syntheticDay(55, 288);
    const book = { ...day, periods: day.periods.slice(96, 132) }; // 08:00–10:55, seed 004's window
    const s = clear(book, { pricing: 'midpoint', solver: highs });
    const h = clear(book, { pricing: 'midpoint', solver: highs, method: 'milp' });
    expect(s.periods.every((p) => p.method === 'structured')).toBe(true);
    s.periods.forEach((p, i) => {
      expect(h.periods[i].status).not.toBe('solver_failed');
      // HiGHS proves optimality to a relative gap of 1e-9
      expect(p.welfareEur).toBeCloseTo(h.periods[i].welfareEur, 8);
    });
  });

  it('one period of 300 peers with uneven blocks', () => {
    const book = syntheticLargePeriod(300, 6);
    const s = clear(book, { pricing: 'midpoint', solver: highs }).periods[0];
    const h = clear(book, { pricing: 'midpoint', solver: highs, method: 'milp' }).periods[0];
    expect(s.method).toBe('structured');
    expect(s.welfareEur).toBeCloseTo(h.welfareEur, 8);
  });
});
