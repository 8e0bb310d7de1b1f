/** OpenDSS's conductor-data defaults and derived sheath models (conductors.ts). */
import { describe, expect, it } from 'vitest';
import {
  LineConstantsError,
  cnNeutralEquivalent,
  resolveCnCable,
  resolveTsCable,
  resolveWireData,
  tsShieldEquivalent,
} from '../../../grid/line-constants/index.js';
import { GridError } from '../../../grid/errors.js';

const FT = 0.3048;
const IN = 0.0254;
const MILE = 1609.344;

describe('resolveWireData (OpenDSS ConductorData defaults)', () => {
  it('derives Rac = 1.02·Rdc, GMR = 0.7788·radius, CapRadius = radius, EmergAmps = 1.5·NormAmps', () => {
    const w = resolveWireData({ rdcOhmPerM: 1e-4, radiusM: 0.01, normAmps: 400 });
    expect(w.racOhmPerM).toBeCloseTo(1.02e-4, 18);
    expect(w.gmrM).toBeCloseTo(0.007788, 15);
    expect(w.capRadiusM).toBe(0.01);
    expect(w.emergAmps).toBe(600);
  });

  it('derives Rdc = Rac/1.02, radius = GMR/0.7788, NormAmps = EmergAmps/1.5', () => {
    const w = resolveWireData({ racOhmPerM: 1.02e-4, gmrM: 0.007788, emergAmps: 600 });
    expect(w.rdcOhmPerM).toBeCloseTo(1e-4, 18);
    expect(w.radiusM).toBeCloseTo(0.01, 15);
    expect(w.capRadiusM).toBeCloseTo(0.01, 15);
    expect(w.normAmps).toBe(400);
  });

  it('keeps values that are given, and treats OpenDSS’s −1 as "not given"', () => {
    const w = resolveWireData({ rdcOhmPerM: 1e-4, racOhmPerM: 1.1e-4, gmrM: 0.008, radiusM: 0.01, capRadiusM: 0.05, normAmps: -1 });
    expect([w.rdcOhmPerM, w.racOhmPerM, w.gmrM, w.radiusM, w.capRadiusM, w.normAmps, w.emergAmps]).toEqual([1e-4, 1.1e-4, 0.008, 0.01, 0.05, -1, -1]);
  });

  it('rejects missing resistance, missing GMR/radius and zero sizes with a GridError', () => {
    expect(() => resolveWireData({ radiusM: 0.01 }, 'WireData.x')).toThrow(/WireData.x: needs Rdc or Rac/);
    expect(() => resolveWireData({ racOhmPerM: 1e-4 })).toThrow(/needs GMRac or radius/);
    expect(() => resolveWireData({ racOhmPerM: 1e-4, radiusM: 0 })).toThrow(LineConstantsError);
    expect(() => resolveWireData({ racOhmPerM: 0, radiusM: 0.01 })).toThrow(/R(dc|ac) must be a positive/);
    expect(() => resolveWireData({ racOhmPerM: 1e-4, gmrM: 0 })).toThrow(GridError);
  });
});

describe('CN and TS cables', () => {
  const core = { racOhmPerM: 0.41 / MILE, gmrM: 0.0171 * FT, radiusM: (0.567 / 2) * IN };

  it('CN defaults: k = 2, strand GMR = 0.7788·d/2, EpsR = 2.3, semicon layer present', () => {
    const cn = resolveCnCable({ core, strandDiameterM: 0.002, strandROhmPerM: 0.01, insLayerM: 0.005, diaInsM: 0.03, diaCableM: 0.035 });
    expect(cn.strandCount).toBe(2);
    expect(cn.strandGmrM).toBeCloseTo(0.7788 * 0.001, 15);
    expect(cn.epsR).toBe(2.3);
    expect(cn.semiconLayer).toBe(true);
    expect(cn.core.rdcOhmPerM).toBeCloseTo(cn.core.racOhmPerM / 1.02, 18);
  });

  it('CN neutral equivalent reproduces Kersting Example 4.2: R = 0.0511 ft, GMR_cn = 0.0486 ft, r_cn = 1.1440 Ω/mile', () => {
    // 13 × #14 Cu strands: GMR_s = 0.00208 ft, d_s = 0.0641 in, r_s = 14.8722 Ω/mile; d_od = 1.29 in.
    const cn = resolveCnCable({
      core,
      strandCount: 13,
      strandDiameterM: 0.0641 * IN,
      strandGmrM: 0.00208 * FT,
      strandROhmPerM: 14.8722 / MILE,
      insLayerM: 0.22 * IN,
      diaInsM: 1.06 * IN,
      diaCableM: 1.29 * IN,
    });
    const eq = cnNeutralEquivalent(cn);
    expect(eq.radiusM / FT).toBeCloseTo(0.0511, 4);
    expect(eq.gmrM / FT).toBeCloseTo(0.0486, 4);
    expect(eq.rOhmPerM * MILE).toBeCloseTo(1.144, 4);
  });

  it('TS shield equivalent: Kersting Example 4.3 (d_s = 0.88 in, T = 5 mil) r = 4.2786 Ω/mile, GMR = 0.0365 ft', () => {
    // Kersting: r_shield = 7.9385e8·ρ/(d_s·T) with ρ = 2.3715e-8 Ω·m; OpenDSS: 0.3183·ρ/(d·T·√(50/(100 − lap)))
    // with ρ = 2.3718e-8 Ω·m, which equals Kersting's form at a 50 % lap (3e-4 apart by constants).
    const ts = resolveTsCable({
      core: { racOhmPerM: 0.97 / MILE, gmrM: 0.0111 * FT, radiusM: (0.368 / 2) * IN },
      insLayerM: 0.22 * IN,
      diaInsM: 0.85 * IN,
      diaCableM: 1.06 * IN,
      diaShieldM: 0.88 * IN,
      tapeLayerM: 0.005 * IN,
      tapeLapPct: 50,
    });
    const eq = tsShieldEquivalent(ts);
    expect(Math.abs((eq.rOhmPerM * MILE) / 4.2786 - 1)).toBeLessThan(1e-3);
    expect(eq.gmrM / FT).toBeCloseTo(0.0365, 4);
    expect(resolveTsCable({ ...ts, core: { racOhmPerM: 1e-4, radiusM: 0.004 } }).tapeLapPct).toBe(50);
    const { tapeLapPct: _omit, ...noLap } = ts;
    expect(resolveTsCable({ ...noLap, core: { racOhmPerM: 1e-4, radiusM: 0.004 } }).tapeLapPct).toBe(20);
  });

  it('rejects k < 2, insulation thicker than its radius, and strands inside the core', () => {
    const base = { core, strandDiameterM: 0.002, strandROhmPerM: 0.01, insLayerM: 0.005, diaInsM: 0.03, diaCableM: 0.035 };
    expect(() => resolveCnCable({ ...base, strandCount: 1 })).toThrow(/at least 2/);
    expect(() => resolveCnCable({ ...base, insLayerM: 0.02 })).toThrow(/InsLayer/);
    expect(() => resolveCnCable({ ...base, diaCableM: 0.008 })).toThrow(/outside the core/);
    expect(() => resolveCnCable({ ...base, strandDiameterM: 0 })).toThrow(LineConstantsError);
  });
});
