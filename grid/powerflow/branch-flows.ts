/**
 * Branch flows of a solved power flow, computed only when asked (the solve itself never does this
 * work): each line's and transformer's terminal currents I = Yprim·V, its loading as OpenDSS reports
 * it (the largest phase-conductor current at terminal 1 over NormAmps: OpenDSS's
 * `MaxTerminalOneIMag`, the `%Normal` of `Export Overloads`) and its losses Σ V·conj(I) over every
 * conductor (OpenDSS `Export Losses`, Total(W)). `branchFlows` fills preallocated typed arrays and
 * allocates nothing, for a time series' every sub-step.
 *
 * A merged jumper (compile.ts, JUMPER_OHMS) has no voltage across it in the solution, so its series
 * current cannot be recovered from Yprim·V (1e10 S times rounding noise): its current is reported
 * as NaN (unknown), and its losses are those of its capacitance alone, as GridMeter counts them.
 */
import { GridError } from '../errors.js';
import type { SolverModel } from './compile.js';
import { elementCurrents } from './result.js';

/** Per-branch results of one solution, indexed like `network.branches`. */
export interface BranchFlows {
  /** the model these buffers were made for (its Yprims are packed below) */
  readonly model: SolverModel;
  /** largest phase-conductor current magnitude at terminal 1, A (NaN for a merged jumper) */
  readonly terminalOneAmps: Float64Array;
  /** active losses of the element (Σ over its conductors of V·conj(I)), W */
  readonly lossesW: Float64Array;
  /** reactive losses, var */
  readonly lossesVar: Float64Array;
  /**
   * every branch's nodes and Yprim packed once into flat typed arrays (branch b: nodes
   * nodeAt[b]…nodeAt[b+1], its n×n matrix from yAt[b]), so that the per-step pass reads typed
   * arrays only, never the branch objects (whose shapes differ by element class)
   */
  readonly nodeAt: Int32Array;
  readonly nodes: Int32Array;
  readonly yAt: Int32Array;
  readonly yRe: Float64Array;
  readonly yIm: Float64Array;
  /** per branch: terminal 1's phase conductors (the first `phases` of its conductors, OpenDSS's order); −1 for a merged jumper */
  readonly phaseConductors: Int32Array;
}

/** Preallocated outputs (and the packed Yprims) for `branchFlows` on model `m`. */
export function newBranchFlows(m: SolverModel): BranchFlows {
  const branches = m.network.branches;
  const nb = branches.length;
  const nodeAt = new Int32Array(nb + 1);
  const yAt = new Int32Array(nb + 1);
  for (let b = 0; b < nb; b++) {
    const n = m.branchNodes[b].length;
    nodeAt[b + 1] = nodeAt[b] + n;
    yAt[b + 1] = yAt[b] + n * n;
  }
  const nodes = new Int32Array(nodeAt[nb]);
  const yRe = new Float64Array(yAt[nb]);
  const yIm = new Float64Array(yAt[nb]);
  const phaseConductors = new Int32Array(nb);
  for (let b = 0; b < nb; b++) {
    const br = branches[b];
    const n = m.branchNodes[b].length;
    nodes.set(m.branchNodes[b], nodeAt[b]);
    yRe.set(br.y.re.subarray(0, n * n), yAt[b]);
    yIm.set(br.y.im.subarray(0, n * n), yAt[b]);
    phaseConductors[b] = m.jumpers[b] === 1 ? -1 : Math.min(br.phases, br.terminals[0]?.nodes.length ?? 0);
  }
  return { model: m, terminalOneAmps: new Float64Array(nb), lossesW: new Float64Array(nb), lossesVar: new Float64Array(nb), nodeAt, nodes, yAt, yRe, yIm, phaseConductors };
}

/**
 * Terminal currents and losses of every branch of solution (vRe, vIm) on model `m`, written into
 * `out` (allocation-free; `out` made by `newBranchFlows(m)`). Currents in A, losses in W and var
 * (positive: consumed by the element).
 */
