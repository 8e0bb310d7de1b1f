/**
 * Reactor (OpenDSS Reactor.pas): a per-phase impedance, shunt to ground when bus2 is not written
 * (bus2 = bus1's bus, every conductor on node 0) or in series between bus1 and bus2. The impedance
 * comes from whichever was written last: `kvar` at `kv` (X = kV_phase²·1000 / kvar_phase, R kept),
 * `R`/`X` (Ω, in series; `Parallel=yes` puts `Rmatrix` and `Xmatrix` in parallel), `LmH` (X = ωL), sequence `Z1`/`Z0`
 * (Ω, complex `[r x]`), or `Rmatrix`/`Xmatrix`. `Rp` adds a parallel resistance.
 */
import { DssError } from '../../errors.js';
import type { DssClass, SetContext } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { parseBoolean, parseMatrix, parseNumberArray } from '../../dss/values.js';
import { type CMatrix, type Complex, cinvert, cmatrix } from '../complex.js';
import { type BusRef, type ElementBase, elementDefaults, enabledProperty, num, parseBusRef, text, MAX_PHASES } from './common.js';
import { admittance, phaseKv, shuntBranch } from './shunt.js';

export interface ReactorState extends ElementBase {
  bus1: BusRef;
  bus2: BusRef | undefined;
  phases: number;
  kvar: number;
  kV: number;
  conn: 'wye' | 'delta';
  rmatrix: Float64Array | undefined;
  xmatrix: Float64Array | undefined;
  parallel: boolean;
  r: number;
  x: number;
  rp: number | undefined;
  z1: Complex;
  z0: Complex;
  lmH: number;
  spec: 'kvar' | 'rx' | 'matrix' | 'sequence' | 'lmh';
}

function complexValue(v: string, ctx: SetContext): Complex {
  const vals = parseNumberArray(v, ctx.loc, ctx.prop);
  if (vals.length !== 2) throw new DssError(ctx.loc, `${ctx.prop}: expected [R X], got '${v}'`);
  return { re: vals[0], im: vals[1] };
}

