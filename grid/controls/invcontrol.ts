/**
 * InvControl: volt-var, volt-watt (and both combined, CombiMode=VV_VW), watt-pf and watt-var on
 * PVSystem and Storage, the IEEE 1547-2018 functions as OpenDSS's InvControl.pas applies them in
 * the static control mode.
 *
 * Each control iteration samples every controlled element: its voltage is, by monVoltageCalc, the
 * average (AVG), largest (MAX), smallest (MIN) or one phase's magnitude of its phase conductors'
 * node voltages in per unit of its own voltage base (voltage_curvex_ref=rated), or of the monitored
 * buses' voltages (monBus, each in per unit of its MonBusesVbase, GetmonVoltage). Volt-var: the
 * vvc_curve1 value is a share of the reactive headroom
 * (RefReactivePower=VARAVAL: √(kVA² − P²); VARMAX: kvarMax/kvarMaxAbs), limited by kvarMax and, with
 * WattPriority under VARMAX, by the kVA left by P; the element moves deltaQ_factor of the way from
 * its last kvar to that target (Check_Qlimits, CalcVoltVar_vars). Volt-watt: the voltwatt_curve value
 * times the VoltwattYAxis base (PMPPPU: Pmpp; PCTPMPPPU: Pmpp·%Pmpp; KVARATINGPU: kVA; PAVAILABLEPU:
 * the panel's available AC kW) caps the element's kW, limited by the kVA left by its kvar (unless
 * watt priority) and by %Pmpp (Check_Plimits), moving deltaP_factor of the way while it limits.
 * Watt-pf (CalcQWPcurve_desiredpu): the wattpf_curve gives a power factor at the available power
 * (panel kW × inverter efficiency × %Pmpp, per unit of Pmpp), which the PVSystem then follows as
 * its pf (OpenDSS's pf_wp_nominal: its own kvarMax and kVA limits apply, not the headroom's; an
 * oracle test caught the difference). Watt-var (CalcQWVcurve_desiredpu, Check_Qlimits_WV, Calc_PQ_WV): the wattvar_curve gives
 * the kvar share at the available power per unit of min(kVA, Pmpp), limited by kvarMax; where P and
 * that kvar exceed kVA, the point moves along the curve to where it meets the kVA circle.
 * The iteration stops, as OpenDSS's does, when no element's voltage moved more than
 * VoltageChangeTolerance and every output is within VarChangeTolerance / ActivePChangeTolerance
 * (per unit) of its target. The fixed point is OpenDSS's; the path can differ (lemsim uses a fixed
 * deltaQ_factor/deltaP_factor of 0.5 where OpenDSS adapts them), so iteration counts can too.
 * voltage_curvex_ref=ravg reads the curves at the rolling average of the voltage over the base; the
 * window (avgwindowlen) takes each element's voltage at the end of every time step
 * (UpdateInvControl), so in a snapshot, and in a series' first step, it reads V over the base.
 * voltage_curvex_ref=avg (V over its average: OpenDSS's own loop does not settle in it),
 * hysteresis, DRC and AVR are refused with file:line. RateofChangeMode LPF / RISEFALL filter the
 * volt-var and volt-watt targets against the last time step's (CalcLPF, CalcRF; the step length h
 * is the runtime's, 1 ms in a snapshot as in OpenDSS).
 */
import { DssError, type DssLocation } from '../errors.js';
import type { DssClass } from '../dss/object-class.js';
import { ignoredProperty } from '../dss/object-class.js';
import { parseNumber, parseNumberArray, parseStringArray } from '../dss/values.js';
import { type XYCurveState, lineAt, xAt, yAt } from '../model/elements/xycurve.js';
import type { Pce } from '../model/pces.js';
import type { SolverModel } from '../powerflow/compile.js';
import { pvSystemPower, setPcePowerOf } from '../powerflow/pce-power.js';
import type { LoadPowers } from '../powerflow/solve.js';
import { type ControlView, busRefNodes } from './control-view.js';

