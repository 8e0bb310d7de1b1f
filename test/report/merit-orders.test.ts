/**
 * The report's merit orders (issue 14) from real runs of the example feeder, checked against what
 * the market dispatched (the `dispatched` events, i.e. market.csv): in the block auction every
 * agent's accepted blocks add up to what it bought and sold, and the grid's orders carry what the
 * grid traded; in the community market each community's aggregated curves pass through its
 * members' dispatch at its price (each member's best response at the optimum: KKT of seed 000's QP).
 * `report.merit_order_periods` picks the periods; without it the middle, cheapest and dearest are drawn.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunRecorder } from '../../src/io/run-results.js';
import type { CurvePoint, MeritOrderView } from '../../src/report/merit-orders.js';
import { loadScenario, parseScenario } from '../../src/scenario.js';
import { projectDir } from '../../src/shared-data.js';
import { Simulation } from '../../src/sim/simulation.js';
import { ScenarioError } from '../../src/errors.js';

type Dispatch = { agent: string; boughtKw: number; soldKw: number; priceEurPerKwh: number };

/** Runs the example with `patch` applied; returns the merit-order views and the last iteration's dispatch per period. */
async function runExample(patch: Record<string, unknown>): Promise<{ views: MeritOrderView[]; dispatch: Map<number, Dispatch[]>; prices: Map<number, Record<string, number>> }> {
  const loaded = loadScenario(join(projectDir(), 'scenarios/example-small.yaml'));
  const scenario = parseScenario({ ...loaded.scenario, reinforcement: { ...loaded.scenario.reinforcement, max_iterations: 1 }, ...patch }, loaded.file);
  const sim = await Simulation.create({ ...loaded, scenario });
  const rec = new RunRecorder(sim);
  const dispatch = new Map<number, Dispatch[]>();
  const prices = new Map<number, Record<string, number>>();
  sim.onBus((bus) =>
    bus.listen((e) => {
      if (e.type === 'market-cleared') prices.set(e.payload.period, { ...e.payload.prices });
      if (e.type !== 'dispatched') return;
      const list = dispatch.get(e.payload.period) ?? [];
      list.push(e.payload);
      dispatch.set(e.payload.period, list);
    }),
  );
  sim.run();
  return { views: rec.meritOrders.views(), dispatch, prices };
}

/** The kW range a curve takes at `price`: both limits at a knot, else the interpolation between its neighbours. */
function curveAt(points: readonly CurvePoint[], price: number): [number, number] {
  const at = points.filter((p) => Math.abs(p.priceEurPerKwh - price) < 1e-9).map((p) => p.kw);
  if (at.length > 0) return [Math.min(...at), Math.max(...at)];
  const below = points.filter((p) => p.priceEurPerKwh < price).at(-1)!;
  const above = points.find((p) => p.priceEurPerKwh > price)!;
  const v = below.kw + ((above.kw - below.kw) * (price - below.priceEurPerKwh)) / (above.priceEurPerKwh - below.priceEurPerKwh);
  return [v, v];
}

