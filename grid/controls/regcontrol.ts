/**
 * RegControl: the voltage regulator of one transformer winding, as OpenDSS's RegControl.pas does it
 * in the static and time-driven control modes. Sampling reads the winding's voltage (or a remote bus) through the PT
 * ratio, applies line-drop compensation (R + jX volts on the CT current, or Beckwith's LDC_Z), and,
 * when the result is outside vreg ± band/2 (or the local voltage above vlimit), computes the boost
 * needed in whole tap steps and queues a tap change after `delay` s (inverse time optional). Executed
 * in static mode, the change moves 70 % of the way but at least one step, at most `maxtapchange`
 * steps (AtLeastOneTap), and the transformer clamps the tap to [mintap, maxtap]; in the time-driven
 * mode it moves one step and queues the next after `tapdelay` s. Reverse power
 * (reversible, revneutral, cogen) follows the same source: a reverse action after `revDelay` s flips
 * the mode, in which the reverse settings apply and the tap moves the other way (or to neutral).
 */
import { DssError, type DssLocation } from '../errors.js';
import type { DssClass, SetContext } from '../dss/object-class.js';
import { ignoredProperty } from '../dss/object-class.js';
import { parseBoolean, parseInteger } from '../dss/values.js';
import { bool, num, text, type BusRef, parseBusRef, terminalNodes } from '../model/elements/common.js';
import type { CMatrix } from '../model/complex.js';
import type { TransformerState, Winding } from '../model/elements/transformer.js';
import { transformerYprim } from '../model/yprim.js';
import type { ControlActor, ControlQueue } from './control-queue.js';
import { type ControlView, branchIndex, busRefNodes, conductorCurrents, nodeVoltage, roundHalfEven, terminalPower, timeOf } from './control-view.js';

export const MAXPHASE = -2;
export const MINPHASE = -3;

export interface RegControlState {
  readonly name: string;
  enabled: boolean;
  transformer: string | undefined;
  /** monitored winding (OpenDSS ElementTerminal), 1-based */
  winding: number;
  /** winding whose tap moves (defaults to the monitored one; reset whenever `winding` is written) */
  tapWinding: number;
  vreg: number;
  band: number;
  ptRatio: number;
  remotePtRatio: number;
  ctPrim: number;
  /** line-drop compensator, volts on the PT secondary at CT-primary current */
  r: number;
  x: number;
  ldcZ: number;
  /** regulated remote bus, when given (then LDC is not used) */
  bus: BusRef | undefined;
  delayS: number;
  tapDelayS: number;
  maxTapChange: number;
  inverseTime: boolean;
  vlimit: number;
  /** phase number, or MAXPHASE / MINPHASE */
  ptPhase: number;
  reversible: boolean;
  revVreg: number;
  revBand: number;
  revR: number;
  revX: number;
  revLdcZ: number;
  revThresholdKw: number;
  revDelayS: number;
  revNeutral: boolean;
  cogen: boolean;
  /** where the object was last defined or edited */
  loc: DssLocation | undefined;
}

function parsePhase(v: string, ctx: SetContext): number {
  const t = v.trim().toLowerCase();
  if (t === 'max') return MAXPHASE;
  if (t === 'min') return MINPHASE;
  return parseInteger(v, ctx.loc, ctx.prop, 1);
}

