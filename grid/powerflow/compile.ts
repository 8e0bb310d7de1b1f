/**
 * compile(network) → SolverModel (DESIGN rule 3, the mathematical model): one index per non-ground
 * node, the nodal admittance matrix of lines, transformers, source impedances and the linear part of
 * constant-impedance loads, factorised once; the source's Norton injections and the no-load voltages;
 * load branches (one per load phase) as flat typed arrays with their LU rows and reach (the sparse
 * iteration's data); and, when the load branches are few, the dense impedance matrix between them,
 * on which the dense iteration runs (a Thevenin/Kron reduction of the linear network onto the load
 * nodes: exact, because the network is linear outside the loads).
 */
import { DssError } from '../errors.js';
import { elementAtBus, type Load, type Network } from '../model/network.js';
import type { LowRankCorrection } from './incremental.js';
import { type SeriesChains, expandChains, findSeriesChains } from './series-chains.js';
import { type ReachSubstitution, SparseLU, TripletMatrix, ZeroPivotError } from './sparse-lu.js';
import { type GroundCandidate, loadsHoldingGround } from './weak-grounding.js';

/**
 * Branch models of power conversion elements (Generator, PVSystem, Storage), beside the load
 * models 1–8: constant PQ between Vminpu and Vmaxpu and constant impedance outside (OpenDSS's
 * DoConstantPQGen / DoConstantPQPVsystemObj), and constant PQ at any voltage (generator model 3,
 * whose Q the solver adjusts to hold |V|).
 */
export const BR_PCE_PQ = 101;
/** constant PQ with the current capped at |S|/(Vminpu·Vbase) below Vminpu (PVSystem LimitCurrent) */
export const BR_PCE_PQ_ILIMIT = 102;
export const BR_PCE_PQ_ANY_V = 103;
/** constant admittance at the present power (model 2 of Generator, PVSystem, Storage) */
export const BR_PCE_Z = 104;
/** generator models 4 and 5: constant P with the base kvar (brQFixed) as a constant Q / reactance */
export const BR_PCE_FIXED_Q = 105;
export const BR_PCE_FIXED_QZ = 106;
/** generator model 7: as BR_PCE_PQ_ILIMIT, with OpenDSS's sign of Q once the current is limited */
export const BR_PCE_GEN7 = 107;
/** as BR_PCE_PQ, the current then capped at |S|/(Vminpu·Vbase) (Storage LimitCurrent=yes) */
export const BR_PCE_PQ_CAP = 108;

const PCE_BRANCH_CODE = { pq: BR_PCE_PQ, z: BR_PCE_Z, ilimit: BR_PCE_PQ_ILIMIT, gen7: BR_PCE_GEN7, pqcap: BR_PCE_PQ_CAP, fixedq: BR_PCE_FIXED_Q, fixedqz: BR_PCE_FIXED_QZ, pv: BR_PCE_PQ_ANY_V } as const;

/** Largest number of load branches for which the dense reduced impedance matrix is used. */
export const REDUCED_MAX_NODES = 1200;

/**
 * A line with an admittance above 1/JUMPER_OHMS siemens (some mode of its impedance is below this
 * many ohms) is a jumper: its two ends are merged into one node. Such lines (QGIS2OpenDSS writes meters as r1 = 1e-5 Ω/m over 1e-5 m)
 * would put admittances of 1e10 S beside ordinary ones of 1–100 S; double precision then loses
 * about 1e-6 pu in the solution. The voltage across a merged jumper is zero instead of ~1e-9 V.
 */
export const JUMPER_OHMS = 1e-6;

export interface SolverModel {
  readonly network: Network;
  readonly nNodes: number;
  /** bus index and OpenDSS node number of each system node */
  readonly nodeBus: Int32Array;
  readonly nodeNumber: Int32Array;
  /** system nodes of each bus, in increasing node number */
  readonly busNodes: readonly Int32Array[];
  /** series chains folded out of the nodal matrix; their inner nodes are recovered by `expandChains` */
  readonly chains: SeriesChains;
  /**
   * system node → row of the nodal matrix (−1: chain interior, or grounded through a jumper);
   * nodes joined by a jumper share a row. `matrixNodes` lists the system nodes that have a row.
   */
  readonly nodeMap: Int32Array;
  readonly matrixNodes: Int32Array;
  readonly nMatrix: number;
  /** lines of near-zero impedance whose two ends were merged into one node (see JUMPER_OHMS) */
  readonly jumpers: Uint8Array;
  /** LU of the nodal matrix over the kept nodes */
  readonly lu: SparseLU;
  /** Norton injections of the sources (A), by reduced index */
  readonly iSrcRe: Float64Array;
  readonly iSrcIm: Float64Array;
  /** voltages with every load current zero (V), every system node */
  readonly v0Re: Float64Array;
  readonly v0Im: Float64Array;
  /** voltage scale per node for convergence tests: the largest no-load magnitude on its bus (V) */
  readonly nodeVScale: Float64Array;
  /** conductor → system node (−1 = ground) for each branch, source and load of the network */
  readonly branchNodes: readonly Int32Array[];
  readonly sourceNodes: readonly Int32Array[];
  readonly loadNodes: readonly Int32Array[];
  /** load branches: one per load phase, from node a to node b (−1 = ground) */
  readonly nBr: number;
  readonly brLoad: Int32Array;
  readonly brA: Int32Array;
  readonly brB: Int32Array;
  readonly brModel: Uint8Array;
  readonly brVBase: Float64Array;
  readonly brVminPu: Float64Array;
  readonly brVmaxPu: Float64Array;
  readonly brVlowPu: Float64Array;
  /** CVR exponents (model 4), the fixed var of models 6 and 7 (var per phase at base), ZIPV ×7 (model 8) */
  readonly brCvrW: Float64Array;
  readonly brCvrQ: Float64Array;
  readonly brQFixed: Float64Array;
  readonly brZip: Float64Array;
  /** linear part of each branch stamped into Y (S) */
  readonly brYlinRe: Float64Array;
  readonly brYlinIm: Float64Array;
  /** first branch of each load, and one past the last (length loads + 1) */
  readonly loadBrStart: Int32Array;
  /**
   * first branch of each power conversion element (network.pces), and one past the last; these
   * branches follow the loads' (brLoad = −1) and carry one of the BR_PCE_* models
   */
  readonly pceBrStart: Int32Array;
  readonly pceNodes: readonly Int32Array[];
  /** indices (into network.pces) of the model-3 generators, which hold their voltage */
  readonly pvGenerators: Int32Array;
  /** scale of each branch's constant-impedance fallback (1 except 1-phase delta PCEs: 1/3) */
  readonly brZScale: Float64Array;
  /** which iteration `PowerFlowState.solve` runs (see `CompileOptions.method`) */
  readonly method: 'dense' | 'sparse';
  /** the load branches as unknowns of the iteration: their no-load voltages, scales and LU rows */
  readonly branchSpace: BranchSpace;
  /** the dense impedance between load branches (method 'dense' only) */
  readonly reduced: ReducedModel | undefined;
  /**
   * a low-rank correction of `lu` (incremental.ts): set on models derived from a compiled one after
   * a control changed some primitive admittances; the solver applies it where it substitutes
   */
  readonly lowRank?: LowRankCorrection;
}

