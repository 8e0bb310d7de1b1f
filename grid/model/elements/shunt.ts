/**
 * What Capacitor and Reactor share (OpenDSS Capacitor.pas / Reactor.pas): a per-phase admittance
 * stamped either wye — between each phase conductor of terminal 1 and the same conductor of
 * terminal 2 (bus2 defaults to bus1's bus with every conductor on node 0, a grounded shunt; a
 * bus2 elsewhere makes a series element) — or delta — between consecutive phases of terminal 1,
 * with no terminal 2. `branchSpec` turns them into a network branch; the class registry calls it
 * through `DssClass.branch`.
 */
import type { BranchSpec } from '../../dss/object-class.js';
import { type CMatrix, type Complex, cmatrix } from '../complex.js';
import type { BusRef } from './common.js';

export interface ShuntConnection {
  readonly name: string;
  readonly kind: BranchSpec['kind'];
  readonly phases: number;
  readonly conn: 'wye' | 'delta';
  readonly bus1: BusRef;
  readonly bus2: BusRef | undefined;
}

/** The line-to-neutral (wye, or one phase) or line-to-line (delta) kV a per-phase rating refers to. */
export function phaseKv(kV: number, phases: number, conn: 'wye' | 'delta'): number {
  return conn === 'delta' || phases === 1 ? kV : kV / Math.sqrt(3);
}

/**
 * The element's Yprim from per-phase admittances `y` (a full matrix `ym` instead, for matrix
 * data): wye [[Y, −Y], [−Y, Y]] over 2·phases conductors, delta Σ over phase pairs (k, k+1).
 */
export function shuntBranch(c: ShuntConnection, y: readonly Complex[] | CMatrix): BranchSpec {
  const n = c.phases;
  const ym: CMatrix = Array.isArray(y) ? diagonal(y as Complex[]) : (y as CMatrix);
  if (c.conn === 'delta') {
    const nc = n === 1 ? 2 : n;
    const out = cmatrix(nc);
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % nc;
      const re = ym.re[i * n + i];
      const im = ym.im[i * n + i];
      const add = (r: number, k: number, s: number) => ((out.re[r * nc + k] += s * re), (out.im[r * nc + k] += s * im));
      add(i, i, 1);
      add(j, j, 1);
      add(i, j, -1);
      add(j, i, -1);
    }
    return { name: c.name, kind: c.kind, terminals: [{ ref: c.bus1, nconds: nc, nphases: nc }], y: out, phases: n };
  }
  const out = cmatrix(2 * n);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < n; k++) {
      const re = ym.re[r * n + k];
      const im = ym.im[r * n + k];
      for (const [dr, dk, s] of [[0, 0, 1], [n, n, 1], [0, n, -1], [n, 0, -1]] as const) {
        out.re[(r + dr) * 2 * n + k + dk] += s * re;
        out.im[(r + dr) * 2 * n + k + dk] += s * im;
      }
    }
  }
  const bus2: BusRef = c.bus2 ?? { bus: c.bus1.bus, nodes: new Array(n).fill(0) };
  return { name: c.name, kind: c.kind, terminals: [{ ref: c.bus1, nconds: n, nphases: n }, { ref: bus2, nconds: n, nphases: n }], y: out, phases: n };
}

function diagonal(y: readonly Complex[]): CMatrix {
  const n = y.length;
  const m = cmatrix(n);
  for (let k = 0; k < n; k++) {
    m.re[k * n + k] = y[k].re;
    m.im[k * n + k] = y[k].im;
  }
  return m;
}

/** 1 / (r + jx) */
export function admittance(r: number, x: number): Complex {
  const d = r * r + x * x;
  return { re: r / d, im: -x / d };
}
