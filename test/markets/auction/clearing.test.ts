/**
 * Hand-solvable clearings. Period length 1 h so welfare in EUR equals the EUR/h figures below; grid
 * at seed 004's prices (import 0.100, export 0.050 EUR/kWh) unless a case says otherwise.
 */
import { describe, expect, it } from 'vitest';
import { clear } from '../../../markets/auction/clearing.js';
import { type AuctionBook, type BlockOrder, type GridTerms, type PeriodBook, seed004Grid } from '../../../markets/auction/orders.js';
import type { MilpSolver } from '../../../markets/solvers/milp.js';
import { ProblemError } from '../../../markets/errors.js';

const o = (id: string, kw: number, price: number, agent = `agent-${id}`): BlockOrder => ({ id, agent, kw, priceEurPerKwh: price });
const book = (periods: PeriodBook[], grid: GridTerms = seed004Grid): AuctionBook => ({ periodHours: 1, grid, periods });
const one = (supply: BlockOrder[], demand: BlockOrder[], grid: GridTerms = seed004Grid) => book([{ id: 'p1', supply, demand }], grid);

/*
 * Case A — the merit order drawn in markets/auction/merit-order.ts:
 *
 *   0.19 |██ d1 (0.5 kW)
 *   0.10 |      ····· import ·····
 *   0.09 |   ██ d2 (1.0 kW)
 *   0.06 |  ▓▓▓ s2 (1.0 kW)
 *   0.05 |      ····· export ·····
 *   0.01 | ▓▓ s1 (1.0 kW)
 *
 * Welfare of the candidates (EUR/h):
 *   {s1,s2,d1,d2} + export 0.5   0.095 + 0.090 − 0.010 − 0.060 + 0.025 = 0.140  ← optimum
 *   {s1,d1,d2}    + import 0.5   0.095 + 0.090 − 0.010 − 0.050         = 0.125
 *   {s1,d1}       + export 0.5   0.095 − 0.010 + 0.025                 = 0.110
 *   {s1,d2}                      0.090 − 0.010                         = 0.080
 * midpoint: marginal producer s2 at 0.06, marginal consumer the export at 0.05 → 0.055, which leaves
 * s2 out of the money (paradoxically accepted). uniform: no price supports the optimum (export needs
 * π ≤ 0.05, s2 needs π ≥ 0.06); the best priceable selection is {s1,d1} with export at π = 0.05
 * (0.110), and d2, in the money at 0.05, is paradoxically rejected.
 */
const caseA = one([o('s1', 1, 0.01), o('s2', 1, 0.06)], [o('d1', 0.5, 0.19), o('d2', 1, 0.09)]);

