/**
 * The seeded cloud model (issue 13, agents/clouds.ts): its statistics against the chain's closed
 * forms over a bounded number of simulated days, its spatial correlation, the PV cap, and seeds in
 * whole runs (one seed repeats byte for byte, two seeds differ).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLOUD_STATES, CloudField, type CloudParams, DEFAULT_CLOUDS, cloudSeries, expectedIndex, feederWeight, stationaryShares } from '../../agents/clouds.js';
import type { ProsumerState } from '../../agents/prosumer.js';
import { meanProfileKw } from '../../agents/solar.js';
import { main } from '../../src/cli/main.js';
import { Rng } from '../../src/kernel/rng.js';
import { parseScenario } from '../../src/scenario.js';
import { projectDir } from '../../src/shared-data.js';
import { Simulation } from '../../src/sim/simulation.js';
import { tempDir } from '../helpers/temp.js';

const STREET = join(projectDir(), 'examples/feeders/street.dss');
const DAYS = 200;
const STEPS = DAYS * 1440;

/** Mean length of the complete spells of each state (the first and last, cut by the series' ends, left out). */
function spellMeans(state: Uint8Array): number[] {
  const sum = [0, 0, 0];
  const n = [0, 0, 0];
  let start = 0;
  for (let k = 1; k <= state.length; k++) {
    if (k < state.length && state[k] === state[start]) continue;
    if (start > 0 && k < state.length) {
      sum[state[start]] += k - start;
      n[state[start]]++;
    }
    start = k;
  }
  return sum.map((s, i) => s / n[i]);
}

describe('Markov-chain clear-sky index', () => {
  const { state, index } = cloudSeries(DEFAULT_CLOUDS, new Rng('clouds-test'), STEPS);

  it('the closed forms: shares ∝ (a·d_c, d_b, (1−a)·d_o), mean index Σ π·midpoint', () => {
    // hand-solved: a = 0.5, d = (180, 20, 60) → (90, 20, 30) / 140
    const pi = stationaryShares(DEFAULT_CLOUDS);
    expect(pi[0]).toBeCloseTo(90 / 140, 12);
    expect(pi[1]).toBeCloseTo(20 / 140, 12);
    expect(pi[2]).toBeCloseTo(30 / 140, 12);
    expect(expectedIndex(DEFAULT_CLOUDS)).toBeCloseTo((90 * 1 + 20 * 0.75 + 30 * 0.275) / 140, 12);
  });

  it(`over ${DAYS} days the mean index, state shares and spell lengths match the parameters`, () => {
    const mean = index.reduce((s, x) => s + x, 0) / STEPS;
    // spells of ~3 h: about 1,000 independent spells, standard error of the mean ≈ 0.01
    expect(Math.abs(mean - expectedIndex(DEFAULT_CLOUDS))).toBeLessThan(0.03);
    const pi = stationaryShares(DEFAULT_CLOUDS);
    for (let s = 0; s < 3; s++) {
      const share = state.reduce((c, x) => c + (x === s ? 1 : 0), 0) / STEPS;
      expect(Math.abs(share - pi[s])).toBeLessThan(0.03);
    }
    const spells = spellMeans(state);
    CLOUD_STATES.forEach((name, s) => {
      // geometric spells: the mean's standard error is d/√(number of spells), well under 5 %
      expect(Math.abs(spells[s] / DEFAULT_CLOUDS.states[name].meanDurationMin - 1)).toBeLessThan(0.08);
    });
    // the sky passes through broken cloud: no clear ↔ overcast step
    let jumps = 0;
    for (let k = 1; k < STEPS; k++) if (Math.abs(state[k] - state[k - 1]) > 1) jumps++;
    expect(jumps).toBe(0);
  });

  it('each step draws its index inside its state’s range', () => {
    let outside = 0;
    for (let k = 0; k < STEPS; k++) {
      const [lo, hi] = DEFAULT_CLOUDS.states[CLOUD_STATES[state[k]]].index;
      if (!(index[k] >= lo && index[k] <= hi)) outside++;
    }
    expect(outside).toBe(0);
  });

  it('spatial correlation: two systems correlate at r, r = 1 is one feeder-wide index', () => {
    const r = 0.6;
    const w = feederWeight(r);
    expect(w * w / (w * w + (1 - w) * (1 - w))).toBeCloseTo(r, 12);
    const field = new CloudField(5, { ...DEFAULT_CLOUDS, correlation: r }, 0, 24 * 60);
    const a: number[] = [];
    const b: number[] = [];
    for (let m = 0; m < 60 * 1440; m++) {
      a.push(field.indexAt('p-a', m / 60));
      b.push(field.indexAt('p-b', m / 60));
    }
    const mu = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
    const ma = mu(a);
    const mb = mu(b);
    let sab = 0;
    let saa = 0;
    let sbb = 0;
    for (let k = 0; k < a.length; k++) {
      sab += (a[k] - ma) * (b[k] - mb);
      saa += (a[k] - ma) ** 2;
      sbb += (b[k] - mb) ** 2;
    }
    expect(Math.abs(sab / Math.sqrt(saa * sbb) - r)).toBeLessThan(0.06);
    const one = new CloudField(5, DEFAULT_CLOUDS, 0, 24);
    for (let m = 0; m < 1440; m += 13) expect(one.indexAt('p-a', m / 60)).toBe(one.indexAt('p-b', m / 60));
  });

  it('the index never takes PV above its rating or below zero, even with strong enhancement', () => {
    const bright: CloudParams = { ...DEFAULT_CLOUDS, states: { clear: { meanDurationMin: 30, index: [1.8, 2] }, broken: { meanDurationMin: 10, index: [0, 2] }, overcast: { meanDurationMin: 30, index: [0, 0.1] } } };
    const field = new CloudField(9, bright, 0, 24);
    const profile = { kind: 'clear-sky' as const, site: { latitudeDeg: 45, longitudeDeg: 14.6, dayOfYear: 172, utcOffsetH: 2 }, derate: 1 };
    let capped = 0;
    for (let m = 0; m < 1440; m++) {
      const kw = meanProfileKw(profile, 5, m / 60, (m + 1) / 60, (h) => field.indexAt(undefined, h));
      expect(kw).toBeGreaterThanOrEqual(0);
      expect(kw).toBeLessThanOrEqual(5 + 1e-12);
      if (kw === 5) capped++;
    }
    expect(capped).toBeGreaterThan(0); // the cap was really reached, so the bound was tested
  });
});