export interface InvControlState {
  readonly name: string;
  enabled: boolean;
  loc: DssLocation | undefined;
  /** controlled elements (`pvsystem.x`, `storage.y`); empty = every PVSystem and Storage */
  derList: string[];
  /** OpenDSS's default is no function (an InvControl without Mode or CombiMode does nothing) */
  mode: 'none' | 'voltvar' | 'voltwatt' | 'wattpf' | 'wattvar';
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
  wattpfCurve: string | undefined;
  wattvarCurve: string | undefined;
  /** monitored buses (`bus.1` or `bus.1.2`) and their voltage bases (V); empty = the element's terminal */
  monBus: { bus: string; nodes: number[] }[];
  monBusesVbase: number[];
  /** how the phase voltages make one: average, largest, smallest, or one phase (1-based) */
  monVoltageCalc: 'avg' | 'max' | 'min' | number;
  /**
   * x of the voltage curves: rated (V / Vbase) or ravg (the rolling average / Vbase); the rolling
   * window holds avgwindowlen seconds of past time steps
   */
  voltageCurvexRef: 'rated' | 'ravg';
  avgWindowLenS: number;
  /**
   * volt-var and volt-watt targets filtered across time steps: a first-order lag of LPFTau seconds,
   * or a change of at most RiseFallLimit (per unit per second) per step
   */
  rateOfChange: 'inactive' | 'lpf' | 'risefall';
  lpfTauS: number;
  riseFallLimit: number;
}

const refuse = (name: string, accepted: (v: string) => boolean, why: string) => ({
  name,
  set: (_s: InvControlState, v: string, ctx: { loc: DssLocation }) => {
    if (!accepted(v.trim().toLowerCase())) throw new DssError(ctx.loc, `${name}=${v}: ${why}`);
  },
});

