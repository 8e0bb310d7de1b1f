/**
 * The direction examples/sweep-strategies.yaml reports (README, "Parameter sweeps"): on seed 004's
 * S1, bidding the short-run marginal cost gives more welfare than a markup, to sellers and to buyers
 * alike, at a low and a high PV share, and the gap widens with PV (measured on the full 30-run sweep:
 * total welfare 3.54 vs 2.80 EUR at 10 % PV, 9.93 vs 6.54 EUR at 50 %). Four runs, one seed, through
 * the built CLI; the test fails if the direction flips.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseCsv } from '../../src/io/csv.js';
import { projectDir } from '../../src/shared-data.js';
import { describeWithShared } from '../helpers/shared.js';
import { tempDir } from '../helpers/temp.js';

describeWithShared('markup or SRMC, at which PV share, for whom (paper004-s1)', ['feeders/ieee-eulv/opendss/Master.dss'], () => {
  it('SRMC beats markup for sellers and buyers at 10 % and 50 % PV, by more at 50 %', () => {
    const d = tempDir('lemsim-strategies-');
    const file = join(d, 'sweep.yaml');
    writeFileSync(file, `base: ${join(projectDir(), 'scenarios', 'paper004-s1.yaml')}\nvary:\n  prosumers.strategy.supply.name: [markup, srmc]\n  prosumers.pv.share: [0.1, 0.5]\nseeds: [1]\n`);
    const r = spawnSync(process.execPath, [join(projectDir(), 'bin', 'lemsim.js'), 'sweep', file, '--out', join(d, 'out'), '--workers', '2', '--no-report'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [header, ...rows] = [...parseCsv(readFileSync(join(d, 'out', 'runs.csv'), 'utf8'))];
    const col = (name: string) => header.indexOf(name);
    const get = (strategy: string, share: number, field: string) => Number(rows.find((x) => x[col('prosumers.strategy.supply.name')] === strategy && Number(x[col('prosumers.pv.share')]) === share)![col(field)]);
    for (const share of [0.1, 0.5]) {
      expect(get('srmc', share, 'welfare.sellers_eur')).toBeGreaterThan(get('markup', share, 'welfare.sellers_eur'));
      expect(get('srmc', share, 'welfare.buyers_eur')).toBeGreaterThan(get('markup', share, 'welfare.buyers_eur'));
    }
    const gap = (share: number) => get('srmc', share, 'final.welfare_eur') - get('markup', share, 'final.welfare_eur');
    expect(gap(0.5)).toBeGreaterThan(gap(0.1));
    // the agents' welfare is most of the total; the rest (market operator, grid) is reported apart
    for (const x of rows) expect(Math.abs(Number(x[col('welfare.rest_eur')]))).toBeLessThan(0.05 * Number(x[col('final.welfare_eur')]));
  }, 300_000);
});
