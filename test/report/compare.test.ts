/** lemsim compare: the cross-scenario page from two finished runs of the example scenario. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { projectDir } from '../../src/shared-data.js';
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
  });
});
