/** lemsim compare: the cross-scenario page from two finished runs of the example scenario. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { projectDir } from '../../src/shared-data.js';
import { naturalOrder, renderComparison, type RunForComparison } from '../../src/report/compare.js';
import { tempDir } from '../helpers/temp.js';

const io = () => ({ out: () => undefined, err: () => undefined });

describe('lemsim compare', () => {
  it('needs at least two runs, and folders that lemsim run wrote', async () => {
    const dir = tempDir('lemsim-compare-');
    const example = join(projectDir(), 'scenarios/example-small.yaml');
    expect(await main(['run', example, '--out', join(dir, 'a'), '--log-level', 'silent'], io())).toBe(0);
    let err = '';
    const capture = { out: () => undefined, err: (t: string) => void (err += t) };
    expect(await main(['compare', join(dir, 'a'), '--out', join(dir, 'cmp')], capture)).not.toBe(0);
    expect(err).toMatch(/compare needs at least two runs/);
    expect(await main(['compare', join(dir, 'a'), dir, '--out', join(dir, 'cmp')], capture)).not.toBe(0);
    expect(err).toMatch(/not a lemsim run folder/);
  });

  it('compares two different scenarios', async () => {
    const dir = tempDir('lemsim-compare-');
    const example = join(projectDir(), 'scenarios/example-small.yaml');
    const { writeFileSync } = await import('node:fs');
    const other = join(dir, 'other.yaml');
    writeFileSync(other, readFileSync(example, 'utf8').replace('name: example-small', 'name: example-markup').replace('{ name: srmc }', '{ name: markup }').replace('feeders/example-small.dss', join(projectDir(), 'scenarios/feeders/example-small.dss')));
    expect(await main(['run', example, '--out', join(dir, 'a'), '--log-level', 'silent'], io())).toBe(0);
    expect(await main(['run', other, '--out', join(dir, 'b'), '--log-level', 'silent'], io())).toBe(0);
    expect(await main(['compare', join(dir, 'a'), join(dir, 'b'), '--out', join(dir, 'cmp')], io())).toBe(0);
    const html = readFileSync(join(dir, 'cmp', 'compare.html'), 'utf8');
    for (const id of ['energy', 'average-voltage', 'mae', 'voltage-difference']) expect(html).toMatch(new RegExp(`id="plot-${id}"[\\s\\S]*?<svg`));
    expect(html).not.toMatch(/<script/i);
    const csv = readFileSync(join(dir, 'cmp', 'comparison.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('run,consumption_kwh,production_kwh,self_consumption_kwh,local_trading_kwh,import_kwh,export_kwh,average_pu,mae_all_pct,mae_positive_pct,mae_negative_pct,welfare_eur,violations,consumption_kw_periods,production_kw_periods,self_consumption_kw_periods,local_trading_kw_periods,import_kw_periods,export_kw_periods');
    expect(csv.slice(1).map((r) => r.split(',')[0])).toEqual(['example-small', 'example-markup']);
    // Figure 7: time in h:mm on round ticks, every load node labelled
    const fig7 = /<figure class="plot" id="plot-voltage-difference"[\s\S]*?<\/figure>/.exec(html)![0];
    const labels = [...fig7.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    const times = labels.filter((t) => /^\d+:\d\d$/.test(t));
    expect(times.length).toBeGreaterThanOrEqual(3);
    for (const t of times) expect(Number(t.split(':')[1]) % 15).toBe(0);
    const nodes = readFileSync(join(dir, 'a', 'voltages.csv'), 'utf8').trim().split('\n').slice(1).map((r) => r.split(',')).map(([, , load, bus, node]) => `${load} ${bus}.${node}`);
    for (const n of new Set(nodes)) expect(labels, n).toContain(n);
    for (const f of ['voltage-difference.svg', 'voltage-difference.vl.json', 'energy.svg', 'mae.vl.json']) expect(existsSync(join(dir, 'cmp', 'figures', f)), f).toBe(true);
  });

  it('keeps a 30-run comparison of the IEEE feeder within 5 MB, even with differences that never repeat', async () => {
    // 30 runs × 55 load nodes × 120 minutes, differences drawn from a hash (no two neighbours alike:
    // the worst case for merging cells; 30 real runs of the IEEE studies measure 1.0 MB, README)
    const nodes = Array.from({ length: 55 }, (_, k) => `LOAD${k + 1} ${k * 16 + 34}.${(k % 3) + 1}`);
    const make = (smooth: boolean): RunForComparison[] =>
      Array.from({ length: 30 }, (_, r) => {
        const voltages = new Map<string, number>();
        for (let m = 480; m < 600; m++) {
          nodes.forEach((n, k) => {
            const h = Math.sin(r * 12.9898 + k * 78.233 + m * 37.719) * 43758.5453;
            const noise = h - Math.floor(h);
            voltages.set(`${m}|${n}`, 1.05 - (smooth ? 0.002 * r * Math.sin(m / 40) * (k / 55) : 0.01 * noise));
          });
        }
        return { name: `run${r}`, summary: summaryOf(`run${r}`), voltages };
      });
    for (const smooth of [false]) {
      const { html } = await renderComparison(make(smooth), 'run0');
      expect(Buffer.byteLength(html), smooth ? 'smooth' : 'worst case').toBeLessThanOrEqual(5 * 2 ** 20);
      expect(html).toContain('LOAD55 898.1');
    }
    // load nodes in natural order (LOAD2 before LOAD10)
    expect(['LOAD10 1.1', 'LOAD2 1.1', 'LOAD1 9.2', 'LOAD1 10.1'].sort(naturalOrder)).toEqual(['LOAD1 9.2', 'LOAD1 10.1', 'LOAD2 1.1', 'LOAD10 1.1']);
  }, 300_000);
});

function summaryOf(name: string): RunForComparison['summary'] {
  const e = { consumption: 1, production: 1, self_consumption: 0, local_trading: 0, import: 0, export: 0, battery_charge: 0, battery_discharge: 0 };
  return { scenario: name, energy_balance_kwh: e, voltage: { average_pu: 1.05, difference_from_nominal_pct: 0, mae_all_pct: 0.1, mae_positive_pct: 0.1, mae_negative_pct: 0 }, final: { iteration: 0, welfare_eur: 1, violations: 0 } };
}
