/**
 * Seeded stochastic scenarios (issue 13): the seed drives PV placement (`pv.share`), PV sizes drawn
 * from a range, and multiplicative load noise. One seed repeats byte for byte; two seeds differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNoiseFactors, pvSizes } from '../../agents/pv-placement.js';
import type { ProsumerState } from '../../agents/prosumer.js';
import { main } from '../../src/cli/main.js';
import { parseScenario } from '../../src/scenario.js';
import { projectDir } from '../../src/shared-data.js';
import { Simulation } from '../../src/sim/simulation.js';
import { tempDir } from '../helpers/temp.js';

const STREET = join(projectDir(), 'examples/feeders/street.dss');
const ids = Array.from({ length: 12 }, (_, i) => `p-house${i + 1}`);

function scenario(seed: number, extra: Record<string, unknown> = {}) {
  return parseScenario(
    {
      name: 'stochastic',
      seed,
      feeder: STREET,
      horizon: { from: '10:00', to: '14:00' },
      market: { period_min: 15 },
      power_flow: { step_s: 900 },
      prosumers: { pv: { share: 0.5, kw: { min: 2, max: 6 } }, load_noise: { sigma: 0.2 } },
      reinforcement: { enabled: false, max_iterations: 1 },
      ...extra,
    },
    'stochastic.test',
  );
}

describe('seeded draws', () => {
  it('PV placement takes the share, sizes fall in the range, and both follow the seed', () => {
    const a = pvSizes(scenario(1), ids);
    expect(a.filter((kw) => kw > 0)).toHaveLength(6);
    for (const kw of a) if (kw > 0) expect(kw >= 2 && kw <= 6 && Math.abs(kw * 10 - Math.round(kw * 10)) < 1e-9).toBe(true);
    expect(pvSizes(scenario(1), ids)).toEqual(a);
    expect(pvSizes(scenario(2), ids)).not.toEqual(a);
    // the deterministic rule and a list of sizes
    const every = pvSizes(parseScenario({ feeder: STREET, prosumers: { pv: { every: 3, offset: 1, kw: [1, 2] } } }, 'x'), ids);
    expect(every).toEqual([0, 1, 0, 0, 2, 0, 0, 1, 0, 0, 2, 0]);
  });

  it('load noise has mean 1 and the requested spread, per agent stream', () => {
    const f = loadNoiseFactors(3, 'p-a', 0.1, 20_000);
    const mean = f.reduce((x, y) => x + y, 0) / f.length;
    const logs = Array.from(f, Math.log);
    const lm = logs.reduce((x, y) => x + y, 0) / logs.length;
    const sd = Math.sqrt(logs.reduce((x, y) => x + (y - lm) ** 2, 0) / logs.length);
    expect(Math.abs(mean - 1)).toBeLessThan(0.005);
    expect(Math.abs(sd - 0.1)).toBeLessThan(0.003);
    expect(loadNoiseFactors(3, 'p-b', 0.1, 5)).not.toEqual(loadNoiseFactors(3, 'p-a', 0.1, 5));
    expect(Array.from(loadNoiseFactors(3, 'p-a', 0, 3))).toEqual([1, 1, 1]);
  });

  it('the noise reaches the agents’ demand, not their forecast', async () => {
    const sim = await Simulation.create({ file: 'stochastic.test', scenario: scenario(4), feederPath: STREET });
    sim.run();
    const st = sim.agent('p-house2')!.state as ProsumerState;
    const last = sim.world.periods.length - 1;
    const shape = sim.world.forecast.demandKw(st.loadIndex)[last];
    expect(st.nominalDemandKw).toBeCloseTo(shape * st.loadNoise![last], 12);
    expect(st.nominalDemandKw).not.toBeCloseTo(shape, 6);
  });

  it('solar.profile is the short way to name a measured profile', () => {
    const s = parseScenario({ feeder: STREET, solar: { profile: 'pv.csv' } }, 'x');
    expect(s.solar.source).toBe('file');
    expect(s.solar.file).toBe('pv.csv');
    expect(() => parseScenario({ feeder: STREET, solar: { profile: 'a.csv', file: 'b.csv', source: 'file' } }, 'x')).toThrow(/solar\.profile: names another file/);
  });

  it('one seed gives byte-identical result files; another seed gives other ones', async () => {
    const dir = tempDir();
    const write = (seed: number) => {
      const f = join(dir, `s${seed}.yaml`);
      const text = readFileSync(join(projectDir(), 'examples/scenarios/street-plugins.yaml'), 'utf8')
        .replace('seed: 11', `seed: ${seed}`)
        .replace('feeder: ../feeders/street.dss', `feeder: ${JSON.stringify(STREET)}`)
        .replace(/plugins: \[.*\]/, `plugins: ${JSON.stringify(['time-of-use.mjs', 'peak-aware-battery.ts', 'learning-markup.mjs'].map((p) => join(projectDir(), 'examples/plugins', p)))}`)
        .replace('pv: { every: 3, kw: 4 }', 'pv: { share: 0.4, kw: { min: 2, max: 5 } }\n  load_noise: { sigma: 0.15 }');
      writeFileSync(f, text);
      return f;
    };
    const run = async (seed: number, out: string) => {
      expect(await main(['run', write(seed), '--out', join(dir, out), '--no-progress', '--log-level', 'silent', '--no-report'], { out: () => {}, err: () => {} })).toBe(0);
      return ['market.csv', 'voltages.csv', 'summary.json'].map((f) => readFileSync(join(dir, out, f), 'utf8').replace(/"scenario":\s*\{[\s\S]*$/, ''));
    };
    const a = await run(1, 'a');
    const b = await run(1, 'b');
    const c = await run(2, 'c');
    expect(b).toEqual(a);
    expect(c[0]).not.toEqual(a[0]);
  });
});
