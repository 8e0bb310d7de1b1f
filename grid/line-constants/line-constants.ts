/**
 * Series impedance and shunt capacitance per metre of a multi-conductor line from its geometry,
 * reproducing OpenDSS's LineConstants / CNLineConstants / TSLineConstants (LineConstants.pas and
 * siblings) so that a line defined by `geometry=` gets the same matrices as in OpenDSS:
 *
 * - Series impedance: self terms R_int + jωμ0/2π·ln(1/GMR) + Z_earth(i,i), mutual terms
 *   jωμ0/2π·ln(1/D_ij) + Z_earth(i,j). The earth-return term is Deri's complex depth (OpenDSS's
 *   default), Carson's first two terms (the "modified Carson" of Kersting) or the full Carson series.
 * - Concentric neutrals and tape shields are added as extra conductors after the geometry's own
 *   conductors and always Kron-reduced, as OpenDSS does; bare neutrals beyond `nphases` are reduced
 *   when the geometry says `reduce=y`.
 * - Shunt capacitance of bare wires by Maxwell potential coefficients with images in a perfect
 *   ground plane; of shielded cables per cable from the insulation (coaxial capacitor), with no
 *   coupling between cables and none for bare neutrals in a cable geometry — again as OpenDSS.
 *
 * Everything is SI: metres, ohms per metre, farads per metre, hertz. Pure and allocation-light:
 * a geometry of a few conductors takes microseconds; caching by geometry is the caller's business.
 */
import { type ComplexMatrix, invertReal, kronReduce, leadingBlock } from './complex-matrix.js';
import {
  type Conductor,
  type CnCable,
  type TsCable,
  type WireData,
  checkCnCable,
  checkTsCable,
  checkWireData,
  cnNeutralEquivalent,
  tsShieldEquivalent,
} from './conductors.js';
import { LineConstantsError } from './errors.js';

/**
 * OpenDSS's physical constants (LineConstants.pas), kept at OpenDSS's precision so results agree
 * with it to ~1e-12 rather than ~1e-6: μ0 = 12.56637e-7 H/m (4π·1e-7 = 12.566370614e-7),
 * ε0 = 8.854e-12 F/m (CODATA 8.8541878e-12), 2π = 6.283185307.
 */
export const OPENDSS_MU0_H_PER_M = 12.56637e-7;
export const OPENDSS_EPS0_F_PER_M = 8.854e-12;
export const OPENDSS_TWO_PI = 6.283185307;

/** Earth-return model: OpenDSS `Set EarthModel=Deri|Carson|FullCarson` (default Deri). */
export type EarthModel = 'deri' | 'carson' | 'full-carson';

/** Calculation settings. */
export interface LineConstantsOptions {
  /** Frequency, Hz (OpenDSS: the solution frequency, `defaultbasefrequency` for power flow). */
  readonly frequencyHz: number;
  /** Earth resistivity, Ω·m (OpenDSS default 100). */
  readonly earthResistivityOhmM: number;
  /** Earth-return model (OpenDSS default `deri`). */
  readonly earthModel: EarthModel;
}

/** OpenDSS's defaults: 60 Hz, 100 Ω·m, Deri. */
export const OPENDSS_DEFAULT_OPTIONS: LineConstantsOptions = { frequencyHz: 60, earthResistivityOhmM: 100, earthModel: 'deri' };

/** One conductor placed in the cross-section. */
export interface PlacedConductor {
  /** Horizontal position, m. */
  readonly xM: number;
  /** Height above ground, m (negative = buried, as OpenDSS writes cables). */
  readonly hM: number;
  readonly conductor: Conductor;
}

/**
 * A line cross-section (OpenDSS `LineGeometry`, or `LineSpacing` + wires). Conductors 1..nphases are
 * the phases, in order; the rest are neutrals.
 */
export interface LineGeometry {
  readonly nphases: number;
  readonly conductors: readonly PlacedConductor[];
  /** Kron-reduce the neutrals beyond `nphases` (OpenDSS `reduce=y`). CN/TS sheaths are always reduced. */
  readonly reduce: boolean;
  /** Optional declared conductor count (OpenDSS `nconds`); checked against `conductors.length`. */
  readonly nconds?: number;
  /** Name used in error messages. */
  readonly name?: string;
}