function scenario(seed: number, clouds: Record<string, unknown> | undefined) {
  return parseScenario(
    {
      name: 'clouds',
      seed,
      feeder: STREET,
      horizon: { from: '09:00', to: '15:00' },
      market: { period_min: 15 },
      power_flow: { step_s: 900 },
      prosumers: { pv: { every: 2, kw: 5 } },
      ...(clouds ? { solar: { clouds } } : {}),
      reinforcement: { enabled: false, max_iterations: 1 },
    },
    'clouds.test',
  );
}

describe('clouds in a run', () => {
  it('prosumers’ PV is the clear-sky PV times the index: below it on average, at most the rating', async () => {
    const clear = await Simulation.create({ file: 'clouds.test', scenario: scenario(3, undefined), feederPath: STREET });
    const cloudy = await Simulation.create({ file: 'clouds.test', scenario: scenario(3, { model: 'markov', spatial: { correlation: 0.5 } }), feederPath: STREET });
    const a = clear.world.forecast.pvKw(5, 'p-house1');
    const b = cloudy.world.forecast.pvKw(5, 'p-house1');
    const c = cloudy.world.forecast.pvKw(5, 'p-house3');
    expect(Array.from(b)).not.toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(b)); // decorrelated systems see their own sky
    for (let k = 0; k < a.length; k++) {
      expect(b[k]).toBeGreaterThanOrEqual(0);
      expect(b[k]).toBeLessThanOrEqual(5);
    }
    expect(b.reduce((s, x) => s + x, 0)).toBeLessThan(a.reduce((s, x) => s + x, 0) * 1.01);
    // the agent bids what its sky gives
    cloudy.run();
    const st = cloudy.agent('p-house1')!.state as ProsumerState;
    expect(st.pvAvailableKw).toBeCloseTo(b[b.length - 1], 12);
  });

  it('over a multi-day horizon the sky goes on: clear sky nearly repeats day to day, the cloudy index does not', async () => {
    const two = (clouds: Record<string, unknown> | undefined) =>
      Simulation.create({ file: 'clouds.test', scenario: parseScenario({ ...scenario(8, clouds), horizon: { from: '00:00', to: '2+00:00' }, market: { period_min: 60 }, power_flow: { step_s: 3600 } }, 'clouds.test'), feederPath: STREET });
    const clear = (await two(undefined)).world.forecast.pvKw(5);
    const cloudy = (await two({ model: 'markov' })).world.forecast.pvKw(5);
    expect(clear.length).toBe(48);
    // the sun moves on by a day (declination), so clear sky nearly repeats; the index of each hour is new
    const ratio = (h: number) => cloudy[h] / clear[h];
    let differ = 0;
    for (let h = 9; h < 16; h++) {
      expect(Math.abs(clear[h + 24] / clear[h] - 1)).toBeLessThan(0.01);
      if (Math.abs(ratio(h + 24) - ratio(h)) > 1e-3) differ++;
    }
    expect(differ).toBeGreaterThan(3);
    for (let h = 0; h < 48; h++) expect(cloudy[h]).toBeLessThanOrEqual(5);
  });

  it('bad cloud settings are located scenario errors', () => {
    expect(() => parseScenario({ feeder: STREET, solar: { profile: 'pv.csv', clouds: { model: 'markov' } } }, 'x.yaml')).toThrow(/solar\.clouds: applies to the clear-sky profile/);
    expect(() => parseScenario({ feeder: STREET, solar: { clouds: { model: 'markov', states: { broken: { index: [0.9, 0.2] } } } } }, 'x.yaml')).toThrow(/solar\.clouds\.states\.broken\.index/);
    expect(() => parseScenario({ feeder: STREET, solar: { clouds: { model: 'markov', step_min: 30 } } }, 'x.yaml')).toThrow(/solar\.clouds\.states\.broken\.mean_duration_min: must be at least step_min/);
    expect(() => parseScenario({ feeder: STREET, solar: { clouds: { model: 'ar1' } } }, 'x.yaml')).toThrow(/solar\.clouds\.model/);
  });

  it('one seed gives byte-identical run files; two seeds differ', async () => {
    const dir = tempDir();
    const run = async (seed: number, out: string) => {
      const f = join(dir, `${out}.json`);
      writeFileSync(f, JSON.stringify({ ...scenario(seed, { model: 'markov', spatial: { correlation: 0.7 } }), feeder: STREET }));
      expect(await main(['run', f, '--out', join(dir, out), '--no-progress', '--log-level', 'silent', '--no-report'], { out: () => {}, err: () => {} })).toBe(0);
      return ['market.csv', 'voltages.csv', 'events.jsonl', 'summary.json'].map((name) => readFileSync(join(dir, out, name), 'utf8').replace(/"scenario":\s*\{[\s\S]*$/, ''));
    };
    const a = await run(1, 'a');
    const b = await run(1, 'b');
    const c = await run(2, 'c');
    expect(b).toEqual(a);
    expect(c[0]).not.toEqual(a[0]);
  });
});