export const regControlClass: DssClass<RegControlState> = {
  name: 'regcontrol',
  create: (name) => ({
    name,
    enabled: true,
    transformer: undefined,
    winding: 1,
    tapWinding: 1,
    vreg: 120,
    band: 3,
    ptRatio: 60,
    remotePtRatio: 60,
    ctPrim: 300,
    r: 0,
    x: 0,
    ldcZ: 0,
    bus: undefined,
    delayS: 15,
    tapDelayS: 2,
    maxTapChange: 16,
    inverseTime: false,
    vlimit: 0,
    ptPhase: 1,
    reversible: false,
    revVreg: 120,
    revBand: 3,
    revR: 0,
    revX: 0,
    revLdcZ: 0,
    revThresholdKw: 100,
    revDelayS: 60,
    revNeutral: false,
    cogen: false,
    loc: undefined,
  }),
  // OpenDSS's property order (positional parameters follow it)
  properties: [
    text('transformer', (s, v, ctx) => {
      const name = v.trim().toLowerCase().replace(/^transformer\./, '');
      if (!ctx.find<TransformerState>('transformer', name)) throw new DssError(ctx.loc, `transformer: Transformer.${name} is not defined (it must be defined before its RegControl)`);
      s.transformer = name;
    }),
    num('winding', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1) throw new DssError(ctx.loc, `winding: expected a whole number ≥ 1, got ${v}`);
      s.winding = v;
      s.tapWinding = v;
    }),
    num('vreg', (s, v) => void (s.vreg = v)),
    num('band', (s, v) => void (s.band = v)),
    num('ptratio', (s, v) => {
      s.ptRatio = v;
      s.remotePtRatio = v;
    }),
    num('CTprim', (s, v) => void (s.ctPrim = v)),
    num('R', (s, v) => void (s.r = v)),
    num('X', (s, v) => void (s.x = v)),
    text('bus', (s, v, ctx) => void (s.bus = v.trim() === '' ? undefined : parseBusRef(v, ctx))),
    num('delay', (s, v) => void (s.delayS = v)),
    bool('reversible', (s, v) => void (s.reversible = v)),
    num('revvreg', (s, v) => void (s.revVreg = v)),
    num('revband', (s, v) => void (s.revBand = v)),
    num('revR', (s, v) => void (s.revR = v)),
    num('revX', (s, v) => void (s.revX = v)),
    num('tapdelay', (s, v) => void (s.tapDelayS = v)),
    ignoredProperty('debugtrace'),
    num('maxtapchange', (s, v, ctx) => {
      if (!Number.isInteger(v)) throw new DssError(ctx.loc, `maxtapchange: expected a whole number, got ${v}`);
      s.maxTapChange = Math.max(0, v);
    }),
    bool('inversetime', (s, v) => void (s.inverseTime = v)),
    num('tapwinding', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1) throw new DssError(ctx.loc, `tapwinding: expected a whole number ≥ 1, got ${v}`);
      s.tapWinding = v;
    }),
    num('vlimit', (s, v) => void (s.vlimit = v)),
    text('PTphase', (s, v, ctx) => void (s.ptPhase = parsePhase(v, ctx))),
    num('revThreshold', (s, v) => void (s.revThresholdKw = v)),
    num('revDelay', (s, v) => void (s.revDelayS = v)),
    bool('revNeutral', (s, v) => void (s.revNeutral = v)),
    ignoredProperty('EventLog'),
    num('RemotePTRatio', (s, v) => void (s.remotePtRatio = v)),
    num('TapNum', (s, v, ctx) => {
      // OpenDSS sets the transformer's tap at once: tap = TapNum·step + (max + min)/2
      if (!Number.isInteger(v)) throw new DssError(ctx.loc, `TapNum: expected a whole number, got ${v}`);
      const xf = s.transformer ? ctx.find<TransformerState>('transformer', s.transformer) : undefined;
      if (!xf) throw new DssError(ctx.loc, 'TapNum: set transformer= first');
      const w = xf.windings[s.tapWinding - 1];
      if (!w) throw new DssError(ctx.loc, `TapNum: Transformer.${xf.name} has no winding ${s.tapWinding}`);
      setPresentTap(w, v * tapStep(w) + (w.maxTap + w.minTap) / 2);
    }),
    { name: 'Reset', set: (_s, v, ctx) => void parseBoolean(v, ctx.loc, 'Reset') },
    num('LDC_Z', (s, v) => void (s.ldcZ = v)),
    num('rev_Z', (s, v) => void (s.revLdcZ = v)),
    bool('Cogen', (s, v) => void (s.cogen = v)),
    ignoredProperty('basefreq'),
    bool('enabled', (s, v) => void (s.enabled = v)),
  ],
  finish: (s, ctx) => {
    s.loc = ctx.loc;
  },
};

/** One tap step of a winding, per unit. */
export function tapStep(w: Winding): number {
  return (w.maxTap - w.minTap) / w.numTaps;
}

/** OpenDSS Transformer.PresentTap: the tap clamped to [minTap, maxTap]; returns whether it changed. */
export function setPresentTap(w: Winding, value: number): boolean {
  const v = value < w.minTap ? w.minTap : value > w.maxTap ? w.maxTap : value;
  if (v === w.tap) return false;
  w.tap = v;
  return true;
}

const ACTION_TAPCHANGE = 0;
const ACTION_REVERSE = 1;

/** Base voltage of a winding (V): line-to-neutral for a wye winding of 2 or 3 phases, else its kV. */
function windingVBase(xf: TransformerState, w: Winding): number {
  return w.conn === 'wye' && (xf.phases === 2 || xf.phases === 3) ? (w.kV * 1000) / Math.sqrt(3) : w.kV * 1000;
}