/** Per-metre line constants. */
export interface LineConstantsResult {
  /** Matrix order: `nphases` when reduced, otherwise the number of conductors. */
  readonly order: number;
  /** Series impedance, Ω/m, complex, row-major `order`×`order` (see ComplexMatrix). */
  readonly zOhmPerM: ComplexMatrix;
  /**
   * Shunt (nodal, Maxwell) capacitance, F/m, real, row-major `order`×`order`: positive diagonal,
   * non-positive off-diagonal. Y_shunt = jωC.
   */
  readonly cFPerM: Float64Array;
  /** Whether bare neutrals were Kron-reduced. */
  readonly reduced: boolean;
  /** Whether the geometry was computed as a cable (CN/TS) geometry. */
  readonly cable: boolean;
}

/**
 * Computes the series impedance (Ω/m) and shunt capacitance (F/m) matrices of a line geometry as
 * OpenDSS does, Kron-reducing neutrals when `geometry.reduce` is set.
 *
 * Geometry rules (OpenDSS's): a geometry with any CN/TS cable is a cable geometry, in which
 * conductors 1..nphases must be cables and the rest bare wires; otherwise every conductor is a bare
 * wire and must be above ground.
 * @throws LineConstantsError for an empty or inconsistent geometry, conductors that overlap,
 *   overhead wires at or below ground, or invalid conductor data.
 */
export function lineConstants(geometry: LineGeometry, options: LineConstantsOptions = OPENDSS_DEFAULT_OPTIONS): LineConstantsResult {
  const name = geometry.name ? `LineGeometry.${geometry.name}` : 'LineGeometry';
  const conds = geometry.conductors;
  const nc = conds.length;
  const np = geometry.nphases;
  validate(geometry, options, name);
  const cable = conds.some((c) => c.conductor.kind !== 'wire');

  const f = options.frequencyHz;
  const w = OPENDSS_TWO_PI * f;
  const lFactor = (w * OPENDSS_MU0_H_PER_M) / OPENDSS_TWO_PI; // ωμ0/2π, Ω/m per neper of ln(1/D)
  // OpenDSS uses the published GMR (and drops the internal reactance) between 40 Hz and 1 kHz.
  const powerFreq = f > 40 && f < 1000;
  const earth = earthReturn(options, conds);

  // Conductors first, then one sheath per cable phase (OpenDSS's ordering).
  const n = cable ? nc + np : nc;
  const zr = new Float64Array(n * n);
  const zi = new Float64Array(n * n);
  const set = (i: number, j: number, re: number, im: number): void => {
    zr[i * n + j] = re;
    zi[i * n + j] = im;
    zr[j * n + i] = re;
    zi[j * n + i] = im;
  };

  for (let i = 0; i < nc; i++) {
    const wire = coreOf(conds[i].conductor);
    const [intRe, intIm] = internalImpedance(wire, options);
    const e = earth(i, i);
    if (powerFreq) set(i, i, intRe + e[0], lFactor * Math.log(1 / wire.gmrM) + e[1]);
    else set(i, i, intRe + e[0], intIm + lFactor * Math.log(1 / wire.radiusM) + e[1]);
    for (let j = 0; j < i; j++) {
      const d = distance(conds[i], conds[j]);
      const ej = earth(i, j);
      set(i, j, ej[0], lFactor * Math.log(1 / d) + ej[1]);
    }
  }

  if (cable) {
    for (let i = 0; i < np; i++) {
      const c = conds[i].conductor as CnCable | TsCable;
      const s = sheath(c);
      const si = nc + i;
      const e = earth(i, i);
      // Kersting eq. 4.81 / 4.89: sheath self impedance with the sheath GMR.
      set(si, si, s.rOhmPerM + e[0], lFactor * Math.log(1 / s.gmrM) + e[1]);
      for (let j = 0; j < i; j++) {
        // Sheath to sheath: centre-to-centre distance.
        const ej = earth(i, j);
        set(si, nc + j, ej[0], lFactor * Math.log(1 / distance(conds[i], conds[j])) + ej[1]);
      }
      for (let j = 0; j < nc; j++) {
        let d: number;
        if (j === i) d = s.radiusM; // sheath to its own core: the sheath radius
        else if (c.kind === 'cn') {
          // Kersting eq. 4.85: GMD between k strands on a circle of radius R and a conductor at D.
          const k = c.strandCount;
          const dc = distance(conds[i], conds[j]);
          d = Math.exp(Math.log(Math.pow(dc / s.radiusM, k) - 1) / k + Math.log(s.radiusM));
        } else d = distance(conds[i], conds[j]);
        const ej = earth(i, j);
        set(si, j, ej[0], lFactor * Math.log(1 / d) + ej[1]);
      }
    }
  }

  // Sheaths are grounded at both ends: always eliminated.
  let z: ComplexMatrix = { n, re: zr, im: zi };
  if (n > nc) z = kronReduce(z, nc);
  const c = cable ? cableCapacitance(geometry) : overheadCapacitance(geometry, name);
  const reduced = geometry.reduce && np < nc;
  if (reduced) {
    z = kronReduce(z, np);
    // With the neutrals at zero potential the phase charges are C_pp·V_p: the phase block of the
    // full Maxwell matrix (= inverse of the Kron-reduced potential matrix), as OpenDSS takes it.
    return { order: np, zOhmPerM: z, cFPerM: leadingBlock(c, nc, np), reduced, cable };
  }
  return { order: nc, zOhmPerM: z, cFPerM: c, reduced, cable };
}

