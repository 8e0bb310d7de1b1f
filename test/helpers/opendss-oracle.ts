/**
 * OpenDSS itself as a test oracle (`../shared/tools/opendss/dssrun.py`, the AltDSS engine driven
 * from Python). Tests that use it run only where it works (its Debian runtime libraries installed),
 * skip with the reason otherwise, and fail under LEMSIM_REQUIRE_SHARED=1 (DESIGN rule 12).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { hasShared, sharedPath } from '../../src/shared-data.js';
import { tempDir } from './temp.js';

const RUNNER = ['tools', 'opendss', 'dssrun.py'];

let usable: string | undefined | null = null;

/** Why the oracle cannot run here, or undefined when it can (checked once by solving a tiny circuit). */
export function oracleUnavailable(): string | undefined {
  if (usable !== null) return usable;
  if (!hasShared(...RUNNER)) usable = `OpenDSS oracle missing: ${sharedPath(...RUNNER)} (set LEMSIM_SHARED)`;
  else {
    const dir = tempDir('lemsim-oracle-');
    const f = join(dir, 'probe.dss');
    writeFileSync(f, 'clear\nnew circuit.probe basekv=12.47\nnew load.l bus1=sourcebus kw=1\n');
    const r = spawnSync('python3', [sharedPath(...RUNNER), 'classes', f], { encoding: 'utf8' });
    usable = r.status === 0 ? undefined : `OpenDSS oracle does not run here (runtime libraries libklu1 … not installed?): ${(r.stderr || r.error?.message || '').split('\n').slice(-2).join(' ')}`;
  }
  return usable;
}

/** `describe` that runs only when the oracle runs; skips with the reason (fails under LEMSIM_REQUIRE_SHARED=1). */
export function describeWithOracle(name: string, body: () => void): void {
  const why = oracleUnavailable();
  if (why === undefined) {
    describe(name, body);
    return;
  }
  if (process.env.LEMSIM_REQUIRE_SHARED === '1') {
    describe(name, () => {
      it('has the OpenDSS oracle it needs', () => {
        throw new Error(`${why}; LEMSIM_REQUIRE_SHARED=1 forbids skipping`);
      });
    });
  } else describe.skip(`${name} [skipped: ${why}]`, body);
}

export interface OracleSnapshot {
  /** v_volts and angle by "bus.node" (lower case) */
  readonly voltages: ReadonlyMap<string, { v: number; deg: number; pu: number | undefined }>;
  /** tap by "transformer.winding" (lower case) */
  readonly taps: ReadonlyMap<string, number>;
  readonly info: { converged: boolean; iterations: number; control_iterations: number };
}

/** Compiles `file` in OpenDSS, solves a snapshot (controls in static mode unless told), returns the solution. */
export function oracleSnapshot(file: string, args: readonly string[] = []): OracleSnapshot {
  const dir = tempDir('lemsim-oracle-');
  const out = join(dir, 'v.csv');
  const taps = join(dir, 'taps.csv');
  const r = spawnSync('python3', [sharedPath(...RUNNER), 'snapshot', file, '--out', out, '--taps-out', taps, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dssrun failed: ${r.stderr}`);
  const info = JSON.parse(r.stderr.trim().split('\n').pop()!);
  const voltages = new Map<string, { v: number; deg: number; pu: number | undefined }>();
  for (const line of readFileSync(out, 'utf8').trim().split('\n').slice(1)) {
    const [bus, node, v, deg, pu] = line.split(',');
    voltages.set(`${bus.toLowerCase()}.${node}`, { v: Number(v), deg: Number(deg), pu: pu === '' ? undefined : Number(pu) });
  }
  const tapMap = new Map<string, number>();
  for (const line of readFileSync(taps, 'utf8').trim().split('\n').slice(1)) {
    const [t, w, tap] = line.split(',');
    tapMap.set(`${t.toLowerCase()}.${w}`, Number(tap));
  }
  return { voltages, taps: tapMap, info };
}

/** Compiles `file`, runs OpenDSS commands in order, returns each command's result text. */
export function oracleCommands(file: string, commands: readonly string[]): string[] {
  const text = execFileSync('python3', [sharedPath(...RUNNER), 'cmd', file, ...commands], { encoding: 'utf8' });
  // output: "> cmd\nresult\n" per command
  const parts = text.split(/^> .*$/m).slice(1);
  return parts.map((p) => p.trim());
}