/**
 * The load-branch voltages v = Va − Vb are the unknowns of both iterations: the network is linear
 * outside the loads, so v = v0 − Zbb·Ic. Method 'sparse' applies Zbb through the LU: the compensation
 * currents are scattered into the permuted work vector at the load rows, and forward and back
 * substitution run over `reachRows` only (the load rows and their elimination-tree ancestors).
 */
export interface BranchSpace {
  /** permuted LU row of each branch end (−1 = ground) */
  readonly rowA: Int32Array;
  readonly rowB: Int32Array;
  /** branch voltages with every load current zero (V), and their convergence scale (V) */
  readonly v0Re: Float64Array;
  readonly v0Im: Float64Array;
  readonly scale: Float64Array;
  /** rows reached from the load rows (sorted), and every other row (sorted) */
  readonly reachRows: Int32Array;
  readonly restRows: Int32Array;
  /** permuted LU row of each system node (−1: chain interior or grounded) */
  readonly nodeRow: Int32Array;
  /** the substitution over the reach on its compact work vector, and 2 × each branch end's position in it (−1 = ground) */
  readonly reach: ReachSubstitution;
  readonly posA: Int32Array;
  readonly posB: Int32Array;
  /**
   * per branch: the squared band (V²) inside which it is a constant-power load with nothing in Y
   * (model 1: |v| in (vminpu, vmaxpu]·Vbase), whose current the iteration computes inline; NaN for
   * every other branch (no comparison holds)
   */
  readonly pqLo2: Float64Array;
  readonly pqHi2: Float64Array;
  /** 1 / (vmaxpu·Vbase)² of those branches: their admittance per W and var above the band */
  readonly pqZ: Float64Array;
  /** entries of L and U that the substitution over the reach uses: the work of one sparse iteration */
  readonly reachNnz: number;
}

export interface ReducedModel {
  /** system nodes touched by loads, and the same nodes as rows of the nodal matrix */
  readonly nodes: Int32Array;
  readonly luNodes: Int32Array;
  /** load-branch ends as indices into `nodes` (−1 = ground) */
  readonly brA: Int32Array;
  readonly brB: Int32Array;
  /**
   * Dense impedance between load-branch voltages (v = Va − Vb), nBr × nBr row-major (Ω), re and
   * im interleaved (entry (k, l) at 2·(k·nBr + l)):
   * Zbb[k][l] = Z[a_k][a_l] − Z[a_k][b_l] − Z[b_k][a_l] + Z[b_k][b_l]. A load between two nodes
   * (the 240 V loads of split-phase services) is one unknown here, not two.
   */
  readonly z: Float64Array;
  /** branch voltages with every load current zero (V), and their convergence scale (V) */
  readonly v0Re: Float64Array;
  readonly v0Im: Float64Array;
  readonly scale: Float64Array;
  /** forward-substitution rows reached from the load nodes (SparseLU.reach) */
  readonly reachRows: Int32Array;
}

export interface CompileOptions {
  /** fold chains of shunt-free series lines out of the nodal matrix (exact; default true) */
  readonly foldSeriesChains?: boolean;
  /**
   * The iteration: 'dense' (Gauss-Seidel through the dense impedance between load branches: few
   * load branches; at most REDUCED_MAX_NODES of them, else 'sparse'), 'sparse' (the same fixed point
   * through the sparse LU: many load branches), or 'auto' (default): the one whose iteration costs
   * fewer multiply-adds (see `chooseMethod`).
   */
  readonly method?: 'auto' | 'dense' | 'sparse';
}