export const reactorClass: DssClass<ReactorState> = {
  name: 'reactor',
  create: (name) => ({
    ...elementDefaults(name),
    bus2: undefined,
    kvar: 100,
    conn: 'wye',
    rmatrix: undefined,
    xmatrix: undefined,
    parallel: false,
    r: 0,
    x: 0,
    rp: undefined,
    z1: { re: 0, im: 0 },
    z0: { re: 0, im: 0 },
    lmH: 0,
    spec: 'kvar',
  }),
  properties: [
    text('bus1', (s, v, ctx) => void ((s.bus1 = parseBusRef(v, ctx)), (s.bus2 = undefined))),
    text('bus2', (s, v, ctx) => void (s.bus2 = parseBusRef(v, ctx))),
    num('phases', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1 || v > MAX_PHASES) throw new DssError(ctx.loc, `phases: expected a whole number from 1 to ${MAX_PHASES}, got ${v}`);
      s.phases = v;
    }),
    num('kvar', (s, v) => void ((s.kvar = v), (s.spec = 'kvar'))),
    num('kv', (s, v) => void (s.kV = v)),
    text('conn', (s, v, ctx) => {
      const t = v.trim().toLowerCase();
      if (t.startsWith('w') || t.startsWith('y') || t === 'ln') s.conn = 'wye';
      else if (t.startsWith('d') || t === 'll') s.conn = 'delta';
      else throw new DssError(ctx.loc, `conn: expected wye or delta, got '${v}'`);
    }),
    text('Rmatrix', (s, v, ctx) => void ((s.rmatrix = parseMatrix(v, ctx.loc, 'Rmatrix').values), (s.spec = 'matrix'))),
    text('Xmatrix', (s, v, ctx) => void ((s.xmatrix = parseMatrix(v, ctx.loc, 'Xmatrix').values), (s.spec = 'matrix'))),
    text('Parallel', (s, v, ctx) => void (s.parallel = parseBoolean(v, ctx.loc, 'Parallel'))),
    num('R', (s, v) => void ((s.r = v), (s.spec = s.spec === 'kvar' || s.spec === 'lmh' ? s.spec : 'rx'))),
    num('X', (s, v) => void ((s.x = v), (s.spec = 'rx'))),
    num('Rp', (s, v) => void (s.rp = v)),
    text('Z1', (s, v, ctx) => void ((s.z1 = complexValue(v, ctx)), (s.spec = 'sequence'))),
    ignoredProperty('Z2'),
    text('Z0', (s, v, ctx) => void ((s.z0 = complexValue(v, ctx)), (s.spec = 'sequence'))),
    text('Z', (s, v, ctx) => {
      const z = complexValue(v, ctx);
      s.r = z.re;
      s.x = z.im;
      s.spec = 'rx';
    }),
    ignoredProperty('RCurve'),
    ignoredProperty('LCurve'),
    num('LmH', (s, v) => void ((s.lmH = v), (s.spec = 'lmh'))),
    ignoredProperty('normamps'),
    ignoredProperty('emergamps'),
    ignoredProperty('faultrate'),
    ignoredProperty('pctperm'),
    ignoredProperty('repair'),
    ignoredProperty('basefreq'),
    enabledProperty(),
  ],
  branch: (s, env) => {
    const n = s.phases;
    const w = 2 * Math.PI * env.baseFrequencyHz;
    const loc = undefined;
    const fail = (why: string): never => {
      throw new DssError(loc, `Reactor.${s.name}: ${why}`);
    };
    let y: Complex[] | CMatrix;
    if (s.spec === 'matrix') {
      if (!s.rmatrix || !s.xmatrix || s.rmatrix.length !== n * n || s.xmatrix.length !== n * n) fail(`Rmatrix and Xmatrix must both be ${n}×${n}`);
      const z = cmatrix(n);
      z.re.set(s.rmatrix!);
      z.im.set(s.xmatrix!);
      if (s.parallel) {
        // Parallel=yes: Y = R⁻¹ + (jX)⁻¹ (it applies to the matrices only, as in OpenDSS)
        const r = cmatrix(n);
        r.re.set(s.rmatrix!);
        const x = cmatrix(n);
        x.im.set(s.xmatrix!);
        const yr = cinvert(r) ?? fail('Rmatrix is singular (Parallel=yes)');
        const yx = cinvert(x) ?? fail('Xmatrix is singular (Parallel=yes)');
        const sum = cmatrix(n);
        for (let i = 0; i < n * n; i++) (sum.re[i] = yr.re[i] + yx.re[i]), (sum.im[i] = yr.im[i] + yx.im[i]);
        y = sum;
      } else y = cinvert(z) ?? fail('its impedance matrix is singular');
    } else if (s.spec === 'sequence') {
      const z = cmatrix(n);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) {
          z.re[r * n + c] = r === c ? (2 * s.z1.re + s.z0.re) / 3 : (s.z0.re - s.z1.re) / 3;
          z.im[r * n + c] = r === c ? (2 * s.z1.im + s.z0.im) / 3 : (s.z0.im - s.z1.im) / 3;
        }
      }
      y = cinvert(z) ?? fail('its sequence impedance is singular');
    } else {
      let r = s.r;
      let x = s.x;
      if (s.spec === 'kvar') {
        if (!(s.kvar > 0) || !(s.kV > 0)) fail(`kvar and kv must be positive (kvar=${s.kvar}, kv=${s.kV})`);
        x = (phaseKv(s.kV, n, s.conn) ** 2 * 1000) / (s.kvar / n);
      } else if (s.spec === 'lmh') x = (w * s.lmH) / 1000;
      if (r === 0 && x === 0) fail('zero impedance (write R, X, kvar or LmH)');
      let one = admittance(r, x);
      if (s.rp !== undefined && s.rp > 0) one = { re: one.re + 1 / s.rp, im: one.im };
      y = new Array(n).fill(one);
    }
    return shuntBranch({ name: `reactor.${s.name}`, kind: 'reactor', phases: n, conn: s.conn, bus1: s.bus1, bus2: s.bus2 }, y);
  },
};
