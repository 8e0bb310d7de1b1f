/**
 * Power of the power conversion elements at a time step, as OpenDSS computes it before it solves:
 * Generator (Generator.pas SetNominalGeneration) and PVSystem (PVSystem.pas SetNominalPVSystemOuput
 * → ComputePanelPower, ComputeInverterPower, kWOut_Calc). The result is written into the
 * per-branch powers the solver reads, in the grid layer's sign (consumption positive, so
 * generation is negative), split equally over the element's phases as OpenDSS does.
 *
 * State that OpenDSS carries from one solution to the next (a PVSystem inverter's on/off state,
 * which gives %cutin/%cutout their hysteresis; a model-3 generator's present kvar) lives in
 * `PceRuntime`, which belongs to the LoadPowers it was created with, never to the network.
 */
import { type LoadShapeState, shapeMultipliers } from '../model/elements/loadshape.js';
import { temperatureAt } from '../model/elements/tshape.js';
import { type XYCurveState, lineAt, yAt } from '../model/elements/xycurve.js';
import type { GeneratorPce, Pce, PvSystemPce, ShapeSet, StoragePce } from '../model/pces.js';
import { initialKwh } from '../model/elements/storage.js';
import type { SolverModel } from './compile.js';
import { type LoadPowers, branchCurrent } from './solve.js';

/** Which shape drives an element in a solution mode. */
export type PceMode = 'snapshot' | 'daily' | 'yearly' | 'duty';

/** What OpenDSS remembers between solutions, per element of network.pces. */
export interface PceRuntime {
  /** PVSystem inverter on (OpenDSS InverterON, initially on) */
  readonly inverterOn: Uint8Array;
  /** model-3 generator: present kvar (NaN = not yet set, start from the element's kvar) */
  readonly genKvar: Float64Array;
  /**
   * Reactive power an inverter control asks of the element (kvar, generation sign; NaN = none),
   * and the active power it allows (kW; NaN = no limit). Set by grid/controls.
   */
  readonly kvarRequest: Float64Array;
  readonly kwLimit: Float64Array;
  /** power factor a watt-pf control sets (OpenDSS pf_wp_nominal; NaN = none), in place of the element's pf */
  readonly pfRequest: Float64Array;
  /** Storage: energy stored (kWh), state (−1 charging, 0 idling, 1 discharging), %charge, %discharge */
  readonly kwh: Float64Array;
  readonly storageState: Int8Array;
  readonly pctIn: Float64Array;
  readonly pctOut: Float64Array;
  /**
   * Storage power the simulation asks for (kW, + discharging, − charging, 0 idling; NaN = follow
   * the element's own dispatch). This is how agents drive a feeder's Storage: `requestStorageKw`.
   */
  readonly storageKwRequest: Float64Array;
  /** length of the present time step (h): OpenDSS's stepsize, for the storage charge time */
  stepH: number;
  /** time (h) and mode of the last setPcePowersAt, so a control can recompute one element */
  hour: number;
  mode: PceMode;
}

/** Runtime state of a network's elements as their definitions leave it (OpenDSS after compile). */
export function newPceRuntime(pces: readonly Pce[]): PceRuntime {
  const n = pces.length;
  const rt: PceRuntime = {
    inverterOn: new Uint8Array(n).fill(1),
    genKvar: new Float64Array(n).fill(Number.NaN),
    kvarRequest: new Float64Array(n).fill(Number.NaN),
    kwLimit: new Float64Array(n).fill(Number.NaN),
    pfRequest: new Float64Array(n).fill(Number.NaN),
    kwh: new Float64Array(n),
    storageState: new Int8Array(n),
    pctIn: new Float64Array(n),
    pctOut: new Float64Array(n),
    storageKwRequest: new Float64Array(n).fill(Number.NaN),
    stepH: 1,
    hour: 0,
    mode: 'snapshot',
  };
  pces.forEach((p, i) => {
    if (p.kind !== 'storage') return;
    rt.kwh[i] = initialKwh(p.state);
    rt.storageState[i] = STORAGE_STATE[p.state.state];
    rt.pctIn[i] = p.state.pctCharge;
    rt.pctOut[i] = p.state.pctDischarge;
  });
  return rt;
}

/**
 * Asks a feeder's Storage (by index in network.pces) for a power: kW > 0 discharges, < 0 charges,
 * 0 idles (OpenDSS's Storage kW property); NaN returns it to its own dispatch (shape/state).
 */