function coreOf(c: Conductor): WireData {
  return c.kind === 'wire' ? c : c.core;
}

function sheath(c: CnCable | TsCable): { rOhmPerM: number; gmrM: number; radiusM: number } {
  return c.kind === 'cn' ? cnNeutralEquivalent(c) : tsShieldEquivalent(c);
}

function distance(a: PlacedConductor, b: PlacedConductor): number {
  return Math.hypot(a.xM - b.xM, a.hM - b.hM);
}

function validate(g: LineGeometry, o: LineConstantsOptions, name: string): void {
  const conds = g.conductors;
  const nc = conds.length;
  if (nc < 1) throw new LineConstantsError(name, 'has no conductors');
  if (g.nconds !== undefined && g.nconds !== nc) throw new LineConstantsError(name, `nconds=${g.nconds} but ${nc} conductors are defined`);
  if (!Number.isInteger(g.nphases) || g.nphases < 1 || g.nphases > nc) {
    throw new LineConstantsError(name, `nphases=${g.nphases} must be between 1 and nconds=${nc}`);
  }
  if (!(o.frequencyHz > 0)) throw new LineConstantsError(name, `frequency must be positive, got ${o.frequencyHz} Hz`);
  if (!(o.earthResistivityOhmM > 0)) throw new LineConstantsError(name, `earth resistivity must be positive, got ${o.earthResistivityOhmM} Ω·m`);
  const cable = conds.some((c) => c.conductor.kind !== 'wire');
  for (let i = 0; i < nc; i++) {
    const { xM, hM, conductor } = conds[i];
    const subject = `${name} conductor ${i + 1}`;
    if (!Number.isFinite(xM) || !Number.isFinite(hM)) throw new LineConstantsError(subject, 'position must be finite');
    if (conductor.kind === 'wire') checkWireData(conductor, subject);
    else if (conductor.kind === 'cn') checkCnCable(conductor, subject);
    else checkTsCable(conductor, subject);
    if (cable) {
      if (i < g.nphases && conductor.kind === 'wire') {
        throw new LineConstantsError(subject, 'is a bare wire among the phases of a cable geometry; OpenDSS models phases 1..nphases as CN/TS cables');
      }
      if (i >= g.nphases && conductor.kind !== 'wire') {
        throw new LineConstantsError(subject, 'is a CN/TS cable beyond nphases; only bare neutrals may follow the phase cables');
      }
      if (hM === 0) throw new LineConstantsError(subject, 'height must not be zero');
    } else if (!(hM > 0)) {
      throw new LineConstantsError(subject, `overhead conductor height must be > 0, got ${hM} m`);
    }
  }
  for (let i = 0; i < nc; i++) {
    for (let j = i + 1; j < nc; j++) {
      const d = distance(conds[i], conds[j]);
      // OpenDSS's ConductorsInSameSpace: core radii (a cable's core, not its jacket) may not overlap.
      const ri = coreOf(conds[i].conductor).radiusM;
      const rj = coreOf(conds[j].conductor).radiusM;
      if (d < ri + rj || d === 0) throw new LineConstantsError(name, `conductors ${i + 1} and ${j + 1} occupy the same space (${d} m apart)`);
      // A conductor inside a CN strand circle makes the strand GMD undefined.
      for (const [a, b] of [
        [i, j],
        [j, i],
      ] as const) {
        const ca = conds[a].conductor;
        if (a < g.nphases && ca.kind === 'cn' && !(d > cnNeutralEquivalent(ca).radiusM)) {
          throw new LineConstantsError(name, `conductor ${b + 1} lies inside the concentric neutral of conductor ${a + 1}`);
        }
      }
    }
  }
}

