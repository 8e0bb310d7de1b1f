/**
 * Writers of power-flow results (CSV columns in the words of the units, DESIGN rule 1). Numbers are
 * printed with fixed decimals so that the same run gives byte-identical files.
 */
import type { Feeder } from '../../grid/feeder.js';
import { branchTerminalPowers } from '../../grid/powerflow/result.js';

/** Fixed-decimal formatting; −0 prints as 0. */
export function fixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  return s.startsWith('-') && Number(s) === 0 ? s.slice(1) : s;
}

export function magnitude(re: number, im: number): number {
  return Math.sqrt(re * re + im * im);
}

export function angleDeg(re: number, im: number): number {
  return (Math.atan2(im, re) * 180) / Math.PI;
}

/** Node voltage in per unit of its bus's line-to-neutral base, or undefined without a base. */
export function nodePu(feeder: Feeder, node: number, vMag: number): number | undefined {
  const kv = feeder.busKvBaseLn[feeder.model.nodeBus[node]];
  return kv !== undefined && kv > 0 ? vMag / (kv * 1000) : undefined;
}

/** Every node in bus order then node number: [bus name, node number, system node index]. */
export function* nodesInOrder(feeder: Feeder): Generator<[string, number, number]> {
  const { network, model } = feeder;
  for (let b = 0; b < network.buses.length; b++) {
    for (const k of model.busNodes[b]) yield [network.buses[b].name, model.nodeNumber[k], k];
  }
}

/** Load terminal nodes: [load name without class, bus name, node number, system node index]. */
export function loadTerminalNodes(feeder: Feeder): [string, string, number, number][] {
  const out: [string, string, number, number][] = [];
  feeder.network.loads.forEach((l, li) => {
    const nodes = feeder.model.loadNodes[li];
    const seen = new Set<number>();
    l.terminal.nodes.forEach((num, c) => {
      const k = nodes[c];
      if (k < 0 || seen.has(k)) return;
      seen.add(k);
      out.push([l.name.slice('load.'.length), feeder.network.buses[l.terminal.bus].name, num, k]);
    });
  });
  return out;
}

/**
 * Power delivered into the network by the substation: through the secondary (winding 2) of the
 * transformer flagged `sub=y`, else of the transformer fed from the source bus; without such a
 * transformer, by the source itself. W and var.
 */
export function substationPowerFn(feeder: Feeder): (vRe: Float64Array, vIm: Float64Array) => { p: number; q: number } {
  const { network, model } = feeder;
  const sourceBuses = new Set(network.sources.map((s) => s.terminals[0].bus));
  let idx = network.branches.findIndex((b) => b.kind === 'transformer' && b.substation);
  if (idx < 0) idx = network.branches.findIndex((b) => b.kind === 'transformer' && sourceBuses.has(b.terminals[0].bus));
  if (idx < 0) {
    return (vRe, vIm) => {
      // no transformer: power flowing out of the source bus into the branches
      let p = 0;
      let q = 0;
      network.branches.forEach((b, k) => {
        b.terminals.forEach((t, ti) => {
          if (!sourceBuses.has(t.bus)) return;
          const s = branchTerminalPowers(model, k, vRe, vIm)[ti];
          p += s.p;
          q += s.q;
        });
      });
      return { p, q };
    };
  }
  return (vRe, vIm) => {
    const s = branchTerminalPowers(model, idx, vRe, vIm)[1];
    return { p: -s.p, q: -s.q };
  };
}
