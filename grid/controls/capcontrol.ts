/**
 * CapControl: switches the steps of one capacitor from a quantity measured at a terminal of another
 * element, as OpenDSS's CapControl.pas does in the static control mode. Types: current (A through the
 * CT ratio), voltage (V through the PT ratio; line-to-line for a delta capacitor), kvar (reactive
 * power into the terminal), power factor (0..2 scale, leading above 1) and time of day, each with
 * its ON/OFF settings; optional voltage override (vmin/vmax, on a chosen bus or the terminal). A
 * switch is queued after `delay` (closing) or `delayoff` (opening); closing again within `deadtime`
 * s of an opening waits the rest of the dead time. The action switches one step: add the next step,
 * or take off the last one (the bank opens when no step remains).
 */
import { DssError, type DssLocation } from '../errors.js';
import type { DssClass, SetContext } from '../dss/object-class.js';
import { ignoredProperty } from '../dss/object-class.js';
import { parseBoolean, parseInteger } from '../dss/values.js';
import { bool, num, text } from '../model/elements/common.js';
import type { CMatrix } from '../model/complex.js';
import { type CapacitorState, capacitorBranch } from '../model/elements/capacitor.js';
import type { ControlActor, ControlQueue } from './control-queue.js';
import { type ControlView, branchIndex, conductorCurrents, nodeVoltage, terminalPower, terminalVoltages, timeOf } from './control-view.js';

export const AVGPHASES = -1;
export const MAXPHASE = -2;
export const MINPHASE = -3;

export type CapControlType = 'current' | 'voltage' | 'kvar' | 'time' | 'pf';

export interface CapControlState {
  readonly name: string;
  enabled: boolean;
  /** monitored element, `class.name` lower case */
  element: string | undefined;
  terminal: number;
  capacitor: string | undefined;
  type: CapControlType;
  ptRatio: number;
  ctRatio: number;
  onSetting: number;
  offSetting: number;
  /** power-factor settings on OpenDSS's 0..2 scale (from ON/OFF settings of a PF control) */
  pfOn: number;
  pfOff: number;
  onDelayS: number;
  offDelayS: number;
  deadTimeS: number;
  voltOverride: boolean;
  vmax: number;
  vmin: number;
  /** phase number, or AVGPHASES / MAXPHASE / MINPHASE */
  ctPhase: number;
  ptPhase: number;
  /** bus for the voltage override, when given */
  vbus: string | undefined;
  pctMinKvar: number;
  loc: DssLocation | undefined;
}

function parseMonPhase(v: string, ctx: SetContext): number {
  const t = v.trim().toLowerCase();
  if (t.startsWith('avg')) return AVGPHASES;
  if (t.startsWith('max')) return MAXPHASE;
  if (t.startsWith('min')) return MINPHASE;
  return parseInteger(v, ctx.loc, ctx.prop, 1);
}

function parseType(v: string, ctx: SetContext): CapControlType {
  const t = v.trim().toLowerCase();
  if (t.startsWith('c')) return 'current';
  if (t.startsWith('v')) return 'voltage';
  if (t.startsWith('k')) return 'kvar';
  if (t.startsWith('t')) return 'time';
  if (t.startsWith('p')) return 'pf';
  throw new DssError(ctx.loc, `type: expected current, voltage, kvar, time or pf, got '${v}'`);
}

/** OpenDSS maps a PF setting in −1..1 onto 0..2 (negative = leading, above 1). */
function pfSetting(v: number, ctx: SetContext): number {
  if (v < -1 || v > 1) throw new DssError(ctx.loc, `${ctx.prop}: a power-factor setting must lie in −1..1, got ${v}`);
  return v < 0 ? 2 + v : v;
}