export function requestStorageKw(rt: PceRuntime, pi: number, kW: number): void {
  rt.storageKwRequest[pi] = kW;
}

/** The shape of a set an element follows in a mode (OpenDSS CalcDailyMult / CalcYearlyMult / CalcDutyMult). */
function shapeIn(s: ShapeSet, mode: PceMode, yearlyFallsBackToDaily: boolean): LoadShapeState | undefined {
  if (mode === 'snapshot') return undefined;
  if (mode === 'daily') return s.daily;
  if (mode === 'yearly') return s.yearly ?? (yearlyFallsBackToDaily ? s.daily : undefined);
  return s.duty ?? s.daily;
}

/** Generation (kW, kvar) of a generator at `hour` before the voltage-dependent part. */
export function generatorPower(g: GeneratorPce, hour: number, mode: PceMode, kvarNow: number): { kW: number; kvar: number } {
  const shape = g.fixed ? undefined : shapeIn(g.shapes, mode, false);
  let kW = g.kW;
  let kvar = g.kvar;
  if (shape) {
    const t = mode === 'duty' && g.shapes.duty ? hour + g.dutyStartH : hour;
    const m = shapeMultipliers(shape, t);
    if (shape.useActual) {
      kW = m.p;
      kvar = m.q;
    } else {
      kW = g.kW * m.p;
      kvar = g.kvar * m.q;
    }
  }
  if (g.model === 3) {
    const q = Number.isNaN(kvarNow) ? g.kvar : kvarNow;
    kvar = Math.min(Math.max(q, g.kvarMin), g.kvarMax);
  }
  return { kW, kvar };
}

const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);

/**
 * Output (kW, kvar) of a PVSystem at `hour`. `on` is the inverter's state before the step; the
 * returned `on` is its state after (cut-in/cut-out hysteresis).
 */
export function pvSystemPower(pv: PvSystemPce, hour: number, mode: PceMode, on: boolean, kvarRequest = Number.NaN, kwLimit = Number.NaN, pfRequest = Number.NaN): { kW: number; kvar: number; on: boolean; panelKw: number } {
  const s = pv.state;
  const shape = shapeIn(pv.shapes, mode, true);
  let mult = 1;
  // OpenDSS offsets the yearly and duty shapes (not the daily fallback) by DutyStart
  const offset = (mode === 'yearly' && shape === pv.shapes.yearly) || (mode === 'duty' && shape === pv.shapes.duty) ? s.dutyStartH : 0;
  if (shape) mult = shapeMultipliers(shape, hour + offset).p;
  let temp = s.temperature;
  if (mode !== 'snapshot') {
    const ts = mode === 'daily' ? pv.tshapes.daily : mode === 'yearly' ? (pv.tshapes.yearly ?? pv.tshapes.daily) : (pv.tshapes.duty ?? pv.tshapes.daily);
    if (ts) temp = temperatureAt(ts, hour, s.temperature);
  }
  const tempFactor = pv.ptCurve ? yAt(pv.ptCurve, temp) : 1;
  const panelKw = s.irradiance * mult * s.pmpp * tempFactor;

  const cutInKw = (s.pctCutin * s.kVA) / 100;
  const cutOutKw = (s.pctCutout * s.kVA) / 100;
  const cutOutKwAc = pv.effCurve ? cutOutKw * yAt(pv.effCurve, Math.abs(cutOutKw) / s.kVA) : cutOutKw;
  if (on) {
    if (panelKw < cutOutKw) on = false;
  } else if (panelKw >= cutInKw) on = true;

  let kW = 0;
  if (on) {
    const eff = pv.effCurve ? yAt(pv.effCurve, panelKw / s.kVA) : 1;
    const pac = panelKw * eff;
    // kWOut_Calc: capped at Pmpp·%Pmpp, or at the volt-watt limit an InvControl sets
    const cap = Number.isNaN(kwLimit) ? s.pmpp * s.puPmpp : kwLimit;
    kW = pac > cap ? cap : pac;
  }
  // a watt-pf control's pf applies to the available power (panel × efficiency × %Pmpp), which the
  // %Pmpp cap can put above the kW delivered (OpenDSS, measured: test/grid/controls/invcontrol)
  const pfBaseKw = on ? panelKw * (pv.effCurve ? yAt(pv.effCurve, panelKw / s.kVA) : 1) * s.puPmpp : 0;
  const out = inverterOutput(s, kW, on, false, (s.pctPminNoVars * s.pmpp) / 100, (s.pctPminkvarMax * s.pmpp) / 100, cutOutKwAc, kvarRequest, pfRequest, pfBaseKw);
  return { kW: out.kW, kvar: out.kvar, on, panelKw };
}

