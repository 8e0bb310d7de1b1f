/**
 * report-100k: report.html of a 100,000-bus synthetic comb feeder (src/report/synthetic-feeder.ts)
 * with 120 one-minute sub-steps: render time, page size and peak memory. The heatmap is drawn in
 * distance bands and the map merged on a pixel grid, so the page size is bounded by the drawing
 * area. Figures only, no assertions.
 */
import { renderReportHtml } from '../src/report/report.js';
import { combFeeder } from '../src/report/synthetic-feeder.js';
import { type Benchmark, peakMb, secondsSince } from './bench.js';

export const report100k: Benchmark = {
  name: 'report-100k',
  async run() {
    const feeder = combFeeder(1000, 99, 120);
    const data = {
      title: 'report-100k',
      subtitle: 'synthetic comb feeder',
      tables: [],
      iterations: [{ iteration: 0, welfareEur: 0, violations: 2, batteryUnits: 0 }],
      periods: [],
      meritOrders: [],
      ...feeder,
      limits: { vMinPu: 0.9, vMaxPu: 1.1, nominalVPu: 1 },
    };
    const t = process.hrtime.bigint();
    const html = await renderReportHtml(data);
    return { buses: feeder.voltages.buses.length, steps: feeder.voltages.steps.length, render_s: Math.round(secondsSince(t) * 100) / 100, html_mb: Math.round((Buffer.byteLength(html) / 2 ** 20) * 100) / 100, peak_mb: peakMb() };
  },
};
