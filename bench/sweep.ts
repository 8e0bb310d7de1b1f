/**
 * sweep-30 (issue 15): examples/sweep-strategies.yaml — markup/SRMC × 5 PV shares × 3 seeds on
 * scenarios/paper004-s1.yaml, lean outputs — run by the CLI (`lemsim sweep`, as a user runs it) with
 * 1 and with 2 workers into fresh folders. Reports the wall time of each and the MB the sweep wrote
 * (its whole folder: run folders, tables, Parquet, report). Targets: ≤ 60 s with 2 workers, ≤ 50 MB.
 * Before: a shell loop over 30 `lemsim run` took 251 s and wrote 332 MB.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasShared, projectDir, sharedPath } from '../src/shared-data.js';
import { type Benchmark, secondsSince } from './bench.js';

const FEEDER = 'feeders/ieee-eulv/opendss/Master.dss';

function folderBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? folderBytes(p) : statSync(p).size;
  }
  return n;
}

export const sweep30: Benchmark = {
  name: 'sweep-30',
  async run() {
    if (!hasShared(FEEDER)) return { skipped: `missing ${sharedPath(FEEDER)}` };
    // the machine is shared: its load when the measurement starts says how much the times mean
    const figures: Record<string, unknown> = { runs: 30, load_avg_1min: Math.round(loadavg()[0] * 10) / 10 };
    for (const workers of [1, 2]) {
      const root = mkdtempSync(join(tmpdir(), 'lemsim-sweep30-'));
      try {
        const out = join(root, 'out');
        const t0 = process.hrtime.bigint();
        const r = spawnSync(process.execPath, [join(projectDir(), 'bin', 'lemsim.js'), 'sweep', join(projectDir(), 'examples', 'sweep-strategies.yaml'), '--out', out, '--workers', String(workers), '--no-progress'], { encoding: 'utf8' });
        const s = secondsSince(t0);
        if (r.status !== 0) throw new Error(`sweep failed (${r.status}): ${r.stderr.slice(-400)}`);
        figures[`s_${workers}_worker${workers > 1 ? 's' : ''}`] = Math.round(s * 100) / 100;
        figures.mb_written = Math.round((folderBytes(out) / 1e6) * 100) / 100;
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
    figures.target = '≤ 60 s with 2 workers, ≤ 50 MB';
    return figures;
  },
};
