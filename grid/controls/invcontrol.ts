/**
 * InvControl: volt-var and volt-watt (and both combined, CombiMode=VV_VW) on PVSystem and Storage,
 * the IEEE 1547-2018 functions as OpenDSS's InvControl.pas applies them in the static control mode.
 *
 * Each control iteration samples every controlled element: its voltage is the average magnitude of
 * its phase conductors' node voltages in per unit of its own voltage base (voltage_curvex_ref=rated,
 * monVoltageCalc=avg). Volt-var: the vvc_curve1 value is a share of the reactive headroom
 * (RefReactivePower=VARAVAL: √(kVA² − P²); VARMAX: kvarMax/kvarMaxAbs), limited by kvarMax and, with
 * WattPriority under VARMAX, by the kVA left by P; the element moves deltaQ_factor of the way from
 * its last kvar to that target (Check_Qlimits, CalcVoltVar_vars). Volt-watt: the voltwatt_curve value
 * times the VoltwattYAxis base (PMPPPU: Pmpp; PCTPMPPPU: Pmpp·%Pmpp; KVARATINGPU: kVA; PAVAILABLEPU:
 * the panel's available AC kW) caps the element's kW, limited by the kVA left by its kvar (unless
 * watt priority) and by %Pmpp (Check_Plimits), moving deltaP_factor of the way while it limits.
 * The iteration stops, as OpenDSS's does, when no element's voltage moved more than
 * VoltageChangeTolerance and every output is within VarChangeTolerance / ActivePChangeTolerance
 * (per unit) of its target. The fixed point is OpenDSS's; the path can differ (lemsim uses a fixed
 * deltaQ_factor/deltaP_factor of 0.5 where OpenDSS adapts them), so iteration counts can too.
 * Hysteresis, rate-of-change limits, averaging references, monitored buses and the other modes
 * (DRC, watt-pf, watt-var, AVR) are refused with file:line.
 */
import { DssError, type DssLocation } from '../../errors.js';
import type { DssClass } from '../dss/object-class.js';
import { ignoredProperty } from '../dss/object-class.js';
import { parseNumber, parseStringArray } from '../dss/values.js';
import { type XYCurveState, yAt } from '../model/elements/xycurve.js';
import type { Pce } from '../model/pces.js';
import type { SolverModel } from '../powerflow/compile.js';
import { pvSystemPower, setPcePowerOf } from '../powerflow/pce-power.js';
import type { LoadPowers } from '../powerflow/solve.js';
import type { ControlView } from './control-view.js';

export interface InvControlState {
  readonly name: string;
  enabled: boolean;
  loc: DssLocation | undefined;
  /** controlled elements (`pvsystem.x`, `storage.y`); empty = every PVSystem and Storage */
  derList: string[];
  /** OpenDSS's default is no function (an InvControl without Mode or CombiMode does nothing) */
  mode: 'none' | 'voltvar' | 'voltwatt';
  combi: 'none' | 'vv_vw';
  vvcCurve: string | undefined;
  voltwattCurve: string | undefined;
  deltaQFactor: number;
  deltaPFactor: number;
  voltageChangeTolerance: number;
  varChangeTolerance: number;
  activePChangeTolerance: number;
  voltwattYAxis: 'pavailablepu' | 'pmpppu' | 'pctpmpppu' | 'kvaratingpu';
  refReactivePower: 'varaval' | 'varmax';
}

const refuse = (name: string, accepted: (v: string) => boolean, why: string) => ({
  name,
  set: (_s: InvControlState, v: string, ctx: { loc: DssLocation }) => {
    if (!accepted(v.trim().toLowerCase())) throw new DssError(ctx.loc, `${name}=${v}: ${why}`);
  },
});

function curveName(v: string): string | undefined {
  const t = v.trim().toLowerCase();
  return t === '' || t === 'none' ? undefined : t;
}

