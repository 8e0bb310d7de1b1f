/** lineConstants: structure of the results, cable sheath algebra, earth models and input errors. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type LineConstantsOptions,
  type LineGeometry,
  type WireData,
  LineConstantsError,
  kronReduce,
  lineConstants,
  resolveCnCable,
  resolveTsCable,
  resolveWireData,
  tsShieldEquivalent,
  cnNeutralEquivalent,
} from '../../../grid/line-constants/index.js';
import { GridError } from '../../../grid/errors.js';
import { COSTA_RICA_GEOMETRIES, CU_500_37STR_35KV_100N_EPR } from './costa-rica-geometries.js';

const DERI: LineConstantsOptions = { frequencyHz: 60, earthResistivityOhmM: 100, earthModel: 'deri' };
const CARSON: LineConstantsOptions = { frequencyHz: 60, earthResistivityOhmM: 100, earthModel: 'carson' };
const FULL: LineConstantsOptions = { frequencyHz: 60, earthResistivityOhmM: 100, earthModel: 'full-carson' };

const wire = (radiusM: number, racOhmPerM = 2e-4): WireData => resolveWireData({ racOhmPerM, radiusM });

function expectSymmetric(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(a[i * n + j]).toBe(a[j * n + i]);
}

describe('result structure', () => {
  const mth = COSTA_RICA_GEOMETRIES['3fmv477aac3/0aac_h'];

  it('reduce=y gives the Kron reduction of the unreduced matrices (Z: Schur complement, C: phase block)', () => {
    const full = lineConstants({ ...mth, reduce: false }, DERI);
    const red = lineConstants(mth, DERI);
    expect([full.order, full.reduced, red.order, red.reduced]).toEqual([4, false, 3, true]);
    const z = kronReduce(full.zOhmPerM, 3);
    expect(Array.from(red.zOhmPerM.re)).toEqual(Array.from(z.re));
    expect(Array.from(red.zOhmPerM.im)).toEqual(Array.from(z.im));
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(red.cFPerM[i * 3 + j]).toBe(full.cFPerM[i * 4 + j]);
  });

  it('kronReduce equals the explicit formula Z_pp − Z_pn·Z_nn⁻¹·Z_np for one neutral', () => {
    const full = lineConstants({ ...mth, reduce: false }, DERI).zOhmPerM;
    const red = kronReduce(full, 3);
    const c = (i: number, j: number): [number, number] => [full.re[i * 4 + j], full.im[i * 4 + j]];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const [ar, ai] = c(i, 3);
        const [br, bi] = c(3, j);
        const [nr, ni] = c(3, 3);
        const pr = ar * br - ai * bi;
        const pi = ar * bi + ai * br;
        const d = nr * nr + ni * ni;
        const want = [c(i, j)[0] - (pr * nr + pi * ni) / d, c(i, j)[1] - (pi * nr - pr * ni) / d];
        expect(red.re[i * 3 + j]).toBeCloseTo(want[0], 15);
        expect(red.im[i * 3 + j]).toBeCloseTo(want[1], 15);
      }
    }
  });

  it('random overhead geometries: symmetric Z and C, positive resistances, Maxwell-form C', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: 1, max: 30 })), {
          minLength: 1,
          maxLength: 6,
          selector: ([x, h]) => `${x},${h}`,
        }),
        fc.constantFrom(DERI, CARSON, FULL),
        (spots, options) => {
          const g: LineGeometry = {
            nphases: Math.max(1, spots.length - 1),
            reduce: false,
            conductors: spots.map(([x, h]) => ({ xM: x * 0.25, hM: h * 0.5, conductor: wire(0.005) })),
          };
          const r = lineConstants(g, options);
          const n = r.order;
          expectSymmetric(r.zOhmPerM.re, n);
          expectSymmetric(r.zOhmPerM.im, n);
          expectSymmetric(r.cFPerM, n);
          for (let i = 0; i < n; i++) {
            expect(r.zOhmPerM.re[i * n + i]).toBeGreaterThan(2e-4);
            expect(r.zOhmPerM.im[i * n + i]).toBeGreaterThan(0);
            let row = 0;
            for (let j = 0; j < n; j++) {
              row += r.cFPerM[i * n + j];
              if (j !== i) expect(r.cFPerM[i * n + j]).toBeLessThanOrEqual(0);
            }
            expect(row).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a few hundred geometries are computed in well under a second', () => {
    // Not a benchmark (DESIGN rule 13): only guards against an accidental blow-up.
    const t0 = performance.now();
    for (let k = 0; k < 300; k++) lineConstants(Object.values(COSTA_RICA_GEOMETRIES)[k % 7], DERI);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('earth models', () => {
  const mth = COSTA_RICA_GEOMETRIES['3fmv477aac3/0aac_h'];

  it('Deri and full Carson agree within 1 % at 60 Hz; simplified Carson within 3 %', () => {
    const d = lineConstants(mth, DERI).zOhmPerM;
    const f = lineConstants(mth, FULL).zOhmPerM;
    const c = lineConstants(mth, CARSON).zOhmPerM;
    for (let k = 0; k < 9; k++) {
      const md = Math.hypot(d.re[k], d.im[k]);
      expect(Math.hypot(f.re[k] - d.re[k], f.im[k] - d.im[k]) / md).toBeLessThan(0.01);
      expect(Math.hypot(c.re[k] - d.re[k], c.im[k] - d.im[k]) / md).toBeLessThan(0.03);
    }
  });

  it('earth resistivity raises the zero-sequence reactance (deeper return path)', () => {
    const lo = lineConstants(mth, { ...DERI, earthResistivityOhmM: 10 }).zOhmPerM;
    const hi = lineConstants(mth, { ...DERI, earthResistivityOhmM: 1000 }).zOhmPerM;
    expect(hi.im[0]).toBeGreaterThan(lo.im[0]);
  });
});

describe('cables', () => {
  const L = 60 * 12.56637e-7; // ωμ0/2π at 60 Hz with OpenDSS's μ0, Ω/m
  const RE = (2 * Math.PI * 60 * 12.56637e-7) / 8; // Carson earth resistance ωμ0/8 (OpenDSS's 2π differs by 3e-11)
  const DE = 658.5 * Math.sqrt(100 / 60); // Carson equivalent return depth, m

  function cdivMul(a: [number, number], b: [number, number]): [number, number] {
    // a² / b
    const sr = a[0] * a[0] - a[1] * a[1];
    const si = 2 * a[0] * a[1];
    const d = b[0] * b[0] + b[1] * b[1];
    return [(sr * b[0] + si * b[1]) / d, (si * b[0] - sr * b[1]) / d];
  }

  it('one TS cable: z = z_cc − z_cs²/z_ss with the shield at its mid-tape radius (Kersting §4.3.2)', () => {
    const ts = resolveTsCable({
      core: { racOhmPerM: 3e-4, gmrM: 0.0034, radiusM: 0.0047 },
      insLayerM: 0.0056,
      diaInsM: 0.0216,
      diaCableM: 0.027,
      diaShieldM: 0.0224,
      tapeLayerM: 0.000127,
    });
    const s = tsShieldEquivalent(ts);
    const r = lineConstants({ nphases: 1, reduce: false, conductors: [{ xM: 0, hM: -1, conductor: ts }] }, CARSON);
    const zcc: [number, number] = [3e-4 + RE, L * Math.log(DE / 0.0034)];
    const zcs: [number, number] = [RE, L * Math.log(DE / s.gmrM)];
    const zss: [number, number] = [s.rOhmPerM + RE, L * Math.log(DE / s.gmrM)];
    const q = cdivMul(zcs, zss);
    expect(Math.abs(r.zOhmPerM.re[0] / (zcc[0] - q[0]) - 1)).toBeLessThan(1e-9);
    expect(Math.abs(r.zOhmPerM.im[0] / (zcc[1] - q[1]) - 1)).toBeLessThan(1e-9);
    // Shunt: coaxial over the insulation, R_out = 0.0108, R_in = 0.0052 m.
    expect(Math.abs(r.cFPerM[0] / ((2 * Math.PI * 8.854e-12 * 2.3) / Math.log(0.0108 / 0.0052)) - 1)).toBeLessThan(1e-8);
  });

  it('one CN cable: z = z_cc − z_cn²/z_nn with the strand circle radius as core–neutral distance', () => {
    const cn = CU_500_37STR_35KV_100N_EPR;
    const e = cnNeutralEquivalent(cn);
    const r = lineConstants({ nphases: 1, reduce: false, conductors: [{ xM: 0, hM: -1, conductor: cn }] }, CARSON);
    const zcc: [number, number] = [cn.core.racOhmPerM + RE, L * Math.log(DE / cn.core.gmrM)];
    const zcn: [number, number] = [RE, L * Math.log(DE / e.radiusM)];
    const znn: [number, number] = [e.rOhmPerM + RE, L * Math.log(DE / e.gmrM)];
    const q = cdivMul(zcn, znn);
    expect(Math.abs(r.zOhmPerM.re[0] / (zcc[0] - q[0]) - 1)).toBeLessThan(1e-9);
    expect(Math.abs(r.zOhmPerM.im[0] / (zcc[1] - q[1]) - 1)).toBeLessThan(1e-9);
  });

  it('CN cables with a bare buried neutral: C has no neutral coupling, reduce=y removes the neutral', () => {
    const n = wire(0.005);
    const g: LineGeometry = {
      nphases: 2,
      reduce: true,
      conductors: [
        { xM: -0.2, hM: -1, conductor: CU_500_37STR_35KV_100N_EPR },
        { xM: 0.2, hM: -1, conductor: CU_500_37STR_35KV_100N_EPR },
        { xM: 0, hM: -1, conductor: n },
      ],
    };
    const full = lineConstants({ ...g, reduce: false }, DERI);
    expect(full.order).toBe(3);
    expect(Array.from(full.cFPerM).filter((v) => v !== 0)).toHaveLength(2);
    const red = lineConstants(g, DERI);
    expect(red.order).toBe(2);
    expect(red.cable).toBe(true);
    expect(red.cFPerM[1]).toBe(0);
  });

  it('semiconLayer=no uses the strand-cage formula (Kersting eq. 5.30), a larger capacitance', () => {
    const withSemicon = lineConstants({ nphases: 1, reduce: false, conductors: [{ xM: 0, hM: -1, conductor: CU_500_37STR_35KV_100N_EPR }] }, DERI);
    const bare = resolveCnCable({
      core: { rdcOhmPerM: CU_500_37STR_35KV_100N_EPR.core.rdcOhmPerM, gmrM: CU_500_37STR_35KV_100N_EPR.core.gmrM, radiusM: CU_500_37STR_35KV_100N_EPR.core.radiusM },
      strandCount: 31,
      strandDiameterM: CU_500_37STR_35KV_100N_EPR.strandDiameterM,
      strandGmrM: CU_500_37STR_35KV_100N_EPR.strandGmrM,
      strandROhmPerM: CU_500_37STR_35KV_100N_EPR.strandROhmPerM,
      epsR: 3,
      insLayerM: CU_500_37STR_35KV_100N_EPR.insLayerM,
      diaInsM: CU_500_37STR_35KV_100N_EPR.diaInsM,
      diaCableM: CU_500_37STR_35KV_100N_EPR.diaCableM,
      semiconLayer: false,
    });
    const without = lineConstants({ nphases: 1, reduce: false, conductors: [{ xM: 0, hM: -1, conductor: bare }] }, DERI);
    const eq = cnNeutralEquivalent(bare);
    const radIn = bare.diaInsM / 2 - bare.insLayerM;
    const denom = Math.log(eq.radiusM / radIn) - (1 / 31) * Math.log((31 * bare.strandDiameterM) / 2 / eq.radiusM);
    expect(Math.abs(without.cFPerM[0] / ((6.283185307 * 8.854e-12 * 3) / denom) - 1)).toBeLessThan(1e-12);
    expect(withSemicon.zOhmPerM.re[0]).toBe(without.zOhmPerM.re[0]);
  });
});

describe('impossible input', () => {
  const w = wire(0.005);
  const two = (a: [number, number], b: [number, number]): LineGeometry => ({
    nphases: 1,
    reduce: true,
    conductors: [
      { xM: a[0], hM: a[1], conductor: w },
      { xM: b[0], hM: b[1], conductor: w },
    ],
  });

  it('throws LineConstantsError (a GridError) with a clear message', () => {
    expect(() => lineConstants({ ...two([0, 10], [1, 10]), nconds: 3 })).toThrow(/nconds=3 but 2 conductors/);
    expect(() => lineConstants({ ...two([0, 10], [1, 10]), nphases: 3 })).toThrow(/nphases=3 must be between 1 and nconds=2/);
    expect(() => lineConstants(two([0, 10], [0, 10]))).toThrow(/conductors 1 and 2 occupy the same space/);
    expect(() => lineConstants(two([0, 10], [0.006, 10]))).toThrow(/occupy the same space/);
    expect(() => lineConstants(two([0, 10], [1, 0]))).toThrow(/conductor 2: overhead conductor height must be > 0/);
    expect(() => lineConstants({ nphases: 1, reduce: false, conductors: [] })).toThrow(/no conductors/);
    expect(() => lineConstants(two([0, 10], [1, 10]), { ...DERI, frequencyHz: 0 })).toThrow(/frequency/);
    expect(() => lineConstants({ ...two([0, 10], [1, 10]), name: 'G' })).not.toThrow();
    expect(() => lineConstants(two([0, 10], [0, 10]))).toThrow(GridError);
  });

  it('rejects cable geometries OpenDSS cannot represent', () => {
    const cn = CU_500_37STR_35KV_100N_EPR;
    expect(() =>
      lineConstants({
        nphases: 1,
        reduce: false,
        conductors: [
          { xM: 0, hM: -1, conductor: w },
          { xM: 0.3, hM: -1, conductor: cn },
        ],
      }),
    ).toThrow(/bare wire among the phases/);
    expect(() =>
      lineConstants({
        nphases: 1,
        reduce: false,
        conductors: [
          { xM: 0, hM: -1, conductor: cn },
          { xM: 0.02, hM: -1, conductor: w },
        ],
      }),
    ).toThrow(/inside the concentric neutral of conductor 1/);
    expect(() => kronReduce({ n: 2, re: new Float64Array(4), im: new Float64Array(4) }, 3)).toThrow(LineConstantsError);
  });
});
