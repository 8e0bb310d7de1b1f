/**
 * Conductor data for line-constant calculations, in SI units (m, Ω/m, A): bare wires (OpenDSS
 * `WireData`), concentric-neutral cables (`CNData`) and tape-shielded cables (`TSData`). The
 * `resolve…` helpers apply the defaults and derivations OpenDSS applies when such an object is
 * defined (ConductorData.pas, CableData.pas, CNData.pas, TSData.pas), so a caller that maps DSS
 * properties onto `…Input` types (after converting each value from its `Runits`/`GMRunits`/
 * `radunits` to SI) gets the numbers OpenDSS itself would use. The `…Equivalent` helpers expose the
 * sheath models OpenDSS builds inside its cable line constants (CNLineConstants.pas,
 * TSLineConstants.pas), following Kersting, "Distribution System Modeling and Analysis", §4.3.
 *
 * OpenDSS applies its defaults at the moment each property is set, so a few results depend on
 * property order (e.g. `GMRac` given before `diam`); these helpers apply the order-independent rule
 * stated in OpenDSS's own property help, which is what every current OpenDSS build computes for
 * data that sets both values.
 */
import { LineConstantsError } from './errors.js';

/** Ratio GMR / radius of a solid round conductor, e^(−1/4) rounded as OpenDSS does. */
export const SOLID_GMR_RATIO = 0.7788;

/** Rac / Rdc that OpenDSS assumes when only one of them is given. */
export const RAC_OVER_RDC = 1.02;

/** Resistivity of the copper tape of a TS cable, Ω·m (OpenDSS TSLineConstants `RhoTS`, fixed). */
export const TAPE_SHIELD_RESISTIVITY_OHM_M = 2.3718e-8;

/** A bare (overhead or buried) conductor: OpenDSS `WireData`, also the core of a cable. */
export interface WireData {
  readonly kind: 'wire';
  /** DC resistance, Ω/m (used by the Deri model's skin-effect internal impedance). */
  readonly rdcOhmPerM: number;
  /** Power-frequency resistance, Ω/m (used by the Carson models). */
  readonly racOhmPerM: number;
  /** Geometric mean radius at power frequency, m. */
  readonly gmrM: number;
  /** Outside radius, m. */
  readonly radiusM: number;
  /** Radius used for the capacitance (bundled conductors), m. */
  readonly capRadiusM: number;
  /** Normal ampacity, A (pass-through; not used here). Negative when unknown. */
  readonly normAmps: number;
  /** Emergency ampacity, A (pass-through). Negative when unknown. */
  readonly emergAmps: number;
}

/** Insulation data shared by CN and TS cables (OpenDSS `CableData`). Lengths in m. */
export interface CableInsulation {
  /** Core conductor. */
  readonly core: WireData;
  /** Relative permittivity of the insulation. */
  readonly epsR: number;
  /** Insulation thickness, m. */
  readonly insLayerM: number;
  /** Diameter over the insulation, m. */
  readonly diaInsM: number;
  /** Diameter over the whole cable (jacket), m. */
  readonly diaCableM: number;
}

/** Concentric-neutral cable (OpenDSS `CNData`). */
export interface CnCable extends CableInsulation {
  readonly kind: 'cn';
  /** Number of neutral strands `k` (≥ 2). */
  readonly strandCount: number;
  /** Diameter of one neutral strand, m. */
  readonly strandDiameterM: number;
  /** GMR of one neutral strand, m. */
  readonly strandGmrM: number;
  /** AC resistance of one neutral strand, Ω/m. */
  readonly strandROhmPerM: number;
  /** A semiconducting layer lies between insulation and strands (OpenDSS `SemiconLayer`, default yes). */
  readonly semiconLayer: boolean;
}

/** Tape-shielded cable (OpenDSS `TSData`). */
export interface TsCable extends CableInsulation {
  readonly kind: 'ts';
  /** Diameter over the tape shield, m. */
  readonly diaShieldM: number;
  /** Tape thickness, m. */
  readonly tapeLayerM: number;
  /** Tape lap, percent (0 ≤ lap < 100). */
  readonly tapeLapPct: number;
}

/** Any conductor a line geometry can hold. */
export type Conductor = WireData | CnCable | TsCable;

/** Conductor data as given; omitted values are derived as OpenDSS does (see `resolveWireData`). */
export interface WireDataInput {
  readonly rdcOhmPerM?: number;
  readonly racOhmPerM?: number;
  readonly gmrM?: number;
  readonly radiusM?: number;
  readonly capRadiusM?: number;
  readonly normAmps?: number;
  readonly emergAmps?: number;
}

function given(v: number | undefined): v is number {
  // OpenDSS marks unset values with −1; accept that convention as "not given" too.
  return v !== undefined && !(v < 0);
}

function positive(subject: string, name: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new LineConstantsError(subject, `${name} must be a positive finite number, got ${v}`);
  return v;
}