/** A whole number of seconds written as OpenDSS interval units: `30`, `30s`, `2m`, `1h`. */
function intervalSeconds(v: string, loc: DssLocation, prop: string): number {
  const m = /^\s*([0-9.eE+-]+)\s*([smh]?)\s*$/i.exec(v);
  const n = m ? Number(m[1]) : Number.NaN;
  if (!m || !Number.isFinite(n) || n < 0) throw new DssError(loc, `${prop}=${v}: expected a time such as 30s, 2m or 1h`);
  const unit = m[2].toLowerCase();
  return Math.trunc(n * (unit === 'h' ? 3600 : unit === 'm' ? 60 : 1));
}

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
    wattpfCurve: undefined,
    wattvarCurve: undefined,
    monBus: [],
    monBusesVbase: [],
    monVoltageCalc: 'avg',
    voltageCurvexRef: 'rated',
    avgWindowLenS: 1,
    rateOfChange: 'inactive',
    lpfTauS: 0.001,
    riseFallLimit: 0.001,
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
        else if (t.startsWith('wattp')) s.mode = 'wattpf';
        else if (t.startsWith('wattv')) s.mode = 'wattvar';
        else if (t === '' || t === 'none') s.mode = 'none';
        else if (t.startsWith('dyn') || t === 'drc') throw new DssError(ctx.loc, `Mode=${v}: dynamic reactive current (DRC) reacts to the voltage's departure from its rolling average over past time steps; lemsim does not model it`);
        else if (t.startsWith('avr')) throw new DssError(ctx.loc, `Mode=${v}: active voltage regulation (AVR) is not modelled (its OpenDSS iteration is a heuristic with fixed gains, no fixed point to reproduce)`);
        else throw new DssError(ctx.loc, `Mode=${v}: lemsim models VOLTVAR, VOLTWATT, WATTPF and WATTVAR (and CombiMode=VV_VW); DRC, AVR and GFM are not supported`);
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
    refuse('hysteresis_offset', (v) => Number(v) === 0, 'volt-var hysteresis is not supported (only 0): OpenDSS switches curves on the sign of the voltage change between successive time steps, to the last bit, and an implementation tried against it matched one day and missed another by 9e-3 pu'),
    {
      name: 'voltage_curvex_ref',
      set: (s, v, ctx) => {
        const t = v.trim().toLowerCase();
        if (t.startsWith('rat')) s.voltageCurvexRef = 'rated';
        else if (t.startsWith('av')) {
          throw new DssError(ctx.loc, `voltage_curvex_ref=${v}: 'avg' (V over its rolling average) is not supported: OpenDSS's own control loop does not settle in that mode on a plain volt-var circuit, so there is no reference to match (rated and ravg are supported)`);
        }
        else if (t.startsWith('rav')) s.voltageCurvexRef = 'ravg';
        else throw new DssError(ctx.loc, `voltage_curvex_ref=${v}: expected rated, avg or ravg`);
      },
    },
    { name: 'avgwindowlen', set: (s, v, ctx) => void (s.avgWindowLenS = intervalSeconds(v, ctx.loc, 'avgwindowlen')) },
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
    {
      name: 'RateofChangeMode',
      set: (s, v, ctx) => {
        const t = v.trim().toLowerCase();
        if (t.startsWith('ina')) s.rateOfChange = 'inactive';
        else if (t.startsWith('lpf')) s.rateOfChange = 'lpf';
        else if (t.startsWith('ris')) s.rateOfChange = 'risefall';
        else throw new DssError(ctx.loc, `RateofChangeMode=${v}: expected INACTIVE, LPF or RISEFALL`);
      },
    },
    {
      name: 'LPFTau',
      set: (s, v, ctx) => {
        s.lpfTauS = parseNumber(v, ctx.loc, 'LPFTau');
        // OpenDSS: a time constant ≤ 0 switches the filter off
        if (s.lpfTauS <= 0) s.rateOfChange = 'inactive';
      },
    },
    {
      name: 'RiseFallLimit',
      set: (s, v, ctx) => {
        s.riseFallLimit = parseNumber(v, ctx.loc, 'RiseFallLimit');
        if (s.riseFallLimit <= 0) s.rateOfChange = 'inactive';
      },
    },
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
    {
      name: 'monVoltageCalc',
      set: (s, v, ctx) => {
        const t = v.trim().toLowerCase();
        if (t.startsWith('avg')) s.monVoltageCalc = 'avg';
        else if (t.startsWith('max')) s.monVoltageCalc = 'max';
        else if (t.startsWith('min')) s.monVoltageCalc = 'min';
        else {
          const n = Number(t);
          if (!Number.isInteger(n) || n < 1) throw new DssError(ctx.loc, `monVoltageCalc=${v}: expected AVG, MAX, MIN or a phase number`);
          s.monVoltageCalc = n;
        }
      },
    },
    {
      name: 'monBus',
      set: (s, v, ctx) => {
        s.monBus = parseStringArray(v).map((b) => {
          const [bus, ...nodes] = b.toLowerCase().split('.');
          const ns = nodes.map(Number);
          if (ns.length < 1 || ns.length > 2 || ns.some((n) => !Number.isInteger(n) || n < 1)) {
            throw new DssError(ctx.loc, `monBus: '${b}' must name one node (line to ground) or two (line to line), e.g. ${bus}.1 or ${bus}.1.2`);
          }
          return { bus, nodes: ns };
        });
      },
    },
    { name: 'MonBusesVbase', set: (s, v, ctx) => void (s.monBusesVbase = parseNumberArray(v, ctx.loc, 'MonBusesVbase')) },
    { name: 'voltwattCH_curve', set: (_s, v, ctx) => void (curveName(v) !== undefined && (() => { throw new DssError(ctx.loc, 'voltwattCH_curve: storage charging volt-watt curves are not supported'); })()) },
    { name: 'wattpf_curve', set: (s, v) => void (s.wattpfCurve = curveName(v)) },
    { name: 'wattvar_curve', set: (s, v) => void (s.wattvarCurve = curveName(v)) },
    { name: 'PVSystemList', set: (s, v) => void (s.derList = parseStringArray(v).map((x) => `pvsystem.${x.toLowerCase()}`)) },
    ignoredProperty('Vsetpoint'),
    refuse('ControlModel', (v) => v === '0' || v.startsWith('lin'), 'only the linear control model is supported'),
    { name: 'enabled', set: (s, v) => void (s.enabled = !v.trim().toLowerCase().startsWith('n') && !v.trim().toLowerCase().startsWith('f')) },
  ],
  finish: (s, ctx) => {
    s.loc = ctx.loc;
    if (s.monBus.length > 0 && s.monBusesVbase.length !== s.monBus.length) {
      throw new DssError(ctx.loc, `InvControl.${s.name}: monBus names ${s.monBus.length} bus(es) but MonBusesVbase gives ${s.monBusesVbase.length} voltage base(s) (one per monitored bus, in volts)`);
    }
    if (s.monBus.length > 0 && typeof s.monVoltageCalc === 'number') {
      throw new DssError(ctx.loc, `InvControl.${s.name}: monVoltageCalc=${s.monVoltageCalc} with monBus: choose AVG, MAX or MIN (OpenDSS indexes the monitored buses from 0 there)`);
    }
  },
};

