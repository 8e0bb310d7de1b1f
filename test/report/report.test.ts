/**
 * report.html: one self-contained page (inline SVG, no script, no external reference) with every
 * plot and table; CSV per table; `figures/` with each plot as a standalone SVG and a Vega-Lite v5
 * spec; deterministic bytes; and, in headless Chromium, every plot drawn with a non-zero size, the
 * heatmap centred on the nominal, the merit orders of the chosen periods with their block statuses,
 * legends that draw their dash samples, round-hour time ticks, the standalone figures opening on
 * their own, and no console error.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auctionSegments, heatmapColourScale, thresholdBin, timeTicks, voltageHeatmapPlot } from '../../src/report/plots.js';
import { renderReportHtml, writeReport } from '../../src/report/report.js';
import { thinSvg } from '../../src/report/render-svg.js';
import { tempDir } from '../helpers/temp.js';
import { auctionView, smallReportData } from './fixture.js';
import { vegaLiteV5Errors } from './vega-lite-schema.js';

const PLOTS = ['merit-order-08-10', 'merit-order-08-20', 'prices-volumes', 'energy-balance', 'voltage-heatmap', 'voltage-profile', 'voltage-envelope', 'violation-map', 'reinforcement'];
const CHROMIUM = '/usr/bin/chromium';

describe('report.html', () => {
  it('holds one inline SVG per plot and every table, and nothing external', async () => {
    const data = smallReportData();
    const html = await renderReportHtml(data);
    for (const id of PLOTS) {
      const m = new RegExp(`<figure class="plot" id="plot-${id}" data-plot="${id}">[\\s\\S]*?<svg[\\s\\S]*?</svg>[\\s\\S]*?</figure>`).exec(html);
      expect(m, `plot ${id} rendered as inline SVG`).not.toBeNull();
    }
    for (const t of data.tables) expect(html).toContain(`id="table-${t.id}"`);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)=["']?https?:/i);
    expect(html).not.toMatch(/<link[^>]+stylesheet/i);
    // text is escaped
    expect(html).not.toContain('<b>');
    // same data, same bytes
    expect(await renderReportHtml(smallReportData())).toBe(html);
  });

  it('writes report.html, one CSV per table, and figures/ with each plot as SVG and as a valid Vega-Lite v5 spec', async () => {
    const dir = tempDir('lemsim-report-');
    const data = smallReportData();
    await writeReport(dir, data);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
    for (const t of data.tables) {
      const csv = readFileSync(join(dir, `${t.id}.csv`), 'utf8').trim().split('\n');
      expect(csv[0]).toBe(t.columns.join(','));
      expect(csv).toHaveLength(1 + t.rows.length);
    }
    expect(readdirSync(join(dir, 'figures')).sort()).toEqual(PLOTS.flatMap((id) => [`${id}.svg`, `${id}.vl.json`]).sort());
    for (const id of PLOTS) {
      const svg = readFileSync(join(dir, 'figures', `${id}.svg`), 'utf8');
      expect(svg.startsWith('<?xml'), id).toBe(true);
      expect(svg).toMatch(/<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      const spec = JSON.parse(readFileSync(join(dir, 'figures', `${id}.vl.json`), 'utf8'));
      expect(spec.$schema).toBe('https://vega.github.io/schema/vega-lite/v5.json');
      expect(vegaLiteV5Errors(spec), id).toEqual([]);
    }
    // the validator does reject a broken spec (so the check above can fail)
    expect(vegaLiteV5Errors({ mark: 'no-such-mark', data: { values: [] } })).not.toEqual([]);
  }, 60_000);

  it('centres the heatmap colours on the nominal voltage and marks the limits', () => {
    const data = smallReportData();
    const plot = voltageHeatmapPlot(data);
    const spec = plot.spec as unknown as { data: { values: { label: string; bin: string; t0: number; beyond?: number }[] }; layer: { encoding: { color: { scale: { domain: string[]; range: string[] } } } }[] };
    const colour = spec.layer[0].encoding.color.scale;
    const colourOf = (bin: string) => colour.range[colour.domain.indexOf(bin)];
    // n2 sits at the nominal 1.05 pu: white; its 1.12 pu minute is beyond the limit, outlined and darkest red
    const n2 = spec.data.values.filter((c) => c.label === 'n2');
    expect(colourOf(n2.find((c) => c.t0 === 480)!.bin)).toBe('#f7f7f7');
    expect(n2.find((c) => c.t0 === 480)!.bin).toMatch(/\(nominal\)/);
    const over = n2.find((c) => c.t0 === 485)!;
    expect(over.bin).toBe('≥ 1.1 (above the limit)');
    expect(over.beyond).toBe(1);
    expect(spec.data.values.find((c) => c.label === 'n3' && c.t0 === 490)!.bin).toBe('< 0.9 (below the limit)');
    // the white band is centred on the nominal, not on 1 pu
    const s = heatmapColourScale([0.95, 1.05, 1.06], 1.05, 0.9, 1.1);
    const white = s.colours.indexOf('#f7f7f7');
    expect((s.thresholds[white - 1] + s.thresholds[white]) / 2).toBeCloseTo(1.05, 9);
    expect(s.thresholds[0]).toBe(0.9);
    expect(s.thresholds[s.thresholds.length - 1]).toBe(1.1);
    // one colour per interval, thresholds increasing, whatever the data and limits
    for (const [vals, n, lo, hi] of [[[1], 1, 0.95, 1.05], [[0.5, 1.5], 1, 0.95, 1.05], [[1.04], 1.05, 0.9, 1.1], [[0.96, 1.049], 1, 0.95, 1.05], [[1.0], 1.0, 0.999, 1.001]] as const) {
      const sc = heatmapColourScale(vals, n, lo, hi);
      expect(sc.colours).toHaveLength(sc.thresholds.length + 1);
      for (let k = 1; k < sc.thresholds.length; k++) expect(sc.thresholds[k]).toBeGreaterThan(sc.thresholds[k - 1]);
      expect(sc.colours).toContain('#f7f7f7');
    }
    // a feeder that moves ±0.3 % gets steps of 0.1 %, not one colour
    const small = heatmapColourScale([1.047, 1.05, 1.052], 1.05, 0.9, 1.1);
    expect(small.stepPu).toBe(0.001);
    expect(new Set([1.047, 1.05, 1.052].map((v) => thresholdBin(v, small.thresholds))).size).toBe(3);
    expect(plot.caption).toMatch(/ordered by hops/);
  });

  it('puts time ticks on round clock times', () => {
    expect(timeTicks(480, 600)).toEqual([480, 495, 510, 525, 540, 555, 570, 585, 600]);
    expect(timeTicks(0, 1440)).toEqual([0, 180, 360, 540, 720, 900, 1080, 1260, 1440]);
    expect(timeTicks(1020, 1200)).toEqual([1020, 1050, 1080, 1110, 1140, 1170, 1200]);
    for (const t of timeTicks(3, 1437)) expect(t % 60).toBe(0);
  });

  it('lays the auction book out in merit order with the grid orders merged at their prices', () => {
    const seg = auctionSegments(auctionView(), 1);
    const supply = seg.filter((x) => x.side === 'supply').map((x) => [x.label.split(' ')[0], x.x0, x.x1, x.status]);
    expect(supply).toEqual([
      ['s2', 0, 1, 'accepted'],
      ['s1', 1, 1.5, 'accepted'],
      // a block at the grid's price comes before the grid's order, as the clearing merges them
      ['s3', 1.5, 3.5, 'rejected'],
      ['grid', 3.5, 6.5, 'grid order'],
    ]);
    const demand = seg.filter((x) => x.side === 'demand').map((x) => [x.label.split(' ')[0], x.x0, x.x1, x.status]);
    expect(demand).toEqual([
      ['d2', 0, 1.5, 'accepted'],
      ['d1', 1.5, 2.5, 'accepted'],
      ['d3', 2.5, 3, 'paradoxically rejected'],
      ['grid', 3, 6.5, 'grid order'],
    ]);
  });

  it('thins the SVG without changing what it draws', () => {
    const svg =
      '<svg><g class="mark-rect role-mark marks"><path d="M0,0h5.333333v7h-5.333333Z" fill="#aaa"/><path d="M5.333333,0h5v7h-5Z" fill="#bbb"/><path d="M0,7h5v7h-5Z" fill="#aaa"/></g>' +
      '<g class="mark-rule role-mark marks"><line transform="translate(1.23456,2)" x2="3.5" y2="-1" stroke="#a0a0a0" stroke-width="1"/><line transform="translate(5,6)" x2="1" y2="1" stroke="#a0a0a0" stroke-width="1"/><line transform="translate(0,0)" x2="1" y2="1" stroke="#a0a0a0" stroke-dasharray="2,2"/></g>' +
      '<g class="mark-symbol role-mark marks"><path transform="translate(10,20)" d="M1.581,0A1.581,1.581,0,1,1,-1.581,0A1.581,1.581,0,1,1,1.581,0" fill="#707070"/><path transform="translate(12,20)" d="M1.581,0A1.581,1.581,0,1,1,-1.581,0A1.581,1.581,0,1,1,1.581,0" fill="#707070"/></g></svg>';
    expect(thinSvg(svg)).toBe(
      '<svg><g class="mark-rect role-mark marks"><path d="M0,0h5.33v7h-5.33ZM0,7h5v7h-5Z" fill="#aaa"/><path d="M5.33,0h5v7h-5Z" fill="#bbb"/></g>' +
        '<g class="mark-rule role-mark marks"><path d="M1.23,2l3.5,-1M5,6l1,1" stroke="#a0a0a0" stroke-width="1" fill="none"/><line transform="translate(0,0)" x2="1" y2="1" stroke="#a0a0a0" stroke-dasharray="2,2"/></g>' +
        '<g class="mark-symbol role-mark marks"><path d="M11.58,20a1.58,1.58,0,1,1,-3.16,0a1.58,1.58,0,1,1,3.16,0M13.58,20a1.58,1.58,0,1,1,-3.16,0a1.58,1.58,0,1,1,3.16,0" fill="#707070"/></g></svg>',
    );
  });
});

const haveChromium = existsSync(CHROMIUM);
const requireBrowser = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

describe.skipIf(!haveChromium && !requireBrowser)(`report.html in headless Chromium${haveChromium ? '' : ` [skipped: ${CHROMIUM} not installed]`}`, () => {
  it('draws every plot with a size and logs no console error', async () => {
    expect(haveChromium, `${CHROMIUM} is required when CI is set (.ci/run installs it)`).toBe(true);
    const { chromium } = await import('playwright-core');
    const dir = tempDir('lemsim-report-');
    await writeReport(dir, smallReportData());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${join(dir, 'report.html')}`);
      const sizes = await page.evaluate((ids) => ids.map((id) => {
        // runs in the page: the DOM is there, not in this project's TypeScript lib
        const doc = (globalThis as unknown as { document: { querySelector(q: string): { getBoundingClientRect(): { width: number; height: number } } | null } }).document;
        const svg = doc.querySelector(`#plot-${id} svg`);
        const r = svg?.getBoundingClientRect();
        return { id, w: r?.width ?? 0, h: r?.height ?? 0 };
      }), PLOTS);
      for (const s of sizes) {
        expect(s.w, `${s.id} width`).toBeGreaterThan(50);
        expect(s.h, `${s.id} height`).toBeGreaterThan(50);
      }
      expect(await page.locator('table').count()).toBe(smallReportData().tables.length);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('shows the heatmap centred on the nominal, the merit orders with their statuses, legends with samples, round ticks, and opens each figures/ SVG', async () => {
    const { chromium } = await import('playwright-core');
    const dir = tempDir('lemsim-report-');
    await writeReport(dir, smallReportData());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${join(dir, 'report.html')}`);
      // heatmap: the nominal's white is drawn, the legend names the nominal interval and both limits
      const heat = page.locator('#plot-voltage-heatmap');
      const fills = await heat.locator('g.mark-rect path').evaluateAll((els) => els.map((e) => e.getAttribute('fill')));
      expect(fills).toContain('#f7f7f7');
      const heatLegend = ((await heat.locator('g.role-legend').first().textContent()) ?? '').replace(/\s+/g, ' ');
      expect(heatLegend).toMatch(/nominal 1\.05/);
      expect(heatLegend).toMatch(/\(nominal\)/);
      expect(heatLegend).toMatch(/< 0\.9 \(below the limit\)/);
      expect(heatLegend).toMatch(/≥ 1\.1 \(above the limit\)/);
      // outlined cells beyond a limit: n2 at 1.12 pu and n3 at 0.88 pu
      expect(await heat.locator('g.mark-rect path[stroke="#000"]').count()).toBeGreaterThan(0);
      // merit order of the auction period: statuses in the legend, the clearing point labelled
      const auction = page.locator('#plot-merit-order-08-10');
      const legend = await auction.locator('g.role-legend-label text').allTextContents();
      for (const status of ['accepted', 'rejected', 'paradoxically rejected', 'grid order', 'supply', 'demand', 'marginal block']) expect(legend.join('\n')).toContain(status);
      expect(await auction.textContent()).toMatch(/cleared 2\.5 kW at 0\.075 EUR\/kWh/);
      // community market: one panel per community with its price
      const community = (await page.locator('#plot-merit-order-08-20').textContent()) ?? '';
      for (const text of ['c1 (3 offers)', 'c2 (2 offers)', 'λ = 0.1 EUR/kWh, imports 1 kW', 'λ = 0.05 EUR/kWh, exports 0.5 kW']) expect(community).toContain(text);
      // the iteration legend draws its dash samples: a visible stroke, dashed for the second iteration
      const samples = await page.locator('#plot-prices-volumes g.role-legend-symbol path').evaluateAll((els) =>
        els.map((e) => {
          const st = (globalThis as unknown as { getComputedStyle(e: unknown): { stroke: string; strokeDasharray: string } }).getComputedStyle(e);
          return { stroke: st.stroke, dash: st.strokeDasharray };
        }),
      );
      const strokes = samples.filter((x) => x.stroke !== 'none');
      expect(strokes.length).toBeGreaterThanOrEqual(2);
      expect(strokes.some((x) => x.dash !== 'none' && x.dash !== '1px, 0px')).toBe(true);
      // time ticks on round clock times
      const ticks = await page.locator('#plot-prices-volumes g.role-axis-label text').allTextContents();
      const times = ticks.filter((t) => /^\d+:\d\d$/.test(t));
      expect(times.length).toBeGreaterThanOrEqual(3);
      // the fixture's half hour: every 5 minutes from 8:00 (multiples of a step that divides the hour, never 8:03)
      const mins = times.map((t) => Number(t.split(':')[0]) * 60 + Number(t.split(':')[1]));
      const step = mins[1] - mins[0];
      expect(60 % step).toBe(0);
      for (const m of mins) expect(m % step).toBe(0);
      expect(errors).toEqual([]);
      // each standalone figure opens on its own and draws
      for (const f of readdirSync(join(dir, 'figures')).filter((n) => n.endsWith('.svg'))) {
        await page.goto(`file://${join(dir, 'figures', f)}`);
        const box = await page.locator('svg').first().boundingBox();
        expect(box?.width ?? 0, f).toBeGreaterThan(50);
        expect(box?.height ?? 0, f).toBeGreaterThan(50);
      }
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