describe('hand-solved clearings', () => {
  it('case A, midpoint: the welfare optimum, priced at the midpoint, paradox reported', () => {
    const r = clear(caseA, { pricing: 'midpoint' }).periods[0];
    expect(r.welfareEur).toBeCloseTo(0.14, 12);
    expect(r.acceptedSupply).toEqual(['s1', 's2']);
    expect(r.acceptedDemand).toEqual(['d1', 'd2']);
    expect(r.exportKw).toBeCloseTo(0.5, 12);
    expect(r.importKw).toBe(0);
    expect(r.priceEurPerKwh).toBeCloseTo(0.055, 12);
    expect(r.status).toBe('paradoxically_accepted');
    expect(r.paradoxicallyAccepted).toEqual(['s2']);
    expect(r.paradoxicallyRejected).toEqual([]);
  });

  it('case A, uniform: best priceable selection, no paradoxically accepted block, d2 paradoxically rejected', () => {
    const r = clear(caseA, { pricing: 'uniform' }).periods[0];
    expect(r.status).toBe('cleared');
    expect(r.welfareEur).toBeCloseTo(0.11, 12);
    expect(r.welfareOptimumEur).toBeCloseTo(0.14, 12);
    expect(r.acceptedSupply).toEqual(['s1']);
    expect(r.acceptedDemand).toEqual(['d1']);
    expect(r.exportKw).toBeCloseTo(0.5, 12);
    expect(r.priceEurPerKwh).toBeCloseTo(0.05, 12);
    expect(r.paradoxicallyAccepted).toEqual([]);
    expect(r.paradoxicallyRejected).toEqual(['d2']);
  });

  /*
   * Case C — import is the marginal producer:  d1 1.0 kW @ 0.15, s1 0.5 kW @ 0.03, import 0.5 kW.
   * Welfare 0.150 − 0.015 − 0.050 = 0.085. midpoint: (max(0.03, import 0.10) + 0.15)/2 = 0.125.
   * uniform: importing below an unlimited limit pins the price to the import price, 0.100.
   */
  it('case C: the grid counts as the marginal producer when importing', () => {
    const b = one([o('s1', 0.5, 0.03)], [o('d1', 1, 0.15)]);
    const m = clear(b, { pricing: 'midpoint' }).periods[0];
    expect(m.welfareEur).toBeCloseTo(0.085, 12);
    expect(m.importKw).toBeCloseTo(0.5, 12);
    expect(m.priceEurPerKwh).toBeCloseTo(0.125, 12);
    expect(m.status).toBe('cleared');
    const u = clear(b, { pricing: 'uniform' }).periods[0];
    expect(u.priceEurPerKwh).toBeCloseTo(0.1, 12);
    expect(u.welfareEur).toBeCloseTo(0.085, 12);
  });

  /*
   * Case D — import limited to 0.2 kW: d1 (1.0 kW @ 0.15) would need 0.5 kW of import beside s1
   * (0.5 kW @ 0.03), so it is rejected and s1 exports: welfare 0.5·(0.05 − 0.03) = 0.010; midpoint
   * (0.03 + export 0.05)/2 = 0.04, at which d1 is in the money (paradoxically rejected).
   */
  it('case D: grid limits make a fill-or-kill block unacceptable', () => {
    const r = clear(one([o('s1', 0.5, 0.03)], [o('d1', 1, 0.15)], { ...seed004Grid, maxImportKw: 0.2 }), { pricing: 'midpoint' }).periods[0];
    expect(r.welfareEur).toBeCloseTo(0.01, 12);
    expect(r.acceptedDemand).toEqual([]);
    expect(r.exportKw).toBeCloseTo(0.5, 12);
    expect(r.priceEurPerKwh).toBeCloseTo(0.04, 12);
    expect(r.paradoxicallyRejected).toEqual(['d1']);
  });

  /*
   * Case I — scarcity: import limited to 0.5 kW, no local supply; d1 1.0 kW @ 0.30, d2 0.5 kW @ 0.20.
   * Only d2 fits (import at its limit): welfare 0.5·(0.20 − 0.10) = 0.05. Import at the limit lets the
   * uniform price rise above the import price, up to d2's 0.20; the price that minimises what the
   * rejected d1 forgoes is the top of that range, 0.20, and d1 (in the money) is paradoxically rejected.
   */
  it('case I: uniform price above the import price when import is at its limit', () => {
    const r = clear(one([], [o('d1', 1, 0.3), o('d2', 0.5, 0.2)], { ...seed004Grid, maxImportKw: 0.5 }), { pricing: 'uniform' }).periods[0];
    expect(r.acceptedDemand).toEqual(['d2']);
    expect(r.importKw).toBeCloseTo(0.5, 12);
    expect(r.welfareEur).toBeCloseTo(0.05, 12);
    expect(r.priceEurPerKwh).toBeCloseTo(0.2, 12);
    expect(r.paradoxicallyRejected).toEqual(['d1']);
  });

  /*
   * Ties: two 0.5 kW demand blocks at 0.09 and one 0.5 kW supply block at 0.02. Only one demand block
   * can be served locally (the other would import at 0.10 > 0.09): the smaller id wins, whatever the
   * order in the book. Same for two supply blocks at 0.06 against one demand block (the other would
   * export at 0.05 < 0.06).
   */
  it('breaks ties by id, independent of book order', () => {
    for (const demand of [[o('b', 0.5, 0.09), o('a', 0.5, 0.09)], [o('a', 0.5, 0.09), o('b', 0.5, 0.09)]]) {
      const r = clear(one([o('s', 0.5, 0.02)], demand), { pricing: 'midpoint' }).periods[0];
      expect(r.acceptedDemand).toEqual(['a']);
      expect(r.welfareEur).toBeCloseTo(0.035, 12);
      expect(r.priceEurPerKwh).toBeCloseTo(0.055, 12);
    }
    for (const supply of [[o('y', 0.5, 0.06), o('x', 0.5, 0.06)], [o('x', 0.5, 0.06), o('y', 0.5, 0.06)]]) {
      const r = clear(one(supply, [o('d', 0.5, 0.2)]), { pricing: 'uniform' }).periods[0];
      expect(r.acceptedSupply).toEqual(['x']);
    }
  });

  it('an empty book and an empty period clear to zero with no price', () => {
    expect(clear(book([]), { pricing: 'midpoint' })).toEqual({ periods: [], welfareEur: 0, maxOptimalityGap: 0 });
    for (const pricing of ['midpoint', 'uniform'] as const) {
      const r = clear(one([], []), { pricing });
      expect(r.welfareEur).toBe(0);
      expect(r.periods[0]).toMatchObject({ status: 'cleared', welfareEur: 0, priceEurPerKwh: null, importKw: 0, exportKw: 0, acceptedSupply: [], acceptedDemand: [], paradoxicallyRejected: [] });
    }
  });

  it('a nothing-to-trade period (every block out of the money against the grid) has no price', () => {
    const r = clear(one([o('s', 1, 0.2)], [o('d', 1, 0.01)]), { pricing: 'midpoint' }).periods[0];
    expect(r).toMatchObject({ status: 'cleared', welfareEur: 0, priceEurPerKwh: null, acceptedSupply: [], acceptedDemand: [] });
  });

  it('a failed solve is a status of its period, not an exception and not NaN', () => {
    const failing: MilpSolver = {
      name: 'highs',
      solve: (m) => ({ status: 'failed', objective: 0, values: new Float64Array(m.variables.length), detail: 'stub: out of luck' }),
    };
    const r = clear(book([{ id: 'p1', supply: [o('s', 1, 0.01)], demand: [o('d', 1, 0.2)] }, { id: 'p2', supply: [], demand: [] }]), {
      pricing: 'midpoint',
      method: 'milp',
      solver: failing,
    });
    expect(r.periods[0]).toMatchObject({ status: 'solver_failed', welfareEur: 0, priceEurPerKwh: null, acceptedSupply: [], detail: 'stub: out of luck' });
    expect(r.periods[1].status).toBe('solver_failed');
    expect(Number.isNaN(r.welfareEur)).toBe(false);
  });

  it('regression: a block 0.45 mW above the import limit is not accepted (the DP quantum once forgave it)', () => {
    const b = one([], [o('d0', 0.5000004499999999, 0.041)], { importPriceEurPerKwh: 0.04, exportPriceEurPerKwh: 0.04, maxImportKw: 0.5, maxExportKw: null });
    const r = clear(b, { pricing: 'midpoint' }).periods[0];
    expect(r.acceptedDemand).toEqual([]);
    expect(r.importKw).toBe(0);
  });

  it('is deterministic: the same book twice gives deep-equal results', () => {
    for (const pricing of ['midpoint', 'uniform'] as const) expect(clear(caseA, { pricing })).toEqual(clear(caseA, { pricing }));
  });
});

