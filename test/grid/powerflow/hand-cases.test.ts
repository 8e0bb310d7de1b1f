/**
 * Small feeders whose power flow is solvable by hand; each case draws its circuit and derives the
 * answer in the comment above it. Sources are made nearly ideal (1 µΩ) so that the source impedance
 * is below the tolerances stated.
 */
import { describe, expect, it } from 'vitest';
import { checkPowerBalance, powerBalance } from '../../../grid/powerflow/result.js';
import { feederFromText, solveSnapshot } from '../../helpers/dss.js';

const STIFF = 'R1=0 X1=0.000001 R0=0 X0=0.000001';

describe('hand-solvable power flows', () => {
  /*
   * Case 1 — one resistive line feeding one constant-power load, single phase to ground:
   *
   *   source ──( R = 0.1 Ω )── b ──[ P = 10 kW, Q = 0 ]── ground
   *   Vs = 230.94 V (0.4 kV / √3)
   *
   * Unity power factor on a resistive line keeps every phasor real: Vb·(Vs − Vb) = P·R, so
   *   Vb = (Vs + √(Vs² − 4·P·R)) / 2 = (230.94 + √(53333.28 − 4000)) / 2 = 226.5303 V,
   * I = P / Vb, and the line loses I²·R. With sequence impedances, a 1-phase line uses Z1
   * alone (OpenDSS), so r1 = 0.1 gives exactly 0.1 Ω.
   */
  it('single line, constant-PQ load: the quadratic root', () => {
    const f = feederFromText(`
      clear
      New Circuit.c1 basekv=0.4 pu=1 phases=3 ${STIFF}
      New Line.l1 bus1=sourcebus.1 bus2=b.1 phases=1 r1=0.1 x1=0 r0=0.1 x0=0 c1=0 c0=0 length=1
      New Load.ld bus1=b.1 phases=1 kV=0.23094 kW=10 kvar=0 model=1 vminpu=0.8
    `);
    const { status, v, state, powers } = solveSnapshot(f);
    expect(status.converged).toBe(true);
    const vs = 400 / Math.sqrt(3);
    const vb = (vs + Math.sqrt(vs * vs - 4 * 10000 * 0.1)) / 2;
    expect(v('b.1').mag).toBeCloseTo(vb, 4);
    // the 1 µΩ source reactance turns the phasor by ~1e-5°
    expect(v('b.1').deg).toBeCloseTo(0, 3);
    const bal = powerBalance(f.model, state.vRe, state.vIm, powers);
    expect(bal.lossesKw).toBeCloseTo(((10000 / vb) ** 2 * 0.1) / 1000, 6);
    expect(bal.loadKw).toBeCloseTo(10, 9);
    checkPowerBalance(bal, 1e-12);
  });

  /*
   * Case 2 — delta-wye transformer, balanced constant-impedance load:
   *
   *   11 kV source ═╡ Δ 1000 kVA, %R = 0.5 + 0.5, XHL = 5 % ╞═ 0.416 kV Y ── lv ══[ 500 kW, Y, model 2 ]
   *
   * Per unit on 1000 kVA: z_t = 0.01 + j0.05; the load is 0.5 pu at 1 pu voltage, so z_load = 2 pu
   * (ppm anti-float set to 0, no magnetising branch: the equivalent circuit is exact). Then
   *   V_lv = z_load / (z_load + z_t) = 2 / (2.01 + j0.05) = 0.994716 ∠ −1.42499° pu,
   * and the ANSI delta-wye connection makes the low side lag by 30°: ∠ −31.42499°.
   * Base: 416/√3 = 240.1777 V.
   */
  it('delta-wye transformer: ratio, impedance and the 30° lag', () => {
    const f = feederFromText(`
      clear
      New Circuit.c2 basekv=11 pu=1 phases=3 ${STIFF}
      New Transformer.t1 phases=3 windings=2 buses=[sourcebus lv] conns=[delta wye] kVs=[11 0.416] kVAs=[1000 1000] XHL=5 %Rs=[0.5 0.5] ppm_antifloat=0
      New Load.ld bus1=lv phases=3 conn=wye kV=0.416 kW=500 kvar=0 model=2
    `);
    const { status, v } = solveSnapshot(f);
    expect(status.converged).toBe(true);
    const z = { re: 2.01, im: 0.05 };
    const mag = 2 / Math.hypot(z.re, z.im);
    const ang = (-Math.atan2(z.im, z.re) * 180) / Math.PI - 30;
    const base = 416 / Math.sqrt(3);
    for (const [k, shift] of [
      [1, 0],
      [2, -120],
      [3, 120],
    ] as const) {
      expect(v(`lv.${k}`).mag / base).toBeCloseTo(mag, 7);
      let d = v(`lv.${k}`).deg - (ang + shift);
      d = ((d + 540) % 360) - 180;
      expect(Math.abs(d)).toBeLessThan(1e-5);
    }
  });

  /*
   * Case 3 — a single-phase lateral off a three-phase trunk, both resistive:
   *
   *   source ══( trunk: Rs = 0.1, Rm = 0.03 Ω )══ a ──( lateral on phase 2: R = 0.2 Ω )── b.2 ──[ 5 kW ]
   *
   * Only phase 2 carries current I2. Along phase 2 the loop resistance is Rs + R = 0.3 Ω, so (unity
   * pf, all phasors at phase 2's −120°) |Vb| = (Vs + √(Vs² − 4·P·0.3)) / 2 and I2 = P / |Vb|.
   * Phases 1 and 3 at a drop by Rm·I2 (the mutual resistance): V1(a) = Vs∠0 − 0.03·I2∠−120°.
   * Trunk from sequence values: Zs = (2·R1 + R0)/3 = 0.1 and Zm = (R0 − R1)/3 = 0.03 with R1 = 0.07,
   * R0 = 0.16.
   */
  it('single-phase lateral: loop drop on its phase, mutual drop on the others', () => {
    const f = feederFromText(`
      clear
      New Circuit.c3 basekv=0.4 pu=1 phases=3 ${STIFF}
      New Line.trunk bus1=sourcebus bus2=a phases=3 r1=0.07 x1=0 r0=0.16 x0=0 c1=0 c0=0 length=1
      New Line.lat bus1=a.2 bus2=b.2 phases=1 r1=0.2 x1=0 r0=0.2 x0=0 c1=0 c0=0 length=1
      New Load.ld bus1=b.2 phases=1 kV=0.23094 kW=5 kvar=0 vminpu=0.8
    `);
    const { status, v } = solveSnapshot(f);
    expect(status.converged).toBe(true);
    const vs = 400 / Math.sqrt(3);
    const vb = (vs + Math.sqrt(vs * vs - 4 * 5000 * 0.3)) / 2;
    const i2 = 5000 / vb;
    expect(v('b.2').mag).toBeCloseTo(vb, 4);
    expect(v('b.2').deg).toBeCloseTo(-120, 3);
    const a120 = (-120 * Math.PI) / 180;
    const v1 = { re: vs - 0.03 * i2 * Math.cos(a120), im: -0.03 * i2 * Math.sin(a120) };
    expect(v('a.1').re).toBeCloseTo(v1.re, 4);
    expect(v('a.1').im).toBeCloseTo(v1.im, 4);
    // phase 3 sees the same mutual drop, rotated
    expect(v('a.3').mag).toBeCloseTo(Math.hypot(v1.re, v1.im), 4);
  });

  /*
   * Case 4 — a phase-to-phase (delta) constant-impedance load of 240 V across nodes 1 and 2 of an
   * ideal source: I = V12 / Z with Z = V²/P = 240² / 2400 = 24 Ω, so the load takes exactly its
   * rating when |V12| = 240 V; here |V12| = √3 · 138.564 = 240 V.
   */
  it('phase-to-phase load takes its rating at rated line voltage', () => {
    const f = feederFromText(`
      clear
      New Circuit.c4 basekv=0.24 pu=1 phases=3 ${STIFF}
      New Load.ld bus1=sourcebus.1.2 phases=1 conn=delta kV=0.24 kW=2.4 kvar=0 model=2
    `);
    const { status, state, powers } = solveSnapshot(f);
    expect(status.converged).toBe(true);
    const bal = powerBalance(f.model, state.vRe, state.vIm, powers);
    expect(bal.loadKw).toBeCloseTo(2.4, 4);
  });

  /*
   * Case 5 — a meshed feeder: two resistive paths in parallel from the source to bus b, one line of
   * 0.2 Ω and a chain of two 0.1 Ω segments through bus m (folded into one 0.2 Ω line by the solver):
   *
   *            ┌──( 0.2 Ω )──────────────┐
   *   source ──┤                         ├── b ──[ 8 kW ]
   *            └──( 0.1 Ω )── m ──( 0.1 Ω )┘
   *
   * The loop is 0.2 ∥ 0.2 = 0.1 Ω, so Vb = (Vs + √(Vs² − 4·P·0.1)) / 2, each path carries half the
   * current, and m sits halfway: Vm = (Vs + Vb) / 2.
   */
  it('meshed feeder: parallel paths solve like their equivalent', () => {
    const f = feederFromText(`
      clear
      New Circuit.c5 basekv=0.4 pu=1 phases=3 ${STIFF}
      New Line.direct bus1=sourcebus.1 bus2=b.1 phases=1 r1=0.2 x1=0 r0=0.2 x0=0 c1=0 c0=0 length=1
      New Line.half1 bus1=sourcebus.1 bus2=m.1 phases=1 r1=0.1 x1=0 r0=0.1 x0=0 c1=0 c0=0 length=1
      New Line.half2 bus1=m.1 bus2=b.1 phases=1 r1=0.1 x1=0 r0=0.1 x0=0 c1=0 c0=0 length=1
      New Load.ld bus1=b.1 phases=1 kV=0.23094 kW=8 kvar=0 vminpu=0.8
    `);
    const { status, v } = solveSnapshot(f);
    expect(status.converged).toBe(true);
    expect(f.model.chains.count).toBe(1);
    const vs = 400 / Math.sqrt(3);
    const vb = (vs + Math.sqrt(vs * vs - 4 * 8000 * 0.1)) / 2;
    expect(v('b.1').mag).toBeCloseTo(vb, 4);
    expect(v('m.1').mag).toBeCloseTo((vs + vb) / 2, 4);
  });
});

