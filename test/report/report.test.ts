/**
 * report.html: one self-contained page (inline SVG, no script, no external reference) with every
 * plot and table; CSV per table; deterministic bytes; and, in headless Chromium, every plot drawn
 * with a non-zero size and no console error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReportHtml, writeReport } from '../../src/report/report.js';
import { tempDir } from '../helpers/temp.js';
import { smallReportData } from './fixture.js';

const PLOTS = ['merit-order', 'prices-volumes', 'energy-balance', 'voltage-heatmap', 'voltage-envelope', 'violation-map', 'reinforcement'];
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

  it('writes report.html and one CSV per table', async () => {
    const dir = tempDir('lemsim-report-');
    const data = smallReportData();
    await writeReport(dir, data);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
    for (const t of data.tables) {
      const csv = readFileSync(join(dir, `${t.id}.csv`), 'utf8').trim().split('\n');
      expect(csv[0]).toBe(t.columns.join(','));
      expect(csv).toHaveLength(1 + t.rows.length);
    }
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
});
