/**
 * OpenDSS as a test oracle (`../shared/tools/opendss/dssrun.py`, see its README): a test writes a
 * small circuit, both engines solve it, and every node is compared. Tests using it skip with a
 * visible reason when the tool or its runtime libraries are absent, and fail instead under
 * LEMSIM_REQUIRE_SHARED=1 (DESIGN rule 12).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { type Feeder, loadFeeder } from '../../grid/feeder.js';
import { PowerFlowState, newLoadPowers, setLoadPowersAt, type ShapeMode } from '../../grid/powerflow/solve.js';
import { hasShared, sharedPath } from '../../src/shared-data.js';
import { tempScripts } from './dss.js';

const RUNNER = 'tools/opendss/dssrun.py';

let probed: string | undefined | null = null;

/** Why the oracle cannot run here, or undefined when it can (probed once per test process). */
export function oracleMissing(): string | undefined {
  if (probed !== null) return probed;
  if (!hasShared(RUNNER)) {
    probed = `OpenDSS oracle missing: ${sharedPath(RUNNER)} (set LEMSIM_SHARED)`;
    return probed;
  }
  const dir = tempScripts({ 'probe.dss': 'Clear\nNew Circuit.probe basekv=1 bus1=a\nNew Load.l bus1=a kv=1 kw=1\n' });
  const r = spawnSync('python3', [sharedPath(RUNNER), 'snapshot', join(dir, 'probe.dss'), '--out', join(dir, 'v.csv')], { encoding: 'utf8' });
  probed = r.status === 0 ? undefined : `OpenDSS oracle cannot run (runtime libraries libklu1 libmetis5 … installed?): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return probed;
}

/** `describe` that runs only when the OpenDSS oracle works on this machine. */
export function describeWithOpenDss(name: string, body: () => void): void {
  const missing = oracleMissing();
  if (missing === undefined) {
    describe(name, body);
  } else if (process.env.LEMSIM_REQUIRE_SHARED === '1') {
    describe(name, () => {
      it('has the OpenDSS oracle', () => {
        throw new Error(`${missing}; LEMSIM_REQUIRE_SHARED=1 forbids skipping`);
      });
    });
  } else {
    describe.skip(`${name} [skipped: ${missing}]`, body);
  }
}

export interface OracleNode {
  readonly volts: number;
  readonly deg: number;
  /** OpenDSS's own per-unit value (0 where it has no base) */
  readonly pu: number;
}

export interface OracleOptions {
  readonly tolerance?: number;
  /** solve at t = minute·60 s in this mode instead of a snapshot */
  readonly minute?: number;
  readonly mode?: 'daily' | 'yearly';
  /** OpenDSS commands run after compile, before the solve */
  readonly pre?: readonly string[];
  /** OpenDSS's control mode for the solve (`off`: regulators and capacitors stay as written) */
  readonly controlMode?: 'static' | 'off';
}

/**
 * Solves `entry` in folder `dir` with OpenDSS (tolerance 1e-10 unless given); node voltages by
 * lower-case `bus.node`. Throws when OpenDSS reports that it did not converge: its last iterate is
 * no reference (its fixed point can oscillate on a weakly grounded neutral at 1e-12).
 */
export function runOpenDss(dir: string, entry: string, options: OracleOptions = {}): Map<string, OracleNode> {
  const out = join(dir, '__opendss_v.csv');
  const args = [sharedPath(RUNNER), 'snapshot', join(dir, entry), '--out', out, '--tolerance', String(options.tolerance ?? 1e-10), '--maxiter', '1000'];
  if (options.minute !== undefined) args.push('--minute', String(options.minute), '--mode', options.mode ?? 'daily');
  for (const c of options.pre ?? []) args.push('--pre', c);
  if (options.controlMode) args.push('--controlmode', options.controlMode);
  const r = spawnSync('python3', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`OpenDSS oracle failed: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  const info = /\{.*\}/s.exec(r.stderr ?? '');
  if (info && JSON.parse(info[0]).converged === false) throw new Error(`OpenDSS did not converge on ${entry}: ${info[0]}`);
  const map = new Map<string, OracleNode>();
  for (const line of readFileSync(out, 'utf8').trim().split('\n').slice(1)) {
    const [bus, node, v, deg, pu] = line.split(',');
    map.set(`${bus.toLowerCase()}.${node}`, { volts: Number(v), deg: Number(deg), pu: Number(pu) });
  }
  return map;
}

