/**
 * Transformer: N windings per phase, each wye or delta, modelled exactly as OpenDSS's Transformer.pas
 * does (see `transformerYprim` in grid/model/yprim.ts). Property semantics follow OpenDSS: `wdg=`
 * selects the winding that `bus/conn/kv/kva/tap/%r` address; the array forms set all windings;
 * `windings=` re-creates the winding list with default windings, keeping the names of the buses
 * already connected and naming new terminals `<name>_<k>` (the quirk the Costa Rica substation
 * relies on); `%loadloss` splits into %R of windings 1 and 2.
 */
import { DssError } from '../../errors.js';
import type { DssClass, SetContext } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { parseBoolean, parseInteger, parseNumberArray, parseStringArray } from '../../dss/values.js';
import { type BusRef, type ElementBase, enabledProperty, num, parseBusRef, text, MAX_PHASES } from './common.js';

export interface Winding {
  bus: BusRef;
  conn: 'wye' | 'delta';
  kV: number;
  kVA: number;
  tap: number;
  /** per unit (not %) */
  rPu: number;
  /** Ω; negative = open (not connected through an impedance) */
  rNeut: number;
  xNeut: number;
  /** tap range and step count, per unit (OpenDSS MaxTap/MinTap/NumTaps; the step is (max − min)/numTaps) */
  maxTap: number;
  minTap: number;
  numTaps: number;
}

export interface TransformerState extends ElementBase {
  phases: number;
  windings: Winding[];
  active: number;
  /** Short-circuit reactances between winding pairs, per unit on winding 1 kVA: 12, 13, …, 23, … */
  xsc: number[];
  xhl: number;
  xht: number;
  xlt: number;
  xscExplicit: boolean;
  noLoadLossPct: number;
  imagPct: number;
  ppmAntiFloat: number;
  sub: boolean;
  /** normal and emergency ratings, kVA (OpenDSS NormHkVA, EmergHkVA) */
  normHkVA: number;
  emergHkVA: number;
  hvLeadsLv: boolean;
}

function defaultWinding(bus: string): Winding {
  return { bus: { bus, nodes: undefined }, conn: 'wye', kV: 12.47, kVA: 1000, tap: 1, rPu: 0.002, rNeut: -1, xNeut: 0, maxTap: 1.1, minTap: 0.9, numTaps: 32 };
}

function setWindingCount(s: TransformerState, n: number, ctx: SetContext): void {
  if (!Number.isInteger(n) || n < 2 || n > MAX_PHASES) throw new DssError(ctx.loc, `windings: expected a whole number from 2 to ${MAX_PHASES}, got ${n}`);
  const old = s.windings;
  s.windings = [];
  for (let k = 0; k < n; k++) {
    const w = defaultWinding(`${s.name}_${k + 1}`);
    if (k < old.length) w.bus = old[k].bus;
    s.windings.push(w);
  }
  const pairs = (n * (n - 1)) / 2;
  const oldPairs = s.xsc.length;
  s.xsc = Array.from({ length: pairs }, (_v, k) => (k < oldPairs ? s.xsc[k] : 0.3));
  s.active = 0;
}

function active(s: TransformerState): Winding {
  return s.windings[s.active];
}

/** Applies an array property item by item to the windings (omitted items leave a winding as is). */
/**
 * Rejects a per-winding list of numbers longer than the winding count: OpenDSS drops the extra
 * values silently, which changes the model the author wrote (a kV that is never used).
 */
function checkWindingList(s: TransformerState, count: number, ctx: SetContext): void {
  if (count > s.windings.length) throw new DssError(ctx.loc, `${ctx.prop}: ${count} values for ${s.windings.length} windings (set windings= first)`);
}

/**
 * Applies a per-winding list of names. Items beyond the winding count are dropped as OpenDSS drops
 * them (real feeders write `buses=[…3…]` before `windings=3`, and OpenDSS's circuit is the one
 * without the third bus), but recorded as ignored, so `lemsim describe` shows them.
 */
function perWinding(s: TransformerState, items: string[], apply: (w: Winding, item: string) => void, ctx: SetContext): void {
  if (items.length > s.windings.length) ctx.ignored(`${ctx.prop} items beyond winding ${s.windings.length} (${items.slice(s.windings.length).join(' ')}: dropped as OpenDSS does; set windings= first)`);
  for (let k = 0; k < s.windings.length && k < items.length; k++) {
    if (items[k] !== '') apply(s.windings[k], items[k]);
  }
  lastWindingActive(s);
}

/** OpenDSS steps the active winding through every winding for an array property: it ends on the last. */
function lastWindingActive(s: TransformerState): void {
  s.active = s.windings.length - 1;
}

/** OpenDSS's side effect of setting winding 1's kVA: NormHkVA = 1.1·kVA, EmergHkVA = 1.5·kVA. */
function setRatingsFromKva(s: TransformerState): void {
  s.normHkVA = 1.1 * s.windings[0].kVA;
  s.emergHkVA = 1.5 * s.windings[0].kVA;
}