export function branchFlows(m: SolverModel, vRe: Float64Array, vIm: Float64Array, out: BranchFlows = newBranchFlows(m)): BranchFlows {
  if (out.model !== m) throw new GridError('branchFlows: the buffers were made for another model (make them with newBranchFlows of this one)');
  const { nodeAt, nodes, yAt, yRe, yIm, phaseConductors, terminalOneAmps, lossesW, lossesVar } = out;
  const nb = phaseConductors.length;
  for (let b = 0; b < nb; b++) {
    const n0 = nodeAt[b];
    const n = nodeAt[b + 1] - n0;
    const phases = phaseConductors[b];
    let p = 0;
    let q = 0;
    if (phases >= 0) {
      const y0 = yAt[b];
      let mx = 0;
      for (let r = 0; r < n; r++) {
        const row = y0 + r * n;
        let ir = 0;
        let ii = 0;
        for (let c = 0; c < n; c++) {
          const k = nodes[n0 + c];
          if (k < 0) continue;
          const ar = yRe[row + c];
          const ai = yIm[row + c];
          const vr = vRe[k];
          const vi = vIm[k];
          ir += ar * vr - ai * vi;
          ii += ar * vi + ai * vr;
        }
        if (r < phases) {
          const mag2 = ir * ir + ii * ii;
          if (mag2 > mx) mx = mag2;
        }
        const k = nodes[n0 + r];
        if (k < 0) continue;
        p += vRe[k] * ir + vIm[k] * ii;
        q += vIm[k] * ir - vRe[k] * ii;
      }
      terminalOneAmps[b] = Math.sqrt(mx);
    } else {
      terminalOneAmps[b] = Number.NaN;
      const y = m.network.branches[b].shuntEnd;
      // each pi end's shunt on its own terminal's conductors (the merged nodes)
      const s = y ? y.n : 0;
      for (let r = 0; y && r < n; r++) {
        const k = nodes[n0 + r];
        if (k < 0) continue;
        const off = r < s ? 0 : s;
        let ir = 0;
        let ii = 0;
        for (let c = 0; c < s; c++) {
          const kc = nodes[n0 + off + c];
          if (kc < 0) continue;
          ir += y.re[(r - off) * s + c] * vRe[kc] - y.im[(r - off) * s + c] * vIm[kc];
          ii += y.re[(r - off) * s + c] * vIm[kc] + y.im[(r - off) * s + c] * vRe[kc];
        }
        p += vRe[k] * ir + vIm[k] * ii;
        q += vIm[k] * ir - vRe[k] * ii;
      }
    }
    lossesW[b] = p;
    lossesVar[b] = q;
  }
  return out;
}

/**
 * Current into each conductor of each terminal of branch `b` (A, as complex re/im), terminal by
 * terminal in OpenDSS's order: what `Export Currents` lists for the element.
 */
export function branchTerminalCurrents(m: SolverModel, b: number, vRe: Float64Array, vIm: Float64Array): { re: number; im: number }[][] {
  const br = m.network.branches[b];
  const i = elementCurrents(m.branchNodes[b], br.y.re, br.y.im, vRe, vIm);
  const out: { re: number; im: number }[][] = [];
  let start = 0;
  for (const t of br.terminals) {
    out.push(Array.from({ length: t.nodes.length }, (_v, k) => ({ re: i.re[start + k], im: i.im[start + k] })));
    start += t.nodes.length;
  }
  return out;
}

/**
 * A branch's loading as OpenDSS's %Normal (`Export Overloads`): its largest phase-conductor current
 * at terminal 1 (A) over its NormAmps (A), in %; 0 for an unrated branch (NormAmps 0), NaN for an
 * unknown current. The one definition of loading (branches.csv, the grid operator's checks).
 */
export function loadingPct(amps: number, normAmps: number): number {
  return normAmps > 0 ? (100 * amps) / normAmps : 0;
}

/** A transformer loaded above its NormAmps in one solution. */
export interface TransformerOverload {
  /** index into network.branches */
  readonly branch: number;
  /** terminal-1 current (largest phase conductor), A */
  readonly amps: number;
  /** OpenDSS NormAmps (from NormHkVA) and EmergAmps (from EmergHkVA), A */
  readonly normAmps: number;
  readonly emergAmps: number;
  /** OpenDSS's %Normal and %Emergency */
  readonly loadingPct: number;
  readonly emergencyPct: number;
}

/**
 * The transformers of solution `flows` loaded above 100 % of NormAmps, in branch order: the
 * transformer rows of OpenDSS's `Export Overloads` (its NormHkVA is 110 % of winding 1's kVA unless
 * set, EmergHkVA 150 %; see transformerNormAmps). Allocates only for the overloaded ones.
 */
