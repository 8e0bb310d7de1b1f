/**
 * OpenDSS as the oracle of control tests: beside node voltages (see ./oracle.ts, which also decides
 * whether the oracle runs here), the solve's own report (iterations, control iterations), the final
 * taps and capacitor states, read with OpenDSS `?` queries in a second, identical run (dssrun's
 * --taps-out reports the last-defined transformer's tap for every transformer, so it is not used).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath } from '../../src/shared-data.js';
import type { OracleNode } from './oracle.js';

const RUNNER = ['tools', 'opendss', 'dssrun.py'];

export interface ControlledOracle {
  readonly nodes: Map<string, OracleNode>;
  /** taps of each queried transformer, winding by winding */
  readonly taps: ReadonlyMap<string, number[]>;
  /** states of each queried capacitor, step by step */
  readonly capacitors: ReadonlyMap<string, number[]>;
  readonly info: { converged: boolean; iterations: number; control_iterations: number };
}

/**
 * Compiles `dir/entry` in OpenDSS and solves a snapshot with its controls (static mode); reads the
 * taps of `transformers` and the states of `capacitors` (names lower case).
 */
export function runOpenDssControlled(
  dir: string,
  entry: string,
  query: { transformers?: readonly string[]; capacitors?: readonly string[] } = {},
  options: { tolerance?: number; args?: readonly string[]; minute?: number } = {},
): ControlledOracle {
  const out = join(dir, '__opendss_v.csv');
  const common = ['--tolerance', String(options.tolerance ?? 1e-12), '--maxiter', '1000', ...(options.args ?? [])];
  const at = options.minute === undefined ? [] : ['--minute', String(options.minute), '--mode', 'daily'];
  const args = [sharedPath(...RUNNER), 'snapshot', join(dir, entry), '--out', out, ...common, ...at];
  const r = spawnSync('python3', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dssrun failed: ${r.stderr}`);
  const info = JSON.parse(r.stderr.trim().split('\n').pop()!);
  const nodes = new Map<string, OracleNode>();
  for (const line of readFileSync(out, 'utf8').trim().split('\n').slice(1)) {
    const [bus, node, v, deg, pu] = line.split(',');
    nodes.set(`${bus.toLowerCase()}.${node}`, { volts: Number(v), deg: Number(deg), pu: Number(pu) });
  }
  const ts = query.transformers ?? [];
  const cs = query.capacitors ?? [];
  // the same solve as dssrun's snapshot action (a daily-mode minute M is the solve at t = M·60 s)
  const setup = options.minute === undefined ? 'set mode=snapshot' : `set mode=daily stepsize=1m number=1 hour=0 sec=${(options.minute - 1) * 60}`;
  const answers = openDssCommands(dir, entry, [setup, 'solve', ...ts.map((t) => `? transformer.${t}.taps`), ...cs.map((c) => `? capacitor.${c}.states`)], common).slice(2);
  const numbers = (text: string): number[] => text.replace(/[[\]]/g, ' ').split(/[\s,]+/).filter((x) => x !== '').map(Number);
  const taps = new Map(ts.map((t, k) => [t, numbers(answers[k])]));
  const capacitors = new Map(cs.map((c, k) => [c, numbers(answers[ts.length + k])]));
  return { nodes, taps, capacitors, info };
}

/** Compiles `dir/entry`, runs OpenDSS commands in order, returns each command's result text. */
export function openDssCommands(dir: string, entry: string, commands: readonly string[], options: readonly string[] = []): string[] {
  const text = execFileSync('python3', [sharedPath(...RUNNER), 'cmd', join(dir, entry), ...commands, ...options], { encoding: 'utf8' });
  return text.split(/^> .*$/m).slice(1).map((p) => p.trim());
}
