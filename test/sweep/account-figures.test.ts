/**
 * runs.csv carries what agents.csv and batteries.csv say, per group (issue 15: "for whom"): one run
 * of the small feeder with a battery at w2, through the built CLI. The folded figures must equal
 * the run's own files: group counts and savings summed from agents.csv, the battery's cycles and
 * final state of charge from its agents.csv row, its lowest and highest soc from batteries.csv.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseCsv } from '../../src/io/csv.js';
import { projectDir } from '../../src/shared-data.js';
import { tempDir } from '../helpers/temp.js';

const rows = (path: string) => {
  const [h, ...r] = [...parseCsv(readFileSync(path, 'utf8'))];
  return r.map((x) => Object.fromEntries(h.map((c, i) => [c, x[i]])));
};

it('folds agents.csv and batteries.csv of the final iteration into runs.csv', () => {
  const d = tempDir('lemsim-fold-');
  const file = join(d, 'sweep.yaml');
  writeFileSync(file, `base: ${join(projectDir(), 'scenarios', 'example-small.yaml')}\nvary:\n  batteries.initial: [[{ bus: w2, units: 1 }]]\n  reinforcement.max_iterations: [1]\nseeds: [3]\n`);
  const r = spawnSync(process.execPath, [join(projectDir(), 'bin', 'lemsim.js'), 'sweep', file, '--out', join(d, 'out'), '--workers', '1', '--no-report', '--no-progress'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const [run] = rows(join(d, 'out', 'runs.csv'));
  const id = readdirSync(join(d, 'out', 'runs')).find((n) => !n.startsWith('.'))!;
  const agents = rows(join(d, 'out', 'runs', id, 'agents.csv'));
  const batteries = rows(join(d, 'out', 'runs', id, 'batteries.csv'));
  const n = (k: string) => Number(run[k]);
  const bat = agents.filter((a) => a.kind === 'battery');
  expect(bat).toHaveLength(1);
  expect(n('agents.batteries.count')).toBe(1);
  expect(n('agents.sellers.count') + n('agents.buyers.count')).toBe(agents.filter((a) => a.kind === 'prosumer').length);
  expect(n('agents.sellers.count')).toBeGreaterThan(0);
  expect(n('agents.buyers.count')).toBeGreaterThan(0);
  const sum = (xs: typeof agents, k: string) => xs.reduce((t, a) => t + Number(a[k]), 0);
  const prosumers = agents.filter((a) => a.kind === 'prosumer');
  expect(n('agents.sellers.saving_eur') + n('agents.buyers.saving_eur')).toBeCloseTo(sum(prosumers, 'saving_eur'), 5);
  expect(n('agents.sellers.bought_kwh') + n('agents.buyers.bought_kwh')).toBeCloseTo(sum(prosumers, 'bought_kwh'), 5);
  expect(n('agents.batteries.saving_eur')).toBeCloseTo(Number(bat[0].saving_eur), 5);
  expect(n('agents.sellers.saving_eur_per_agent')).toBeCloseTo(n('agents.sellers.saving_eur') / n('agents.sellers.count'), 9);
  expect(n('batteries.cycles_mean')).toBeCloseTo(Number(bat[0].cycles), 5);
  expect(n('batteries.cycles_max')).toBeCloseTo(Number(bat[0].cycles), 5);
  expect(n('batteries.final_soc_mean')).toBeCloseTo(Number(bat[0].final_soc), 5);
  const socs = batteries.map((b) => Number(b.soc));
  expect(socs.length).toBeGreaterThan(0);
  expect(n('batteries.soc_min')).toBeCloseTo(Math.min(...socs), 5);
  expect(n('batteries.soc_max')).toBeCloseTo(Math.max(...socs), 5);
  // the battery did something, so the figures are not a trivially equal zero
  expect(Number(bat[0].cycles)).toBeGreaterThan(0);
}, 120_000);