export interface Comparison {
  /** nodes compared (every node of both engines; a node in only one of them is an error) */
  readonly nodes: number;
  /** largest |ΔV| in per unit of the node's OpenDSS base (volts where OpenDSS has none), and where */
  readonly maxDvPu: number;
  readonly worst: string;
  /** largest angle difference, degrees */
  readonly maxDdeg: number;
  readonly converged: boolean;
  readonly feeder: Feeder;
  /** lemsim's node voltages (V), by system node */
  readonly vRe: Float64Array;
  readonly vIm: Float64Array;
}

/** Compares lemsim's solution at every node with OpenDSS's (node sets must be identical). */
export function compareNodes(feeder: Feeder, vRe: Float64Array, vIm: Float64Array, ref: Map<string, OracleNode>, converged: boolean): Comparison {
  const m = feeder.model;
  let maxDvPu = 0;
  let maxDdeg = 0;
  let worst = '';
  const seen = new Set<string>();
  for (let k = 0; k < m.nNodes; k++) {
    const key = `${feeder.network.buses[m.nodeBus[k]].name}.${m.nodeNumber[k]}`;
    const r = ref.get(key);
    if (!r) throw new Error(`node ${key} is in lemsim's model but not in OpenDSS's`);
    seen.add(key);
    const vm = Math.hypot(vRe[k], vIm[k]);
    const base = r.pu > 0 ? r.volts / r.pu : 1;
    const d = Math.abs(vm - r.volts) / base;
    if (d > maxDvPu) {
      maxDvPu = d;
      worst = key;
    }
    // angles of nodes near zero volts carry no information
    if (r.volts > 1e-3 * base) {
      let a = Math.abs((Math.atan2(vIm[k], vRe[k]) * 180) / Math.PI - r.deg);
      if (a > 180) a = 360 - a;
      maxDdeg = Math.max(maxDdeg, a);
    }
  }
  for (const key of ref.keys()) if (!seen.has(key)) throw new Error(`node ${key} is in OpenDSS's model but not in lemsim's`);
  return { nodes: seen.size, maxDvPu, worst, maxDdeg, converged, feeder, vRe: Float64Array.from(vRe), vIm: Float64Array.from(vIm) };
}

/**
 * Writes `files` (the entry is `master.dss` unless named), solves them in both engines (snapshot, or
 * `minute` in `mode`) and compares every node.
 */
export function compareWithOpenDss(files: string | Record<string, string>, options: OracleOptions & { entry?: string } = {}): Comparison {
  const all = typeof files === 'string' ? { 'master.dss': files } : files;
  const entry = options.entry ?? 'master.dss';
  const dir = tempScripts(all);
  const ref = runOpenDss(dir, entry, options);
  const feeder = loadFeeder(join(dir, entry));
  const powers = newLoadPowers(feeder.model);
  const mode: ShapeMode = options.minute === undefined ? 'snapshot' : (options.mode ?? 'daily');
  setLoadPowersAt(feeder.model, (options.minute ?? 0) / 60, mode, powers);
  const state = new PowerFlowState(feeder.model);
  const status = state.solve(powers, { tolerance: 1e-12, maxIterations: 1000 });
  return compareNodes(feeder, state.vRe, state.vIm, ref, status.converged);
}

/** Compiles `entry` in `dir` with OpenDSS, runs `commands` and returns each command's result text. */
export function openDssCommands(dir: string, entry: string, commands: readonly string[]): string[] {
  const out = execFileSync('python3', [sharedPath(RUNNER), 'cmd', join(dir, entry), ...commands, '--tolerance', '1e-12', '--maxiter', '1000'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  // the runner prints "> command" then the result, per command
  const results: string[] = [];
  let cur: string[] | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('> ')) {
      if (cur) results.push(cur.join('\n').trim());
      cur = [];
    } else cur?.push(line);
  }
  if (cur) results.push(cur.join('\n').trim());
  return results;
}
