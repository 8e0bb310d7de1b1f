/**
 * The inspector on a community-market run (issue 14): paper000-cs2 (the Costa Rica circuit, five
 * communities, the day cleared at once, reinforcement with Standard Battery Units), with its PV
 * sellers bidding through a small stateful plugin strategy written here (`counting-quadratic`: the
 * `quadratic` cost curve, a = 0.01, b = 0.02, and a state counting the periods it offered PV in and
 * the kW offered), so that the run has strategy state to show. Needs ../shared's Costa Rica feeder
 * (skipped with the reason when absent, failing under LEMSIM_REQUIRE_SHARED=1).
 *
 * What it checks, from the API: every community's price and inter-community trades of every period
 * equal communities.csv; each PV seller's curve at the optimum has its dispatched kW (market.csv
 * sold_kw) and, inside its range, a marginal cost b + a·G equal to its community's price (seed 000's
 * KKT condition); branches.csv and strategy_states.csv reach the agent and map views.
 *
 * What the browser test checks, in headless Chromium (playwright-core, /usr/bin/chromium; skipped
 * with the reason when absent, failing when CI is set): a deep link to iteration 3 at 12:00 shows the
 * community table whose five prices and whose inter-community trade matrix equal communities.csv;
 * clicking a PV seller in the "agents at the optimum" table opens it, and its quadratic curve is
 * drawn (one marginal-cost polyline per bid agent, an optimum point at market.csv's sold kW and at
 * the community price); its strategy state row is shown and equals strategy_states.csv; switching
 * the map to peak loading colours every branch that branches.csv rates, with branches.csv's peak
 * loading on each, purple above 100 %, battery sites marked as squares (one per site of the
 * iteration with coordinates), and the URL keeps `colour=peak`; no console error; every request goes
 * to the inspector's own server.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseCsv } from '../../src/io/csv.js';
import { type InspectedRun, inspectRun, periodKey } from '../../src/inspect/run-data.js';
import { apiResponse } from '../../src/inspect/server.js';
import { projectDir } from '../../src/shared-data.js';
import { CHROMIUM, describeInBrowser, haveChromium, withChromium } from '../helpers/browser.js';
import { describeWithShared } from '../helpers/shared.js';
import { tempDir } from '../helpers/temp.js';

const PLUGIN = `// the quadratic PV cost curve, with a state: periods offered and kW offered (test plugin)
export const strategies = {
  'counting-quadratic': {
    name: 'counting-quadratic',
    sides: ['supply'],
    defaults: { a: 0.01, b: 0.02 },
    initialState: { offers: 0, kw: 0 },
    offer(ctx, state) {
      const none = { supply: [], demand: [], communityAgents: [] };
      if (!(ctx.availableSupplyKw > 0)) return { offer: none, state };
      const agent = { id: ctx.agent + ':pv', kind: 'producer', pMinKw: 0, pMaxKw: ctx.availableSupplyKw, aEurPerKwhPerKw: ctx.params.a, bEurPerKwh: ctx.params.b };
      return { offer: { ...none, communityAgents: [agent] }, state: { offers: state.offers + 1, kw: Math.round((state.kw + ctx.availableSupplyKw) * 1e6) / 1e6 } };
    },
  },
};
`;

function csvRows(file: string): Record<string, string>[] {
  const [head, ...body] = [...parseCsv(readFileSync(file, 'utf8'))].filter((r) => r.length > 1);
  return body.map((r) => Object.fromEntries(head.map((h, k) => [h, r[k]])));
}

describeWithShared('paper000-cs2: the community market in the inspector', ['feeders/costa-rica-mar/Master.dss'], () => {
  let dir: string;
  let run: InspectedRun;
  let communities: Record<string, string>[];
  let market: Record<string, string>[];
  beforeAll(async () => {
    const base = tempDir('lemsim-inspect-community-');
    const text = readFileSync(join(projectDir(), 'scenarios/paper000-cs2.yaml'), 'utf8')
      .replace(/^name: paper000-cs2$/m, 'name: paper000-cs2-counting\nplugins: [./counting.mjs]')
      .replace('supply: { name: quadratic }', 'supply: { name: counting-quadratic }');
    expect(text).toContain('counting-quadratic }');
    writeFileSync(join(base, 'counting.mjs'), PLUGIN);
    writeFileSync(join(base, 'cs2.yaml'), text);
    dir = join(base, 'run');
    const c = { err: '' };
    const code = await main(['run', join(base, 'cs2.yaml'), '--out', dir, '--log-level', 'silent'], { out: () => undefined, err: (t) => void (c.err += t) });
    expect(code, c.err).toBe(0);
    run = inspectRun(dir);
    communities = csvRows(join(dir, 'communities.csv'));
    market = csvRows(join(dir, 'market.csv'));
  }, 300_000);

  it('every period’s community prices and inter-community trades equal communities.csv', () => {
    let checked = 0;
    for (const p of run.periods) {
      const body = apiResponse(run, new URL(`http://x/api/community?it=${p.iteration}&period=${p.period}`))!.body as { communities: { community: string; priceEurPerKwh: number; netFromKw: Record<string, number>; interImportKw: number }[] };
      const want = communities.filter((r) => Number(r.iteration) === p.iteration && r.period === p.label);
      expect(body.communities.map((c) => c.community)).toEqual(want.map((r) => r.community));
      body.communities.forEach((c, k) => {
        expect(c.priceEurPerKwh).toBe(Number(want[k].price_eur_per_kwh));
        expect(c.priceEurPerKwh).toBeCloseTo(p.prices[c.community], 6);
        expect(c.interImportKw).toBe(Number(want[k].inter_import_kw));
        for (const j of ['c1', 'c2', 'c3', 'c4', 'c5']) if (j !== c.community) expect(c.netFromKw[j], `${p.label} ${c.community} from ${j}`).toBe(Number(want[k][`net_from_${j}_kw`]));
        checked++;
      });
    }
    expect(checked).toBe(communities.length);
  });

  it('each PV seller’s curve at the optimum: its dispatch, and marginal cost = its community’s price inside its range', () => {
    const rows = new Map(market.map((r) => [`${r.iteration}|${r.period}|${r.agent}`, r]));
    let atBound = 0;
    let producers = 0;
    for (const [key, list] of run.curves) {
      const [it, k] = key.split(':').map(Number);
      const p = run.periods.find((x) => x.iteration === it && x.period === k)!;
      for (const g of list.filter((x) => x.kind === 'producer')) {
        producers++;
        expect(g.optimumFrom).toBe('dispatch');
        const row = rows.get(`${it}|${p.label}|${g.owner}`)!;
        expect(g.optimumKw).toBe(Number(row.sold_kw));
        expect(g.aEurPerKwhPerKw).toBe(0.01);
        expect(g.bEurPerKwh).toBe(0.02);
        expect(g.marginalAtOptimum!).toBeCloseTo(0.02 + 0.01 * g.optimumKw!, 12);
        // seed 000's KKT (market.csv rounds kW to 1e-4): inside (0, pMax) the marginal cost is the
        // community price; at pMax the price is at least the marginal cost; at 0 at most b
        const price = g.priceEurPerKwh!;
        if (g.optimumKw! >= g.pMaxKw! - 1e-3) {
          expect(price, `${key} ${g.id}`).toBeGreaterThanOrEqual(g.marginalAtOptimum! - 2e-6);
          atBound++;
        } else if (g.optimumKw! <= 1e-3) expect(price, `${key} ${g.id}`).toBeLessThanOrEqual(g.bEurPerKwh! + 2e-6);
        else expect(Math.abs(g.marginalAtOptimum! - price), `${key} ${g.id}`).toBeLessThan(2e-6);
      }
    }
    // CS2's PV (2 kW, marginal cost ≤ 0.04) sells all it has at community prices of 0.08–0.09
    expect(producers).toBeGreaterThan(100);
    expect(atBound).toBeGreaterThan(producers / 2);
    expect(run.curves.get(periodKey(3, 12))!.some((g) => g.kind === 'producer')).toBe(true);
  });

  it('branches.csv and strategy_states.csv reach the views', () => {
    const b = apiResponse(run, new URL('http://x/api/branches?it=3'))!.body as { branches: { branch: string; peakLoadingPct: number | null }[] };
    expect(b.branches.length).toBe(csvRows(join(dir, 'branches.csv')).filter((r) => r.iteration === '3').length);
    const seller = run.curves.get(periodKey(3, 12))!.find((g) => g.kind === 'producer')!.owner;
    const a = apiResponse(run, new URL(`http://x/api/agent?id=${seller}`))!.body as { strategy: [number, string, number, string, string][] };
    const want = csvRows(join(dir, 'strategy_states.csv')).filter((r) => r.agent === seller);
    expect(want.length).toBeGreaterThan(0);
    expect(a.strategy.map((r) => r[4])).toEqual(want.map((r) => r.state_json));
    expect(JSON.parse(want[0].state_json).offers).toBeGreaterThan(0);
  });

  describeInBrowser(() => run, (served) => {

    it('shows 12:00’s community prices and trades, a seller’s curve and strategy state, and the map by loading', async () => {
      expect(haveChromium, `${CHROMIUM} is required when CI is set (.ci/run installs it)`).toBe(true);
      await withChromium(async ({ page, errors, requests, ready }) => {

        await page.goto(`${served.url}?it=3&period=12:00`);
        await ready('3:12:00:720:');
        const want = communities.filter((r) => r.iteration === '3' && r.period === '12:00');
        expect(want).toHaveLength(5);
        for (const r of want) {
          const row = page.locator(`#comm-table tr[data-community="${r.community}"]`);
          expect(Number(await row.locator('td.price').innerText())).toBeCloseTo(Number(r.price_eur_per_kwh), 6);
          for (const j of ['c1', 'c2', 'c3', 'c4', 'c5']) {
            if (j === r.community) continue;
            const cell = await page.locator(`#comm-trades tr[data-community="${r.community}"] td[data-from="${j}"]`).innerText();
            expect(Number(cell), `${r.community} from ${j}`).toBeCloseTo(Number(r[`net_from_${j}_kw`]), 4);
          }
        }
        // at least one community trades with another at 12:00
        expect(want.some((r) => Number(r.inter_import_kw) > 0)).toBe(true);

        // a PV seller: its curve at the optimum, and its strategy state
        const g = run.curves.get(periodKey(3, 12))!.find((x) => x.kind === 'producer' && x.optimumKw! > 0)!;
        await page.locator(`#curves-table tr[data-id="${g.id}"] a[data-agent]`).click();
        await ready(`3:12:00:720:${g.owner}`);
        const mine = run.curves.get(periodKey(3, 12))!.filter((x) => x.owner === g.owner && (x.kind === 'producer' || x.kind === 'consumer'));
        expect(await page.locator('#agent-curve-svg polyline.curve').count()).toBe(mine.length);
        const opt = page.locator(`#agent-curve-svg circle.optimum[data-id="${g.id}"]`);
        const sold = Number(market.find((r) => r.iteration === '3' && r.period === '12:00' && r.agent === g.owner)!.sold_kw);
        expect(Number(await opt.getAttribute('data-kw'))).toBeCloseTo(sold, 9);
        expect(Number(await opt.getAttribute('data-marginal'))).toBeCloseTo(0.02 + 0.01 * sold, 9);
        expect(await page.locator('#agent-curve-svg line.price').count()).toBe(1);
        const states = csvRows(join(dir, 'strategy_states.csv')).filter((r) => r.agent === g.owner && r.iteration === '3');
        expect(states.length).toBeGreaterThan(0);
        expect(await page.locator('#strategy-table tbody tr').count()).toBe(states.length);
        expect(await page.locator('#strategy-table tbody tr td:nth-child(3)').first().innerText()).toBe(states[0].state_json);

        // the map by peak loading (branches.csv), battery sites marked
        await page.locator('#map-colour').selectOption('peak');
        await ready(`3:12:00:720:${g.owner}`);
        await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#map-svg line.branch[data-loading]').length > 0, undefined, { timeout: 30_000 });
        expect(page.url()).toContain('colour=peak');
        const drawn = await page.locator('#map-svg line.branch[data-loading]').evaluateAll((ls) => ls.map((l) => [(l as any).dataset.branch as string, Number((l as any).dataset.loading), (l as any).getAttribute('stroke') as string] as const));
        const peaks = new Map(csvRows(join(dir, 'branches.csv')).filter((r) => r.iteration === '3' && r.peak_loading_pct !== '').map((r) => [r.branch, Number(r.peak_loading_pct)]));
        const onMap = new Set(run.map.lineNames);
        expect(drawn.length).toBe([...peaks.keys()].filter((b) => onMap.has(b)).length);
        for (const [b, pct, stroke] of drawn) {
          expect(pct, b).toBeCloseTo(peaks.get(b)!, 6);
          if (pct > 100) expect(stroke).toBe('#7a1fa2');
        }
        expect(drawn.some(([, pct]) => pct > 100), 'an overloaded service transformer shows').toBe(true);
        const sites = run.batteries.filter((b) => b.iteration === 3);
        const withCoords = new Set(run.map.buses.map((b) => b.name.toLowerCase()));
        expect(sites.length).toBeGreaterThan(0);
        expect(await page.locator('#map-svg rect.battery').count()).toBe(sites.filter((s) => withCoords.has(s.bus.toLowerCase())).length);
        expect(await page.locator('#map-note').innerText()).toMatch(/peak loading of iteration 3/);

        expect(requests.filter((u) => !u.startsWith(served.url))).toEqual([]);
        expect(errors).toEqual([]);
      });
    }, 180_000);
  });
});