/** Compiles a network; throws GridError for an island or a floating node. */
export function compile(network: Network, options: CompileOptions = {}): SolverModel {
  // node numbering: per bus, every non-zero node number any terminal uses, increasing (a bus has a
  // handful: short lists, kept sorted by insertion, no Set or sort per bus)
  const used: number[][] = [];
  for (let b = 0; b < network.buses.length; b++) used.push([]);
  const mark = (t: { bus: number; nodes: readonly number[] }): void => {
    // indexed loops on the load path: an array iterator allocates a result per step in JIT-cold code
    const list = used[t.bus];
    const nodes = t.nodes;
    for (let q = 0; q < nodes.length; q++) {
      const num = nodes[q];
      if (num === 0) continue;
      let at = list.length;
      while (at > 0 && list[at - 1] > num) at--;
      if (at > 0 && list[at - 1] === num) continue;
      list.splice(at, 0, num);
    }
  };
  const markAll = (terms: readonly { bus: number; nodes: readonly number[] }[]): void => {
    for (let q = 0; q < terms.length; q++) mark(terms[q]);
  };
  for (let k = 0; k < network.branches.length; k++) markAll(network.branches[k].terminals);
  for (let k = 0; k < network.sources.length; k++) markAll(network.sources[k].terminals);
  for (let k = 0; k < network.loads.length; k++) mark(network.loads[k].terminal);
  for (let k = 0; k < network.pces.length; k++) mark(network.pces[k].terminal);
  const busNodes: Int32Array[] = [];
  const nodeBusArr: number[] = [];
  const nodeNumArr: number[] = [];
  for (let b = 0; b < network.buses.length; b++) {
    const nums = used[b];
    const idx = new Int32Array(nums.length);
    for (let k = 0; k < nums.length; k++) {
      idx[k] = nodeBusArr.length;
      nodeBusArr.push(b);
      nodeNumArr.push(nums[k]);
    }
    busNodes.push(idx);
  }
  const n = nodeBusArr.length;
  const nodeOf = (bus: number, num: number): number => {
    if (num === 0) return -1;
    const nums = busNodes[bus];
    for (let k = 0; k < nums.length; k++) if (nodeNumArr[nums[k]] === num) return nums[k];
    throw new Error('unreachable: node not numbered');
  };
  const conductorNodes = (terms: readonly { bus: number; nodes: readonly number[] }[]): Int32Array => {
    let count = 0;
    for (let q = 0; q < terms.length; q++) count += terms[q].nodes.length;
    const out = new Int32Array(count);
    let k = 0;
    for (let q = 0; q < terms.length; q++) {
      const t = terms[q];
      for (let c = 0; c < t.nodes.length; c++) out[k++] = nodeOf(t.bus, t.nodes[c]);
    }
    return out;
  };

  const jumpers = Uint8Array.from(network.branches, (b) => (b.kind === 'line' && isJumper(b.y) ? 1 : 0));
  const chains = findSeriesChains(network, nodeOf, options.foldSeriesChains ?? true, jumpers);
  // union-find over nodes (index n = ground) joining the two ends of every jumper, conductor by conductor
  const parent = new Int32Array(n + 1);
  for (let k = 0; k <= n; k++) parent[k] = k;
  const find = (k: number): number => {
    while (parent[k] !== k) k = parent[k] = parent[parent[k]];
    return k;
  };
  network.branches.forEach((b, bi) => {
    if (!jumpers[bi]) return;
    const [ta, tb] = b.terminals;
    ta.nodes.forEach((num, c) => {
      const a = find(nodeOf(ta.bus, num) < 0 ? n : nodeOf(ta.bus, num));
      const z = find(nodeOf(tb.bus, tb.nodes[c]) < 0 ? n : nodeOf(tb.bus, tb.nodes[c]));
      if (a !== z) {
        // the ground stays the root so that a grounded jumper end stays grounded
        if (a === n) parent[z] = a;
        else parent[a] = z;
      }
    });
  });
  const nodeMap = new Int32Array(n).fill(-1);
  const rowOfRoot = new Map<number, number>();
  const matrixArr: number[] = [];
  for (let k = 0; k < n; k++) {
    if (chains.interiorBus[nodeBusArr[k]]) continue;
    const root = find(k);
    if (root === n) continue;
    let row = rowOfRoot.get(root);
    if (row === undefined) {
      row = rowOfRoot.size;
      rowOfRoot.set(root, row);
    }
    nodeMap[k] = row;
    matrixArr.push(k);
  }
  const matrixNodes = Int32Array.from(matrixArr);
  const nk = rowOfRoot.size;
  /** matrix row of a system node (−1 ground); interior chain nodes never reach the matrix */
  const red = (k: number): number => (k < 0 ? -1 : nodeMap[k]);

  const y = new TripletMatrix(nk);
  const stamp = (nodes: Int32Array, re: Float64Array, im: Float64Array): void => {
    const m = nodes.length;
    for (let r = 0; r < m; r++) {
      const a = red(nodes[r]);
      if (a < 0) continue;
      for (let c = 0; c < m; c++) {
        const b = red(nodes[c]);
        if (b < 0) continue;
        y.add(a, b, re[r * m + c], im[r * m + c]);
      }
    }
  };
  const branchNodes = network.branches.map((b, k) => {
    const nodes = conductorNodes(b.terminals);
    if (!chains.inChain[k] && !jumpers[k]) stamp(nodes, b.y.re, b.y.im);
    if (jumpers[k] && b.shuntEnd) {
      // a merged jumper keeps its line capacitance: the shunt of each pi end, on the merged nodes
      const m = b.shuntEnd.n;
      stamp(nodes.subarray(0, m), b.shuntEnd.re, b.shuntEnd.im);
      stamp(nodes.subarray(m, 2 * m), b.shuntEnd.re, b.shuntEnd.im);
    }
    return nodes;
  });
  for (let c = 0; c < chains.count; c++) {
    // a chain is one series branch [[Y, −Y], [−Y, Y]] between its two ends
    const m = chains.nc[c];
    const nodes = Int32Array.from([...chains.endA.subarray(chains.condOff[c], chains.condOff[c] + m), ...chains.endB.subarray(chains.condOff[c], chains.condOff[c] + m)]);
    const re = new Float64Array(4 * m * m);
    const im = new Float64Array(4 * m * m);
    for (let r = 0; r < m; r++) {
      for (let q = 0; q < m; q++) {
        const yr = chains.yRe[chains.matOff[c] + r * m + q];
        const yi = chains.yIm[chains.matOff[c] + r * m + q];
        re[r * 2 * m + q] = yr;
        im[r * 2 * m + q] = yi;
        re[(r + m) * 2 * m + q + m] = yr;
        im[(r + m) * 2 * m + q + m] = yi;
        re[r * 2 * m + q + m] = -yr;
        im[r * 2 * m + q + m] = -yi;
        re[(r + m) * 2 * m + q] = -yr;
        im[(r + m) * 2 * m + q] = -yi;
      }
    }
    stamp(nodes, re, im);
  }
  const iSrcRe = new Float64Array(nk);
  const iSrcIm = new Float64Array(nk);
  const sourceNodes = network.sources.map((s) => {
    const nodes = conductorNodes(s.terminals);
    stamp(nodes, s.y.re, s.y.im);
    // Norton: I = Yprim · [emf; 0] (EMF between the conductors of terminal 1 and those of terminal 2)
    const m = nodes.length;
    const np = s.emf.length;
    for (let r = 0; r < m; r++) {
      if (nodes[r] < 0) continue;
      let sr = 0;
      let si = 0;
      for (let c = 0; c < np; c++) {
        const yr = s.y.re[r * m + c];
        const yi = s.y.im[r * m + c];
        sr += yr * s.emf[c].re - yi * s.emf[c].im;
        si += yr * s.emf[c].im + yi * s.emf[c].re;
      }
      iSrcRe[red(nodes[r])] += sr;
      iSrcIm[red(nodes[r])] += si;
    }
    return nodes;
  });

  // load branches
  const brLoad: number[] = [];
  const brA: number[] = [];
  const brB: number[] = [];
  const brModel: number[] = [];
  const brVBase: number[] = [];
  const brVmin: number[] = [];
  const brVmax: number[] = [];
  const brVlow: number[] = [];
  const brYlinRe: number[] = [];
  const brYlinIm: number[] = [];
  const brCvrW: number[] = [];
  const brCvrQ: number[] = [];
  const brQFixed: number[] = [];
  const brZip: number[] = [];
  const loadBrStart = new Int32Array(network.loads.length + 1);
  const loadNodes = network.loads.map((l, li) => {
    const nodes = conductorNodes([l.terminal]);
    loadBrStart[li] = brLoad.length;
    const nc = nodes.length;
    for (let p = 0; p < l.phases; p++) {
      const a = nodes[p];
      const b = l.conn === 'wye' ? nodes[l.phases] : nodes[(p + 1) % nc];
      brLoad.push(li);
      brA.push(a);
      brB.push(b);
      brModel.push(l.model);
      brVBase.push(l.vBase);
      brVmin.push(l.vminpu);
      brVmax.push(l.vmaxpu);
      brVlow.push(l.vlowpu);
      brCvrW.push(l.cvrWatts);
      brCvrQ.push(l.cvrVars);
      brQFixed.push((l.kvar * 1000) / l.phases);
      brZip.push(...(l.zipv ?? [0, 0, 0, 0, 0, 0, 0]));
      const [gr, gi] = linearPart(l);
      brYlinRe.push(gr);
      brYlinIm.push(gi);
      if (gr !== 0 || gi !== 0) {
        const ra = red(a);
        const rb = red(b);
        if (ra >= 0) y.add(ra, ra, gr, gi);
        if (rb >= 0) y.add(rb, rb, gr, gi);
        if (ra >= 0 && rb >= 0) {
          y.add(ra, rb, -gr, -gi);
          y.add(rb, ra, -gr, -gi);
        }
      }
    }
    return nodes;
  });
  loadBrStart[network.loads.length] = brLoad.length;
  const brZScale: number[] = brLoad.map(() => 1);
  const pceBrStart = new Int32Array(network.pces.length + 1);
  const pceNodes = network.pces.map((pce, pi) => {
    const nodes = conductorNodes([pce.terminal]);
    pceBrStart[pi] = brLoad.length;
    const nc = nodes.length;
    const code = PCE_BRANCH_CODE[pce.branchModel];
    for (let p = 0; p < pce.phases; p++) {
      brLoad.push(-1);
      brA.push(nodes[p]);
      brB.push(pce.conn === 'wye' ? nodes[pce.phases] : nodes[(p + 1) % nc]);
      brModel.push(code);
      brVBase.push(pce.vBase);
      brVmin.push(pce.vminpu);
      brVmax.push(pce.vmaxpu);
      brVlow.push(0);
      brCvrW.push(0);
      brCvrQ.push(0);
      brQFixed.push((-pce.kvarFixed * 1000) / pce.phases);
      brZip.push(0, 0, 0, 0, 0, 0, 0);
      // OpenDSS puts −Yeq of a generating element into Y (CalcYPrimMatrix); only the convergence
      // path depends on it (the compensation current removes it again), and without it a small
      // generator behind a weak, unbalanced connection makes the fixed-point iteration diverge
      const [gr, gi] = pceLinearPart(pce);
      brYlinRe.push(gr);
      brYlinIm.push(gi);
      brZScale.push(pce.zScale);
      if (gr !== 0 || gi !== 0) {
        const ra = red(brA[brA.length - 1]);
        const rb = red(brB[brB.length - 1]);
        if (ra >= 0) y.add(ra, ra, gr, gi);
        if (rb >= 0) y.add(rb, rb, gr, gi);
        if (ra >= 0 && rb >= 0) {
          y.add(ra, rb, -gr, -gi);
          y.add(rb, ra, -gr, -gi);
        }
      }
    }
    return nodes;
  });
  pceBrStart[network.pces.length] = brLoad.length;
  holdFloatingParts(network, y, nk, red, branchNodes, sourceNodes, chains, brLoad, brA, brB, brVBase, brYlinRe, brYlinIm);

  checkConnected(network, n, nodeBusArr, branchNodes, sourceNodes);
  let lu: SparseLU;
  try {
    lu = new SparseLU(y, passThroughRows(network, chains, nodeBusArr, nodeMap, nk, busNodes));
  } catch (err) {
    if (err instanceof ZeroPivotError) {
      const node = matrixNodes.find((k) => nodeMap[k] === err.index) ?? 0;
      const bus = network.buses[nodeBusArr[node]].name;
      const el = elementAtBus(network, nodeBusArr[node]);
      const what = `node ${bus}.${nodeNumArr[node]} has no path to ground or source through any impedance (floating node)`;
      throw new DssError(el?.loc, el ? `${el.name}: ${what}` : `${network.file}: ${what}`);
    }
    throw err;
  }
  const xRe = new Float64Array(nk);
  const xIm = new Float64Array(nk);
  lu.solve(iSrcRe, iSrcIm, xRe, xIm);
  const v0Re = new Float64Array(n);
  const v0Im = new Float64Array(n);
  for (let q = 0; q < matrixNodes.length; q++) {
    const k = matrixNodes[q];
    v0Re[k] = xRe[nodeMap[k]];
    v0Im[k] = xIm[nodeMap[k]];
  }
  expandChains(chains, v0Re, v0Im);
  const nodeVScale = nodeVoltageScales(busNodes, v0Re, v0Im);

  const model: SolverModel = {
    network,
    nNodes: n,
    nodeBus: Int32Array.from(nodeBusArr),
    nodeNumber: Int32Array.from(nodeNumArr),
    busNodes,
    chains,
    nodeMap,
    matrixNodes,
    nMatrix: nk,
    jumpers,
    lu,
    iSrcRe,
    iSrcIm,
    v0Re,
    v0Im,
    nodeVScale,
    branchNodes,
    sourceNodes,
    loadNodes,
    nBr: brLoad.length,
    brLoad: Int32Array.from(brLoad),
    brA: Int32Array.from(brA),
    brB: Int32Array.from(brB),
    brModel: Uint8Array.from(brModel),
    brVBase: Float64Array.from(brVBase),
    brVminPu: Float64Array.from(brVmin),
    brVmaxPu: Float64Array.from(brVmax),
    brVlowPu: Float64Array.from(brVlow),
    brCvrW: Float64Array.from(brCvrW),
    brCvrQ: Float64Array.from(brCvrQ),
    brQFixed: Float64Array.from(brQFixed),
    brZip: Float64Array.from(brZip),
    brYlinRe: Float64Array.from(brYlinRe),
    brYlinIm: Float64Array.from(brYlinIm),
    loadBrStart,
    pceBrStart,
    pceNodes,
    brZScale: Float64Array.from(brZScale),
    pvGenerators: Int32Array.from(network.pces.flatMap((p, i) => (p.kind === 'generator' && p.model === 3 ? [i] : []))),
    method: 'sparse',
    branchSpace: undefined as unknown as BranchSpace,
    reduced: undefined,
  };
  const space = branchSpaceOf(model);
  const method = chooseMethod(options.method ?? 'auto', model.nBr, space);
  const withSpace = { ...model, method, branchSpace: space };
  const reduced = method === 'dense' ? reduce(withSpace) : undefined;
  // no dense matrix (no load branch, or more than REDUCED_MAX_NODES of them): the sparse iteration
  return { ...withSpace, method: reduced ? 'dense' : 'sparse', reduced };
}

