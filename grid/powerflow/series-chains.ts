/**
 * Series-chain reduction. Feeders exported from GIS are cut into many short segments: 701 of the
 * IEEE European LV feeder's 907 buses join exactly two lines and nothing else. Through such a bus
 * the same current flows in both lines, so a chain of shunt-free segments between two other buses
 * is exactly one line with the summed impedance; the buses inside it are removed from the nodal
 * matrix and their voltages recovered afterwards: with I = Y_chain·(V_a − V_b) the current through the
 * chain, V_m = V_a − Z(a→m)·I, where Z(a→m) is the impedance accumulated from end a.
 * The reduction is exact (no approximation): it is Kron reduction of nodes without injections.
 */
import type { Network } from '../model/network.js';
import { type CMatrix, cinvert, cmatrix } from '../model/complex.js';

/** Chains wider than this many conductors stay in the matrix (scratch arrays are this long). */
const MAX_CONDUCTORS = 64;

export interface SeriesChains {
  readonly count: number;
  /** branches replaced by chains */
  readonly inChain: Uint8Array;
  /** buses removed from the nodal matrix */
  readonly interiorBus: Uint8Array;
  /** per chain: conductors, and the full node of each conductor at end a and end b (−1 = ground) */
  readonly nc: Int32Array;
  readonly condOff: Int32Array;
  readonly endA: Int32Array;
  readonly endB: Int32Array;
  /** per chain: total admittance Y = (Σ Z)⁻¹, nc × nc row-major at matOff */
  readonly matOff: Int32Array;
  readonly yRe: Float64Array;
  readonly yIm: Float64Array;
  /** interior buses of chain c are intPtr[c] … intPtr[c+1]−1; their nodes and Z(a→m) */
  readonly intPtr: Int32Array;
  readonly intNodeOff: Int32Array;
  readonly intNodes: Int32Array;
  readonly intMatOff: Int32Array;
  readonly zRe: Float64Array;
  readonly zIm: Float64Array;
  /**
   * per chain: 1 when every interior Z(a→m) is a real multiple α_m of the chain's total Z (segments
   * of one line code, the usual GIS cut), and then per interior bus α_m. Since Z_total·I = Va − Vb,
   * V_m = Va − α_m·(Va − Vb) exactly: three complex operations per node instead of a 3×3 product.
   */
  readonly uniform: Uint8Array;
  readonly alpha: Float64Array;
}

/** Relative size (of the largest entry of Z_total) below which Z(a→m) − α·Z_total counts as zero. */
const UNIFORM_TOLERANCE = 1e-12;

/** α with z = α·total to within UNIFORM_TOLERANCE, else NaN. */
function proportion(z: CMatrix, total: CMatrix): number {
  let big = 0;
  let at = 0;
  for (let k = 0; k < total.re.length; k++) {
    const mag = Math.abs(total.re[k]) + Math.abs(total.im[k]);
    if (mag > big) {
      big = mag;
      at = k;
    }
  }
  if (!(big > 0)) return Number.NaN;
  const alpha = Math.abs(total.re[at]) >= Math.abs(total.im[at]) ? z.re[at] / total.re[at] : z.im[at] / total.im[at];
  for (let k = 0; k < total.re.length; k++) {
    if (Math.abs(z.re[k] - alpha * total.re[k]) > UNIFORM_TOLERANCE * big || Math.abs(z.im[k] - alpha * total.im[k]) > UNIFORM_TOLERANCE * big) return Number.NaN;
  }
  return alpha;
}

/**
 * Finds every maximal chain of shunt-free lines through buses that join exactly those two lines
 * with the same nodes on both sides and nothing else. `nodeOf(bus, number)` gives the full index.
 */
