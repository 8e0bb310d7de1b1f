/**
 * Memory bounded by what is written, not by the horizon (issue 11). Each benchmark runs the real
 * CLI command in a child process (so the figure is that command's own peak resident set) writing
 * into a temporary folder that is removed afterwards:
 * - mem-run-paper004-1s-24h: `lemsim run` on paper 004's S1 (IEEE European LV feeder, 55
 *   prosumers) over 00:00–24:00 with one power flow per second (86,400). Target ≤ 1.5 GB peak.
 * - mem-timeseries-10k-loads: `lemsim timeseries` of a synthetic radial 11 kV feeder the benchmark
 *   writes (10,000 buses, one load each, on a daily shape), minutes 0–1439 (1,440 steps). Target ≤ 1 GB.
 * Figures: peak_mb (the child's maxRSS), s (wall clock), the bytes written, the exit code.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasShared, sharedPath } from '../src/shared-data.js';
import type { Benchmark } from './bench.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** Runs `lemsim args…` in a child process; returns its exit code, stderr, peak RSS (MB) and seconds. */
function childRun(args: readonly string[]): { rc: number; err: string; peakMb: number; s: number } {
  const script = `import { main } from ${JSON.stringify(MAIN)};
const rc = await main(${JSON.stringify(args)}, { out: () => {}, err: (t) => process.stderr.write(t) });
process.stdout.write(JSON.stringify({ rc, maxrss_kb: process.resourceUsage().maxRSS }));`;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const out = JSON.parse(r.stdout || '{"rc":-1,"maxrss_kb":0}') as { rc: number; maxrss_kb: number };
  return { rc: out.rc, err: r.stderr.slice(0, 400), peakMb: Math.round(out.maxrss_kb / 102.4) / 10, s: Math.round(s * 10) / 10 };
}

function folderMb(dir: string): number {
  let bytes = 0;
  for (const n of readdirSync(dir)) bytes += statSync(join(dir, n)).size;
  return Math.round(bytes / 1e5) / 10;
}

const EULV = 'feeders/ieee-eulv/opendss/Master.dss';

export const memRunPaper004Second: Benchmark = {
  name: 'mem-run-paper004-1s-24h',
  async run() {
    if (!hasShared(EULV)) return { skipped: `missing ${sharedPath(EULV)}` };
    const dir = mkdtempSync(join(tmpdir(), 'lemsim-bench-'));
    try {
      const scenario = join(dir, 'paper004-s1-1s-24h.yaml');
      writeFileSync(
        scenario,
        [
          'name: paper004-s1-1s-24h',
          'seed: 4',
          `feeder: ${JSON.stringify(sharedPath(EULV))}`,
          'horizon: { from: "00:00", to: "24:00" }',
          'market: { mechanism: auction, period_min: 5, import_price: 0.10, export_price: 0.05, pricing: midpoint }',
          'power_flow: { step_s: 1 }',
          'solar: { latitude: 45.07, longitude: 14.60, date: "2019-06-01", utc_offset_h: 2 }',
          'prosumers: { loads: all, pv: { every: 4, offset: 0, kw: 4 }, strategy: { supply: { name: markup }, demand: { name: elastic-demand, params: { k: 4 } } } }',
          'limits: { v_min_pu: 0.9, v_max_pu: 1.1, nominal_v_pu: 1.05 }',
          'reinforcement: { enabled: false, max_iterations: 1 }',
          '',
        ].join('\n'),
      );
      const out = join(dir, 'out');
      const r = childRun(['run', scenario, '--out', out, '--log-level', 'silent', '--no-progress']);
      return { rc: r.rc, ...(r.rc === 0 ? {} : { stderr: r.err }), peak_mb: r.peakMb, target_mb: 1536, s: r.s, power_flows: 86_400, written_mb: r.rc === 0 || r.rc === 3 ? folderMb(out) : 0 };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/**
 * A synthetic radial 11 kV feeder: bus k (1…n) hangs from bus ⌊(k−1)/4⌋ (bus 0 is the source bus)
 * through 50 m of cable, and carries one 3-phase 1 kW load on a 24-point daily shape.
 */
export function syntheticFeederDss(n: number): string {
  const lines = [
    'New Circuit.synthetic basekv=11 pu=1.0 ISC3=20000 ISC1=15000',
    'New LineCode.mv nphases=3 r1=0.1 x1=0.08 r0=0.3 x0=0.25 c1=0 c0=0 units=km',
    `New LoadShape.day npts=24 interval=1 mult=[${Array.from({ length: 24 }, (_, h) => (0.5 + 0.4 * Math.sin(((h - 6) * Math.PI) / 12)).toFixed(3)).join(' ')}]`,
  ];
  const bus = (k: number) => (k === 0 ? 'sourcebus' : `b${k}`);
  for (let k = 1; k <= n; k++) {
    lines.push(`New Line.l${k} bus1=${bus(Math.floor((k - 1) / 4))} bus2=${bus(k)} linecode=mv length=50 units=m`);
    lines.push(`New Load.ld${k} bus1=${bus(k)} phases=3 kV=11 kW=1 pf=0.95 daily=day`);
  }
  lines.push('Set voltagebases=[11]', 'Calcvoltagebases', '');
  return lines.join('\n');
}

export const memTimeseries10k: Benchmark = {
  name: 'mem-timeseries-10k-loads',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'lemsim-bench-'));
    try {
      const dss = join(dir, 'synthetic-10k.dss');
      writeFileSync(dss, syntheticFeederDss(10_000));
      const out = join(dir, 'out');
      const r = childRun(['timeseries', dss, '--from', '0', '--to', '1439', '--step-min', '1', '--out', out]);
      return { rc: r.rc, ...(r.rc === 0 ? {} : { stderr: r.err }), peak_mb: r.peakMb, target_mb: 1024, s: r.s, loads: 10_000, steps: 1440, written_mb: r.rc === 0 || r.rc === 3 ? folderMb(out) : 0 };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