/**
 * A dense Gauss-Seidel sweep costs nBr² complex multiply-adds streamed from memory; a sparse
 * iteration costs `reachNnz` of them through index arrays, plus the acceleration. The dense one is
 * taken while nBr² ≤ DENSE_SPEEDUP·reachNnz. Measured (1440- and 96-step days, CPU time, medians
 * of 5): the two take the same time, within the machine's noise, on the IEEE European LV feeder
 * (nBr²/reachNnz = 0.8) and on Costa Rica (2.0); on IEEE 8500 (119) the dense matrix alone would be
 * 90 MB. The dense matrix is also capped at REDUCED_MAX_NODES branches (16·nBr² bytes).
 */
export const DENSE_SPEEDUP = 4;

function chooseMethod(option: 'auto' | 'dense' | 'sparse', nBr: number, space: BranchSpace): 'dense' | 'sparse' {
  if (option !== 'auto') return option;
  if (nBr === 0 || nBr > REDUCED_MAX_NODES) return 'sparse';
  return nBr * nBr <= DENSE_SPEEDUP * space.reachNnz ? 'dense' : 'sparse';
}

/** Convergence scale of each node: the largest no-load voltage magnitude on its bus (V), else 1. */
export function nodeVoltageScales(busNodes: readonly Int32Array[], v0Re: Float64Array, v0Im: Float64Array): Float64Array {
  const out = new Float64Array(v0Re.length);
  for (let b = 0; b < busNodes.length; b++) {
    const nodes = busNodes[b];
    let mx = 0;
    for (let q = 0; q < nodes.length; q++) mx = Math.max(mx, Math.hypot(v0Re[nodes[q]], v0Im[nodes[q]]));
    for (let q = 0; q < nodes.length; q++) out[nodes[q]] = mx > 0 ? mx : 1;
  }
  return out;
}