/**
 * Completes bare-wire data with OpenDSS's defaults (ConductorData.pas and its property help):
 * - Rac = 1.02 · Rdc when only Rdc is given; Rdc = Rac / 1.02 when only Rac is given;
 * - GMR = 0.7788 · radius when only the radius (or `diam` / 2) is given; radius = GMR / 0.7788
 *   when only the GMR is given (equivalent solid round conductor);
 * - CapRadius = radius unless given;
 * - EmergAmps = 1.5 · NormAmps, NormAmps = EmergAmps / 1.5 when only one is given.
 * @param input values in Ω/m, m and A.
 * @param subject name used in error messages (e.g. `WireData.acsr_4/0`).
 * @throws LineConstantsError when neither resistance, or neither GMR nor radius, is given, or a
 *   value is zero.
 */
export function resolveWireData(input: WireDataInput, subject = 'WireData'): WireData {
  let rdc = input.rdcOhmPerM;
  let rac = input.racOhmPerM;
  if (given(rdc) && !given(rac)) rac = RAC_OVER_RDC * rdc;
  else if (given(rac) && !given(rdc)) rdc = rac / RAC_OVER_RDC;
  if (!given(rdc) || !given(rac)) throw new LineConstantsError(subject, 'needs Rdc or Rac');
  let gmr = input.gmrM;
  let radius = input.radiusM;
  if (given(radius) && !given(gmr)) gmr = SOLID_GMR_RATIO * radius;
  else if (given(gmr) && !given(radius)) radius = gmr / SOLID_GMR_RATIO;
  if (!given(gmr) || !given(radius)) throw new LineConstantsError(subject, 'needs GMRac or radius/diam');
  const capRadius = given(input.capRadiusM) ? input.capRadiusM : radius;
  let normAmps = given(input.normAmps) ? input.normAmps : -1;
  let emergAmps = given(input.emergAmps) ? input.emergAmps : -1;
  if (normAmps >= 0 && emergAmps < 0) emergAmps = 1.5 * normAmps;
  else if (emergAmps >= 0 && normAmps < 0) normAmps = emergAmps / 1.5;
  return checkWireData(
    { kind: 'wire', rdcOhmPerM: rdc, racOhmPerM: rac, gmrM: gmr, radiusM: radius, capRadiusM: capRadius, normAmps, emergAmps },
    subject,
  );
}

/** Validates resolved wire data (every length and resistance positive); returns it. */
export function checkWireData(w: WireData, subject = 'WireData'): WireData {
  positive(subject, 'Rdc', w.rdcOhmPerM);
  positive(subject, 'Rac', w.racOhmPerM);
  positive(subject, 'GMR', w.gmrM);
  positive(subject, 'radius', w.radiusM);
  positive(subject, 'CapRadius', w.capRadiusM);
  return w;
}

/** Cable insulation as given. `epsR` defaults to 2.3 (OpenDSS CableData). */
export interface CableInsulationInput {
  readonly core: WireDataInput;
  readonly epsR?: number;
  readonly insLayerM: number;
  readonly diaInsM: number;
  readonly diaCableM: number;
}

/** CN cable data as given; see `resolveCnCable` for the defaults. */
export interface CnCableInput extends CableInsulationInput {
  readonly strandCount?: number;
  readonly strandDiameterM: number;
  readonly strandGmrM?: number;
  readonly strandROhmPerM: number;
  readonly semiconLayer?: boolean;
}

/** TS cable data as given; `tapeLapPct` defaults to 20 (OpenDSS TSData). */
export interface TsCableInput extends CableInsulationInput {
  readonly diaShieldM: number;
  readonly tapeLayerM: number;
  readonly tapeLapPct?: number;
}

function resolveInsulation(input: CableInsulationInput, subject: string): CableInsulation {
  const core = resolveWireData(input.core, subject);
  const epsR = input.epsR ?? 2.3;
  if (!(epsR >= 1)) throw new LineConstantsError(subject, `EpsR must be ≥ 1, got ${epsR}`);
  const insLayerM = positive(subject, 'InsLayer', input.insLayerM);
  const diaInsM = positive(subject, 'DiaIns', input.diaInsM);
  const diaCableM = positive(subject, 'DiaCable', input.diaCableM);
  if (!(diaInsM / 2 > insLayerM)) {
    throw new LineConstantsError(subject, `InsLayer (${insLayerM} m) must be smaller than DiaIns/2 (${diaInsM / 2} m)`);
  }
  return { core, epsR, insLayerM, diaInsM, diaCableM };
}

/**
 * Completes CN cable data with OpenDSS's defaults (CableData.pas, CNData.pas): the core as in
 * `resolveWireData`; EpsR = 2.3; k = 2; strand GMR = 0.7788 · strand diameter / 2; semicon layer
 * present. Strand resistance and diameter have no default.
 * @throws LineConstantsError for k < 2, non-positive sizes, or strands that do not fit outside the
 *   insulation.
 */