/**
 * Normal current rating of a transformer as OpenDSS computes its NormAmps: NormHkVA (110 % of
 * winding 1's kVA unless set) per phase over winding 1's line-to-neutral voltage (its kV for one phase,
 * kV/√3 for more), A.
 */
export function transformerNormAmps(s: TransformerState): number {
  return ratingAmps(s, s.normHkVA);
}

/** Emergency current rating as OpenDSS's EmergAmps: EmergHkVA (150 % of winding 1's kVA unless set), as NormAmps, A. */
export function transformerEmergAmps(s: TransformerState): number {
  return ratingAmps(s, s.emergHkVA);
}

function ratingAmps(s: TransformerState, kva: number): number {
  const w = s.windings[0];
  const kvPhase = s.phases > 1 ? w.kV / Math.sqrt(3) : w.kV;
  return kva / s.phases / kvPhase;
}

function parseConn(v: string, ctx: SetContext): 'wye' | 'delta' {
  const t = v.trim().toLowerCase();
  if (t.startsWith('w') || t.startsWith('y') || t === 'ln') return 'wye';
  if (t.startsWith('d') || t === 'll') return 'delta';
  throw new DssError(ctx.loc, `${ctx.prop}: expected wye or delta, got '${v}'`);
}

/**
 * Copies an XfmrCode's data into a transformer (OpenDSS FetchXfmrCode): phases, the winding list
 * (connections, kV, kVA, taps, %R, neutral impedance) and every impedance and loss figure; the
 * transformer keeps the buses its windings already have.
 */
export function applyXfmrCode(s: TransformerState, code: TransformerState): void {
  const buses = s.windings.map((w) => w.bus);
  s.phases = code.phases;
  s.windings = code.windings.map((w, k) => ({ ...w, bus: k < buses.length ? buses[k] : { bus: `${s.name}_${k + 1}`, nodes: undefined } }));
  // the active winding stays (OpenDSS), within the code's winding count
  s.active = Math.min(s.active, s.windings.length - 1);
  s.xsc = [...code.xsc];
  s.xhl = code.xhl;
  s.xht = code.xht;
  s.xlt = code.xlt;
  s.xscExplicit = code.xscExplicit;
  s.noLoadLossPct = code.noLoadLossPct;
  s.imagPct = code.imagPct;
  s.ppmAntiFloat = code.ppmAntiFloat;
  s.normHkVA = code.normHkVA;
  s.emergHkVA = code.emergHkVA;
}