/** The load-branch space of a compiled model (see BranchSpace). */
function branchSpaceOf(m: SolverModel): BranchSpace {
  const lu = m.lu;
  const nodeRow = new Int32Array(m.nNodes).fill(-1);
  for (let q = 0; q < m.matrixNodes.length; q++) nodeRow[m.matrixNodes[q]] = lu.iperm[m.nodeMap[m.matrixNodes[q]]];
  const rowOf = (node: number): number => (node < 0 ? -1 : nodeRow[node]);
  const rowA = m.brA.map(rowOf);
  const rowB = m.brB.map(rowOf);
  const loadMatrixRows: number[] = [];
  for (let k = 0; k < m.nBr; k++) {
    if (m.brA[k] >= 0 && m.nodeMap[m.brA[k]] >= 0) loadMatrixRows.push(m.nodeMap[m.brA[k]]);
    if (m.brB[k] >= 0 && m.nodeMap[m.brB[k]] >= 0) loadMatrixRows.push(m.nodeMap[m.brB[k]]);
  }
  const reachRows = lu.reach(Int32Array.from(new Set(loadMatrixRows)));
  const inReach = new Uint8Array(lu.n);
  for (let q = 0; q < reachRows.length; q++) inReach[reachRows[q]] = 1;
  const rest: number[] = [];
  for (let r = 0; r < lu.n; r++) if (!inReach[r]) rest.push(r);
  const { v0Re, v0Im, scale } = branchVoltages(m);
  const nb = m.nBr;
  const pqLo2 = new Float64Array(nb).fill(Number.NaN);
  const pqHi2 = new Float64Array(nb).fill(Number.NaN);
  const pqZ = new Float64Array(nb);
  for (let k = 0; k < nb; k++) {
    if (m.brModel[k] !== 1 || m.brYlinRe[k] !== 0 || m.brYlinIm[k] !== 0) continue;
    pqLo2[k] = (m.brVminPu[k] * m.brVBase[k]) ** 2;
    pqHi2[k] = (m.brVmaxPu[k] * m.brVBase[k]) ** 2;
    // vmaxpu = 0: branchCurrent's factor 1 (the impedance of S at Vbase)
    pqZ[k] = m.brVmaxPu[k] !== 0 ? 1 / pqHi2[k] : 1 / m.brVBase[k] ** 2;
  }
  const reach = lu.restrict(reachRows);
  const posOf = (row: number): number => (row < 0 ? -1 : 2 * reach.position[row]);
  const posA = rowA.map(posOf);
  const posB = rowB.map(posOf);
  return { rowA, rowB, v0Re, v0Im, scale, reachRows, restRows: Int32Array.from(rest), reach, posA, posB, pqLo2, pqHi2, pqZ, nodeRow, reachNnz: reach.nnz };
}