export const capControlClass: DssClass<CapControlState> = {
  name: 'capcontrol',
  create: (name) => ({
    name,
    enabled: true,
    element: undefined,
    terminal: 1,
    capacitor: undefined,
    type: 'current',
    ptRatio: 60,
    ctRatio: 60,
    onSetting: 300,
    offSetting: 200,
    pfOn: 0.95,
    pfOff: 1.05,
    onDelayS: 15,
    offDelayS: 15,
    deadTimeS: 300,
    voltOverride: false,
    vmax: 126,
    vmin: 115,
    ctPhase: 1,
    ptPhase: 1,
    vbus: undefined,
    pctMinKvar: 50,
    loc: undefined,
  }),
  properties: [
    text('element', (s, v, ctx) => {
      const ref = v.trim().toLowerCase();
      const dot = ref.indexOf('.');
      if (dot <= 0) throw new DssError(ctx.loc, `element: expected Class.name, got '${v}'`);
      if (!ctx.find(ref.slice(0, dot), ref.slice(dot + 1))) throw new DssError(ctx.loc, `element: ${v} is not defined (it must be defined before its CapControl)`);
      s.element = ref;
    }),
    num('terminal', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1) throw new DssError(ctx.loc, `terminal: expected a whole number ≥ 1, got ${v}`);
      s.terminal = v;
    }),
    text('capacitor', (s, v, ctx) => {
      const name = v.trim().toLowerCase().replace(/^capacitor\./, '');
      if (!ctx.find('capacitor', name)) throw new DssError(ctx.loc, `capacitor: Capacitor.${name} is not defined (it must be defined before its CapControl)`);
      s.capacitor = name;
    }),
    text('type', (s, v, ctx) => {
      s.type = parseType(v, ctx);
      if (s.type === 'pf') {
        s.pfOn = 0.95;
        s.pfOff = 1.05;
      }
    }),
    num('PTratio', (s, v) => void (s.ptRatio = v)),
    num('CTratio', (s, v) => void (s.ctRatio = v)),
    num('ONsetting', (s, v, ctx) => {
      s.onSetting = v;
      if (s.type === 'pf') s.pfOn = pfSetting(v, ctx);
    }),
    num('OFFsetting', (s, v, ctx) => {
      s.offSetting = v;
      if (s.type === 'pf') s.pfOff = pfSetting(v, ctx);
    }),
    num('Delay', (s, v) => void (s.onDelayS = v)),
    bool('VoltOverride', (s, v) => void (s.voltOverride = v)),
    num('Vmax', (s, v) => void (s.vmax = v)),
    num('Vmin', (s, v) => void (s.vmin = v)),
    num('DelayOFF', (s, v) => void (s.offDelayS = v)),
    num('DeadTime', (s, v) => void (s.deadTimeS = v)),
    text('CTPhase', (s, v, ctx) => void (s.ctPhase = parseMonPhase(v, ctx))),
    text('PTPhase', (s, v, ctx) => void (s.ptPhase = parseMonPhase(v, ctx))),
    text('VBus', (s, v) => void (s.vbus = v.trim() === '' ? undefined : v.trim().toLowerCase())),
    ignoredProperty('EventLog'),
    text('UserModel', (_s, v, ctx) => {
      if (v.trim() !== '') throw new DssError(ctx.loc, `UserModel: user-written CapControl models (DLLs) are not supported ('${v}')`);
    }),
    ignoredProperty('UserData'),
    num('pctMinkvar', (s, v) => void (s.pctMinKvar = v)),
    { name: 'Reset', set: (_s, v, ctx) => void parseBoolean(v, ctx.loc, 'Reset') },
    ignoredProperty('basefreq'),
    bool('enabled', (s, v) => void (s.enabled = v)),
  ],
  finish: (s, ctx) => {
    s.loc = ctx.loc;
  },
};

const NONE = 0;
const OPEN = 1;
const CLOSE = 2;

/** Capacitor steps: the last one in service (0 = bank open), as OpenDSS's Capacitor keeps it. */
function lastStepInService(cap: CapacitorState): number {
  for (let k = cap.states.length; k >= 1; k--) if (cap.states[k - 1] !== 0) return k;
  return 0;
}