/** OpenDSS's DynaVars.h outside time series (s): the rate-of-change filters' step in a snapshot. */
const SNAPSHOT_H_S = 0.001;

/** Damping lemsim uses where OpenDSS adapts deltaQ_factor / deltaP_factor (flag −1). */
const DEFAULT_DELTA = 0.5;

interface Der {
  readonly pi: number;
  readonly pce: Pce & { kind: 'pvsystem' | 'storage' };
  /** last kvar asked (NaN = none yet) and last kW limit (NaN = none) */
  qOld: number;
  pOld: number;
  vPrior: number;
  /** watt-var: the kvar last asked (OpenDSS QDesiredWV, whose sign picks the headroom) */
  qWattVar: number;
  /** rolling window of the monitored voltage (V) at the end of past time steps */
  readonly window: RollingWindow;
  /** rate-of-change filter: the filtered targets (pu) last computed, and those of the last step */
  qOption: number;
  pOption: number;
  qOptionPrior: number;
  pOptionPrior: number;
}

/**
 * OpenDSS's TRollAvgWindow as InvControl uses it: samples are added with their duration; the
 * window fills once it holds more than its length in seconds (or that many samples), then each new
 * sample replaces the oldest. Its value is the mean of the samples held (0 when empty).
 */
class RollingWindow {
  private readonly samples: number[] = [];
  private sum = 0;
  private time = 0;
  private full = false;

  constructor(private readonly lengthS: number) {}

  add(v: number, durationS: number): void {
    const x = this.lengthS === 0 ? 0 : v;
    if (this.samples.length > 0 && this.full) {
      this.sum += x - this.samples.shift()!;
      this.samples.push(x);
    } else {
      this.samples.push(x);
      this.sum += x;
      this.time += durationS;
      if (this.time > this.lengthS || this.samples.length === this.lengthS) this.full = true;
    }
  }

  get average(): number {
    return this.samples.length === 0 ? 0 : this.sum / this.samples.length;
  }
}

/** A monitored bus as system nodes (b = −1: line to ground) with its voltage base (V). */
interface MonitoredBus {
  readonly a: number;
  readonly b: number;
  readonly vBase: number;
}

