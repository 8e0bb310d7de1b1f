/**
 * OpenDSS timed in the same run as lemsim (the machine is shared and noisy, so only ratios measured
 * together mean anything). Runs `../shared/tools/opendss/dssrun.py` and reads the timing JSON it
 * prints on stderr. Absent oracle (no shared folder, no python3, missing KLU runtime): `undefined`
 * with the reason, and the benchmark prints lemsim's figures alone.
 */
import { spawnSync } from 'node:child_process';
import { hasShared, sharedPath } from '../src/shared-data.js';

const RUNNER = 'tools/opendss/dssrun.py';

export type OracleTiming = { ok: true; timing: Record<string, unknown>; processS: number } | { ok: false; reason: string };

/** Runs dssrun.py with `args`; returns its timing JSON and the wall time of the whole process (s). */
export function runOpenDss(args: readonly string[]): OracleTiming {
  if (!hasShared(RUNNER)) return { ok: false, reason: `missing ${sharedPath(RUNNER)}` };
  const t0 = process.hrtime.bigint();
  const r = spawnSync('python3', [sharedPath(RUNNER), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const processS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) return { ok: false, reason: `python3: ${r.error.message}` };
  const lines = (r.stderr ?? '').trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  if (r.status !== 0 || !last.startsWith('{')) return { ok: false, reason: `dssrun.py exit ${r.status}: ${last.slice(0, 300)}` };
  return { ok: true, timing: JSON.parse(last) as Record<string, unknown>, processS };
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Rounds to 4 significant decimals of a second. */
export function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