export function findSeriesChains(network: Network, nodeOf: (bus: number, num: number) => number, enabled = true, excluded?: Uint8Array): SeriesChains {
  const nb = network.buses.length;
  const uses: { branch: number; terminal: number }[][] = [];
  for (let b = 0; b < nb; b++) uses.push([]);
  const other = new Uint8Array(nb);
  network.branches.forEach((br, b) =>
    br.terminals.forEach((t, ti) => {
      // an excluded branch (a jumper folded elsewhere) counts as another element at its buses
      if (excluded?.[b]) other[t.bus] = 1;
      else uses[t.bus].push({ branch: b, terminal: ti });
    }),
  );
  for (const s of network.sources) for (const t of s.terminals) other[t.bus] = 1;
  for (const l of network.loads) other[l.terminal.bus] = 1;
  for (const p of network.pces) other[p.terminal.bus] = 1;

  const sameNodes = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, k) => v === b[k]);
  const isInterior = (bus: number): boolean => {
    if (other[bus] || uses[bus].length !== 2) return false;
    const [u, v] = uses[bus];
    if (u.branch === v.branch) return false;
    const bu = network.branches[u.branch];
    const bv = network.branches[v.branch];
    if (!bu.seriesZ || !bv.seriesZ || bu.shunt || bv.shunt || bu.phases !== bv.phases || bu.phases > MAX_CONDUCTORS) return false;
    const nu = bu.terminals[u.terminal].nodes;
    const nv = bv.terminals[v.terminal].nodes;
    return sameNodes(nu, nv) && !nu.includes(0) && new Set(nu).size === nu.length;
  };
  const interiorBus = new Uint8Array(nb);
  if (enabled) for (let b = 0; b < nb; b++) if (isInterior(b)) interiorBus[b] = 1;

  const inChain = new Uint8Array(network.branches.length);
  const nc: number[] = [];
  const condOff: number[] = [];
  const endA: number[] = [];
  const endB: number[] = [];
  const matOff: number[] = [];
  const yRe: number[] = [];
  const yIm: number[] = [];
  const intPtr: number[] = [0];
  const intNodeOff: number[] = [];
  const intNodes: number[] = [];
  const intMatOff: number[] = [];
  const zRe: number[] = [];
  const zIm: number[] = [];
  const uniform: number[] = [];
  const alpha: number[] = [];

  const conductorNodes = (branch: number, terminal: number): number[] => {
    const t = network.branches[branch].terminals[terminal];
    return t.nodes.map((num) => nodeOf(t.bus, num));
  };

  // start a walk at every line terminal on a non-interior bus whose other end is interior
  network.branches.forEach((br, b0) => {
    if (inChain[b0] || !br.seriesZ || br.shunt || br.kind !== 'line' || excluded?.[b0]) return;
    for (const startTerm of [0, 1]) {
      const farTerm = 1 - startTerm;
      if (interiorBus[br.terminals[startTerm].bus] || !interiorBus[br.terminals[farTerm].bus]) continue;
      const n = br.phases;
      const acc = cmatrix(n);
      const interiors: { nodes: number[]; z: CMatrix }[] = [];
      let branch = b0;
      let enter = startTerm;
      const a = conductorNodes(b0, startTerm);
      let endNodes: number[] = [];
      for (let guard = 0; guard <= network.branches.length; guard++) {
        inChain[branch] = 1;
        const z = network.branches[branch].seriesZ!;
        for (let k = 0; k < n * n; k++) {
          acc.re[k] += z.re[k];
          acc.im[k] += z.im[k];
        }
        const exit = 1 - enter;
        const bus = network.branches[branch].terminals[exit].bus;
        if (!interiorBus[bus]) {
          endNodes = conductorNodes(branch, exit);
          break;
        }
        interiors.push({ nodes: conductorNodes(branch, exit), z: { n, re: Float64Array.from(acc.re), im: Float64Array.from(acc.im) } });
        const next = uses[bus].find((u) => u.branch !== branch)!;
        branch = next.branch;
        enter = next.terminal;
      }
      const y = cinvert(acc);
      if (!y) continue; // cannot happen for lines whose own impedances are invertible
      nc.push(n);
      condOff.push(endA.length);
      endA.push(...a);
      endB.push(...endNodes);
      matOff.push(yRe.length);
      yRe.push(...y.re);
      yIm.push(...y.im);
      const alphas = interiors.map((it) => proportion(it.z, acc));
      uniform.push(alphas.every((a) => !Number.isNaN(a)) ? 1 : 0);
      alpha.push(...alphas);
      for (const it of interiors) {
        intNodeOff.push(intNodes.length);
        intNodes.push(...it.nodes);
        intMatOff.push(zRe.length);
        zRe.push(...it.z.re);
        zIm.push(...it.z.im);
      }
      intPtr.push(intNodeOff.length);
    }
  });
  // a ring of interior buses with no end cannot occur on a connected feeder fed from a source;
  // any interior bus not reached by a walk is kept in the matrix
  const reached = new Uint8Array(nb);
  network.branches.forEach((br, b) => {
    if (inChain[b]) for (const t of br.terminals) reached[t.bus] = 1;
  });
  for (let b = 0; b < nb; b++) if (interiorBus[b] && !reached[b]) interiorBus[b] = 0;

  return {
    count: nc.length,
    inChain,
    interiorBus,
    nc: Int32Array.from(nc),
    condOff: Int32Array.from(condOff),
    endA: Int32Array.from(endA),
    endB: Int32Array.from(endB),
    matOff: Int32Array.from(matOff),
    yRe: Float64Array.from(yRe),
    yIm: Float64Array.from(yIm),
    intPtr: Int32Array.from(intPtr),
    intNodeOff: Int32Array.from(intNodeOff),
    intNodes: Int32Array.from(intNodes),
    intMatOff: Int32Array.from(intMatOff),
    zRe: Float64Array.from(zRe),
    zIm: Float64Array.from(zIm),
    uniform: Uint8Array.from(uniform),
    alpha: Float64Array.from(alpha),
  };
}