export const invControlClass: DssClass<InvControlState> = {
  name: 'invcontrol',
  create: (name) => ({
    name,
    enabled: true,
    loc: undefined,
    derList: [],
    mode: 'none',
    combi: 'none',
    vvcCurve: undefined,
    voltwattCurve: undefined,
    deltaQFactor: -1,
    deltaPFactor: -1,
    voltageChangeTolerance: 0.0001,
    varChangeTolerance: 0.025,
    activePChangeTolerance: 0.01,
    voltwattYAxis: 'pmpppu',
    refReactivePower: 'varaval',
  }),
  properties: [
    {
      name: 'DERList',
      set: (s, v) => void (s.derList = parseStringArray(v).map((x) => x.toLowerCase())),
    },
    {
      name: 'Mode',
      set: (s, v, ctx) => {
        const t = v.trim().toLowerCase();
        if (t.startsWith('voltv')) s.mode = 'voltvar';
        else if (t.startsWith('voltw')) s.mode = 'voltwatt';
        else if (t === '' || t === 'none') s.mode = 'none';
        else throw new DssError(ctx.loc, `Mode=${v}: lemsim models VOLTVAR and VOLTWATT (and CombiMode=VV_VW); DRC, WATTPF, WATTVAR, AVR and GFM are not supported`);
      },
    },
    {
      name: 'CombiMode',
      set: (s, v, ctx) => {
        const t = v.trim().toLowerCase();
        if (t === 'vv_vw') s.combi = 'vv_vw';
        else if (t === '' || t === 'none') s.combi = 'none';
        else throw new DssError(ctx.loc, `CombiMode=${v}: only VV_VW is supported`);
      },
    },
    { name: 'vvc_curve1', set: (s, v) => void (s.vvcCurve = curveName(v)) },
    refuse('hysteresis_offset', (v) => Number(v) === 0, 'volt-var hysteresis is not supported (only 0)'),
    refuse('voltage_curvex_ref', (v) => v.startsWith('rated'), 'only rated is supported (avg and ravg use a rolling average window over time steps)'),
    ignoredProperty('avgwindowlen'),
    { name: 'voltwatt_curve', set: (s, v) => void (s.voltwattCurve = curveName(v)) },
    ignoredProperty('DbVMin'),
    ignoredProperty('DbVMax'),
    ignoredProperty('ArGraLowV'),
    ignoredProperty('ArGraHiV'),
    ignoredProperty('DynReacavgwindowlen'),
    { name: 'deltaQ_factor', set: (s, v, ctx) => void (s.deltaQFactor = parseNumber(v, ctx.loc, 'deltaQ_factor')) },
    { name: 'VoltageChangeTolerance', set: (s, v, ctx) => void (s.voltageChangeTolerance = parseNumber(v, ctx.loc, 'VoltageChangeTolerance')) },
    { name: 'VarChangeTolerance', set: (s, v, ctx) => void (s.varChangeTolerance = parseNumber(v, ctx.loc, 'VarChangeTolerance')) },
    {
      name: 'VoltwattYAxis',
      set: (s, v, ctx) => {
        const t = v.trim().toLowerCase();
        if (t === 'pavailablepu' || t === 'pmpppu' || t === 'pctpmpppu' || t === 'kvaratingpu') s.voltwattYAxis = t;
        else throw new DssError(ctx.loc, `VoltwattYAxis=${v}: expected PAVAILABLEPU, PMPPPU, PCTPMPPPU or KVARATINGPU`);
      },
    },
    refuse('RateofChangeMode', (v) => v.startsWith('inactive'), 'rate-of-change limits (LPF, RISEFALL) are not supported'),
    ignoredProperty('LPFTau'),
    ignoredProperty('RiseFallLimit'),
    { name: 'deltaP_factor', set: (s, v, ctx) => void (s.deltaPFactor = parseNumber(v, ctx.loc, 'deltaP_factor')) },
    ignoredProperty('EventLog'),
    {
      name: 'RefReactivePower',
      set: (s, v, ctx) => {
        const t = v.trim().toLowerCase();
        if (t.startsWith('varaval')) s.refReactivePower = 'varaval';
        else if (t.startsWith('varmax')) s.refReactivePower = 'varmax';
        else throw new DssError(ctx.loc, `RefReactivePower=${v}: expected VARAVAL or VARMAX`);
      },
    },
    { name: 'ActivePChangeTolerance', set: (s, v, ctx) => void (s.activePChangeTolerance = parseNumber(v, ctx.loc, 'ActivePChangeTolerance')) },
    refuse('monVoltageCalc', (v) => v.startsWith('avg'), 'only AVG (the average of the phases) is supported'),
    { name: 'monBus', set: (_s, v, ctx) => void (parseStringArray(v).length > 0 && (() => { throw new DssError(ctx.loc, 'monBus: monitored buses are not supported (the element terminal is used)'); })()) },
    ignoredProperty('MonBusesVbase'),
    { name: 'voltwattCH_curve', set: (_s, v, ctx) => void (curveName(v) !== undefined && (() => { throw new DssError(ctx.loc, 'voltwattCH_curve: storage charging volt-watt curves are not supported'); })()) },
    { name: 'wattpf_curve', set: (_s, v, ctx) => void (curveName(v) !== undefined && ctx.ignored('wattpf_curve (no WATTPF mode)')) },
    { name: 'wattvar_curve', set: (_s, v, ctx) => void (curveName(v) !== undefined && ctx.ignored('wattvar_curve (no WATTVAR mode)')) },
    { name: 'PVSystemList', set: (s, v) => void (s.derList = parseStringArray(v).map((x) => `pvsystem.${x.toLowerCase()}`)) },
    ignoredProperty('Vsetpoint'),
    refuse('ControlModel', (v) => v === '0' || v.startsWith('lin'), 'only the linear control model is supported'),
    { name: 'enabled', set: (s, v) => void (s.enabled = !v.trim().toLowerCase().startsWith('n') && !v.trim().toLowerCase().startsWith('f')) },
  ],
  finish: (s, ctx) => {
    s.loc = ctx.loc;
  },
};

