/**
 * The report at 100,000 buses (issue 11 item 3: it crashed in Vega above about 1,000). The heatmap
 * becomes distance bands, the map is merged on a pixel grid, an envelope plot shows min/mean/max;
 * the page stays vector and bounded in size, and single-bus excursions survive the aggregation.
 * Bounded: one render of a 100k-bus, 120-step synthetic feeder (a few seconds).
 */
import { describe, expect, it } from 'vitest';
import { HEATMAP_BANDS, heatmapCells, voltageEnvelope } from '../../src/report/plots.js';
import { renderReportHtml } from '../../src/report/report.js';
import { combFeeder, OVER, UNDER } from '../../src/report/synthetic-feeder.js';
import { smallReportData } from './fixture.js';

describe('report at 100,000 buses', () => {
  const data = { ...smallReportData(), ...combFeeder(1000, 99, 120) };

  it('bands the heatmap by electrical distance and keeps the single-bus extremes', () => {
    expect(data.voltages.buses.length).toBe(100_000);
    const { cells, rows, banded, byDistance } = heatmapCells(data.voltages);
    expect(banded).toBe(true);
    expect(byDistance).toBe(true);
    expect(rows.length).toBe(HEATMAP_BANDS);
    // every bus in exactly one band, bands in distance order
    expect(rows.reduce((n, r) => n + r.members.length, 0)).toBe(100_000);
    const d = (i: number) => data.voltages.buses[i].distancePu!;
    for (let r = 1; r < rows.length; r++) expect(Math.min(...rows[r].members.map(d))).toBeGreaterThanOrEqual(Math.max(...rows[r - 1].members.map(d)));
    // the cell colour is the band mean, but its min and max keep the one-bus excursions
    const under = cells.find((c) => c.minuteStart <= UNDER.minute && UNDER.minute < c.minuteEnd && c.minPu < 0.9);
    const over = cells.find((c) => c.minuteStart <= OVER.minute && OVER.minute < c.minuteEnd && c.maxPu > 1.1);
    expect(under?.minPu).toBeCloseTo(UNDER.vPu, 6);
    expect(over?.maxPu).toBeCloseTo(OVER.vPu, 6);
    expect(under!.meanPu).toBeGreaterThan(0.9);
    expect(cells.filter((c) => c.minPu < 0.9 || c.maxPu > 1.1)).toHaveLength(2);
  });

  it('envelope: min, mean and max per step over every bus', () => {
    const env = voltageEnvelope(data.voltages);
    expect(env).toHaveLength(120);
    expect(env.find((p) => p.minute === UNDER.minute)?.minPu).toBeCloseTo(UNDER.vPu, 6);
    expect(env.find((p) => p.minute === OVER.minute)?.maxPu).toBeCloseTo(OVER.vPu, 6);
    for (const p of env) expect(p.minPu).toBeLessThanOrEqual(p.meanPu), expect(p.meanPu).toBeLessThanOrEqual(p.maxPu);
  });

  it('renders every plot as bounded inline SVG', async () => {
    const html = await renderReportHtml(data);
    const figures = [...html.matchAll(/<figure class="plot" id="plot-([a-z-]+)"[^>]*>([\s\S]*?)<\/figure>/g)];
    expect(figures.map((f) => f[1])).toContain('voltage-heatmap');
    for (const [, id, body] of figures) expect(/<svg[\s>]/.test(body), id).toBe(true);
    // no raster image: the pictures stay vector
    expect(/<image|data:image/.test(html)).toBe(false);
    // bounded by the drawing area, not the feeder (measured about 1.5 MB; 100k dots would be ~10 MB)
    expect(html.length).toBeLessThan(4_000_000);
    const map = figures.find((f) => f[1] === 'violation-map')![2];
    expect(/merged on a 4-pixel grid/.test(map)).toBe(true);
    const circles = (map.match(/<path[^>]*d="M[^"]*A/g) ?? []).length;
    expect(circles).toBeLessThan(20_000);
    // the one violating bus is still its own dot, with its count
    expect((map.match(/violations at bus: 3;/g) ?? []).length).toBe(1);
  }, 120_000);
});

describe('hops from the source (the heatmap bands order)', () => {
  it('counts branches breadth-first from the source bus', async () => {
    const { feederFromText } = await import('../helpers/dss.js');
    const { hopsFromSource } = await import('../../src/report/collect.js');
    //   src ─ a ─ b ─ c
    //         └─ d
    const f = feederFromText(
      [
        'New Circuit.t basekv=0.4 bus1=src',
        'New Line.l1 bus1=src bus2=a r1=0.1 x1=0.1 length=1',
        'New Line.l2 bus1=a bus2=b r1=0.1 x1=0.1 length=1',
        'New Line.l3 bus1=b bus2=c r1=0.1 x1=0.1 length=1',
        'New Line.l4 bus1=a bus2=d r1=0.1 x1=0.1 length=1',
      ].join('\n'),
    );
    const hops = hopsFromSource(f.network);
    const at = (bus: string) => hops[f.network.busIndex.get(bus)!];
    expect(['src', 'a', 'b', 'c', 'd'].map(at)).toEqual([0, 1, 2, 3, 2]);
  });
});