describe('bad books are rejected with the period and order named', () => {
  const expectError = (b: AuctionBook, path: string, text: RegExp) => {
    let err: unknown;
    try {
      clear(b, { pricing: 'midpoint' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProblemError);
    expect((err as ProblemError).fieldPath).toBe(path);
    expect((err as ProblemError).message).toMatch(text);
  };
  it('duplicate order ids (across sides too)', () => {
    expectError(one([o('x', 1, 0.01)], [o('x', 1, 0.2)]), 'periods[0].demand[0].id', /period 'p1', order 'x': duplicate order id/);
  });
  it('duplicate period ids', () => {
    expectError(book([{ id: 'p', supply: [], demand: [] }, { id: 'p', supply: [], demand: [] }]), 'periods[1].id', /repeats/);
  });
  it('negative and zero quantities', () => {
    expectError(one([o('s1', 1, 0.01), o('s2', -0.5, 0.01)], []), 'periods[0].supply[1].kw', /period 'p1', order 's2': kw must be a positive/);
    expectError(one([], [o('d1', 0, 0.1)]), 'periods[0].demand[0].kw', /order 'd1'/);
  });
  it('NaN and infinite prices', () => {
    expectError(one([o('s1', 1, Number.NaN)], []), 'periods[0].supply[0].price', /order 's1': price must be a finite number/);
    expectError(one([], [o('d1', 1, Infinity)]), 'periods[0].demand[0].price', /order 'd1'/);
  });
  it('an export price above the import price, a missing side, a bad period length', () => {
    expectError(one([], [], { ...seed004Grid, exportPriceEurPerKwh: 0.2 }), 'grid.export_price', /must not exceed the import price/);
    expectError(book([{ id: 'p9', supply: [] } as unknown as PeriodBook]), 'periods[0].demand', /period 'p9' has no demand list/);
    expectError({ ...one([], []), periodHours: 0 }, 'period_hours', /positive/);
  });
});

describe('dispatch in the market sign convention', () => {
  it('consumers positive, producers negative, a prosumer netted (case A)', async () => {
    const { dispatchKwByAgent } = await import('../../../markets/auction/dispatch.js');
    const b = one([o('s1', 1, 0.01, 'pv'), o('s2', 1, 0.06, 'home')], [o('d1', 0.5, 0.19, 'home'), o('d2', 1, 0.09, 'shop')]);
    const r = clear(b, { pricing: 'midpoint' }).periods[0];
    const d = dispatchKwByAgent(b.periods[0], r);
    expect([...d.entries()]).toEqual([['pv', -1], ['home', -0.5], ['shop', 1]]);
    // the peers' net plus the grid exchange balances (seed 004, Eq. (2))
    expect([...d.values()].reduce((x, y) => x + y, 0) - r.importKw + r.exportKw).toBeCloseTo(0, 12);
  });
});
