/**
 * Community managers' offers in the inspector (issue 16: "the inspector shows the managers'
 * curves"): paper000-cs2-export-margin (managers clear the hourly inter-community market; c2's
 * manager keeps a markup on exports, the others are truthful). Needs ../shared's Costa Rica feeder.
 *
 * From the API: every manager has one offer per period, equal to the curve and terms it published
 * on the bus (events.jsonl), and its community's cleared point — communities.csv's price and net
 * import — lies on that curve (within the offer's own range at that price: the clearing honoured
 * the offer). In headless Chromium: a deep link to c2's manager at 12:00 draws its offer as one
 * polyline through every price of the curve and the cleared point at communities.csv's net
 * import, and names the export margin; no console error; every request on the inspector's server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { curveAt } from '../../markets/community/managers.js';
import { main } from '../../src/cli/main.js';
import { parseCsv } from '../../src/io/csv.js';
import { type InspectedRun, inspectRun } from '../../src/inspect/run-data.js';
import { apiResponse } from '../../src/inspect/server.js';
import { projectDir } from '../../src/shared-data.js';
import { CHROMIUM, describeInBrowser, haveChromium, withChromium } from '../helpers/browser.js';
import { describeWithShared } from '../helpers/shared.js';
import { tempDir } from '../helpers/temp.js';

function csvRows(file: string): Record<string, string>[] {
  const [head, ...body] = [...parseCsv(readFileSync(file, 'utf8'))].filter((r) => r.length > 1);
  return body.map((r) => Object.fromEntries(head.map((h, k) => [h, r[k]])));
}

interface OfferBody {
  community: string;
  pricesEurPerKwh: number[];
  lowKw: number[];
  highKw: number[];
  exportMarginEurPerKwh: number;
  maxGridImportKw: number | null;
  clearedPriceEurPerKwh: number | null;
  clearedNetImportKw: number | null;
}

describeWithShared('managers’ offers in the inspector (paper000-cs2-export-margin)', ['feeders/costa-rica-mar/Master.dss'], () => {
  let dir: string;
  let run: InspectedRun;
  let communities: Record<string, string>[];
  beforeAll(async () => {
    dir = join(tempDir('lemsim-inspect-managers-'), 'run');
    const c = { err: '' };
    const code = await main(['run', join(projectDir(), 'scenarios/paper000-cs2-export-margin.yaml'), '--out', dir, '--log-level', 'silent'], { out: () => undefined, err: (t) => void (c.err += t) });
    expect(code, c.err).toBe(0);
    run = inspectRun(dir);
    communities = csvRows(join(dir, 'communities.csv'));
  }, 300_000);

  it('gives each manager its published offer per period, and the cleared point lies on it', () => {
    const published = new Map<string, { curve: { pricesEurPerKwh: number[]; lowKw: number[]; highKw: number[] }; exportMarginEurPerKwh: number }>();
    for (const line of readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n')) {
      if (!line.includes('"community-offer"')) continue;
      const e = JSON.parse(line);
      published.set(`${e.payload.agent}|${e.iteration}:${e.payload.period}`, e.payload.bid.offer);
    }
    expect(published.size).toBeGreaterThan(0);
    const managers = [...new Set([...published.keys()].map((k) => k.split('|')[0]))].sort();
    expect(managers).toEqual(['cm-c1', 'cm-c2', 'cm-c3', 'cm-c4', 'cm-c5']);
    let checked = 0;
    for (const id of managers) {
      const body = apiResponse(run, new URL(`http://x/api/agent?id=${id}`))!.body as { offers: Record<string, OfferBody> };
      const mine = [...published.keys()].filter((k) => k.startsWith(`${id}|`));
      expect(Object.keys(body.offers).sort()).toEqual(mine.map((k) => k.split('|')[1]).sort());
      for (const [key, o] of Object.entries(body.offers)) {
        const pub = published.get(`${id}|${key}`)!;
        expect(o.pricesEurPerKwh).toEqual(pub.curve.pricesEurPerKwh);
        expect(o.lowKw).toEqual(pub.curve.lowKw);
        expect(o.highKw).toEqual(pub.curve.highKw);
        expect(o.exportMarginEurPerKwh).toBe(pub.exportMarginEurPerKwh);
        const p = run.periods.find((x) => `${x.iteration}:${x.period}` === key)!;
        const row = communities.find((r) => Number(r.iteration) === p.iteration && r.period === p.label && r.community === o.community)!;
        expect(o.clearedPriceEurPerKwh).toBe(Number(row.price_eur_per_kwh));
        expect(o.clearedNetImportKw).toBe(Number(row.net_import_kw));
        // the community's net import at its internal price is within what its manager offered there;
        // communities.csv rounds both to 6 decimals, so the price is known to ±5e-7 (the curve falls
        // with the price: its range over that interval) and the kW to ±5e-7
        const half = 5e-7;
        const lowest = curveAt(pub.curve, o.clearedPriceEurPerKwh! + half).low;
        const highest = curveAt(pub.curve, o.clearedPriceEurPerKwh! - half).high;
        expect(o.clearedNetImportKw!, `${id} ${key}`).toBeGreaterThanOrEqual(lowest - half - 1e-9);
        expect(o.clearedNetImportKw!, `${id} ${key}`).toBeLessThanOrEqual(highest + half + 1e-9);
        checked++;
      }
    }
    expect(checked).toBe(published.size);
    // c2's manager bids with its margin, the others truthfully
    const c2 = Object.values((apiResponse(run, new URL('http://x/api/agent?id=cm-c2'))!.body as { offers: Record<string, OfferBody> }).offers);
    expect(c2.every((o) => o.exportMarginEurPerKwh === 0.005)).toBe(true);
  });

  describeInBrowser(() => run, (served) => {

    it('draws c2’s manager’s offer at 12:00 with its cleared point', async () => {
      expect(haveChromium, `${CHROMIUM} is required when CI is set (.ci/run installs it)`).toBe(true);
      const p = run.periods.find((x) => x.label === '12:00')!;
      const body = apiResponse(run, new URL('http://x/api/agent?id=cm-c2'))!.body as { offers: Record<string, OfferBody> };
      const o = body.offers[`${p.iteration}:${p.period}`];
      expect(o.pricesEurPerKwh.length).toBeGreaterThan(0);
      const row = communities.find((r) => Number(r.iteration) === p.iteration && r.period === '12:00' && r.community === 'c2')!;
      await withChromium(async ({ page, errors, requests, ready }) => {
        await page.goto(`${served.url}?it=${p.iteration}&period=12:00&agent=cm-c2`);
        await ready(`${p.iteration}:12:00:${p.startMinute}:cm-c2`);
        const curve = page.locator('#agent-offer-svg polyline.offer-curve');
        expect(await curve.count()).toBe(1);
        expect(Number(await curve.getAttribute('data-points'))).toBe(o.pricesEurPerKwh.length);
        // two points per price plus the two ends beyond them
        expect((await curve.getAttribute('points'))!.trim().split(/\s+/)).toHaveLength(2 * o.pricesEurPerKwh.length + 2);
        const cleared = page.locator('#agent-offer-svg circle.offer-cleared');
        expect(Number(await cleared.getAttribute('data-kw'))).toBe(Number(row.net_import_kw));
        expect(Number(await cleared.getAttribute('data-price'))).toBe(Number(row.price_eur_per_kwh));
        expect(await page.locator('#agent-offer').innerText()).toContain('export margin 0.005');
        expect(errors).toEqual([]);
        expect(requests.every((u) => u.startsWith(served.url))).toBe(true);
      });
    }, 120_000);
  });
});
