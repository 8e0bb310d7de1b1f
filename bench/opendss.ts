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

/**
 * OpenDSS's CPU seconds beside its wall seconds for one timed `solve`: dssrun.py's engine class
 * driven from an inline Python script (the runner itself times wall clock only; on a shared
 * machine CPU time is the steadier figure). `setup` are OpenDSS commands run after the compile and
 * before the timed solve (mode, tolerance, controls). Returns {wallS, cpuS} or the reason.
 */
export function openDssSolveCpu(
  entry: string,
  setup: readonly string[],
): { ok: true; wallS: number; cpuS: number; compileS: number; processS: number } | { ok: false; reason: string } {
  if (!hasShared(RUNNER)) return { ok: false, reason: `missing ${sharedPath(RUNNER)}` };
  const script = [
    'import json, os, sys, time',
    'tool = os.path.dirname(sys.argv[1])',
    'sys.path.insert(0, tool)',
    'from dssrun import DSS',
    "d = DSS(os.path.join(tool, 'lib'))",
    't = time.perf_counter()',
    "d.cmd('compile \"%s\"' % sys.argv[2])",
    'compile_s = time.perf_counter() - t',
    'for c in json.loads(sys.argv[3]): d.cmd(c)',
    't0 = time.perf_counter(); c0 = time.process_time()',
    "d.cmd('solve')",
    'c1 = time.process_time(); t1 = time.perf_counter()',
    "print(json.dumps({'wall_s': t1 - t0, 'cpu_s': c1 - c0, 'compile_s': compile_s}))",
  ].join('\n');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('python3', ['-c', script, sharedPath(RUNNER), entry, JSON.stringify(setup)], { encoding: 'utf8', maxBuffer: 16 << 20 });
  const processS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) return { ok: false, reason: `python3: ${r.error.message}` };
  const out = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !out.startsWith('{')) return { ok: false, reason: `OpenDSS exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop()?.slice(0, 300)}` };
  const j = JSON.parse(out) as { wall_s: number; cpu_s: number; compile_s: number };
  return { ok: true, wallS: j.wall_s, cpuS: j.cpu_s, compileS: j.compile_s, processS };
}

/** Rounds to 4 significant decimals of a second. */
export function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