/**
 * The runtime of one RegControl over a transformer state it may change (the caller's private copy).
 * `sample` queues tap changes; the queue calls `doPendingAction`.
 */
export class RegController implements ControlActor {
  private armed = false;
  private pendingTapChange = 0;
  private actionHandle = 0;
  private inReverseMode = false;
  private reversePending = false;
  private inCogenMode = false;
  private revHandle = 0;
  private revBackHandle = 0;
  /** tap steps moved by the last executed change (OpenDSS LastChange) */
  lastChange = 0;
  /**
   * OpenDSS's time- and event-driven control modes (ControlMode=TIME, EVENT): an executed change
   * moves one tap and, if more are pending, queues the next after `tapdelay` s (DoPendingAction,
   * TIMEDRIVEN and EVENTDRIVEN)
   */
  timeDriven = false;
  /** solution time (s) of the last sample, the clock a re-queue counts from (the event-driven mode moves it to an action's time) */
  nowS = 0;
  private readonly deltaDirection: number;

  constructor(
    readonly def: RegControlState,
    readonly xf: TransformerState,
    private readonly queue: ControlQueue,
  ) {
    if (def.winding > xf.windings.length) throw new DssError(def.loc, `RegControl.${def.name}: Transformer.${xf.name} has no winding ${def.winding}`);
    if (def.tapWinding > xf.windings.length) throw new DssError(def.loc, `RegControl.${def.name}: Transformer.${xf.name} has no winding ${def.tapWinding} (tapwinding)`);
    if (def.ptPhase > xf.phases) def.ptPhase = 1; // OpenDSS RecalcElementData resets an impossible PTphase
    // OpenDSS Transformer DeltaDirection: −1 when the HV winding is delta and LV wye (ANSI), else +1
    let dir = 1;
    if (xf.windings.length > 1 && xf.windings[0].conn !== xf.windings[1].conn) {
      const hv = xf.windings[0].kV >= xf.windings[1].kV ? 0 : 1;
      if (xf.windings[hv].conn === 'wye') dir = xf.hvLeadsLv ? -1 : 1;
      else dir = xf.hvLeadsLv ? 1 : -1;
    }
    this.deltaDirection = dir;
  }

  get name(): string {
    return this.def.name;
  }

  /** The network element this control changes. */
  get elementName(): string {
    return `transformer.${this.xf.name}`;
  }

  /** The transformer's primitive admittance at its present taps (as the network builds it). */
  primitiveY(_frequencyHz: number): CMatrix {
    return transformerYprim(this.xf);
  }

  /** The tapped winding's present tap, per unit. */
  get tap(): number {
    return this.xf.windings[this.def.tapWinding - 1].tap;
  }

  /** Forgets pending actions (OpenDSS Reset, done when a solution mode is set). */
  reset(): void {
    this.pendingTapChange = 0;
    this.armed = false;
  }

  private rotatePhase(i: number): number {
    let r = i + this.deltaDirection;
    const np = this.xf.phases;
    if (np > 2) {
      if (r > np - 1) r = 0;
      if (r < 0) r = np - 1;
    } else if (r < 0) r = 2;
    return r;
  }

  /** Voltage across each phase of winding w (1-based): phase − neutral (wye) or phase − next phase (delta). */
  private windingVoltages(view: ControlView, b: number, w: number): { re: number; im: number }[] {
    const nc = this.xf.phases + 1;
    const nodes = view.model.branchNodes[b];
    const off = (w - 1) * nc;
    const out = [];
    for (let i = 0; i < this.xf.phases; i++) {
      const a = nodeVoltage(view, nodes[off + i]);
      const other = this.xf.windings[w - 1].conn === 'wye' ? nodes[off + this.xf.phases] : nodes[off + this.rotatePhase(i)];
      const z = nodeVoltage(view, other);
      out.push({ re: a.re - z.re, im: a.im - z.im });
    }
    return out;
  }

  /** OpenDSS GetControlVoltage: the PT-phase voltage (or the max/min phase) over the PT ratio. */
  private controlVoltage(buf: { re: number; im: number }[], pt: number): { v: { re: number; im: number }; phase: number } {
    let phase = 0;
    const mode = this.def.ptPhase;
    if (mode === MAXPHASE || mode === MINPHASE) {
      let best = Math.hypot(buf[0].re, buf[0].im);
      for (let i = 1; i < buf.length; i++) {
        const m = Math.hypot(buf[i].re, buf[i].im);
        if (mode === MAXPHASE ? m > best : m < best) {
          best = m;
          phase = i;
        }
      }
    } else {
      phase = Math.min(mode, buf.length) - 1;
    }
    return { v: { re: buf[phase].re / pt, im: buf[phase].im / pt }, phase };
  }