/** Damping lemsim uses where OpenDSS adapts deltaQ_factor / deltaP_factor (flag −1). */
const DEFAULT_DELTA = 0.5;

interface Der {
  readonly pi: number;
  readonly pce: Pce & { kind: 'pvsystem' | 'storage' };
  /** last kvar asked (NaN = none yet) and last kW limit (NaN = none) */
  qOld: number;
  pOld: number;
  vPrior: number;
}

/** One InvControl acting on its elements across control iterations (and time steps). */
export class InvController {
  readonly name: string;
  private readonly ders: Der[] = [];
  private readonly vvc: XYCurveState | undefined;
  private readonly vw: XYCurveState | undefined;

  constructor(
    readonly def: InvControlState,
    model: SolverModel,
    curves: ReadonlyMap<string, XYCurveState>,
  ) {
    this.name = `invcontrol.${def.name}`;
    const pces = model.network.pces;
    const wanted = def.derList.length > 0 ? def.derList : pces.filter((p) => p.kind !== 'generator').map((p) => p.name);
    for (const full of wanted) {
      const pi = pces.findIndex((p) => p.name === full);
      if (pi < 0 || pces[pi].kind === 'generator') throw new DssError(def.loc, `InvControl.${def.name}: DERList names '${full}', which is not an enabled PVSystem or Storage`);
      this.ders.push({ pi, pce: pces[pi] as Der['pce'], qOld: Number.NaN, pOld: Number.NaN, vPrior: Number.NaN });
    }
    const usesVv = def.combi === 'vv_vw' || def.mode === 'voltvar';
    const usesVw = def.combi === 'vv_vw' || def.mode === 'voltwatt';
    const curve = (name: string | undefined, prop: string): XYCurveState => {
      if (name === undefined) throw new DssError(def.loc, `InvControl.${def.name}: ${prop} is not set`);
      const c = curves.get(name);
      if (!c) throw new DssError(def.loc, `InvControl.${def.name}: ${prop} XYCurve '${name}' is not defined`);
      return c;
    };
    this.vvc = usesVv ? curve(def.vvcCurve, 'vvc_curve1') : undefined;
    this.vw = usesVw ? curve(def.voltwattCurve, 'voltwatt_curve') : undefined;
    if (usesVw && this.ders.some((d) => d.pce.kind === 'storage')) {
      throw new DssError(def.loc, `InvControl.${def.name}: volt-watt on Storage is not supported (PVSystem only)`);
    }
  }