/**
 * Internal impedance (Ω/m) of a round conductor. Deri: exact skin-effect solution of a solid round
 * conductor from its DC resistance, Z = (1+j)/2 · √(Rdc·f·μ0) · I0(α)/I1(α), α = (1+j)·√(f·μ0/Rdc)
 * (OpenDSS LineConstants.Get_Zint; Rac is not used). Carson models: Rac + jωμ0/8π. Only the real
 * part is used at power frequency, where the GMR carries the internal inductance.
 */
export function internalImpedance(wire: WireData, options: LineConstantsOptions): [number, number] {
  const f = options.frequencyHz;
  if (options.earthModel !== 'deri') {
    return [wire.racOhmPerM, (OPENDSS_TWO_PI * f * OPENDSS_MU0_H_PER_M) / (8 * Math.PI)];
  }
  const s = Math.sqrt((f * OPENDSS_MU0_H_PER_M) / wire.rdcOhmPerM);
  const ar = s;
  const ai = s;
  let qr = 1;
  let qi = 0;
  // For |α| > 35 I0/I1 → 1 (OpenDSS's cut-off, which also avoids overflow of the series).
  if (Math.hypot(ar, ai) <= 35) {
    const [i0r, i0i] = besselI0(ar, ai);
    const [i1r, i1i] = besselI1(ar, ai);
    const d = i1r * i1r + i1i * i1i;
    qr = (i0r * i1r + i0i * i1i) / d;
    qi = (i0i * i1r - i0r * i1i) / d;
  }
  const k = Math.sqrt(wire.rdcOhmPerM * f * OPENDSS_MU0_H_PER_M) / 2;
  // (1 + j)·q·k
  return [(qr - qi) * k, (qr + qi) * k];
}

/** Modified Bessel function I0 of a complex argument, power series Σ (z²/4)^m / (m!)². */
function besselI0(zr: number, zi: number): [number, number] {
  const qr = (zr * zr - zi * zi) / 4;
  const qi = (2 * zr * zi) / 4;
  let tr = 1;
  let ti = 0;
  let sr = 1;
  let si = 0;
  for (let m = 1; m < 1000; m++) {
    const nr = (tr * qr - ti * qi) / (m * m);
    const ni = (tr * qi + ti * qr) / (m * m);
    tr = nr;
    ti = ni;
    sr += tr;
    si += ti;
    if (Math.abs(tr) + Math.abs(ti) <= 1e-17 * (Math.abs(sr) + Math.abs(si))) break;
  }
  return [sr, si];
}

/** Modified Bessel function I1 of a complex argument, (z/2) Σ (z²/4)^m / (m!(m+1)!). */
function besselI1(zr: number, zi: number): [number, number] {
  const qr = (zr * zr - zi * zi) / 4;
  const qi = (2 * zr * zi) / 4;
  let tr = 1;
  let ti = 0;
  let sr = 1;
  let si = 0;
  for (let m = 1; m < 1000; m++) {
    const nr = (tr * qr - ti * qi) / (m * (m + 1));
    const ni = (tr * qi + ti * qr) / (m * (m + 1));
    tr = nr;
    ti = ni;
    sr += tr;
    si += ti;
    if (Math.abs(tr) + Math.abs(ti) <= 1e-17 * (Math.abs(sr) + Math.abs(si))) break;
  }
  const hr = zr / 2;
  const hi = zi / 2;
  return [sr * hr - si * hi, sr * hi + si * hr];
}