/** The runtime of one CapControl over a capacitor state it may change (the caller's private copy). */
export class CapController implements ControlActor {
  private closed: boolean;
  private readonly initialClosed: boolean;
  private pendingChange = NONE;
  private shouldSwitch = false;
  private armed = false;
  private handle = 0;
  private lastOpenTimeS: number;
  /** solution time (s) of the last sample; the event-driven mode moves it to an action's time */
  nowS = 0;

  constructor(
    readonly def: CapControlState,
    readonly cap: CapacitorState,
    private readonly queue: ControlQueue,
  ) {
    // OpenDSS keeps the bank's terminal closed at definition even when every step is out
    // (states=[0]): the control then sees a closed bank with steps available (checked against
    // OpenDSS: its voltage override opens such a bank above vmax, and never "recloses" it below vmin)
    this.closed = true;
    this.initialClosed = this.closed;
    this.lastOpenTimeS = -def.deadTimeS;
  }

  get name(): string {
    return this.def.name;
  }

  /** The network element this control changes. */
  get elementName(): string {
    return `capacitor.${this.cap.name}`;
  }

  /** The capacitor's primitive admittance with its present steps (as the network builds it). */
  primitiveY(frequencyHz: number): CMatrix {
    return capacitorBranch(this.cap, frequencyHz, this.cap.states).y;
  }

  /** OpenDSS Reset (when a solution mode is set): back to the state the bank was defined in. */
  reset(): boolean {
    this.pendingChange = NONE;
    this.shouldSwitch = false;
    this.armed = false;
    this.closed = this.initialClosed;
    this.lastOpenTimeS = -this.def.deadTimeS;
    // OpenDSS only recloses the terminal; the steps (the physics) stay as they are
    return false;
  }

  private availableSteps(): number {
    return this.cap.states.length - lastStepInService(this.cap);
  }

  private addStep(): boolean {
    const last = lastStepInService(this.cap);
    if (last === this.cap.states.length) return false;
    this.cap.states[last] = 1;
    return true;
  }

  /** Takes off the last step in service; false when the bank is then open (or was). */
  private subtractStep(): boolean {
    const last = lastStepInService(this.cap);
    if (last === 0) return false;
    this.cap.states[last - 1] = 0;
    return last - 1 > 0;
  }

  /** OpenDSS GetControlVoltage over the measured voltages `buf` (V). */
  private controlVoltage(buf: { re: number; im: number }[], monitoredPhases: number): number {
    const d = this.def;
    const mag = (k: number): number => Math.hypot(buf[k].re, buf[k].im);
    if (d.ptPhase === AVGPHASES) {
      let s = 0;
      for (let i = 0; i < monitoredPhases; i++) s += mag(i);
      return s / monitoredPhases / d.ptRatio;
    }
    if (d.ptPhase === MAXPHASE || d.ptPhase === MINPHASE) {
      let v = d.ptPhase === MAXPHASE ? 0 : 1e50;
      for (let i = 0; i < monitoredPhases; i++) v = d.ptPhase === MAXPHASE ? Math.max(v, mag(i)) : Math.min(v, mag(i));
      return v / d.ptRatio;
    }
    const p = d.ptPhase - 1;
    if (this.cap.conn === 'delta') {
      // line-to-line at a delta bank
      const q = p + 1 >= this.cap.phases ? 0 : p + 1;
      return Math.hypot(buf[p].re - buf[q].re, buf[p].im - buf[q].im) / d.ptRatio;
    }
    return mag(p) / d.ptRatio;
  }

  private controlCurrent(view: ControlView, b: number): number {
    const d = this.def;
    const cur = conductorCurrents(view, b);
    const br = view.model.network.branches[b];
    const mag = (k: number): number => Math.hypot(cur.re[k], cur.im[k]);
    const off = (d.terminal - 1) * br.terminals[0].nodes.length;
    const np = this.cap.phases;
    if (d.ctPhase === AVGPHASES) {
      let s = 0;
      for (let i = off; i < off + np; i++) s += mag(i);
      return s / np / d.ctRatio;
    }
    if (d.ctPhase === MAXPHASE) {
      let s = 0;
      for (let i = off; i < off + np; i++) s = Math.max(s, mag(i));
      return s / d.ctRatio;
    }
    if (d.ctPhase === MINPHASE) {
      let s = 1e50;
      for (let i = off; i < off + np; i++) s = Math.min(s, mag(i));
      return s / d.ctRatio;
    }
    // OpenDSS reads the monitored phase of the element's first terminal here (no terminal offset)
    return mag(d.ctPhase - 1) / d.ctRatio;
  }

