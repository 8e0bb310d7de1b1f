/**
 * Sweep files and overrides, in process: located errors for bad sweep files (naming the sweep file,
 * its line and the field, nothing written), the expansion of cartesian and zip sweeps, stable run
 * ids, and `lemsim run --set` giving the same run as the edited scenario file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { projectDir } from '../../src/shared-data.js';
import { withOverride } from '../../src/sweep/overrides.js';
import { loadSweep } from '../../src/sweep/spec.js';
import { tempDir } from '../helpers/temp.js';

const SMALL = join(projectDir(), 'scenarios', 'example-small.yaml');

function capture() {
  let out = '';
  let err = '';
  return { io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t) }, get out() { return out; }, get err() { return err; } };
}

function sweepFile(text: string): string {
  const d = tempDir('lemsim-sweepspec-');
  const f = join(d, 'sweep.yaml');
  writeFileSync(f, text);
  return f;
}

describe('sweep files', () => {
  it('expands a cartesian sweep: every combination crossed with every seed, in file order', () => {
    const s = loadSweep(sweepFile(`base: ${SMALL}\nvary:\n  prosumers.strategy.supply.name: [markup, srmc]\n  prosumers.pv.share: [0.1, 0.3, 0.5]\nseeds: 2\n`));
    expect(s.runs).toHaveLength(12);
    expect(s.runs.map((r) => [r.params.map(([, v]) => v), r.seed])[0]).toEqual([['markup', 0.1], 1]);
    expect(s.runs[11].params.map(([, v]) => v)).toEqual(['srmc', 0.5]);
    expect(s.runs[11].scenario.prosumers.pv.share).toBe(0.5);
    expect(s.runs[11].scenario.prosumers.strategy.supply.name).toBe('srmc');
    expect(new Set(s.runs.map((r) => r.id)).size).toBe(12);
  });

  it('zips lists of equal length and crosses the seed list', () => {
    const s = loadSweep(sweepFile(`base: ${SMALL}\nmode: zip\nvary:\n  prosumers.strategy.supply.name: [markup, srmc]\n  prosumers.pv.share: [0.1, 0.3]\nseeds: [5, 9]\n`));
    expect(s.runs.map((r) => [...r.params.map(([, v]) => v), r.seed])).toEqual([['markup', 0.1, 5], ['markup', 0.1, 9], ['srmc', 0.3, 5], ['srmc', 0.3, 9]]);
  });

  it('takes an inline base, and run ids are stable and follow the resolved scenario', () => {
    const base = readFileSync(SMALL, 'utf8').replace(/^/gm, '  ').replace('feeders/', `${join(projectDir(), 'scenarios')}/feeders/`);
    const f = sweepFile(`base:\n${base}\nseeds: [1, 2]\n`);
    const a = loadSweep(f);
    const b = loadSweep(f);
    expect(a.runs.map((r) => r.id)).toEqual(b.runs.map((r) => r.id));
    expect(a.runs[0].id).not.toBe(a.runs[1].id);
    expect(a.runs[0].id).toMatch(/^[0-9a-f]{16}$/);
  });

  const bad: [string, string, RegExp][] = [
    ['an unknown key', `base: ${SMALL}\nvarry: {}\n`, /sweep\.yaml:2: varry: unknown key/],
    ['a field the scenario does not have', `base: ${SMALL}\nvary:\n  prosumers.pvv.share: [0.1]\n`, /sweep\.yaml:3: vary\.prosumers\.pvv\.share\[0\] \(0\.1\): prosumers: Unrecognized key.*pvv/],
    ['a value out of range', `base: ${SMALL}\nvary:\n  prosumers.pv.share:\n    - 0.2\n    - 1.5\n`, /sweep\.yaml:5: vary\.prosumers\.pv\.share\[1\] \(1\.5\): prosumers\.pv\.share: Too big/],
    ['a path through a number', `base: ${SMALL}\nvary:\n  seed.x: [1]\n`, /sweep\.yaml:3: vary\.seed\.x: seed is 7, not an object/],
    ['a value that is not a list', `base: ${SMALL}\nvary:\n  prosumers.pv.share: 0.3\n`, /vary\.prosumers\.pv\.share: expected a non-empty list/],
    ['zip lists of unequal length', `base: ${SMALL}\nmode: zip\nvary:\n  prosumers.pv.share: [0.1, 0.2]\n  prosumers.strategy.supply.name: [srmc]\n`, /vary\.prosumers\.strategy\.supply\.name: zip mode needs lists of equal length/],
    ['a missing base file', `base: nowhere.yaml\n`, /sweep\.yaml:1: base: scenario file '.*nowhere\.yaml' does not exist/],
    ['a bad seed count', `base: ${SMALL}\nseeds: 0\n`, /seeds: a count of seeds is a whole number/],
    ['a repeated value', `base: ${SMALL}\nvary:\n  prosumers.pv.share: [0.1, 0.1]\n`, /vary\.prosumers\.pv\.share\[1\]: 0\.1 is listed twice/],
    ['an unknown mode', `base: ${SMALL}\nmode: random\n`, /sweep\.yaml:2: mode: expected cartesian or zip/],
    ['a YAML syntax error', `base: ${SMALL}\nvary: [\n`, /sweep\.yaml:\d+: YAML syntax/],
  ];
  for (const [what, text, message] of bad) {
    it(`rejects ${what} with a located error, writing nothing`, async () => {
      const f = sweepFile(text);
      const out = join(tempDir('lemsim-sweepout-'), 'out');
      const c = capture();
      expect(await main(['sweep', f, '--out', out, '--workers', '1'], c.io)).toBe(1);
      expect(c.err).toMatch(message);
      expect(c.err).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    });
  }
});

describe('sweep references and options', () => {
  it('rejects an unknown strategy name before anything runs, naming the run and the field', async () => {
    const f = sweepFile(`base: ${SMALL}\nvary:\n  prosumers.strategy.supply.name: [srmc, no-such-strategy]\n`);
    const out = join(tempDir('lemsim-sweepout-'), 'out');
    const c = capture();
    expect(await main(['sweep', f, '--out', out, '--workers', '1'], c.io)).toBe(1);
    expect(c.err).toMatch(/sweep\.yaml: run \(prosumers\.strategy\.supply\.name=no-such-strategy, seed=7\): prosumers\.strategy\.supply\.name: unknown strategy 'no-such-strategy'/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses bad --workers and --queue values and a folder lemsim did not write', async () => {
    const f = sweepFile(`base: ${SMALL}\n`);
    const d = tempDir('lemsim-sweepout-');
    const c1 = capture();
    expect(await main(['sweep', f, '--out', join(d, 'o'), '--workers', '0'], c1.io)).toBe(2);
    expect(c1.err).toMatch(/--workers expects a whole number of at least 1, got '0'/);
    const c2 = capture();
    expect(await main(['sweep', f, '--out', join(d, 'o'), '--queue', 'http://localhost'], c2.io)).toBe(2);
    expect(c2.err).toMatch(/--queue expects redis:\/\/HOST:PORT\/DB/);
    writeFileSync(join(d, 'mine.txt'), 'a user file');
    const c3 = capture();
    expect(await main(['sweep', f, '--out', d, '--workers', '1'], c3.io)).toBe(1);
    expect(c3.err).toMatch(/is not empty and is not a lemsim sweep folder/);
    expect(readFileSync(join(d, 'mine.txt'), 'utf8')).toBe('a user file');
    const c5 = capture();
    expect(await main(['sweep', f, '--out', join(d, 'q'), '--queue', 'redis://127.0.0.1:1/0'], c5.io)).toBe(1);
    expect(c5.err).toMatch(/--queue redis:\/\/127\.0\.0\.1:1\/0: Redis does not answer/);
    expect(existsSync(join(d, 'q'))).toBe(false);
    const c4 = capture();
    expect(await main(['worker', '--queue', 'redis://host/abc'], c4.io)).toBe(2);
    expect(c4.err).toMatch(/the database is a number/);
  });
});

describe('overrides', () => {
  it('sets nested fields on a copy, creating objects on the way, and refuses to walk through a value', () => {
    const raw = { a: { b: 1 }, l: [{ x: 1 }] };
    expect(withOverride(raw, 'a.c.d', 2)).toEqual({ a: { b: 1, c: { d: 2 } }, l: [{ x: 1 }] });
    expect(withOverride(raw, 'l.0.x', 5)).toEqual({ a: { b: 1 }, l: [{ x: 5 }] });
    expect(raw).toEqual({ a: { b: 1 }, l: [{ x: 1 }] });
    expect(() => withOverride(raw, 'a.b.c', 1)).toThrow(/a\.b is 1, not an object/);
    expect(() => withOverride(raw, 'a..b', 1)).toThrow(/not a field path/);
    expect(() => withOverride(raw, '__proto__.x', 1)).toThrow(/not a scenario field/);
  });

  it('lemsim run --set gives the run of the edited scenario file', async () => {
    const d = tempDir('lemsim-set-');
    const edited = join(d, 'edited.yaml');
    writeFileSync(edited, readFileSync(SMALL, 'utf8').replace('feeders/', `${join(projectDir(), 'scenarios')}/feeders/`).replace('pv: { every: 4, kw: 4 }', 'pv: { every: 4, kw: 4, share: 0.5 }').replace('max_iterations: 4', 'max_iterations: 1'));
    const c1 = capture();
    expect(await main(['run', SMALL, '--out', join(d, 'a'), '--no-report', '--no-progress', '--log-level', 'silent', '--set', 'prosumers.pv.share=0.5', '--set', 'reinforcement.max_iterations=1'], c1.io)).toBe(0);
    const c2 = capture();
    expect(await main(['run', edited, '--out', join(d, 'b'), '--no-report', '--no-progress', '--log-level', 'silent'], c2.io)).toBe(0);
    for (const f of ['market.csv', 'voltages.csv']) expect(readFileSync(join(d, 'a', f), 'utf8')).toBe(readFileSync(join(d, 'b', f), 'utf8'));
    const sa = JSON.parse(readFileSync(join(d, 'a', 'summary.json'), 'utf8'));
    const sb = JSON.parse(readFileSync(join(d, 'b', 'summary.json'), 'utf8'));
    expect(sa.provenance.scenario.prosumers.pv.share).toBe(0.5);
    expect(sa.final).toEqual(sb.final);
    // a bad --set value is a located error and writes nothing
    const c3 = capture();
    expect(await main(['run', SMALL, '--out', join(d, 'c'), '--set', 'prosumers.pv.share=2'], c3.io)).toBe(1);
    expect(c3.err).toMatch(/example-small\.yaml: prosumers\.pv\.share: Too big/);
    expect(existsSync(join(d, 'c'))).toBe(false);
    const c4 = capture();
    expect(await main(['run', SMALL, '--out', join(d, 'c'), '--set', 'noequals'], c4.io)).toBe(2);
    expect(c4.err).toMatch(/--set expects field\.path=value/);
  });
});