  /** Samples the solved circuit; queues a tap change when the controlled voltage is out of band. */
  sample(view: ControlView): void {
    const d = this.def;
    const xf = this.xf;
    if (d.maxTapChange === 0) {
      this.pendingTapChange = 0;
      return;
    }
    const b = branchIndex(view.model, `transformer.${xf.name}`);
    if (b === undefined) return; // disabled transformer: nothing to control
    const t = timeOf(view);
    this.nowS = t;
    const tw = xf.windings[d.tapWinding - 1];
    const usingBus = d.bus !== undefined;
    const lookingForward = !this.inReverseMode || this.inCogenMode;

    if (!usingBus && (d.reversible || d.cogen)) {
      const fwdPower = -terminalPower(view, b, d.winding).p;
      const threshold = d.revThresholdKw * 1000;
      if (lookingForward && !this.inCogenMode) {
        if (!this.reversePending && fwdPower < -threshold) {
          this.reversePending = true;
          this.revHandle = this.queue.push(t + d.revDelayS, ACTION_REVERSE, this);
        }
        if (this.reversePending && fwdPower >= -threshold) {
          this.reversePending = false;
          if (this.revHandle > 0) this.queue.delete(this.revHandle);
          this.revHandle = 0;
        }
      } else {
        if (!this.reversePending && fwdPower > threshold) {
          this.reversePending = true;
          this.revBackHandle = this.queue.push(t + d.revDelayS, ACTION_REVERSE, this);
        }
        if (this.reversePending && fwdPower <= threshold) {
          this.reversePending = false;
          if (this.revBackHandle > 0) this.queue.delete(this.revBackHandle);
          this.revBackHandle = 0;
        }
        if (d.revNeutral) {
          // reverse (or cogen) with revneutral: move to the neutral tap and stop there
          if (!this.armed) {
            this.pendingTapChange = 0;
            if (Math.abs(tw.tap - 1) > 1e-12) {
              const inc = tapStep(tw);
              this.pendingTapChange = roundHalfEven((1 - tw.tap) / inc) * inc;
              if (this.pendingTapChange !== 0) {
                this.actionHandle = this.queue.push(t + d.tapDelayS, ACTION_TAPCHANGE, this);
                this.armed = true;
              }
            }
          }
          return;
        }
      }
    }

    let vc: { re: number; im: number };
    let controlledPhase: number;
    if (usingBus) {
      const ref = d.bus!;
      const nodes = busRefNodes(view.model, ref.bus, terminalNodes(ref, 2, 1), `RegControl.${d.name} bus=`);
      const v = [nodeVoltage(view, nodes[0]), nodeVoltage(view, nodes[1])];
      // one phase at the regulated bus: to ground for a wye winding, between its two nodes for delta
      const buf = xf.windings[d.winding - 1].conn === 'wye' ? [v[0]] : [{ re: v[0].re - v[1].re, im: v[0].im - v[1].im }];
      ({ v: vc, phase: controlledPhase } = this.controlVoltage(buf, d.remotePtRatio));
    } else {
      ({ v: vc, phase: controlledPhase } = this.controlVoltage(this.windingVoltages(view, b, d.winding), d.ptRatio));
    }

    let vLocal = 0;
    if (d.vlimit > 0) {
      if (usingBus) {
        const w = this.windingVoltages(view, b, d.winding)[0];
        vLocal = Math.hypot(w.re, w.im) / d.ptRatio;
      } else vLocal = Math.hypot(vc.re, vc.im);
    }

    if (!usingBus && (d.r !== 0 || d.x !== 0 || d.ldcZ > 0)) {
      const cur = conductorCurrents(view, b);
      const k = (xf.phases + 1) * (d.winding - 1) + controlledPhase;
      const ir = cur.re[k] / d.ctPrim;
      const ii = cur.im[k] / d.ctPrim;
      const rev = this.inReverseMode || this.inCogenMode;
      if (d.ldcZ === 0) {
        // the current is INTO the terminal, so this is Vterm − (R + jX)·I_out
        const r = rev ? d.revR : d.r;
        const x = rev ? d.revX : d.x;
        vc = { re: vc.re + r * ir - x * ii, im: vc.im + r * ii + x * ir };
      } else {
        const z = rev ? d.revLdcZ : d.ldcZ;
        vc = { re: Math.hypot(vc.re, vc.im) - Math.hypot(ir, ii) * z, im: 0 };
      }
    }

    let vActual = Math.hypot(vc.re, vc.im);
    let vregTest = d.vreg;
    let bandTest = d.band;
    if (this.inReverseMode) {
      vActual /= tw.tap;
      vregTest = d.revVreg;
      bandTest = d.revBand;
    } else if (this.inCogenMode) {
      vregTest = d.revVreg;
      bandTest = d.revBand;
    }
    let needed = Math.abs(vregTest - vActual) > bandTest / 2;
    if (d.vlimit > 0 && vLocal > d.vlimit) needed = true;

    if (needed) {
      let vBoost = vregTest - vActual;
      if (d.vlimit > 0 && vLocal > d.vlimit) vBoost = d.vlimit - vLocal;
      const boostNeeded = (vBoost * d.ptRatio) / windingVBase(xf, xf.windings[d.winding - 1]);
      const inc = tapStep(tw);
      this.pendingTapChange = roundHalfEven(boostNeeded / inc) * inc;
      if (d.tapWinding !== d.winding || this.inReverseMode) this.pendingTapChange = -this.pendingTapChange;
      if (this.pendingTapChange !== 0 && !this.armed) {
        const possible = this.pendingTapChange > 0 ? tw.tap < tw.maxTap : tw.tap > tw.minTap;
        if (possible) {
          this.actionHandle = this.queue.push(t + this.timeDelay(vActual), ACTION_TAPCHANGE, this);
          this.armed = true;
        }
      }
    } else {
      this.pendingTapChange = 0;
      if (this.armed) {
        this.queue.delete(this.actionHandle);
        this.armed = false;
        this.actionHandle = 0;
      }
    }
  }