/** One InvControl acting on its elements across control iterations (and time steps). */
export class InvController {
  readonly name: string;
  private readonly ders: Der[] = [];
  private readonly vvc: XYCurveState | undefined;
  private readonly vw: XYCurveState | undefined;
  private readonly wp: XYCurveState | undefined;
  private readonly wv: XYCurveState | undefined;
  private readonly monitored: MonitoredBus[];
  /** solution time of the last step (a new time starts OpenDSS's control iteration 1) */
  private lastTime = Number.NaN;

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
      this.ders.push({ pi, pce: pces[pi] as Der['pce'], qOld: Number.NaN, pOld: Number.NaN, vPrior: Number.NaN, qWattVar: 0, window: new RollingWindow(def.avgWindowLenS), qOption: 0, pOption: 0, qOptionPrior: 0, pOptionPrior: 0 });
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
    const onlyCombi = def.combi === 'vv_vw';
    this.wp = !onlyCombi && def.mode === 'wattpf' ? curve(def.wattpfCurve, 'wattpf_curve') : undefined;
    this.wv = !onlyCombi && def.mode === 'wattvar' ? curve(def.wattvarCurve, 'wattvar_curve') : undefined;
    for (const [c, what, lo] of [
      [this.wp, 'wattpf_curve power factors', -1],
      [this.wv, 'wattvar_curve kvar shares', -1],
    ] as const) {
      if (c && c.y.some((y) => y < lo || y > 1)) throw new DssError(def.loc, `InvControl.${def.name}: ${what} must lie in [-1, 1] (OpenDSS rejects the curve)`);
    }
    if (usesVw && this.ders.some((d) => d.pce.kind === 'storage')) {
      throw new DssError(def.loc, `InvControl.${def.name}: volt-watt on Storage is not supported (PVSystem only)`);
    }
    if ((this.wp || this.wv) && this.ders.some((d) => d.pce.kind === 'storage')) {
      throw new DssError(def.loc, `InvControl.${def.name}: ${def.mode.toUpperCase()} on Storage is not supported (PVSystem only: OpenDSS reads a Storage's available power as 0 there)`);
    }
    this.monitored = def.monBus.map((mb, j) => {
      const nodes = busRefNodes(model, mb.bus, mb.nodes, `InvControl.${def.name} monBus`);
      return { a: nodes[0], b: nodes.length > 1 ? nodes[1] : -1, vBase: def.monBusesVbase[j] };
    });
    if (typeof def.monVoltageCalc === 'number') {
      const k = def.monVoltageCalc;
      const short = this.ders.find((d) => d.pce.phases < k);
      if (short) throw new DssError(def.loc, `InvControl.${def.name}: monVoltageCalc=${k} but ${short.pce.name} has ${short.pce.phases} phase(s)`);
    }
  }

  /**
   * The voltage an element's functions read (OpenDSS GetmonVoltage), in per unit of its own base:
   * its phase conductors' node voltages, or the monitored buses' voltages each scaled from its
   * MonBusesVbase to the element's base, combined by monVoltageCalc.
   */
  private monitoredVoltagePu(view: ControlView, der: Der): number {
    const v = this.monitoredVoltage(view, der);
    const base = der.pce.state.vBase;
    // FPresentVpu: against the rolling average where voltage_curvex_ref asks for it and it exists
    const avg = der.window.average;
    if (this.def.voltageCurvexRef === 'ravg' && avg !== 0) return avg / base;
    return v / base;
  }

  /**
   * End of a time step of `durationS` seconds (OpenDSS UpdateInvControl): each element's monitored
   * voltage in this solution joins its rolling window.
   */
  endOfStep(view: ControlView, durationS: number): void {
    for (const der of this.ders) {
      der.window.add(this.monitoredVoltage(view, der), durationS);
      der.qOptionPrior = der.qOption;
      der.pOptionPrior = der.pOption;
    }
  }

  /** OpenDSS CalcLPF / CalcRF: a target (pu) filtered against the last step's, over a step of `h` s. */
  private filtered(desired: number, prior: number, h: number): number {
    const d = this.def;
    if (d.rateOfChange === 'lpf') {
      const alpha = Math.exp(-h / d.lpfTauS);
      return desired * (1 - alpha) + prior * alpha;
    }
    const step = d.riseFallLimit * h;
    if (desired - prior > step) return prior + step;
    if (desired - prior < -step) return prior - step;
    return desired;
  }

  /** The monitored voltage (V on the element's base, OpenDSS Vpresent). */
  private monitoredVoltage(view: ControlView, der: Der): number {
    const m = view.model;
    const base = der.pce.state.vBase;
    const mag = (a: number, b: number): number => {
      const re = (a >= 0 ? view.vRe[a] : 0) - (b >= 0 ? view.vRe[b] : 0);
      const im = (a >= 0 ? view.vIm[a] : 0) - (b >= 0 ? view.vIm[b] : 0);
      return Math.hypot(re, im);
    };
    const values: number[] = [];
    if (this.monitored.length > 0) for (const mb of this.monitored) values.push((mag(mb.a, mb.b) * base) / mb.vBase);
    else {
      const nodes = m.pceNodes[der.pi];
      for (let k = 0; k < der.pce.phases; k++) values.push(nodes[k] < 0 ? 0 : mag(nodes[k], -1));
    }
    const how = this.def.monVoltageCalc;
    let v: number;
    if (how === 'avg') v = values.reduce((a, b) => a + b, 0) / values.length;
    else if (how === 'max') v = Math.max(0, ...values);
    else if (how === 'min') v = Math.min(1e50, ...values);
    else v = values[how - 1];
    return v;
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
    const time = view.hour * 3600 + view.sec;
    const firstIteration = time !== this.lastTime;
    this.lastTime = time;
    let changing = false;
    for (const der of this.ders) {
      const { pi, pce } = der;
      const vpu = this.monitoredVoltagePu(view, der);
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
      const headroomOf = (q: number) => (q >= 0 ? headroom : headroomNeg);
      /** Check_Qlimits: a kvar share limited by kvarMax/kvarMaxAbs and, where it applies, the kVA left by P */
      const limitQ = (q: number, wattPriorityApplies: boolean): number => {
        let limited = 1;
        const limPos = Math.min(qMax / headroom, 1);
        const limNeg = Math.min(qMaxAbs / headroomNeg, 1);
        if (q > 0 && Math.abs(q) >= limPos) limited = limPos * Math.sign(q);
        else if (q < 0 && Math.abs(q) >= limNeg) limited = limNeg * Math.sign(q);
        if (s.wattPriority && wattPriorityApplies) {
          const qp = Math.sqrt(Math.max(kVA * kVA - pNow * pNow, 0)) / headroomOf(q);
          if (Math.abs(qp) < Math.abs(limited) && Math.abs(qp) < Math.abs(q)) limited = qp * Math.sign(q);
        }
        return Math.min(Math.abs(q), Math.abs(limited)) * Math.sign(q);
      };
      // OpenDSS's DynaVars.h: the time step (s) of a time series; a snapshot keeps OpenDSS's
      // initial 1 ms (measured: the filters then hold their targets at 0)
      const h = rt.mode === 'snapshot' ? SNAPSHOT_H_S : rt.stepH * 3600;
      if (this.vvc) {
        let qDesired = yAt(this.vvc, vpu);
        if (d.rateOfChange !== 'inactive') {
          qDesired = this.filtered(qDesired, der.qOptionPrior, h);
          der.qOption = qDesired;
        }
        const q = limitQ(qDesired, d.refReactivePower === 'varmax');
        const target = q * headroomOf(q);
        const outPu = qNow / headroomOf(q);
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
      if ((this.wp || this.wv) && pce.kind === 'pvsystem') {
        const st = pce.state;
        // available AC power as OpenDSS reads it: panel kW × inverter efficiency × %Pmpp
        const free = pvSystemPower(pce, rt.hour, rt.mode, rt.inverterOn[pi] === 1, Number.NaN, Number.NaN);
        const eff = free.on && pce.effCurve ? yAt(pce.effCurve, free.panelKw / kVA) : 1;
        const pAvail = free.panelKw * eff * st.puPmpp;
        let qEnd = 0;
        let target = 0;
        let pf = Number.NaN;
        let kwLimit = Number.NaN;
        if (this.wp) {
          // CalcQWPcurve_desiredpu: the curve's power factor at the available power; OpenDSS hands it
          // to the PVSystem (pf_wp_nominal), which computes its kvar in pf mode with its own limits
          pf = yAt(this.wp, pAvail / st.pmpp);
        } else {
          const wv = this.wv!;
          // CalcQWVcurve_desiredpu, Check_Qlimits_WV, Calc_PQ_WV
          const pBase = Math.min(kVA, st.pmpp);
          const q = yAt(wv, pAvail / pBase);
          const limPos = Math.min(qMax / headroom, 1);
          const limNeg = Math.min(qMaxAbs / headroomNeg, 1);
          let atKvarLimit = false;
          let limited = 1;
          if (q > 0 && Math.abs(q) >= limPos) {
            limited = limPos;
            atKvarLimit = true;
          } else if (q < 0 && Math.abs(q) >= limNeg) {
            limited = -limNeg;
            atKvarLimit = true;
          }
          qEnd = Math.min(Math.abs(q), Math.abs(limited)) * Math.sign(q);
          const qBase = der.qWattVar >= 0 ? headroom : headroomNeg;
          let pLimitPu = atKvarLimit ? xAt(wv, qEnd) : 1;
          target = qEnd * headroomOf(qEnd);
          if (Math.hypot(pAvail * pLimitPu, target) > kVA) {
            // the curve's segment at the available power, y = a·x + b in per unit, meets P² + Q² = kVA²
            const [a, b] = lineAt(wv, pAvail / pBase);
            const al = (a * qBase) / pBase;
            const bl = b * qBase;
            const A = 1 + al * al;
            const B = 2 * al * bl;
            const C = bl * bl - kVA * kVA;
            pLimitPu = (-B + Math.sqrt(B * B - 4 * A * C)) / (2 * A * pBase);
            qEnd = yAt(wv, pLimitPu);
            target = qEnd * headroomOf(qEnd);
          }
          der.qWattVar = target;
          // OpenDSS also sets the PVSystem's kW to that point's P (PresentkW := PLimitEndpu·min(kVA, Pmpp))
          kwLimit = pLimitPu * pBase;
        }
        const outPu = qNow / headroomOf(target);
        if (firstIteration || vMoved || (this.wv && Math.abs(Math.abs(outPu) - Math.abs(qEnd)) > d.varChangeTolerance) || Number.isNaN(der.qOld)) {
          if (this.wp) rt.pfRequest[pi] = pf;
          else {
            rt.kvarRequest[pi] = target;
            rt.kwLimit[pi] = kwLimit;
          }
          const out = setPcePowerOf(m, pi, powers, rt);
          changing = changing || Number.isNaN(der.qOld) || Math.abs(out.kvar - der.qOld) > 1e-12 * Math.max(1, kVA) || vMoved;
          der.qOld = out.kvar;
        }
      }
      if (this.vw && pce.kind === 'pvsystem') {
        const st = pce.state;
        // what the panel would give without the volt-watt limit (OpenDSS kW_out_desired)
        const free = pvSystemPower(pce, rt.hour, rt.mode, rt.inverterOn[pi] === 1, rt.kvarRequest[pi], Number.NaN);
        const pBase = d.voltwattYAxis === 'pmpppu' ? st.pmpp : d.voltwattYAxis === 'pctpmpppu' ? st.pmpp * st.puPmpp : d.voltwattYAxis === 'kvaratingpu' ? kVA : free.kW;
        let plim = yAt(this.vw, vpu);
        if (d.rateOfChange !== 'inactive') {
          plim = this.filtered(plim, der.pOptionPrior, h);
          der.pOption = plim;
        }
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
