/**
 * The paper studies' reports (issue 14, "Done when"): each within 1.5 MB, vector only, with a
 * readable voltage heatmap (many colours, centred on the scenario's nominal, buses ordered by
 * electrical distance) and a merit order for each chosen period of either mechanism (never
 * "nothing to draw"), and the figures/ files. Runs three studies end to end (the IEEE European LV
 * feeder with the auction, its SREF reference, the Costa Rica circuit with the day-ahead community
 * market); every study's size is measured in README.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { projectDir } from '../../src/shared-data.js';
import { describeWithShared } from '../helpers/shared.js';
import { tempDir } from '../helpers/temp.js';

export const MAX_STUDY_REPORT_BYTES = 1.5 * 2 ** 20;
const CHROMIUM = '/usr/bin/chromium';

/** The figure of `id` in a report page. */
const figure = (html: string, id: string): string => new RegExp(`<figure class="plot" id="plot-${id}"[^>]*>([\\s\\S]*?)</figure>`).exec(html)?.[1] ?? '';

/** Distinct fill colours of the heatmap cells (its rect marks). */
function heatmapFills(html: string): Set<string> {
  const heat = figure(html, 'voltage-heatmap');
  const rects = /<g class="mark-rect role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/.exec(heat)?.[1] ?? '';
  return new Set([...rects.matchAll(/fill="([^"]+)"/g)].map((m) => m[1]));
}

async function runStudy(name: string): Promise<string> {
  const out = join(tempDir('lemsim-study-'), name);
  const code = await main(['run', join(projectDir(), `scenarios/${name}.yaml`), '--out', out, '--log-level', 'silent', '--no-progress'], { out: () => undefined, err: () => undefined });
  expect(code, `${name} exit code`).toBe(0);
  return out;
}

function checkReport(out: string, name: string, mechanism: 'auction' | 'community'): string {
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  expect(Buffer.byteLength(html), `${name} report.html bytes`).toBeLessThanOrEqual(MAX_STUDY_REPORT_BYTES);
  expect(/<image|data:image/.test(html)).toBe(false);
  // a readable heatmap: many colours, not one
  expect(heatmapFills(html).size, `${name} heatmap colours`).toBeGreaterThanOrEqual(5);
  // merit orders of the default periods (middle, cheapest, dearest), each drawn
  const merits = [...html.matchAll(/<figure class="plot" id="plot-(merit-order-[0-9-]+)"/g)].map((m) => m[1]);
  expect(merits.length, `${name} merit orders`).toBeGreaterThanOrEqual(1);
  for (const id of merits) {
    expect(figure(html, id), id).toMatch(/<svg/);
    expect(figure(html, id)).toMatch(mechanism === 'auction' ? /Merit order, period/ : /Community market, period/);
  }
  expect(html).not.toMatch(/Nothing to draw/);
  const figures = readdirSync(join(out, 'figures'));
  for (const id of merits) expect(figures).toContain(`${id}.vl.json`);
  expect(figures).toContain('voltage-heatmap.svg');
  return html;
}

describeWithShared('paper studies: report size and content', ['feeders/ieee-eulv/opendss/Master.dss', 'feeders/costa-rica-mar/Master.dss'], () => {
  it('paper004-s1: heatmap centred on 1.05 pu, buses by electrical distance in bands', async () => {
    const out = await runStudy('paper004-s1');
    const html = checkReport(out, 'paper004-s1', 'auction');
    const spec = JSON.parse(readFileSync(join(out, 'figures', 'voltage-heatmap.vl.json'), 'utf8'));
    const bins: string[] = spec.layer[0].encoding.color.scale.domain;
    const nominal = bins.find((b) => b.includes('(nominal)'))!;
    const [lo, hi] = nominal.split(' ')[0].split('–').map(Number);
    expect((lo + hi) / 2).toBeCloseTo(1.05, 9);
    expect(bins).toContain('< 0.9 (below the limit)');
    expect(bins).toContain('≥ 1.1 (above the limit)');
    // the 907 buses of the IEEE feeder in distance bands, by impedance
    expect(figure(html, 'voltage-heatmap')).toMatch(/The 907 buses are ordered by electrical distance from the source/);
    expect(existsSync(join(out, 'figures', 'voltage-profile.svg'))).toBe(true);
    // and in the browser: the page opens without an error and the heatmap shows its colours
    if (existsSync(CHROMIUM)) {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`file://${join(out, 'report.html')}`);
        const fills = await page.locator('#plot-voltage-heatmap g.mark-rect path').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('fill')))]);
        expect(fills.length).toBeGreaterThanOrEqual(5);
        const box = await page.locator('#plot-voltage-heatmap svg').boundingBox();
        expect(box?.height ?? 0).toBeGreaterThan(300);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    }
  }, 300_000);

  it('paper004-sref: the price-taking demand drawn at the top edge of its merit order', async () => {
    const out = await runStudy('paper004-sref');
    const html = checkReport(out, 'paper004-sref', 'auction');
    expect(html).toMatch(/block\(s\) priced above [0-9.]+ EUR\/kWh \(price-taking demand\) are drawn at the top edge/);
    // SREF's passive demand: all of its consumption, at 10 EUR/kWh, kept out of the welfare the report shows
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const it0 = summary.iterations[0];
    expect(it0.passive_demand_kwh).toBeCloseTo(it0.energy_balance_kwh.consumption, 4);
    expect(it0.passive_demand_cap_value_eur).toBeCloseTo(10 * it0.passive_demand_kwh, 4);
    expect(summary.final.welfare_elastic_eur).toBeCloseTo(it0.welfare_eur - it0.passive_demand_cap_value_eur + it0.passive_demand_payment_eur, 5);
    expect(figure(html, 'reinforcement')).toMatch(/leaves out the price-taking demand/);
  }, 300_000);

  it('paper000-cs1: community market curves for the day-ahead market', async () => {
    const out = await runStudy('paper000-cs1');
    const html = checkReport(out, 'paper000-cs1', 'community');
    expect(html).toMatch(/batteries are drawn at their dispatched power/);
  }, 300_000);

  it('paper000-cs2: five communities, each with its curves', async () => {
    const out = await runStudy('paper000-cs2');
    const html = checkReport(out, 'paper000-cs2', 'community');
    const merit = figure(html, [...html.matchAll(/id="plot-(merit-order-[0-9-]+)"/g)][0][1]);
    for (const c of ['c1', 'c2', 'c3', 'c4', 'c5']) expect(merit).toMatch(new RegExp(`>${c} \\(\\d+ offers\\)<`));
  }, 300_000);
});