  private timeDelay(vAvg: number): number {
    const d = this.def;
    return d.inverseTime ? d.delayS / Math.min(10, (2 * Math.abs(d.vreg - vAvg)) / d.band) : d.delayS;
  }

  /** Executes a queued action (static mode); returns whether a tap moved. */
  doPendingAction(code: number): boolean {
    if (code === ACTION_REVERSE) {
      if (this.reversePending) {
        if (this.def.cogen) this.inCogenMode = !this.inCogenMode;
        else this.inReverseMode = !this.inReverseMode;
        this.reversePending = false;
      }
      return false;
    }
    if (this.pendingTapChange === 0) {
      this.armed = false;
      return false;
    }
    const w = this.xf.windings[this.def.tapWinding - 1];
    if (this.timeDriven) {
      // one tap towards the pending change; the rest waits tapdelay (OpenDSS pushes without
      // keeping the handle, so a later in-band sample does not delete it: it then finds no change)
      const moved = setPresentTap(w, w.tap + this.oneInDirectionOf(tapStep(w)));
      if (this.pendingTapChange !== 0) this.queue.push(this.nowS + this.def.tapDelayS, ACTION_TAPCHANGE, this);
      else this.armed = false;
      return moved;
    }
    const change = this.atLeastOneTap(this.pendingTapChange, tapStep(w));
    const moved = setPresentTap(w, w.tap + change);
    this.pendingTapChange = 0;
    this.armed = false;
    return moved;
  }

  /** OpenDSS OneInDirectionOf: one step towards the pending change, which shrinks by it (to 0 within 0.9 step). */
  private oneInDirectionOf(inc: number): number {
    const up = this.pendingTapChange > 0;
    this.lastChange = up ? 1 : -1;
    this.pendingTapChange += up ? -inc : inc;
    if (Math.abs(this.pendingTapChange) < 0.9 * inc) this.pendingTapChange = 0;
    return up ? inc : -inc;
  }

  /** OpenDSS AtLeastOneTap: 70 % of the proposed change, at least one step, at most maxtapchange. */
  private atLeastOneTap(proposed: number, inc: number): number {
    let n = Math.trunc((0.7 * Math.abs(proposed)) / inc);
    if (n === 0) n = 1;
    if (n > this.def.maxTapChange) n = this.def.maxTapChange;
    this.lastChange = proposed > 0 ? n : -n;
    return proposed > 0 ? n * inc : -n * inc;
  }
}
