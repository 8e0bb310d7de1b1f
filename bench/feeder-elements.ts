/**
 * Issues 12 and 13 in the simulation:
 * - sim-j1-feeder-elements: EPRI J1 (unmodified, with its 13 PVSystems, its regulators and capacitor
 *   controls) plus one Storage, 11:00–12:00 in 15-minute periods with a power flow every 5 minutes
 *   (12 solves), 1,385 prosumers, with the PVSystems and the Storage handed to the market
 *   (`feeder_pv: all`, `feeder_storage`); for reference the same run with the elements left to their
 *   own data (`run_without_handing_s`: not an overhead measure, since the market then has no PV sellers
 *   and clears another book).
 * - clouds-10k-forecast: the PV forecast of 10,000 systems under decorrelated clouds
 *   (`spatial.correlation: 0.8`), a day of 5-minute periods: each system's own sky and its 288 means.
 */
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CloudField, DEFAULT_CLOUDS } from '../agents/clouds.js';
import { Forecasts } from '../agents/forecast.js';
import type { Network } from '../grid/model/network.js';
import { parseScenario } from '../src/scenario.js';
import { hasShared, sharedPath } from '../src/shared-data.js';
import { Simulation } from '../src/sim/simulation.js';
import { type Benchmark, median, peakMb, secondsSince } from './bench.js';

const J1 = 'feeders/opendss-tests/EPRITestCircuits/epri_dpv/J1/Master_withPV.dss';

export const simJ1FeederElements: Benchmark = {
  name: 'sim-j1-feeder-elements',
  async run() {
    if (!hasShared(J1)) return { skipped: `missing ${sharedPath(J1)}` };
    const dir = mkdtempSync(join(tmpdir(), 'lemsim-bench-'));
    try {
      const feederPath = join(dir, 'master.dss');
      writeFileSync(feederPath, `Redirect "${sharedPath(J1)}"\nNew Storage.ess1 phases=3 bus1=X_5865228330A kV=0.416 kWrated=250 kWhrated=1000 %stored=50\n`);
      const time = async (handed: boolean) => {
        const scenario = parseScenario(
          {
            name: 'j1-bench',
            feeder: feederPath,
            horizon: { from: '11:00', to: '12:00' },
            market: { period_min: 15 },
            power_flow: { step_s: 300, tolerance: 1e-6 },
            prosumers: { pv: { kw: 0 }, ...(handed ? { feeder_pv: 'all' } : {}) },
            batteries: handed ? { feeder_storage: ['ess1'] } : {},
            limits: { check_lines: false },
            reinforcement: { enabled: false, max_iterations: 1 },
          },
          'bench',
        );
        const t0 = process.hrtime.bigint();
        const sim = await Simulation.create({ file: 'bench', scenario, feederPath });
        const setupS = secondsSince(t0);
        const t1 = process.hrtime.bigint();
        const [summary] = sim.run();
        return { setupS, runS: secondsSince(t1), solves: summary.gridSolves, nonConverged: summary.nonConvergedSteps, prosumers: sim.agents.filter((a) => a.kind.kind === 'prosumer').length };
      };
      const plain = [await time(false), await time(false)];
      const handed = [await time(true), await time(true)];
      const runPlain = median(plain.map((r) => r.runS));
      const runHanded = median(handed.map((r) => r.runS));
      const r3 = (x: number) => Math.round(x * 1000) / 1000;
      return {
        run_s: r3(runHanded),
        run_without_handing_s: r3(runPlain),
        setup_s: r3(median(handed.map((r) => r.setupS))),
        power_flows: handed[0].solves,
        non_converged: handed[0].nonConverged,
        prosumers: handed[0].prosumers,
        handed_pvsystems: 13,
        peak_mb: peakMb(),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export const clouds10kForecast: Benchmark = {
  name: 'clouds-10k-forecast',
  async run() {
    const periods = Array.from({ length: 288 }, (_, k) => ({ index: k, startS: k * 300, endS: (k + 1) * 300, label: '', iso: '' }));
    const profile = { kind: 'clear-sky' as const, site: { latitudeDeg: 45.07, longitudeDeg: 14.6, dayOfYear: 152, utcOffsetH: 2 }, derate: 0.85 };
    const runs: number[] = [];
    let energy = 0;
    for (let rep = 0; rep < 3; rep++) {
      const t0 = process.hrtime.bigint();
      const f = new Forecasts({ loads: [] } as unknown as Network, periods, profile, 1, [], new CloudField(rep + 1, { ...DEFAULT_CLOUDS, correlation: 0.8 }, 0, 24));
      energy = 0;
      for (let i = 0; i < 10_000; i++) energy += f.pvKw(4, `p-${i}`).reduce((s, x) => s + x, 0) / 12;
      runs.push(secondsSince(t0));
    }
    return { s: Math.round(median(runs) * 1000) / 1000, systems: 10_000, periods: 288, mean_kwh_per_system: Math.round((energy / 10_000) * 1000) / 1000, peak_mb: peakMb() };
  },
};
