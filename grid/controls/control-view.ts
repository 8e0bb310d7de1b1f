/**
 * What a control sees when it samples a solved circuit (OpenDSS's Sample step): the compiled model,
 * the node voltages of the present solution and the solution time. Helpers read an element's terminal
 * voltages, its conductor currents and its terminal powers exactly as OpenDSS's GetTermVoltages,
 * GetCurrents and Power[terminal] do (currents and powers flow INTO the element at that terminal).
 */
import { DssError } from '../errors.js';
import type { SolverModel } from '../powerflow/compile.js';
import { elementCurrents } from '../powerflow/result.js';

export interface ControlView {
  readonly model: SolverModel;
  readonly vRe: Float64Array;
  readonly vIm: Float64Array;
  /** solution time: OpenDSS's intHour and seconds into that hour */
  readonly hour: number;
  readonly sec: number;
}

/** Solution time in seconds (hour·3600 + sec), the clock of the control queue. */
export function timeOf(view: ControlView): number {
  return view.hour * 3600 + view.sec;
}

/** Index of a branch (`line.x`, `transformer.x`) in the model; undefined when absent (disabled). */
export function branchIndex(model: SolverModel, fullName: string): number | undefined {
  let map = indexCache.get(model);
  if (!map) {
    map = new Map(model.network.branches.map((b, k) => [b.name, k]));
    indexCache.set(model, map);
  }
  return map.get(fullName.toLowerCase());
}

const indexCache = new WeakMap<SolverModel, Map<string, number>>();

/** Voltage (V) of system node k; ground (k < 0) is 0. */
export function nodeVoltage(view: ControlView, k: number): { re: number; im: number } {
  return k < 0 ? { re: 0, im: 0 } : { re: view.vRe[k], im: view.vIm[k] };
}

/** Node-to-ground voltages of the conductors of terminal `terminal` (1-based) of branch b. */
export function terminalVoltages(view: ControlView, b: number, terminal: number): { re: number; im: number }[] {
  const br = view.model.network.branches[b];
  const nodes = view.model.branchNodes[b];
  let start = 0;
  for (let t = 0; t < terminal - 1; t++) start += br.terminals[t].nodes.length;
  const n = br.terminals[terminal - 1].nodes.length;
  const out = [];
  for (let c = 0; c < n; c++) out.push(nodeVoltage(view, nodes[start + c]));
  return out;
}

/** Currents into every conductor of branch b (A), all terminals in order (OpenDSS GetCurrents). */
export function conductorCurrents(view: ControlView, b: number): { re: Float64Array; im: Float64Array } {
  const br = view.model.network.branches[b];
  return elementCurrents(view.model.branchNodes[b], br.y.re, br.y.im, view.vRe, view.vIm);
}

/** Complex power into terminal `terminal` (1-based) of branch b: Σ V·conj(I) over its conductors (W, var). */
export function terminalPower(view: ControlView, b: number, terminal: number): { p: number; q: number } {
  const br = view.model.network.branches[b];
  const nodes = view.model.branchNodes[b];
  const i = conductorCurrents(view, b);
  let start = 0;
  for (let t = 0; t < terminal - 1; t++) start += br.terminals[t].nodes.length;
  let p = 0;
  let q = 0;
  for (let c = start; c < start + br.terminals[terminal - 1].nodes.length; c++) {
    const v = nodeVoltage(view, nodes[c]);
    p += v.re * i.re[c] + v.im * i.im[c];
    q += v.im * i.re[c] - v.re * i.im[c];
  }
  return { p, q };
}

/** System nodes of a bus reference (`bus.1.2`), conductor by conductor; throws when a node is absent. */
export function busRefNodes(model: SolverModel, bus: string, nodes: readonly number[], what: string): Int32Array {
  const b = model.network.busIndex.get(bus);
  if (b === undefined) throw new DssError(undefined, `${what}: bus '${bus}' does not exist`);
  return Int32Array.from(nodes, (num) => {
    if (num === 0) return -1;
    const k = [...model.busNodes[b]].find((n) => model.nodeNumber[n] === num);
    if (k === undefined) throw new DssError(undefined, `${what}: bus '${bus}' has no node ${num}`);
    return k;
  });
}

/** Rounds half to even, as Pascal's Round does (OpenDSS rounds pending tap changes with it). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