/** What inverterOutput needs of a PVSystem or Storage. */
interface InverterSpec {
  readonly pf: number;
  readonly varMode: 'pf' | 'kvar';
  readonly kvarRequested: number;
  readonly kvarMax: number;
  readonly kvarMaxAbs: number;
  readonly kVA: number;
  readonly pfPriority: boolean;
  readonly wattPriority: boolean;
  readonly varFollowInverter: boolean;
  readonly pctPminNoVars: number;
  readonly pctPminkvarMax: number;
}

/**
 * kvar from PF or kvar with the kvarMax/kvarMaxAbs, %PminNoVars and %PminkvarMax limits, then kW and
 * kvar limited to kVA with PF, watt or var priority: the common tail of OpenDSS's
 * ComputeInverterPower in PVSystem.pas and Storage.pas. `idle` is a Storage in its idling state
 * (only the kvar limits apply, and the kVA limit backs off kvar). `kvarRequest` (not NaN) is an
 * inverter control's request, which switches the element to kvar mode as OpenDSS's controls do;
 * `pfRequest` (not NaN) a watt-pf control's power factor, which puts it in pf mode at that pf, the
 * kvar then taken on `pfBaseKw` (the available power) rather than on kW.
 */
function inverterOutput(s: InverterSpec, kW: number, on: boolean, idle: boolean, pMinNoVarsKw: number, pMinKvarLimitKw: number, cutOutKwAc: number, kvarRequest: number, pfRequest = Number.NaN, pfBaseKw = Number.NaN): { kW: number; kvar: number } {
  const pMinNoVars = s.pctPminNoVars <= 0 ? -1 : pMinNoVarsKw;
  const pMinKvarLimit = s.pctPminkvarMax <= 0 ? -1 : pMinKvarLimitKw;
  const byPf = !Number.isNaN(pfRequest);
  const pf = byPf ? pfRequest : s.pf;
  const varMode = byPf ? 'pf' : Number.isNaN(kvarRequest) ? s.varMode : 'kvar';
  const requested = Number.isNaN(kvarRequest) ? s.kvarRequested : kvarRequest;
  const qMax = s.kvarMax;
  const qMaxAbs = s.kvarMaxAbs;
  let kvar = 0;
  let tempPf = 0;
  if (idle) {
    if (varMode === 'pf') {
      kvar = kW * Math.sqrt(1 / (pf * pf) - 1) * sign(pf);
      if (kvar > 0 && Math.abs(kvar) > qMax) kvar = qMax;
      else if (kvar < 0 && Math.abs(kvar) > qMaxAbs) kvar = qMaxAbs * sign(requested);
    } else if (requested > 0 && Math.abs(requested) > qMax) kvar = qMax;
    else if (requested < 0 && Math.abs(requested) > qMaxAbs) kvar = qMaxAbs * sign(requested);
    else kvar = requested;
  } else if (Math.abs(kW) < pMinNoVars) {
    kvar = 0;
  } else if (varMode === 'pf') {
    if (pf === 1) kvar = 0;
    else {
      kvar = (byPf ? pfBaseKw : kW) * Math.sqrt(1 / (pf * pf) - 1) * sign(pf);
      if (Math.abs(kW) < pMinKvarLimit) {
        if (Math.abs(kW) >= Math.max(pMinNoVars, cutOutKwAc)) {
          const ramp = kvar > 0 ? (qMax / pMinKvarLimit) * Math.abs(kW) : kvar < 0 ? (qMaxAbs / pMinKvarLimit) * Math.abs(kW) : 0;
          if (Math.abs(kvar) > ramp) kvar = ramp * sign(kW) * sign(pf);
        }
      } else if (Math.abs(kvar) > qMax || Math.abs(kvar) > qMaxAbs) {
        kvar = (kvar > 0 ? qMax : qMaxAbs) * sign(kW) * sign(pf);
        if (s.pfPriority) kW = kvar * Math.sqrt(1 / (1 - pf * pf) - 1) * sign(pf);
      }
    }
  } else if (Math.abs(kW) < pMinKvarLimit) {
    if (Math.abs(kW) >= Math.max(pMinNoVars, cutOutKwAc)) {
      const ramp = requested > 0 ? (qMax / pMinKvarLimit) * Math.abs(kW) : requested < 0 ? (qMaxAbs / pMinKvarLimit) * Math.abs(kW) : 0;
      kvar = Math.abs(requested) > ramp ? ramp * sign(requested) : requested;
    }
  } else if ((requested > 0 && Math.abs(requested) >= qMax) || (requested < 0 && Math.abs(requested) >= qMaxAbs)) {
    kvar = (requested > 0 ? qMax : qMaxAbs) * sign(requested);
    if (s.pfPriority && Math.abs(requested) > 0) {
      tempPf = Math.cos(Math.atan(Math.abs(requested / kW)));
      kW = Math.abs(kvar) * Math.sqrt(1 / (1 - tempPf * tempPf) - 1) * sign(kW);
    }
  } else kvar = requested;
  if (!on && s.varFollowInverter) kvar = 0;
  const kva = Math.hypot(kW, kvar);
  if (kva > s.kVA) {
    if (idle) {
      kvar = Math.sqrt(s.kVA * s.kVA - kW * kW) * sign(kvar);
    } else if (varMode === 'pf' && s.pfPriority) {
      const dir = kW < 0 ? -1 : 1;
      kW = s.kVA * Math.abs(pf) * dir;
      kvar = s.kVA * Math.sqrt(1 - pf * pf) * sign(pf) * dir;
    } else if (varMode === 'kvar' && s.pfPriority) {
      kW = Math.abs(kvar) === qMax ? s.kVA * Math.abs(tempPf) * sign(kW) : s.kVA * Math.abs(Math.cos(Math.atan(requested / kW))) * sign(kW);
      kvar = s.kVA * Math.abs(Math.sin(Math.acos(kW / s.kVA))) * sign(requested);
    } else if (s.wattPriority) {
      if (kW > s.kVA) {
        kW = s.kVA;
        kvar = 0;
      } else kvar = Math.sqrt(s.kVA * s.kVA - kW * kW) * sign(kvar);
    } else kW = Math.sqrt(s.kVA * s.kVA - kvar * kvar) * sign(kW);
  }
  if (!on && s.varFollowInverter) kvar = 0;
  return { kW, kvar };
}