/** No-load voltage of each load branch (V) and its convergence scale (V), from the model's v0. */
export function branchVoltages(m: SolverModel): { v0Re: Float64Array; v0Im: Float64Array; scale: Float64Array } {
  const nb = m.nBr;
  const v0Re = new Float64Array(nb);
  const v0Im = new Float64Array(nb);
  const scale = new Float64Array(nb);
  for (let k = 0; k < nb; k++) {
    const a = m.brA[k];
    const b = m.brB[k];
    v0Re[k] = (a >= 0 ? m.v0Re[a] : 0) - (b >= 0 ? m.v0Re[b] : 0);
    v0Im[k] = (a >= 0 ? m.v0Im[a] : 0) - (b >= 0 ? m.v0Im[b] : 0);
    // the branch's own base voltage, or its no-load voltage when that is larger
    scale[k] = Math.max(m.brVBase[k], Math.hypot(v0Re[k], v0Im[k]), 1);
  }
  return { v0Re, v0Im, scale };
}

/**
 * The part of a load stamped into Y: its constant-impedance part at base power (model 2 all of it,
 * models 3 and 7 their reactive part: 3 scales with the shape, but its base is what is stamped and
 * the iteration compensates the difference; 7 is a fixed reactance). Constant-power and constant-current parts stay out of Y: putting their
 * nominal admittance in would double, not cancel, the sensitivity the fixed-point iteration sees.
 */
function linearPart(l: Load): [number, number] {
  const p = (l.kW * 1000) / l.phases;
  const q = (l.kvar * 1000) / l.phases;
  const v2 = l.vBase * l.vBase;
  if (l.model === 2) return [p / v2, -q / v2];
  if (l.model === 3 || l.model === 7) return [0, -q / v2];
  return [0, 0];
}

/**
 * The admittance OpenDSS stamps for a power conversion element at its nominal output: −Yeq per
 * branch, Yeq = (P − jQ)/Vbase² with generation positive, i.e. (p − jq)/Vbase² in the grid layer's
 * consumption-positive p, q (model-3 generators: 1 % of it, as OpenDSS).
 */
function pceLinearPart(pce: Network['pces'][number]): [number, number] {
  let kW = 0;
  let kvar = 0;
  if (pce.kind === 'generator') {
    kW = pce.kW;
    kvar = pce.model === 3 ? 0 : pce.kvar;
  } else if (pce.kind === 'pvsystem') {
    kW = Math.min(pce.state.pmpp * pce.state.irradiance, pce.state.kVA);
  }
  const v2 = pce.vBase * pce.vBase;
  const p = (-kW * 1000) / pce.phases;
  const q = (-kvar * 1000) / pce.phases;
  const f = pce.kind === 'generator' && pce.model === 3 ? 0.01 : 1;
  return [(f * p * pce.zScale) / v2, (-f * q * pce.zScale) / v2];
}

