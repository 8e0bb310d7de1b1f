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
import { yAt } from '../model/elements/xycurve.js';
import type { GeneratorPce, Pce, PvSystemPce, ShapeSet } from '../model/pces.js';
import type { SolverModel } from './compile.js';

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
}

export function newPceRuntime(n: number): PceRuntime {
  return {
    inverterOn: new Uint8Array(n).fill(1),
    genKvar: new Float64Array(n).fill(Number.NaN),
    kvarRequest: new Float64Array(n).fill(Number.NaN),
    kwLimit: new Float64Array(n).fill(Number.NaN),
  };
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
export function pvSystemPower(pv: PvSystemPce, hour: number, mode: PceMode, on: boolean, kvarRequest = Number.NaN, kwLimit = Number.NaN): { kW: number; kvar: number; on: boolean; panelKw: number } {
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
  const pMinNoVars = s.pctPminNoVars <= 0 ? -1 : (s.pctPminNoVars * s.pmpp) / 100;
  const pMinKvarLimit = s.pctPminkvarMax <= 0 ? -1 : (s.pctPminkvarMax * s.pmpp) / 100;
  const varMode = Number.isNaN(kvarRequest) ? s.varMode : 'kvar';
  const requested = Number.isNaN(kvarRequest) ? s.kvarRequested : kvarRequest;
  const qMax = s.kvarMax;
  const qMaxAbs = s.kvarMaxAbs;
  let kvar = 0;
  let tempPf = 0;
  if (Math.abs(kW) < pMinNoVars) {
    kvar = 0;
  } else if (varMode === 'pf') {
    if (s.pf === 1) kvar = 0;
    else {
      kvar = kW * Math.sqrt(1 / (s.pf * s.pf) - 1) * sign(s.pf);
      if (Math.abs(kW) < pMinKvarLimit) {
        if (Math.abs(kW) >= Math.max(pMinNoVars, cutOutKwAc)) {
          const ramp = kvar > 0 ? (qMax / pMinKvarLimit) * Math.abs(kW) : kvar < 0 ? (qMaxAbs / pMinKvarLimit) * Math.abs(kW) : 0;
          if (Math.abs(kvar) > ramp) kvar = ramp * sign(kW) * sign(s.pf);
        }
      } else if (Math.abs(kvar) > qMax || Math.abs(kvar) > qMaxAbs) {
        kvar = (kvar > 0 ? qMax : qMaxAbs) * sign(kW) * sign(s.pf);
        if (s.pfPriority) kW = kvar * Math.sqrt(1 / (1 - s.pf * s.pf) - 1) * sign(s.pf);
      }
    }
  } else {
    if (Math.abs(kW) < pMinKvarLimit) {
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
  }
  if (!on && s.varFollowInverter) kvar = 0;
  const kva = Math.hypot(kW, kvar);
  if (kva > s.kVA) {
    if (varMode === 'pf' && s.pfPriority) {
      kW = s.kVA * Math.abs(s.pf);
      kvar = s.kVA * Math.sqrt(1 - s.pf * s.pf) * sign(s.pf);
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
  return { kW, kvar, on, panelKw };
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
  const pces: readonly Pce[] = m.network.pces;
  for (let pi = 0; pi < pces.length; pi++) {
    const pce = pces[pi];
    if (pce.kind === 'generator') {
      const g = generatorPower(pce, hour, mode, rt.genKvar[pi]);
      if (pce.model === 3) rt.genKvar[pi] = g.kvar;
      setPceBranchPowers(m, pi, g.kW, g.kvar, out);
    } else {
      const r = pvSystemPower(pce, hour, mode, rt.inverterOn[pi] === 1, rt.kvarRequest[pi], rt.kwLimit[pi]);
      rt.inverterOn[pi] = r.on ? 1 : 0;
      setPceBranchPowers(m, pi, r.kW, r.kvar, out);
    }
  }
}
