/** Helpers for tests that write small OpenDSS scripts into a temporary folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Feeder, loadFeeder } from '../../grid/feeder.js';
import { PowerFlowState, newLoadPowers, setLoadPowersAt } from '../../grid/powerflow/solve.js';
import { tempDir } from './temp.js';

/** Writes files (name → text) into a fresh temp folder; returns its path. */
export function tempScripts(files: Record<string, string>): string {
  const dir = tempDir('lemsim-dss-');
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

/** Loads a one-file feeder from script text. */
export function feederFromText(text: string): Feeder {
  const dir = tempScripts({ 'master.dss': text });
  return loadFeeder(join(dir, 'master.dss'));
}

/** Solves a snapshot (loads at base power) and returns a voltage getter by "bus.node". */
export function solveSnapshot(f: Feeder, tolerance = 1e-12) {
  const powers = newLoadPowers(f.model);
  setLoadPowersAt(f.model, 0, 'snapshot', powers);
  const state = new PowerFlowState(f.model);
  const status = state.solve(powers, { tolerance });
  const node = (ref: string): number => {
    const [bus, num] = ref.split('.');
    const b = f.network.busIndex.get(bus);
    if (b === undefined) throw new Error(`no bus ${bus}`);
    const k = [...f.model.busNodes[b]].find((n) => f.model.nodeNumber[n] === Number(num));
    if (k === undefined) throw new Error(`no node ${ref}`);
    return k;
  };
  const v = (ref: string) => {
    const k = node(ref);
    return { re: state.vRe[k], im: state.vIm[k], mag: Math.hypot(state.vRe[k], state.vIm[k]), deg: (Math.atan2(state.vIm[k], state.vRe[k]) * 180) / Math.PI };
  };
  return { status, state, powers, v };
}