export function transformerOverloads(flows: BranchFlows): TransformerOverload[] {
  const branches = flows.model.network.branches;
  const out: TransformerOverload[] = [];
  for (let b = 0; b < branches.length; b++) {
    const br = branches[b];
    if (br.kind !== 'transformer' || !(br.normAmps > 0)) continue;
    const amps = flows.terminalOneAmps[b];
    const pct = loadingPct(amps, br.normAmps);
    if (!(pct > 100)) continue;
    out.push({ branch: b, amps, normAmps: br.normAmps, emergAmps: br.emergAmps, loadingPct: pct, emergencyPct: loadingPct(amps, br.emergAmps) });
  }
  return out;
}

/**
 * Loading and losses of every branch accumulated over a time series (plain typed arrays, indexed
 * like `network.branches`): peak and mean loading in % of NormAmps, the minute of the peak, the
 * hours above 100 %, energy lost (kWh) and the peak loss (kW). `samples` counts the solutions added (converged ones only).
 */
export interface BranchStats {
  samples: number;
  readonly peakAmps: Float64Array;
  readonly peakPct: Float64Array;
  readonly peakMinute: Float64Array;
  readonly sumPct: Float64Array;
  readonly lossesKwh: Float64Array;
  readonly peakLossKw: Float64Array;
  /** hours above 100 % of NormAmps */
  readonly overloadedH: Float64Array;
}

export function emptyBranchStats(nBranches: number): BranchStats {
  const z = () => new Float64Array(nBranches);
  return { samples: 0, peakAmps: z(), peakPct: z(), peakMinute: z().fill(Number.NaN), sumPct: z(), lossesKwh: z(), peakLossKw: z(), overloadedH: z() };
}

/** A copy (the accumulator of an immutable agent state is copied before it is added to). */
export function cloneBranchStats(s: BranchStats): BranchStats {
  return { samples: s.samples, peakAmps: s.peakAmps.slice(), peakPct: s.peakPct.slice(), peakMinute: s.peakMinute.slice(), sumPct: s.sumPct.slice(), lossesKwh: s.lossesKwh.slice(), peakLossKw: s.peakLossKw.slice(), overloadedH: s.overloadedH.slice() };
}

/**
 * Adds one solution's flows, held for `hours` h from minute `minute`, to `stats`. `normAmps` per
 * branch (0: no rating, its loading stays 0). A jumper's unknown current (NaN) leaves its loading
 * NaN, never a quiet 0.
 */
export function addBranchFlows(stats: BranchStats, flows: BranchFlows, normAmps: ArrayLike<number>, hours: number, minute: number): void {
  const n = stats.peakPct.length;
  for (let b = 0; b < n; b++) {
    const amps = flows.terminalOneAmps[b];
    const pct = loadingPct(amps, normAmps[b]);
    if (Number.isNaN(amps)) {
      stats.peakAmps[b] = Number.NaN;
      stats.peakPct[b] = Number.NaN;
      stats.sumPct[b] = Number.NaN;
    } else if (stats.samples === 0 || amps > stats.peakAmps[b]) {
      stats.peakAmps[b] = amps;
      stats.peakPct[b] = pct;
      stats.peakMinute[b] = minute;
    }
    stats.sumPct[b] += pct;
    if (pct > 100) stats.overloadedH[b] += hours;
    const kw = flows.lossesW[b] / 1000;
    stats.lossesKwh[b] += kw * hours;
    if (stats.samples === 0 || kw > stats.peakLossKw[b]) stats.peakLossKw[b] = kw;
  }
  stats.samples++;
}

/**
 * Run-time invariant (DESIGN rule 9): the branches' losses add up to the power balance's
 * (`lossesKw`, GridMeter), to rounding (1e-9 of the branch terms the losses are summed from, kVA,
 * plus 1 mW). Throws with both figures otherwise.
 */
export function checkBranchLosses(flows: BranchFlows, lossesKw: number, termsKva: number): void {
  let sum = 0;
  for (let b = 0; b < flows.lossesW.length; b++) sum += flows.lossesW[b];
  const limit = 1e-9 * termsKva * 1000 + 1e-3;
  if (!(Math.abs(sum - lossesKw * 1000) <= limit)) {
    throw new GridError(`branch losses do not add up: Σ over branches ${(sum / 1000).toFixed(9)} kW, power balance ${lossesKw.toFixed(9)} kW (more than ${(limit / 1000).toExponential(2)} kW apart)`);
  }
}
