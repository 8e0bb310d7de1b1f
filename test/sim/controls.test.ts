/**
 * The market simulation on a feeder with a regulator: the grid operator solves every sub-step in
 * OpenDSS's static control mode, so an on-load tap changer at the substation raises the evening
 * voltages that the unregulated feeder lets sag (fewer undervoltages), and runs stay byte-identical.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { projectDir } from '../../src/shared-data.js';
import { tempDir } from '../helpers/temp.js';

const FEEDERS = join(projectDir(), 'scenarios', 'feeders');

function quiet() {
  return { out: () => undefined, err: () => undefined };
}

it('an on-load tap changer at the substation lifts the evening voltages of the example feeder', async () => {
  const dir = tempDir('lemsim-ltc-');
  const dss = readFileSync(join(FEEDERS, 'example-small.dss'), 'utf8');
  // 240 V phase voltage on PT ratio 2 → 120 V; hold 123 ± 1 V at the transformer's LV terminals
  const ltc = dss.replace('Set voltagebases', 'New RegControl.ltc transformer=tr winding=2 vreg=123 band=2 ptratio=2\nSet voltagebases');
  writeFileSync(join(dir, 'plain.dss'), dss);
  writeFileSync(join(dir, 'ltc.dss'), ltc);
  copyFileSync(join(FEEDERS, 'example-small-coords.csv'), join(dir, 'example-small-coords.csv'));
  const scenario = readFileSync(join(projectDir(), 'scenarios', 'example-small.yaml'), 'utf8').replace('max_iterations: 4', 'max_iterations: 1');
  const results: Record<string, { violations: number; minV: number }> = {};
  for (const name of ['plain', 'ltc', 'ltc2']) {
    const file = name === 'plain' ? 'plain.dss' : 'ltc.dss';
    writeFileSync(join(dir, `${name}.yaml`), scenario.replace('feeder: feeders/example-small.dss', `feeder: ${file}`));
    expect(await main(['run', join(dir, `${name}.yaml`), '--out', join(dir, name), '--log-level', 'silent', '--no-progress'], quiet())).toBe(0);
    const events = readFileSync(join(dir, name, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const solved = events.filter((e) => e.type === 'grid-solved' && e.iteration === 0);
    expect(solved.every((e) => e.payload.converged)).toBe(true);
    results[name] = {
      violations: events.filter((e) => e.type === 'violation-detected' && e.iteration === 0).length,
      minV: Math.min(...solved.map((e) => e.payload.minVPu)),
    };
  }
  expect(results.plain.violations).toBeGreaterThan(0);
  expect(results.ltc.minV).toBeGreaterThan(results.plain.minV + 0.01);
  expect(results.ltc.violations).toBeLessThan(results.plain.violations);
  // same scenario and seed, same bytes, controls included
  for (const f of ['events.jsonl', 'voltages.csv', 'summary.json']) expect(readFileSync(join(dir, 'ltc2', f), 'utf8'), f).toBe(readFileSync(join(dir, 'ltc', f), 'utf8').replaceAll('ltc.yaml', 'ltc2.yaml'));
});