const dRe = new Float64Array(MAX_CONDUCTORS);
const dIm = new Float64Array(MAX_CONDUCTORS);
const aRe = new Float64Array(MAX_CONDUCTORS);
const aIm = new Float64Array(MAX_CONDUCTORS);
const iRe = new Float64Array(MAX_CONDUCTORS);
const iIm = new Float64Array(MAX_CONDUCTORS);

/** Fills the voltages of interior buses from the chain ends (full node indexing). */
export function expandChains(ch: SeriesChains, vRe: Float64Array, vIm: Float64Array): void {
  const { nc, condOff, endA, endB, matOff, yRe, yIm, intPtr, intNodeOff, intNodes, intMatOff, zRe, zIm, uniform, alpha } = ch;
  for (let c = 0; c < ch.count; c++) {
    const n = nc[c];
    const co = condOff[c];
    const mo = matOff[c];
    if (uniform[c]) {
      for (let k = 0; k < n; k++) {
        const a = endA[co + k];
        const b = endB[co + k];
        const ar = a >= 0 ? vRe[a] : 0;
        const ai = a >= 0 ? vIm[a] : 0;
        const dr = ar - (b >= 0 ? vRe[b] : 0);
        const di = ai - (b >= 0 ? vIm[b] : 0);
        for (let m = intPtr[c]; m < intPtr[c + 1]; m++) {
          const node = intNodes[intNodeOff[m] + k];
          vRe[node] = ar - alpha[m] * dr;
          vIm[node] = ai - alpha[m] * di;
        }
      }
      continue;
    }
    // end-a voltages and the voltage across the chain
    for (let k = 0; k < n; k++) {
      const a = endA[co + k];
      const b = endB[co + k];
      const ar = a >= 0 ? vRe[a] : 0;
      const ai = a >= 0 ? vIm[a] : 0;
      aRe[k] = ar;
      aIm[k] = ai;
      iRe[k] = ar - (b >= 0 ? vRe[b] : 0);
      iIm[k] = ai - (b >= 0 ? vIm[b] : 0);
    }
    // I = Y (Va − Vb), in place through two scalars per row
    if (n === 3) {
      const d0r = iRe[0], d0i = iIm[0], d1r = iRe[1], d1i = iIm[1], d2r = iRe[2], d2i = iIm[2];
      for (let r = 0; r < 3; r++) {
        const o = mo + 3 * r;
        iRe[r] = yRe[o] * d0r - yIm[o] * d0i + yRe[o + 1] * d1r - yIm[o + 1] * d1i + yRe[o + 2] * d2r - yIm[o + 2] * d2i;
        iIm[r] = yRe[o] * d0i + yIm[o] * d0r + yRe[o + 1] * d1i + yIm[o + 1] * d1r + yRe[o + 2] * d2i + yIm[o + 2] * d2r;
      }
      const i0r = iRe[0], i0i = iIm[0], i1r = iRe[1], i1i = iIm[1], i2r = iRe[2], i2i = iIm[2];
      for (let m = intPtr[c]; m < intPtr[c + 1]; m++) {
        const no = intNodeOff[m];
        const zo = intMatOff[m];
        for (let r = 0; r < 3; r++) {
          const o = zo + 3 * r;
          vRe[intNodes[no + r]] = aRe[r] - (zRe[o] * i0r - zIm[o] * i0i + zRe[o + 1] * i1r - zIm[o + 1] * i1i + zRe[o + 2] * i2r - zIm[o + 2] * i2i);
          vIm[intNodes[no + r]] = aIm[r] - (zRe[o] * i0i + zIm[o] * i0r + zRe[o + 1] * i1i + zIm[o + 1] * i1r + zRe[o + 2] * i2i + zIm[o + 2] * i2r);
        }
      }
      continue;
    }
    dRe.set(iRe.subarray(0, n));
    dIm.set(iIm.subarray(0, n));
    for (let r = 0; r < n; r++) {
      let sr = 0;
      let si = 0;
      for (let k = 0; k < n; k++) {
        const yr = yRe[mo + r * n + k];
        const yi = yIm[mo + r * n + k];
        sr += yr * dRe[k] - yi * dIm[k];
        si += yr * dIm[k] + yi * dRe[k];
      }
      iRe[r] = sr;
      iIm[r] = si;
    }
    for (let m = intPtr[c]; m < intPtr[c + 1]; m++) {
      const no = intNodeOff[m];
      const zo = intMatOff[m];
      for (let r = 0; r < n; r++) {
        let sr = aRe[r];
        let si = aIm[r];
        for (let k = 0; k < n; k++) {
          const zr = zRe[zo + r * n + k];
          const zi = zIm[zo + r * n + k];
          sr -= zr * iRe[k] - zi * iIm[k];
          si -= zr * iIm[k] + zi * iRe[k];
        }
        vRe[intNodes[no + r]] = sr;
        vIm[intNodes[no + r]] = si;
      }
    }
  }
}