export const transformerClass: DssClass<TransformerState> = {
  name: 'transformer',
  create: (name) => ({
    name,
    enabled: true,
    phases: 3,
    windings: [defaultWinding(`${name}_1`), defaultWinding(`${name}_2`)],
    active: 0,
    xsc: [0.07],
    xhl: 0.07,
    xht: 0.35,
    xlt: 0.3,
    xscExplicit: false,
    noLoadLossPct: 0,
    imagPct: 0,
    ppmAntiFloat: 1,
    sub: false,
    // 110 % and 150 % of the default winding's 1000 kVA, as OpenDSS creates a transformer
    normHkVA: 1100,
    emergHkVA: 1500,
    hvLeadsLv: false,
  }),
  properties: [
    num('phases', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1 || v > MAX_PHASES) throw new DssError(ctx.loc, `phases: expected a whole number from 1 to ${MAX_PHASES}, got ${v}`);
      s.phases = v;
    }),
    text('windings', (s, v, ctx) => setWindingCount(s, parseInteger(v, ctx.loc, 'windings', 2), ctx)),
    text('wdg', (s, v, ctx) => {
      const k = parseInteger(v, ctx.loc, 'wdg', 1);
      if (k > s.windings.length) throw new DssError(ctx.loc, `wdg: winding ${k} does not exist (windings=${s.windings.length})`);
      s.active = k - 1;
    }),
    text('bus', (s, v, ctx) => void (active(s).bus = parseBusRef(v, ctx))),
    text('conn', (s, v, ctx) => void (active(s).conn = parseConn(v, ctx))),
    num('kV', (s, v, ctx) => {
      if (!(v > 0)) throw new DssError(ctx.loc, `kV: expected a positive winding voltage in kV, got ${v}`);
      active(s).kV = v;
    }),
    num('kVA', (s, v) => {
      active(s).kVA = v;
      // OpenDSS (Transformer.pas, kVA): winding 1's kVA becomes every winding's and resets the
      // ratings to 110 % and 150 % of it (a later normhkva wins); a 2-winding transformer keeps
      // both kVAs equal whichever winding is set
      if (s.active === 0) {
        for (const w of s.windings) w.kVA = v;
        setRatingsFromKva(s);
      } else if (s.windings.length === 2) s.windings[0].kVA = v;
    }),
    num('tap', (s, v) => void (active(s).tap = v)),
    num('%R', (s, v) => void (active(s).rPu = v / 100)),
    num('Rneut', (s, v) => void (active(s).rNeut = v)),
    num('Xneut', (s, v) => void (active(s).xNeut = v)),
    text('buses', (s, v, ctx) => perWinding(s, parseStringArray(v), (w, item) => void (w.bus = parseBusRef(item, ctx)), ctx)),
    text('conns', (s, v, ctx) => perWinding(s, parseStringArray(v), (w, item) => void (w.conn = parseConn(item, ctx)), ctx)),
    text('kVs', (s, v, ctx) => {
      const vals = parseNumberArray(v, ctx.loc, 'kVs');
      checkWindingList(s, vals.length, ctx);
      for (const kv of vals) if (!(kv > 0)) throw new DssError(ctx.loc, `kVs: expected positive winding voltages in kV, got ${kv}`);
      for (let k = 0; k < s.windings.length && k < vals.length; k++) s.windings[k].kV = vals[k];
      lastWindingActive(s);
    }),
    text('kVAs', (s, v, ctx) => {
      const vals = parseNumberArray(v, ctx.loc, 'kVAs');
      checkWindingList(s, vals.length, ctx);
      for (let k = 0; k < s.windings.length && k < vals.length; k++) s.windings[k].kVA = vals[k];
      if (vals.length > 0) setRatingsFromKva(s);
      lastWindingActive(s);
    }),
    text('taps', (s, v, ctx) => {
      const vals = parseNumberArray(v, ctx.loc, 'taps');
      checkWindingList(s, vals.length, ctx);
      for (let k = 0; k < s.windings.length && k < vals.length; k++) s.windings[k].tap = vals[k];
      lastWindingActive(s);
    }),
    num('XHL', (s, v) => void ((s.xhl = v / 100), (s.xscExplicit = false))),
    num('XHT', (s, v) => void ((s.xht = v / 100), (s.xscExplicit = false))),
    num('XLT', (s, v) => void ((s.xlt = v / 100), (s.xscExplicit = false))),
    text('Xscarray', (s, v, ctx) => {
      const vals = parseNumberArray(v, ctx.loc, 'Xscarray');
      for (let k = 0; k < s.xsc.length && k < vals.length; k++) s.xsc[k] = vals[k] / 100;
      s.xscExplicit = true;
    }),
    ignoredProperty('thermal'),
    ignoredProperty('n'),
    ignoredProperty('m'),
    ignoredProperty('flrise'),
    ignoredProperty('hsrise'),
    num('%loadloss', (s, v) => {
      s.windings[0].rPu = v / 200;
      s.windings[1].rPu = v / 200;
    }),
    num('%noloadloss', (s, v) => void (s.noLoadLossPct = v)),
    num('normhkVA', (s, v) => void (s.normHkVA = v)),
    num('emerghkVA', (s, v) => void (s.emergHkVA = v)),
    text('sub', (s, v, ctx) => void (s.sub = parseBoolean(v, ctx.loc, 'sub'))),
    num('MaxTap', (s, v) => void (active(s).maxTap = v)),
    num('MinTap', (s, v) => void (active(s).minTap = v)),
    num('NumTaps', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1) throw new DssError(ctx.loc, `NumTaps: expected a whole number ≥ 1, got ${v}`);
      active(s).numTaps = v;
    }),
    ignoredProperty('subname'),
    num('%imag', (s, v) => void (s.imagPct = v)),
    num('ppm_antifloat', (s, v) => void (s.ppmAntiFloat = v)),
    text('%Rs', (s, v, ctx) => {
      const vals = parseNumberArray(v, ctx.loc, '%Rs');
      for (let k = 0; k < s.windings.length && k < vals.length; k++) s.windings[k].rPu = vals[k] / 100;
      lastWindingActive(s);
    }),
    ignoredProperty('bank'),
    text('XfmrCode', (s, v, ctx) => {
      const code = ctx.find<TransformerState>('xfmrcode', v);
      if (!code) throw new DssError(ctx.loc, `XfmrCode: XfmrCode '${v}' is not defined (define it before the transformer)`);
      applyXfmrCode(s, code);
    }),
    ignoredProperty('XRConst'),
    num('X12', (s, v) => void ((s.xhl = v / 100), (s.xscExplicit = false))),
    num('X13', (s, v) => void ((s.xht = v / 100), (s.xscExplicit = false))),
    num('X23', (s, v) => void ((s.xlt = v / 100), (s.xscExplicit = false))),
    text('LeadLag', (s, v) => {
      const t = v.trim().toLowerCase();
      s.hvLeadsLv = t.startsWith('lead') || t.startsWith('euro');
    }),
    ignoredProperty('WdgCurrents'),
    ignoredProperty('Core'),
    ignoredProperty('RdcOhms'),
    ignoredProperty('Seasons'),
    ignoredProperty('Ratings'),
    ignoredProperty('normamps'),
    ignoredProperty('emergamps'),
    ignoredProperty('faultrate'),
    ignoredProperty('pctperm'),
    ignoredProperty('repair'),
    ignoredProperty('basefreq'),
    enabledProperty(),
  ],
  finish: (s) => {
    // OpenDSS RecalcElementData: for up to 3 windings the pair reactances come from XHL/XHT/XLT
    if (!s.xscExplicit && s.windings.length <= 3) {
      const src = [s.xhl, s.xht, s.xlt];
      for (let k = 0; k < s.xsc.length; k++) s.xsc[k] = src[k];
    }
  },
};