export function resolveCnCable(input: CnCableInput, subject = 'CNData'): CnCable {
  const ins = resolveInsulation(input, subject);
  const strandCount = input.strandCount ?? 2;
  if (!Number.isInteger(strandCount) || strandCount < 2) {
    throw new LineConstantsError(subject, `needs at least 2 concentric neutral strands (k), got ${strandCount}`);
  }
  const strandDiameterM = positive(subject, 'DiaStrand', input.strandDiameterM);
  const strandGmrM = given(input.strandGmrM) ? positive(subject, 'GmrStrand', input.strandGmrM) : SOLID_GMR_RATIO * 0.5 * strandDiameterM;
  const strandROhmPerM = positive(subject, 'Rstrand', input.strandROhmPerM);
  const cn: CnCable = {
    kind: 'cn',
    ...ins,
    strandCount,
    strandDiameterM,
    strandGmrM,
    strandROhmPerM,
    semiconLayer: input.semiconLayer ?? true,
  };
  return checkCnCable(cn, subject);
}

/** Validates resolved CN data; returns it. */
export function checkCnCable(cn: CnCable, subject = 'CNData'): CnCable {
  checkWireData(cn.core, subject);
  positive(subject, 'DiaStrand', cn.strandDiameterM);
  positive(subject, 'GmrStrand', cn.strandGmrM);
  positive(subject, 'Rstrand', cn.strandROhmPerM);
  if (!(cnNeutralEquivalent(cn).radiusM > cn.core.radiusM)) {
    throw new LineConstantsError(subject, 'the neutral strand circle ((DiaCable − DiaStrand)/2) must lie outside the core radius');
  }
  return cn;
}

/**
 * Completes TS cable data with OpenDSS's defaults (CableData.pas, TSData.pas): core as in
 * `resolveWireData`, EpsR = 2.3, tape lap 20 %.
 */
export function resolveTsCable(input: TsCableInput, subject = 'TSData'): TsCable {
  const ins = resolveInsulation(input, subject);
  const ts: TsCable = {
    kind: 'ts',
    ...ins,
    diaShieldM: positive(subject, 'DiaShield', input.diaShieldM),
    tapeLayerM: positive(subject, 'TapeLayer', input.tapeLayerM),
    tapeLapPct: input.tapeLapPct ?? 20,
  };
  return checkTsCable(ts, subject);
}

/** Validates resolved TS data; returns it. */
export function checkTsCable(ts: TsCable, subject = 'TSData'): TsCable {
  checkWireData(ts.core, subject);
  if (!(ts.tapeLapPct >= 0 && ts.tapeLapPct < 100)) throw new LineConstantsError(subject, `TapeLap must be in [0, 100), got ${ts.tapeLapPct}`);
  if (!(ts.diaShieldM > ts.tapeLayerM)) throw new LineConstantsError(subject, 'DiaShield must exceed TapeLayer');
  if (!(tsShieldEquivalent(ts).gmrM > ts.core.radiusM)) throw new LineConstantsError(subject, 'the tape shield must lie outside the core');
  return ts;
}

/** The concentric neutral seen as one equivalent conductor. */
export interface SheathEquivalent {
  /** Resistance of the whole neutral/shield, Ω/m. */
  readonly rOhmPerM: number;
  /** Its geometric mean radius, m. */
  readonly gmrM: number;
  /** Radius of the circle through the strand centres (CN) or mid-tape (TS), m. */
  readonly radiusM: number;
}

/**
 * The k neutral strands of a CN cable as one conductor, as OpenDSS's CNLineConstants builds it
 * (Kersting §4.3.1, eqs. 4.80–4.82): R = (DiaCable − DiaStrand)/2 (strand-centre circle),
 * r = Rstrand / k, GMR = (GmrStrand · k · R^(k−1))^(1/k).
 */
export function cnNeutralEquivalent(cn: CnCable): SheathEquivalent {
  const k = cn.strandCount;
  const radiusM = 0.5 * (cn.diaCableM - cn.strandDiameterM);
  // Geometric mean of k strands on a circle; computed in logs so large k cannot overflow.
  const gmrM = Math.exp((Math.log(cn.strandGmrM * k) + (k - 1) * Math.log(radiusM)) / k);
  return { rOhmPerM: cn.strandROhmPerM / k, gmrM, radiusM };
}

/**
 * The tape shield as one conductor, as OpenDSS's TSLineConstants builds it (Kersting §4.3.2):
 * GMR = radius = (DiaShield − TapeLayer)/2 (mid-tape), and
 * r = 0.3183 · ρ_Cu / (DiaShield · TapeLayer · √(50 / (100 − lap))) with ρ_Cu = 2.3718e-8 Ω·m.
 * 0.3183 is OpenDSS's rounded 1/π and is kept so results match OpenDSS.
 */
export function tsShieldEquivalent(ts: TsCable): SheathEquivalent {
  const rOhmPerM = (0.3183 * TAPE_SHIELD_RESISTIVITY_OHM_M) / (ts.diaShieldM * ts.tapeLayerM * Math.sqrt(50 / (100 - ts.tapeLapPct)));
  const gmrM = 0.5 * (ts.diaShieldM - ts.tapeLayerM);
  return { rOhmPerM, gmrM, radiusM: gmrM };
}