const STORAGE_STATE = { charging: -1, idling: 0, discharging: 1 } as const;

/**
 * Output (kW, kvar; generation positive) of a Storage at `hour` from its runtime state (OpenDSS
 * SetNominalDEROutput → CheckStateTriggerLevel, ComputePresentkW, ComputeInverterPower,
 * kWOut_Calc). Updates the state, %charge/%discharge and inverter state in `rt`.
 */
export function storagePower(st: StoragePce, pi: number, hour: number, mode: PceMode, rt: PceRuntime): { kW: number; kvar: number } {
  const s = st.state;
  const reserve = (s.pctReserve * s.kWhRated) / 100;
  const pIdling = (s.pctIdlingKw * s.kWrated) / 100;
  const kwh = rt.kwh[pi];
  let state = rt.storageState[pi];
  const follow = s.dispMode === 'follow';
  let level = 1;
  const request = rt.storageKwRequest[pi];
  if (!Number.isNaN(request)) {
    // dispatched by the simulation: OpenDSS's Set_kW
    if (request > 0) {
      state = 1;
      rt.pctOut[pi] = (request / s.kWrated) * 100;
    } else if (request < 0) {
      state = -1;
      rt.pctIn[pi] = (Math.abs(request) / s.kWrated) * 100;
    } else state = 0;
  } else if (mode !== 'snapshot' && s.dispMode !== 'external') {
    const shape = shapeIn(st.shapes, mode, true);
    if (shape) level = shapeMultipliers(shape, hour).p;
    const EPS = 1e-12;
    if (follow) {
      if (level > 0 && kwh - reserve > EPS) state = 1;
      else if (level < 0 && kwh - s.kWhRated < -EPS) state = -1;
      else state = 0;
    } else if (s.chargeTrigger !== 0 || s.dischargeTrigger !== 0) {
      if (state === -1 && s.chargeTrigger !== 0 && (s.chargeTrigger < level || kwh >= s.kWhRated)) state = 0;
      if (state === 1 && s.dischargeTrigger !== 0 && (s.dischargeTrigger > level || kwh <= reserve)) state = 0;
      if (state === 0) {
        if (s.dischargeTrigger !== 0 && s.dischargeTrigger < level && kwh > reserve) state = 1;
        else if (s.chargeTrigger !== 0 && s.chargeTrigger > level && kwh < s.kWhRated) state = -1;
        if (state !== -1 && s.chargeTimeH > 0) {
          const tod = hour % 24;
          if (Math.abs(tod - s.chargeTimeH) < rt.stepH) state = -1;
        }
      }
    }
  }
  // ComputePresentkW
  let kW = 0;
  if (state === -1) {
    if (kwh < s.kWhRated) {
      if (follow && Number.isNaN(request)) {
        kW = s.kWrated * level;
        rt.pctIn[pi] = Math.abs(level) * 100;
      } else kW = (-s.kWrated * rt.pctIn[pi]) / 100;
    } else state = 0;
  } else if (state === 1) {
    if (kwh > reserve) {
      if (follow && Number.isNaN(request)) {
        kW = s.kWrated * level;
        rt.pctOut[pi] = Math.abs(level) * 100;
      } else kW = (s.kWrated * rt.pctOut[pi]) / 100;
    } else state = 0;
  }
  if (state === 0) kW = -pIdling;
  // ComputeInverterPower: cut-in/cut-out on the AC side (through the efficiency curve, if any:
  // × efficiency while discharging, ÷ efficiency otherwise)
  const acSide = (kw: number): number => {
    if (!st.effCurve) return kw;
    const e = yAt(st.effCurve, Math.abs(kw) / s.kVA);
    return state === 1 ? kw * e : kw / e;
  };
  const cutIn = acSide((s.pctCutin * s.kVA) / 100);
  const cutOut = acSide((s.pctCutout * s.kVA) / 100);
  let on = rt.inverterOn[pi] === 1;
  if (on) {
    if (Math.abs(kW) < cutOut) {
      on = false;
      state = 0;
    }
  } else if (Math.abs(kW) >= cutIn) on = true;
  else state = 0;
  if (on) {
    const limit = s.kWrated * s.puKwRated * (state === 1 ? 1 : -1);
    if (limit > 0 && kW > limit) kW = limit;
    else if (limit < 0 && kW < limit) kW = limit;
  } else kW = -pIdling;
  rt.inverterOn[pi] = on ? 1 : 0;
  rt.storageState[pi] = state;
  return inverterOutput(s, kW, on, state === 0, (s.pctPminNoVars * s.kWrated) / 100, (s.pctPminkvarMax * s.kWrated) / 100, cutOut, rt.kvarRequest[pi]);
}