  /**
   * Samples the solution and moves every element toward its target; returns whether anything is
   * still changing (another control iteration is needed).
   */
  step(view: ControlView, powers: LoadPowers): boolean {
    const m = view.model;
    const rt = powers.pce;
    if (!rt) return false;
    const d = this.def;
    let changing = false;
    for (const der of this.ders) {
      const { pi, pce } = der;
      // per unit of the element's own voltage base (its kV, L-N for 2 and 3 phases), as OpenDSS
      const base = pce.state.vBase / 1000;
      // average of the phase conductors' node voltages (OpenDSS GetMonVoltage, AVG)
      const nodes = m.pceNodes[pi];
      let sum = 0;
      for (let k = 0; k < pce.phases; k++) {
        const n = nodes[k];
        sum += n < 0 ? 0 : Math.hypot(view.vRe[n], view.vIm[n]);
      }
      const vpu = sum / pce.phases / (base * 1000);
      // present output (generation sign) from the branch powers
      const k0 = m.pceBrStart[pi];
      const pNow = (-powers.pW[k0] * pce.phases) / 1000;
      const qNow = (-powers.qVar[k0] * pce.phases) / 1000;
      const s = pce.state;
      const kVA = s.kVA;
      const qMax = s.kvarMax;
      const qMaxAbs = s.kvarMaxAbs;
      let headroom: number;
      let headroomNeg: number;
      if (d.refReactivePower === 'varaval') {
        headroom = Math.abs(pNow) < kVA ? Math.sqrt(kVA * kVA - pNow * pNow) : 0;
        headroomNeg = headroom;
      } else {
        headroom = qMax;
        headroomNeg = qMaxAbs;
      }
      if (headroom === 0) headroom = qMax;
      if (headroomNeg === 0) headroomNeg = qMaxAbs;
      const vMoved = Number.isNaN(der.vPrior) || Math.abs(vpu - der.vPrior) > d.voltageChangeTolerance;
      der.vPrior = vpu;
      if (this.vvc) {
        let q = yAt(this.vvc, vpu);
        let limited = 1;
        const limPos = Math.min(qMax / headroom, 1);
        const limNeg = Math.min(qMaxAbs / headroomNeg, 1);
        if (q > 0 && Math.abs(q) >= limPos) limited = limPos * Math.sign(q);
        else if (q < 0 && Math.abs(q) >= limNeg) limited = limNeg * Math.sign(q);
        if (s.wattPriority && d.refReactivePower === 'varmax') {
          const qp = Math.sqrt(Math.max(kVA * kVA - pNow * pNow, 0)) / (q >= 0 ? headroom : headroomNeg);
          if (Math.abs(qp) < Math.abs(limited) && Math.abs(qp) < Math.abs(q)) limited = qp * Math.sign(q);
        }
        q = Math.min(Math.abs(q), Math.abs(limited)) * Math.sign(q);
        const target = q * (q >= 0 ? headroom : headroomNeg);
        const outPu = qNow / (q >= 0 ? headroom : headroomNeg);
        if (vMoved || Math.abs(Math.abs(outPu) - Math.abs(q)) > d.varChangeTolerance || Number.isNaN(der.qOld)) {
          const from = Number.isNaN(der.qOld) ? qNow : der.qOld;
          const alpha = d.deltaQFactor > 0 ? d.deltaQFactor : DEFAULT_DELTA;
          const next = from + alpha * (target - from);
          rt.kvarRequest[pi] = next;
          const out = setPcePowerOf(m, pi, powers, rt);
          der.qOld = out.kvar;
          changing = true;
        }
      }
      if (this.vw && pce.kind === 'pvsystem') {
        const st = pce.state;
        // what the panel would give without the volt-watt limit (OpenDSS kW_out_desired)
        const free = pvSystemPower(pce, rt.hour, rt.mode, rt.inverterOn[pi] === 1, rt.kvarRequest[pi], Number.NaN);
        const pBase = d.voltwattYAxis === 'pmpppu' ? st.pmpp : d.voltwattYAxis === 'pctpmpppu' ? st.pmpp * st.puPmpp : d.voltwattYAxis === 'kvaratingpu' ? kVA : free.kW;
        let plim = yAt(this.vw, vpu);
        // Check_Plimits: the kVA left by the kvar (var priority) and %Pmpp
        let limited = 1;
        if (!st.wattPriority) {
          const pq = Math.sqrt(Math.max(kVA * kVA - qNow * qNow, 0));
          if (pq < Math.abs(plim) * pBase) limited = (pq / pBase) * Math.sign(plim);
        }
        const pct = st.puPmpp * st.pmpp;
        if (Math.abs(plim) * pBase > pct) limited = (pct / pBase) * Math.sign(plim);
        plim = Math.min(plim, limited);
        const desiredPu = pBase > 0 ? free.kW / pBase : 0;
        const oldPu = Number.isNaN(der.pOld) ? desiredPu : der.pOld / pBase;
        if (vMoved || Math.abs(plim - oldPu) > d.activePChangeTolerance || Number.isNaN(der.pOld)) {
          let next: number;
          if (plim < 1 && plim <= Math.abs(desiredPu)) {
            const beta = d.deltaPFactor > 0 ? d.deltaPFactor : DEFAULT_DELTA;
            next = (oldPu + (plim - oldPu) * beta) * pBase;
          } else next = plim * pBase;
          rt.kwLimit[pi] = next;
          setPcePowerOf(m, pi, powers, rt);
          der.pOld = next;
          changing = true;
        }
      }
    }
    return changing;
  }
}