/**
 * Stamps the nominal admittance of the loads that alone hold a part of the network to ground
 * (weak-grounding.ts), as OpenDSS stamps every load's; `brYlin*` record it for the compensation.
 */
function holdFloatingParts(
  network: Network,
  y: TripletMatrix,
  nk: number,
  red: (k: number) => number,
  branchNodes: readonly Int32Array[],
  sourceNodes: readonly Int32Array[],
  chains: SeriesChains,
  brLoad: readonly number[],
  brA: readonly number[],
  brB: readonly number[],
  brVBase: readonly number[],
  brYlinRe: number[],
  brYlinIm: number[],
): void {
  const candidates: GroundCandidate[] = [];
  const which: number[] = [];
  for (let k = 0; k < brLoad.length; k++) {
    if (brLoad[k] < 0 || brYlinRe[k] !== 0 || brYlinIm[k] !== 0 || (brA[k] < 0) === (brB[k] < 0)) continue;
    const row = red(brA[k] >= 0 ? brA[k] : brB[k]);
    const l = network.loads[brLoad[k]];
    const yeqAbs = (Math.hypot(l.kW, l.kvar) * 1000) / l.phases / (brVBase[k] * brVBase[k]);
    if (row < 0 || !(yeqAbs > 0)) continue;
    candidates.push({ row, yeqAbs });
    which.push(k);
  }
  if (candidates.length === 0) return;
  const joinGroups = (join: (a: number, b: number) => void): void => {
    // each element's conductors together, except that a transformer joins each winding's only
    const joinRun = (nodes: Int32Array, from: number, to: number): void => {
      let first = -1;
      for (let q = from; q < to; q++) {
        const r = red(nodes[q]);
        if (r < 0) continue;
        if (first < 0) first = r;
        else join(first, r);
      }
    };
    for (let k = 0; k < network.branches.length; k++) {
      if (chains.inChain[k]) continue;
      const b = network.branches[k];
      const nodes = branchNodes[k];
      if (b.kind !== 'transformer') joinRun(nodes, 0, nodes.length);
      else {
        let at = 0;
        for (const t of b.terminals) {
          joinRun(nodes, at, at + t.nodes.length);
          at += t.nodes.length;
        }
      }
    }
    for (let c = 0; c < chains.count; c++) {
      for (let q = chains.condOff[c]; q < chains.condOff[c] + chains.nc[c]; q++) join(red(chains.endA[q]), red(chains.endB[q]));
    }
    for (const nodes of sourceNodes) joinRun(nodes, 0, nodes.length);
    for (let k = 0; k < brLoad.length; k++) if (brA[k] >= 0 && brB[k] >= 0) join(red(brA[k]), red(brB[k]));
  };
  const held = loadsHoldingGround(nk, y, joinGroups, candidates);
  held.forEach((h, i) => {
    if (!h) return;
    const k = which[i];
    const l = network.loads[brLoad[k]];
    const v2 = brVBase[k] * brVBase[k];
    brYlinRe[k] = (l.kW * 1000) / l.phases / v2;
    brYlinIm[k] = -(l.kvar * 1000) / l.phases / v2;
    y.add(candidates[i].row, candidates[i].row, brYlinRe[k], brYlinIm[k]);
  });
}

/**
 * Matrix rows to eliminate before all others: the nodes of buses without a load, generator or
 * source that join at most two other buses once such buses are removed in turn (a path through the
 * feeder, or a dead end). Eliminated first, a path collapses onto its two ends and its nodes become
 * side branches of the elimination tree, off every load row's path to the root: the sparse
 * iteration's forward and back substitutions (over the reach of the load rows) skip them, and one
 * back substitution per solve recovers them. The fill is that of one branch between the two ends.
 */
function passThroughRows(network: Network, chains: SeriesChains, nodeBus: readonly number[], nodeMap: Int32Array, nk: number, busNodes: readonly Int32Array[]): Uint8Array {
  const nb = network.buses.length;
  const keep = new Uint8Array(nb);
  for (const s of network.sources) for (const t of s.terminals) keep[t.bus] = 1;
  for (const l of network.loads) keep[l.terminal.bus] = 1;
  for (const p of network.pces) keep[p.terminal.bus] = 1;
  // bus adjacency as short lists (a bus has a handful of neighbours)
  const adj: number[][] = [];
  for (let b = 0; b < nb; b++) adj.push([]);
  const link = (u: number, v: number): void => {
    if (u === v || adj[u].includes(v)) return;
    adj[u].push(v);
    adj[v].push(u);
  };
  const unlink = (u: number, v: number): void => {
    const list = adj[u];
    const at = list.indexOf(v);
    if (at < 0) return;
    list[at] = list[list.length - 1];
    list.pop();
  };
  network.branches.forEach((b, k) => {
    // a folded chain joins its two end buses (below; its interior buses have no matrix rows)
    if (chains.inChain[k]) return;
    const t = b.terminals;
    for (let i = 0; i < t.length; i++) for (let j = i + 1; j < t.length; j++) link(t[i].bus, t[j].bus);
  });
  for (let c = 0; c < chains.count; c++) link(nodeBus[chains.endA[chains.condOff[c]]], nodeBus[chains.endB[chains.condOff[c]]]);
  const removed = new Uint8Array(nb);
  const eligible = (b: number): boolean => !removed[b] && !keep[b] && !chains.interiorBus[b] && adj[b].length <= 2;
  const stack: number[] = [];
  for (let b = nb - 1; b >= 0; b--) if (eligible(b)) stack.push(b);
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (!eligible(v)) continue;
    removed[v] = 1;
    const nbrs = adj[v];
    for (let q = 0; q < nbrs.length; q++) unlink(nbrs[q], v);
    if (nbrs.length === 2) link(nbrs[0], nbrs[1]);
    adj[v] = [];
    for (let q = 0; q < nbrs.length; q++) if (eligible(nbrs[q])) stack.push(nbrs[q]);
  }
  // a row shared by several buses (a jumper) is eliminated first only when all of them are removed
  const first = new Uint8Array(nk).fill(1);
  const seen = new Uint8Array(nk);
  for (let b = 0; b < nb; b++) {
    const nodes = busNodes[b];
    for (let q = 0; q < nodes.length; q++) {
      const r = nodeMap[nodes[q]];
      if (r < 0) continue;
      seen[r] = 1;
      if (!removed[b]) first[r] = 0;
    }
  }
  for (let r = 0; r < nk; r++) if (!seen[r]) first[r] = 0;
  return first;
}