  /** Samples the solved circuit; queues a switching when the measured quantity asks for one. */
  sample(view: ControlView): void {
    const d = this.def;
    const b = branchIndex(view.model, d.element!);
    if (b === undefined) throw new DssError(d.loc, `CapControl.${d.name}: element ${d.element} is not in the circuit (disabled?)`);
    this.nowS = timeOf(view);
    const monitored = view.model.network.branches[b];
    const monitoredPhases = monitored.phases;
    // PTphase and CTphase index the monitored element's conductors (OpenDSS reads its buffer there)
    const nc = monitored.terminals[d.terminal - 1]?.nodes.length;
    if (nc === undefined) throw new DssError(d.loc, `CapControl.${d.name}: ${d.element} has no terminal ${d.terminal}`);
    // (checked only where used: OpenDSS would read past the measured values there)
    const usesPt = d.type === 'voltage' || d.voltOverride;
    if (usesPt && d.ptPhase > nc) throw new DssError(d.loc, `CapControl.${d.name}: PTphase ${d.ptPhase} exceeds the ${nc} conductors of ${d.element} terminal ${d.terminal}`);
    const allConductors = monitored.terminals.reduce((a, t) => a + t.nodes.length, 0);
    if (d.type === 'current' && d.ctPhase > allConductors) throw new DssError(d.loc, `CapControl.${d.name}: CTphase ${d.ctPhase} exceeds the ${allConductors} conductors of ${d.element}`);
    this.shouldSwitch = false;

    if (d.voltOverride && d.type !== 'voltage') {
      let buf: { re: number; im: number }[];
      if (d.vbus !== undefined) {
        const bus = view.model.network.busIndex.get(d.vbus);
        if (bus === undefined) throw new DssError(d.loc, `CapControl.${d.name}: VBus '${d.vbus}' does not exist`);
        // the bus's own nodes in node order (OpenDSS GetBusVoltages: the first phases of the bus)
        buf = [...view.model.busNodes[bus]].slice(0, this.cap.phases).map((k) => nodeVoltage(view, k));
      } else buf = terminalVoltages(view, b, d.terminal);
      const vtest = this.controlVoltage(buf, monitoredPhases);
      if (!this.closed && vtest < d.vmin) {
        this.pendingChange = CLOSE;
        this.shouldSwitch = true;
      } else if (this.closed && vtest > d.vmax) {
        this.pendingChange = OPEN;
        this.shouldSwitch = true;
      }
    }

    if (!this.shouldSwitch) {
      // each type: an open bank closes above/below ON; a closed one opens past OFF, or adds a step
      const measure = (): number => {
        switch (d.type) {
          case 'current':
            return this.controlCurrent(view, b);
          case 'voltage':
            return this.controlVoltage(terminalVoltages(view, b, d.terminal), monitoredPhases);
          case 'kvar':
            return terminalPower(view, b, d.terminal).q / 1000;
          default:
            return 0;
        }
      };
      if (d.type === 'current' || d.type === 'kvar') {
        const x = measure();
        if (!this.closed) this.decide(x > d.onSetting, CLOSE, true);
        else if (x < d.offSetting) this.decide(true, OPEN, false);
        else if (this.availableSteps() > 0) {
          if (x > d.onSetting) this.decide(true, CLOSE, false);
        } else this.pendingChange = NONE;
      } else if (d.type === 'voltage') {
        const v = measure();
        if (!this.closed) this.decide(v < d.onSetting, CLOSE, true);
        else {
          this.pendingChange = NONE;
          if (v > d.offSetting) this.decide(true, OPEN, false);
          else if (this.availableSteps() > 0 && v < d.onSetting) this.decide(true, CLOSE, false);
        }
      } else if (d.type === 'time') {
        this.sampleTime(view);
      } else {
        const s = terminalPower(view, b, d.terminal);
        const sAbs = Math.hypot(s.p, s.q);
        let pf = sAbs !== 0 ? Math.abs(s.p) / sAbs : 1;
        if (s.q < 0) pf = 2 - pf;
        const totalKvar = this.cap.kvar.reduce((a, x) => a + x, 0);
        if (!this.closed) this.decide(pf < d.pfOn && s.q / 1000 > (totalKvar * d.pctMinKvar) / 100, CLOSE, true);
        else if (pf > d.pfOff) this.decide(true, OPEN, false);
        else if (this.availableSteps() > 0) {
          if (pf < d.pfOn && s.q / 1000 > (totalKvar / this.cap.states.length) * 0.5) this.decide(true, CLOSE, false);
        } else this.pendingChange = NONE;
      }
    }

    if (this.shouldSwitch && !this.armed) {
      let delay: number;
      if (this.pendingChange === CLOSE) {
        const since = this.nowS - this.lastOpenTimeS;
        delay = since < d.deadTimeS ? Math.max(d.onDelayS, d.deadTimeS + d.onDelayS - since) : d.onDelayS;
      } else delay = d.offDelayS;
      this.handle = this.queue.push(this.nowS + delay, this.pendingChange, this);
      this.armed = true;
    }
    if (this.armed && this.pendingChange === NONE) {
      this.queue.delete(this.handle);
      this.armed = false;
    }
  }