// Full-Carson series coefficients (OpenDSS LineConstants initialization; Tleis, "Power Systems
// Modelling and Fault Analysis", §3.2, Carson's series for small m).
const B1 = 1 / (3 * Math.SQRT2);
const B2 = 1 / 16;
const B3 = B1 / 3 / 5;
const B4 = B2 / 4 / 6;
const D2 = (B2 * Math.PI) / 4;
const D4 = (B4 * Math.PI) / 4;
const C2 = 1.3659315;
const C4 = C2 + 1 / 4 + 1 / 6;

/**
 * Returns the earth-return term Z_e(i, j) (Ω/m) for the chosen model, to be added to the
 * free-space terms jωμ0/2π·ln(1/GMR_i) and jωμ0/2π·ln(1/D_ij). Heights enter as |h|, as in OpenDSS.
 */
function earthReturn(o: LineConstantsOptions, conds: readonly PlacedConductor[]): (i: number, j: number) => [number, number] {
  const f = o.frequencyHz;
  const rho = o.earthResistivityOhmM;
  const w = OPENDSS_TWO_PI * f;
  const wmu = w * OPENDSS_MU0_H_PER_M;
  const lFactor = wmu / OPENDSS_TWO_PI;
  switch (o.earthModel) {
    case 'carson': {
      // Carson's first two terms ("modified Carson", Kersting eq. 4.38): R_e = ωμ0/8 and an
      // equivalent return depth D_e = 658.5·√(ρ/f) m, the same for every pair.
      const v: [number, number] = [wmu / 8, lFactor * Math.log(658.5 * Math.sqrt(rho / f))];
      return () => v;
    }
    case 'full-carson': {
      // Carson's infinite series truncated after the m⁴ terms, with m_ij = D'_ij·√(ωμ0/ρ)
      // (2.8099e-3 = √(8π²·1e-7)); the + ½ln(D'_ij) term moves the image distance out of the
      // free-space part, which uses ln(1/D_ij) (OpenDSS LineConstants.Get_Ze, FULLCARSON).
      return (i, j) => {
        const hi = Math.abs(conds[i].hM);
        const hj = Math.abs(conds[j].hM);
        let dij: number;
        let theta: number;
        if (i === j) {
          dij = 2 * hi;
          theta = 0;
        } else {
          dij = Math.hypot(hi + hj, conds[i].xM - conds[j].xM);
          theta = Math.acos((hi + hj) / dij);
        }
        const m = 2.8099e-3 * dij * Math.sqrt(f / rho);
        const m2 = m * m;
        const m3 = m2 * m;
        const m4 = m3 * m;
        const re =
          Math.PI / 8 -
          B1 * m * Math.cos(theta) +
          B2 * m2 * (Math.log(Math.exp(C2) / m) * Math.cos(2 * theta) + theta * Math.sin(2 * theta)) +
          B3 * m3 * Math.cos(3 * theta) -
          D4 * m4 * Math.cos(4 * theta);
        const im =
          0.5 * Math.log(1.85138 / m) +
          B1 * m * Math.cos(theta) -
          D2 * m2 * Math.cos(2 * theta) +
          B3 * m3 * Math.cos(3 * theta) -
          B4 * m4 * (Math.log(Math.exp(C4) / m) * Math.cos(4 * theta) + theta * Math.sin(4 * theta)) +
          0.5 * Math.log(dij);
        const k = wmu / Math.PI;
        return [re * k, im * k];
      };
    }
    case 'deri': {
      // Deri, Tevan, Semlyen & Castanheira (1981), complex ground-return plane at depth
      // p = 1/√(jωμ0/ρ): Z_e = jωμ0/2π·ln(√((h_i+h_j+2p)² + x_ij²)) (self: ln(2(h_i+p))).
      // 1/√(j·a) = (1 − j)/√(2a).
      const a = wmu / rho;
      const pr = 1 / Math.sqrt(2 * a);
      const pi = -pr;
      return (i, j) => {
        const hi = Math.abs(conds[i].hM);
        if (i === j) {
          const ur = 2 * (hi + pr);
          const ui = 2 * pi;
          return clnTimesJ(lFactor, ur, ui);
        }
        const hr = hi + Math.abs(conds[j].hM) + 2 * pr;
        const him = 2 * pi;
        const x = conds[i].xM - conds[j].xM;
        // √(h² + x²) with complex h; ln√u = ½ ln u.
        const ur = hr * hr - him * him + x * x;
        const ui = 2 * hr * him;
        const [lr, li] = clnTimesJ(lFactor, ur, ui);
        return [lr / 2, li / 2];
      };
    }
  }
}