/** Rejects buses that no source reaches through lines and transformers. */
function checkConnected(network: Network, n: number, nodeBus: number[], branchNodes: Int32Array[], sourceNodes: Int32Array[]): void {
  const nb = network.buses.length;
  const adj: number[][] = [];
  for (let b = 0; b < nb; b++) adj.push([]);
  for (let k = 0; k < network.branches.length; k++) {
    const t = network.branches[k].terminals;
    const b0 = t[0].bus;
    for (let i = 1; i < t.length; i++) {
      const bi = t[i].bus;
      if (bi === b0) continue;
      adj[b0].push(bi);
      adj[bi].push(b0);
    }
  }
  const seen = new Uint8Array(nb);
  const stack: number[] = [];
  for (const s of network.sources) for (const t of s.terminals) if (!seen[t.bus]) (seen[t.bus] = 1), stack.push(t.bus);
  while (stack.length > 0) {
    const b = stack.pop()!;
    const next = adj[b];
    for (let q = 0; q < next.length; q++) {
      const c = next[q];
      if (!seen[c]) (seen[c] = 1), stack.push(c);
    }
  }
  const isolated = network.buses.map((_b, k) => k).filter((k) => !seen[k]);
  if (isolated.length > 0) {
    const list = isolated.slice(0, 5).map((k) => network.buses[k].name).join(', ') + (isolated.length > 5 ? `, … (${isolated.length} buses)` : '');
    // point at the element that brought the first unreachable bus into the circuit
    const el = elementAtBus(network, isolated[0]);
    const what = `buses not connected to any source: ${list}`;
    throw new DssError(el?.loc, el ? `${el.name} is on bus ${network.buses[isolated[0]].name}, which no source reaches (${what})` : `${network.file}: ${what}`);
  }
  void n;
  void nodeBus;
  void branchNodes;
  void sourceNodes;
}

/** Dense impedance matrix between the load nodes: columns of Y⁻¹, one sparse solve per node. */
function reduce(m: SolverModel): ReducedModel | undefined {
  const touched = new Set<number>();
  for (let k = 0; k < m.nBr; k++) {
    if (m.brA[k] >= 0) touched.add(m.brA[k]);
    if (m.brB[k] >= 0) touched.add(m.brB[k]);
  }
  const nodes = Int32Array.from([...touched].sort((a, b) => a - b));
  const r = nodes.length;
  const nb = m.nBr;
  if (r === 0 || nb > REDUCED_MAX_NODES) return undefined;
  const local = new Map<number, number>();
  nodes.forEach((node, k) => local.set(node, k));
  const luNodes = nodes.map((node) => m.nodeMap[node]);
  const nk = m.nMatrix;
  // node-to-node Z between the load nodes: one sparse solve per node
  const znRe = new Float64Array(r * r);
  const znIm = new Float64Array(r * r);
  const eRe = new Float64Array(nk);
  const eIm = new Float64Array(nk);
  const xRe = new Float64Array(nk);
  const xIm = new Float64Array(nk);
  for (let c = 0; c < r; c++) {
    eRe[luNodes[c]] = 1;
    m.lu.solve(eRe, eIm, xRe, xIm);
    eRe[luNodes[c]] = 0;
    for (let k = 0; k < r; k++) {
      znRe[k * r + c] = xRe[luNodes[k]];
      znIm[k * r + c] = xIm[luNodes[k]];
    }
  }
  const mapEnd = (a: number): number => (a < 0 ? -1 : local.get(a)!);
  const brA = m.brA.map(mapEnd);
  const brB = m.brB.map(mapEnd);
  // branch-to-branch Z: Zbb = A·Zn·Aᵀ with A[k] = e(a_k) − e(b_k)
  const z = new Float64Array(2 * nb * nb);
  const at = (i: number, j: number): [number, number] => (i < 0 || j < 0 ? [0, 0] : [znRe[i * r + j], znIm[i * r + j]]);
  for (let k = 0; k < nb; k++) {
    for (let l = 0; l < nb; l++) {
      const [aaR, aaI] = at(brA[k], brA[l]);
      const [abR, abI] = at(brA[k], brB[l]);
      const [baR, baI] = at(brB[k], brA[l]);
      const [bbR, bbI] = at(brB[k], brB[l]);
      z[2 * (k * nb + l)] = aaR - abR - baR + bbR;
      z[2 * (k * nb + l) + 1] = aaI - abI - baI + bbI;
    }
  }
  const { v0Re, v0Im, scale } = m.branchSpace;
  return { nodes, luNodes, brA, brB, z, v0Re, v0Im, scale, reachRows: m.lu.reach(luNodes) };
}

function isJumper(y: { re: Float64Array; im: Float64Array }): boolean {
  const limit = 1 / JUMPER_OHMS;
  for (let k = 0; k < y.re.length; k++) if (Math.abs(y.re[k]) > limit || Math.abs(y.im[k]) > limit) return true;
  return false;
}