describe('merit orders of chosen periods', () => {
  it('auction: the periods the scenario names, with block statuses that add up to the dispatch', async () => {
    const { views, dispatch, prices } = await runExample({ report: { merit_order_periods: ['17:30', '19:45'] } });
    expect(views.map((v) => [v.label, v.chosenBy, v.mechanism])).toEqual([
      ['17:30', 'scenario', 'auction'],
      ['19:45', 'scenario', 'auction'],
    ]);
    for (const v of views) {
      expect(v.priceEurPerKwh).toBe(prices.get(v.period)!.market);
      const accepted = (side: 'supply' | 'demand', agent: string) =>
        v.blocks.filter((b) => b.side === side && b.agent === agent && (b.status === 'accepted' || b.status === 'paradoxically-accepted')).reduce((a, b) => a + b.kw, 0);
      const rows = dispatch.get(v.period)!;
      expect(rows.length).toBeGreaterThan(3);
      for (const d of rows) {
        expect(accepted('demand', d.agent), `${v.label} ${d.agent} bought`).toBeCloseTo(d.boughtKw, 6);
        expect(accepted('supply', d.agent), `${v.label} ${d.agent} sold`).toBeCloseTo(d.soldKw, 6);
      }
      // balance: accepted supply + import = accepted demand + export
      const sum = (side: 'supply' | 'demand') => rows.reduce((a, d) => a + accepted(side, d.agent), 0);
      expect(sum('supply') + v.grid.importKw).toBeCloseTo(sum('demand') + v.grid.exportKw, 6);
      expect(v.blocks.some((b) => b.status === 'rejected')).toBe(true);
      expect(v.blocks.some((b) => b.marginal)).toBe(true);
    }
  }, 120_000);

  it('auction default: the middle period and the cheapest and dearest ones', async () => {
    const { views, prices } = await runExample({});
    const all = [...prices.entries()].map(([p, pr]) => [p, pr.market] as const).filter(([, x]) => Number.isFinite(x));
    const lo = Math.min(...all.map(([, x]) => x));
    const hi = Math.max(...all.map(([, x]) => x));
    expect(views.find((v) => v.chosenBy === 'middle period')?.period).toBe(6);
    const cheap = views.find((v) => v.chosenBy === 'lowest price' || (v.priceEurPerKwh === lo && v.chosenBy === 'middle period'));
    const dear = views.find((v) => v.chosenBy === 'highest price' || (v.priceEurPerKwh === hi && v.chosenBy === 'middle period'));
    expect(cheap?.priceEurPerKwh).toBe(lo);
    expect(dear?.priceEurPerKwh).toBe(hi);
    // the earliest of equal prices is the one drawn
    expect(cheap!.period).toBe(all.find(([, x]) => x === lo)![0]);
  }, 120_000);

  it("community market: each community's curves pass through its members' dispatch at its price", async () => {
    const { views, dispatch, prices } = await runExample({
      market: { mechanism: 'community', period_min: 15, import_price: 0.1, export_price: 0.05 },
      prosumers: { loads: 'all', pv: { every: 2, kw: 4 }, communities: { count: 2 }, strategy: { supply: { name: 'quadratic' }, demand: { name: 'elastic-demand', params: { k: 2 } } } },
      report: { merit_order_periods: ['18:00'] },
    });
    expect(views).toHaveLength(1);
    const v = views[0];
    expect(v.mechanism).toBe('community');
    expect(v.communities.map((c) => c.community)).toEqual(Object.keys(prices.get(v.period)!).sort());
    const rows = dispatch.get(v.period)!;
    let offers = 0;
    for (const c of v.communities) {
      offers += c.members;
      expect(c.priceEurPerKwh).toBe(prices.get(v.period)![c.community]);
      expect(c.demand.length).toBeGreaterThan(2);
      const [dLo, dHi] = curveAt(c.demand, c.priceEurPerKwh!);
      const [sLo, sHi] = curveAt(c.supply, c.priceEurPerKwh!);
      expect(c.demandKw).toBeGreaterThanOrEqual(dLo - 1e-5);
      expect(c.demandKw).toBeLessThanOrEqual(dHi + 1e-5);
      expect(c.supplyKw).toBeGreaterThanOrEqual(sLo - 1e-5);
      expect(c.supplyKw).toBeLessThanOrEqual(sHi + 1e-5);
      // curves are monotone: demand falls and supply rises with the price
      for (let k = 1; k < c.demand.length; k++) expect(c.demand[k].kw).toBeLessThanOrEqual(c.demand[k - 1].kw + 1e-9);
      for (let k = 1; k < c.supply.length; k++) expect(c.supply[k].kw).toBeGreaterThanOrEqual(c.supply[k - 1].kw - 1e-9);
    }
    expect(offers).toBeGreaterThan(0);
    // the dispatched consumption over both communities is what the views add up
    expect(v.communities.reduce((a, c) => a + c.demandKw, 0)).toBeCloseTo(rows.reduce((a, d) => a + d.boughtKw, 0), 5);
  }, 120_000);

  it('refuses a merit-order period that the market does not clear, naming the field', () => {
    const loaded = loadScenario(join(projectDir(), 'scenarios/example-small.yaml'));
    expect(() => parseScenario({ ...loaded.scenario, report: { merit_order_periods: ['17:30', '17:40'] } }, loaded.file)).toThrow(ScenarioError);
    expect(() => parseScenario({ ...loaded.scenario, report: { merit_order_periods: ['16:00'] } }, loaded.file)).toThrow(/report\.merit_order_periods\[0\]: 16:00 does not start a 15-minute market period/);
    expect(() => parseScenario({ ...loaded.scenario, report: { merit_order_periods: ['7:3'] } }, loaded.file)).toThrow(/report\.merit_order_periods\.0|report\.merit_order_periods\[0\]/);
  });
});