/** j·k·ln(u) for complex u (principal branch): returns [−k·arg u, k·ln|u|]. */
function clnTimesJ(k: number, ur: number, ui: number): [number, number] {
  return [-k * Math.atan2(ui, ur), k * Math.log(Math.hypot(ur, ui))];
}

/**
 * Maxwell capacitance matrix (F/m) of bare conductors over a perfectly conducting ground, from
 * potential coefficients with images: P_ii = ln(2h_i / r_cap,i)/(2πε0), P_ij = ln(D'_ij/D_ij)/(2πε0)
 * (Kersting eqs. 5.9–5.10; OpenDSS LineConstants.Calc), C = P⁻¹.
 */
function overheadCapacitance(g: LineGeometry, name: string): Float64Array {
  const conds = g.conductors;
  const n = conds.length;
  const p = new Float64Array(n * n);
  const k = 1 / (OPENDSS_TWO_PI * OPENDSS_EPS0_F_PER_M);
  for (let i = 0; i < n; i++) {
    const wi = conds[i].conductor as WireData;
    p[i * n + i] = k * Math.log((2 * conds[i].hM) / wi.capRadiusM);
    for (let j = 0; j < i; j++) {
      const dx = conds[i].xM - conds[j].xM;
      const d = Math.hypot(dx, conds[i].hM - conds[j].hM);
      const dImage = Math.hypot(dx, conds[i].hM + conds[j].hM);
      p[i * n + j] = p[j * n + i] = k * Math.log(dImage / d);
    }
  }
  const c = invertReal(p, n, name);
  // Elimination leaves ~1 ulp of asymmetry; the physical matrix is symmetric, so make it exactly so.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) c[i * n + j] = c[j * n + i] = 0.5 * (c[i * n + j] + c[j * n + i]);
  }
  return c;
}

/**
 * Capacitance (F/m) between the core of one shielded cable and its grounded sheath: coaxial
 * capacitor 2πε0εr / ln(R_out/R_in) over the insulation, with R_out = DiaIns/2 and
 * R_in = R_out − InsLayer (OpenDSS CNLineConstants/TSLineConstants, which assume the insulation lies
 * between semicon layers). For a CN cable without semicon layer OpenDSS uses Kersting's eq. 5.30
 * for the strand cage instead: denominator ln(R/R_in) − (1/k)·ln(k·r_s/R), R the strand circle,
 * r_s the strand radius.
 */
export function cableCapacitanceFPerM(c: CnCable | TsCable): number {
  const radOut = 0.5 * c.diaInsM;
  const radIn = radOut - c.insLayerM;
  let denom: number;
  if (c.kind === 'cn' && !c.semiconLayer) {
    const { radiusM } = cnNeutralEquivalent(c);
    const k = c.strandCount;
    denom = Math.log(radiusM / radIn) - (1 / k) * Math.log((k * 0.5 * c.strandDiameterM) / radiusM);
  } else denom = Math.log(radOut / radIn);
  return (OPENDSS_TWO_PI * OPENDSS_EPS0_F_PER_M * c.epsR) / denom;
}

/** Diagonal capacitance matrix of a cable geometry: one value per phase cable, none for bare neutrals. */
function cableCapacitance(g: LineGeometry): Float64Array {
  const n = g.conductors.length;
  const c = new Float64Array(n * n);
  for (let i = 0; i < g.nphases; i++) c[i * n + i] = cableCapacitanceFPerM(g.conductors[i].conductor as CnCable | TsCable);
  return c;
}