/**
 * End of a time step (OpenDSS UpdateStorage): integrates each Storage's energy over `stepH` hours
 * from the power at its terminals in the solution just found (the DC power of an ideal inverter),
 * with its efficiencies and idling losses, and turns it to idling when it reaches %reserve or
 * kWhrated.
 */
export function updateStorage(m: SolverModel, vRe: Float64Array, vIm: Float64Array, powers: LoadPowers, stepH: number): void {
  const rt = powers.pce;
  if (!rt) return;
  const cur = new Float64Array(2);
  m.network.pces.forEach((pce, pi) => {
    if (pce.kind !== 'storage') return;
    const s = pce.state;
    let pIn = 0;
    for (let k = m.pceBrStart[pi]; k < m.pceBrStart[pi + 1]; k++) {
      const a = m.brA[k];
      const b = m.brB[k];
      const vr = (a >= 0 ? vRe[a] : 0) - (b >= 0 ? vRe[b] : 0);
      const vi = (a >= 0 ? vIm[a] : 0) - (b >= 0 ? vIm[b] : 0);
      branchCurrent(m, k, vr, vi, powers.pW[k], powers.qVar[k], cur);
      pIn += vr * cur[0] + vi * cur[1];
    }
    const state = rt.storageState[pi];
    const dcAbs = pce.effCurve ? dcPower(pce.effCurve, s.kVA, Math.abs(pIn / 1000), state === 1) : Math.abs(pIn / 1000);
    const dcKw = state === 0 ? -dcAbs : dcAbs * state;
    const pIdling = (s.pctIdlingKw * s.kWrated) / 100;
    const idlingLosses = state === 0 ? Math.abs(dcKw) : pIdling;
    const chargeEff = s.pctEffCharge / 100;
    const dischargeEff = s.pctEffDischarge / 100;
    const reserve = (s.pctReserve * s.kWhRated) / 100;
    let kwh = rt.kwh[pi];
    if (state === 1) {
      kwh -= ((dcKw + idlingLosses) / dischargeEff) * stepH;
      if (kwh < reserve) {
        kwh = reserve;
        rt.storageState[pi] = 0;
      }
    } else if (state === -1) {
      if (Math.abs(dcKw) - idlingLosses >= 0) {
        kwh += (Math.abs(dcKw) - idlingLosses) * chargeEff * stepH;
        if (kwh > s.kWhRated) {
          kwh = s.kWhRated;
          rt.storageState[pi] = 0;
        }
      } else {
        kwh += ((Math.abs(dcKw) - idlingLosses) / dischargeEff) * stepH;
        if (kwh < reserve) {
          kwh = reserve;
          rt.storageState[pi] = 0;
        }
      }
    }
    rt.kwh[pi] = kwh;
  });
}