  /** Sets the pending change when `condition` holds; otherwise resets it (when `resetOtherwise`). */
  private decide(condition: boolean, change: number, resetOtherwise: boolean): void {
    if (condition) {
      this.pendingChange = change;
      this.shouldSwitch = true;
    } else if (resetOtherwise) this.pendingChange = NONE;
  }

  /** Time control: ON and OFF are hours of the day; an OFF before ON spans midnight. */
  private sampleTime(view: ControlView): void {
    const d = this.def;
    const h = view.hour > 24 ? view.hour - Math.trunc((view.hour - 1) / 24) * 24 : view.hour;
    let tod = h + view.sec / 3600;
    if (tod - 24 > 1e-12) tod -= 24;
    const on = d.onSetting;
    const off = d.offSetting;
    const inOnWindow = off > on ? tod >= on && tod < off : tod >= on && tod < 24;
    if (!this.closed) this.decide(inOnWindow, CLOSE, true);
    else {
      const inOffWindow = off > on ? tod >= off || tod < on : tod >= off && tod < on;
      if (inOffWindow) this.decide(true, OPEN, false);
      else if (this.availableSteps() > 0) {
        if (inOnWindow) this.decide(true, CLOSE, false);
      } else this.pendingChange = NONE;
    }
  }

  /** Executes the queued switching (one step); returns whether the capacitor changed. */
  doPendingAction(_code: number): boolean {
    let changed = false;
    if (this.pendingChange === OPEN) {
      if (this.closed) {
        if (this.cap.states.length === 1) {
          changed = lastStepInService(this.cap) > 0;
          this.subtractStep();
          this.closed = false;
          this.lastOpenTimeS = this.nowS;
        } else {
          const before = lastStepInService(this.cap);
          if (!this.subtractStep()) this.closed = false;
          changed = lastStepInService(this.cap) !== before;
        }
      }
    } else if (this.pendingChange === CLOSE) {
      const before = lastStepInService(this.cap);
      this.closed = true;
      this.addStep();
      changed = lastStepInService(this.cap) !== before;
    }
    this.shouldSwitch = false;
    this.armed = false;
    return changed;
  }

  /** Whether the bank's terminal is closed (at least one step, unless reset). */
  get isClosed(): boolean {
    return this.closed;
  }
}