/**
 * DC power (kW, magnitude) behind an inverter with efficiency curve `eff` (against |DC| / kVA) for
 * a terminal power of `acKw` (magnitude), as OpenDSS's ComputeDCkW: on the curve's segment
 * eff = a·x + b, discharging solves AC = DC·eff(DC) (the larger root of (a/kVA)·DC² + b·DC − AC),
 * charging and idling take DC = D·b / (1 − a·D/kVA) from the last estimate D (first the AC power);
 * repeated while the estimate moves to another segment (at most 10 times).
 */
function dcPower(eff: XYCurveState, kVA: number, acKw: number, discharging: boolean): number {
  let dc = acKw;
  let coef: [number, number] = [1, 1];
  let guess: [number, number] = [0, 0];
  for (let n = 0; n < 10 && coef[0] !== guess[0] && coef[1] !== guess[1]; n++) {
    guess = lineAt(eff, Math.abs(dc) / kVA);
    const a = guess[0] / kVA;
    const b = guess[1];
    if (discharging) {
      // OpenDSS QuadSolver: the larger root
      const r = Math.sqrt(b * b + 4 * a * acKw);
      dc = a === 0 ? (b !== 0 ? acKw / b : 0) : Math.max((-b + r) / (2 * a), (-b - r) / (2 * a));
    } else dc = (Math.abs(dc) * b) / (1 - a * Math.abs(dc));
    coef = lineAt(eff, Math.abs(dc) / kVA);
  }
  return Math.abs(dc);
}

/** Writes one element's generation (kW, kvar) into its branches, consumption positive, per phase. */
export function setPceBranchPowers(m: SolverModel, pi: number, kW: number, kvar: number, out: { pW: Float64Array; qVar: Float64Array }): void {
  const pce = m.network.pces[pi];
  const p = (-kW * 1000) / pce.phases;
  const q = (-kvar * 1000) / pce.phases;
  for (let k = m.pceBrStart[pi]; k < m.pceBrStart[pi + 1]; k++) {
    out.pW[k] = p;
    out.qVar[k] = q;
  }
}

/** Sets every power conversion element's branch powers for time `hour` (h) in `mode`. */
export function setPcePowersAt(m: SolverModel, hour: number, mode: PceMode, out: { pW: Float64Array; qVar: Float64Array }, rt: PceRuntime): void {
  rt.hour = hour;
  rt.mode = mode;
  for (let pi = 0; pi < m.network.pces.length; pi++) setPcePowerOf(m, pi, out, rt);
}

/**
 * Recomputes one element's branch powers at the runtime's present time and mode (after a control
 * changed what it asks of the element). Returns its output (kW, kvar; generation positive).
 */
export function setPcePowerOf(m: SolverModel, pi: number, out: { pW: Float64Array; qVar: Float64Array }, rt: PceRuntime): { kW: number; kvar: number } {
  const { hour, mode } = rt;
  const pces: readonly Pce[] = m.network.pces;
  {
    const pce = pces[pi];
    let r: { kW: number; kvar: number };
    if (pce.kind === 'generator') {
      r = generatorPower(pce, hour, mode, rt.genKvar[pi]);
      if (pce.model === 3) rt.genKvar[pi] = r.kvar;
    } else if (pce.kind === 'storage') {
      r = storagePower(pce, pi, hour, mode, rt);
    } else {
      const o = pvSystemPower(pce, hour, mode, rt.inverterOn[pi] === 1, rt.kvarRequest[pi], rt.kwLimit[pi], rt.pfRequest[pi]);
      rt.inverterOn[pi] = o.on ? 1 : 0;
      r = o;
    }
    setPceBranchPowers(m, pi, r.kW, r.kvar, out);
    return r;
  }
}
