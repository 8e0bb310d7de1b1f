/**
 * The report's plots as Vega-Lite specs, pure functions of `ReportData` (no rendering here; see
 * render-svg.ts). Each plot answers one question a reader of the source papers asks: where the
 * market cleared (merit order, paper 004 Fig. 2), how prices and volumes moved (Fig. 5), where the
 * energy came from and went (Fig. 6, paper 000 Fig. 5), how voltages moved over time and feeder
 * (Figs. 7–8), where the violations sit on the feeder (paper 000 Fig. 6), and what reinforcement
 * bought (paper 000 Tables IV–V). A plot whose data is absent is returned with the reason instead of
 * a spec, so the page says so rather than drawing an empty frame.
 *
 * Market sign convention on the energy-balance plot: what enters the community (production, import)
 * is drawn above zero and what leaves it (consumption, export) below, so balanced bars are symmetric.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ReportData } from './report-data.js';

/** One plot of the page: a spec to render, or the reason there is nothing to draw. */
export interface ReportPlot {
  /** stable, page-unique id (the figure's HTML id is `plot-<id>`) */
  readonly id: string;
  readonly title: string;
  /** one sentence under the figure: how to read it */
  readonly caption: string;
  readonly spec: TopLevelSpec | null;
  /** why `spec` is null */
  readonly emptyReason?: string;
}

/** Most voltage-heatmap cells drawn; longer runs (1-second power flow) are binned in time. */
export const MAX_HEATMAP_CELLS = 30_000;
/** Most heatmap rows; larger feeders are drawn as bands of buses by distance from the source. */
export const MAX_HEATMAP_ROWS = 80;

const WIDTH_PX = 640;
const CONFIG = {
  font: 'sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' as const },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' as const },
  view: { continuousWidth: WIDTH_PX, continuousHeight: 260 },
};

/** Vega expression that shows a minute count as h:mm on an axis. */
const MINUTE_LABEL = "floor(datum.value / 60) + ':' + format(datum.value % 60, '02d')";

/** Code-unit order of ids: stable and independent of the machine's locale. */
function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Step-curve vertices of a merit order: each block spans [cumulative kW, cumulative kW + kW) at its price. */
function stepCurve(
  blocks: readonly { readonly kw: number; readonly priceEurPerKwh: number }[],
  side: 'supply' | 'demand',
): { side: string; cumulativeKw: number; priceEurPerKwh: number }[] {
  // supply ascending, demand descending; ties keep book order so the curve is deterministic
  const sign = side === 'supply' ? 1 : -1;
  const sorted = blocks
    .map((b, i) => ({ b, i }))
    .filter(({ b }) => b.kw > 0 && Number.isFinite(b.kw) && Number.isFinite(b.priceEurPerKwh))
    .sort((p, q) => sign * (p.b.priceEurPerKwh - q.b.priceEurPerKwh) || p.i - q.i);
  const points: { side: string; cumulativeKw: number; priceEurPerKwh: number }[] = [];
  let cumulativeKw = 0;
  for (const { b } of sorted) {
    points.push({ side, cumulativeKw, priceEurPerKwh: b.priceEurPerKwh });
    cumulativeKw += b.kw;
  }
  // the last block's right edge, so step-after interpolation draws its full width
  const last = sorted[sorted.length - 1];
  if (last) points.push({ side, cumulativeKw, priceEurPerKwh: last.b.priceEurPerKwh });
  return points;
}

/** Merit-order curves of the chosen period with the clearing price as a rule. */
export function meritOrderPlot(data: ReportData): ReportPlot {
  const mo = data.meritOrder;
  const base = { id: 'merit-order', caption: 'Supply blocks in ascending and demand blocks in descending price order; x is cumulative kW; the dashed rule is the clearing price.' };
  if (!mo) return { ...base, title: 'Merit order', spec: null, emptyReason: 'no period was chosen for the merit order' };
  const title = `Merit order, period ${mo.label}`;
  const points = [...stepCurve(mo.supply, 'supply'), ...stepCurve(mo.demand, 'demand')];
  if (points.length === 0) return { ...base, title, spec: null, emptyReason: 'the chosen period has no offers' };
  const layers: object[] = [
    {
      data: { values: points },
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
      encoding: {
        x: { field: 'cumulativeKw', type: 'quantitative', title: 'cumulative kW' },
        y: { field: 'priceEurPerKwh', type: 'quantitative', title: 'price EUR/kWh', scale: { zero: false } },
        color: { field: 'side', type: 'nominal', title: 'curve', scale: { domain: ['supply', 'demand'], range: ['#1b7837', '#b2182b'] } },
      },
    },
  ];
  if (mo.priceEurPerKwh !== null && Number.isFinite(mo.priceEurPerKwh)) {
    const price = [{ priceEurPerKwh: mo.priceEurPerKwh, text: `clearing price ${mo.priceEurPerKwh}` }];
    layers.push(
      { data: { values: price }, mark: { type: 'rule', strokeDash: [6, 4], color: '#333' }, encoding: { y: { field: 'priceEurPerKwh', type: 'quantitative' } } },
      {
        data: { values: price },
        mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: '#333', fontSize: 11 },
        encoding: { y: { field: 'priceEurPerKwh', type: 'quantitative' }, x: { value: 0 }, text: { field: 'text' } },
      },
    );
  }
  return { ...base, title, spec: { config: CONFIG, background: 'white', width: WIDTH_PX, height: 300, layer: layers } as TopLevelSpec };
}

/** Clearing price per community and traded kW over time, one dash pattern per iteration. */
export function pricesVolumesPlot(data: ReportData): ReportPlot {
  const base = {
    id: 'prices-volumes',
    title: 'Prices and traded volumes over time',
    caption: 'Top: clearing price per community (colour) and iteration (dash). Bottom: locally traded kW per iteration.',
  };
  if (data.periods.length === 0) return { ...base, spec: null, emptyReason: 'no market period was recorded' };
  const prices: { iteration: number; community: string; startMinute: number; priceEurPerKwh: number }[] = [];
  const volumes: { iteration: number; startMinute: number; tradedKw: number }[] = [];
  for (const p of data.periods) {
    for (const community of Object.keys(p.prices).sort(byId)) {
      const price = p.prices[community];
      if (Number.isFinite(price)) prices.push({ iteration: p.iteration, community, startMinute: p.startMinute, priceEurPerKwh: price });
    }
    volumes.push({ iteration: p.iteration, startMinute: p.startMinute, tradedKw: p.tradedKw });
  }
  const x = { field: 'startMinute', type: 'quantitative', title: 'period start (h:mm)', scale: { zero: false }, axis: { labelExpr: MINUTE_LABEL } };
  // a stroke symbol, so the legend shows the dash pattern (a point symbol would hide it)
  const dash = { field: 'iteration', type: 'ordinal', title: 'iteration', legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 300 } };
  const spec = {
    config: CONFIG,
    background: 'white',
    vconcat: [
      {
        width: WIDTH_PX,
        height: 220,
        data: { values: prices },
        mark: { type: 'line', point: { size: 18 } },
        encoding: {
          x,
          y: { field: 'priceEurPerKwh', type: 'quantitative', title: 'price EUR/kWh', scale: { zero: false } },
          color: { field: 'community', type: 'nominal', title: 'community' },
          strokeDash: dash,
        },
      },
      {
        width: WIDTH_PX,
        height: 160,
        data: { values: volumes },
        mark: { type: 'line', point: { size: 18 }, color: '#4c4c4c' },
        encoding: { x, y: { field: 'tradedKw', type: 'quantitative', title: 'traded kW' }, strokeDash: dash },
      },
    ],
  };
  return { ...base, spec: spec as TopLevelSpec };
}

const BALANCE_ORDER = ['production', 'import', 'consumption', 'export'] as const;
const BALANCE_COLOURS = ['#f2b701', '#7f7f7f', '#3969ac', '#80ba5a'];

/** Stacked energy balance per period, one row per iteration; inflows above zero, outflows below. */
export function energyBalancePlot(data: ReportData): ReportPlot {
  const base = {
    id: 'energy-balance',
    title: 'Energy balance per period',
    caption: 'Average kW per period: production and import above zero, consumption and export below; one row per iteration.',
  };
  if (data.periods.length === 0) return { ...base, spec: null, emptyReason: 'no market period was recorded' };
  const rows: { iteration: number; label: string; startMinute: number; quantity: string; order: number; kw: number }[] = [];
  for (const p of data.periods) {
    const signedKw: Record<(typeof BALANCE_ORDER)[number], number> = {
      production: p.productionKw,
      import: p.importKw,
      consumption: -p.consumptionKw,
      export: -p.exportKw,
    };
    BALANCE_ORDER.forEach((quantity, order) => rows.push({ iteration: p.iteration, label: p.label, startMinute: p.startMinute, quantity, order, kw: signedKw[quantity] }));
  }
  const spec = {
    config: CONFIG,
    background: 'white',
    data: { values: rows },
    facet: { row: { field: 'iteration', type: 'ordinal', title: 'iteration' } },
    spec: {
      width: WIDTH_PX,
      height: 160,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'label', type: 'ordinal', title: 'period', sort: { field: 'startMinute', op: 'min' }, axis: { labelOverlap: true } },
        y: { field: 'kw', type: 'quantitative', title: 'kW (in > 0, out < 0)', stack: 'zero' },
        color: { field: 'quantity', type: 'nominal', title: 'quantity', scale: { domain: [...BALANCE_ORDER], range: BALANCE_COLOURS } },
        order: { field: 'order', type: 'quantitative' },
      },
    },
  };
  return { ...base, spec: spec as TopLevelSpec };
}

/** A heatmap cell: row (one bus, or one distance band of buses) × [minuteStart, minuteEnd). */
interface HeatCell {
  row: number;
  label: string;
  minuteStart: number;
  minuteEnd: number;
  vPu: number;
}

/** A row of the heatmap: one bus, or a band of buses at similar distance from the source. */
interface HeatRow {
  readonly label: string;
  /** indices into `voltages.buses` */
  readonly members: readonly number[];
}

/**
 * The heatmap's rows: one per bus when there are at most `maxRows` buses, else `maxRows` bands of
 * buses of (nearly) equal size, ordered by hops from the source bus (then by bus order), so a row
 * is a stretch of the feeder at a similar distance from the substation. Buses the source does not
 * reach (hops < 0) come last. This keeps the picture a few hundred cells tall at any feeder size
 * (Vega-Lite also fails on thousands of nominal rows: a RangeError in its sort expression).
 */
export function heatmapRows(buses: ReportData['voltages']['buses'], maxRows = MAX_HEATMAP_ROWS): { rows: HeatRow[]; banded: boolean } {
  const order = buses.map((b, i) => i);
  const key = (i: number) => (buses[i].hops < 0 ? Infinity : buses[i].hops);
  order.sort((a, b) => key(a) - key(b) || a - b);
  if (buses.length <= maxRows) return { rows: order.map((i) => ({ label: buses[i].name, members: [i] })), banded: false };
  const rows: HeatRow[] = [];
  for (let r = 0; r < maxRows; r++) {
    const members = order.slice(Math.floor((r * order.length) / maxRows), Math.floor(((r + 1) * order.length) / maxRows));
    if (members.length === 0) continue;
    const lo = buses[members[0]].hops;
    const hi = buses[members[members.length - 1]].hops;
    const span = lo < 0 ? 'unreached' : hi < 0 ? `${lo}+ hops` : lo === hi ? `${lo} hops` : `${lo}–${hi} hops`;
    rows.push({ label: `${String(r + 1).padStart(2, '0')}: ${span} (${members.length} buses)`, members });
  }
  return { rows, banded: true };
}

/**
 * Bins voltages into at most `maxCells` cells of row × time. Within a cell the value furthest from
 * 1 pu is kept (not the mean), because the heatmap is read for limit violations and a mean would
 * hide a short one or one bus of a band. Non-finite values are skipped.
 */
export function heatmapCells(
  voltages: ReportData['voltages'],
  maxCells = MAX_HEATMAP_CELLS,
  maxRows = MAX_HEATMAP_ROWS,
): { cells: HeatCell[]; rows: HeatRow[]; banded: boolean; binMinutes: number; binned: boolean } {
  const { rows, banded } = heatmapRows(voltages.buses, maxRows);
  const steps = voltages.steps.filter((s) => Number.isFinite(s.minute)).sort((a, b) => a.minute - b.minute);
  if (steps.length === 0 || rows.length === 0) return { cells: [], rows, banded, binMinutes: 0, binned: false };
  // the sub-step: smallest gap between recorded minutes (1 for 1-minute power flow, 1/60 for 1 s)
  let stepMinutes = Infinity;
  for (let i = 1; i < steps.length; i++) if (steps[i].minute > steps[i - 1].minute) stepMinutes = Math.min(stepMinutes, steps[i].minute - steps[i - 1].minute);
  if (!Number.isFinite(stepMinutes)) stepMinutes = 1;
  const perBin = Math.max(1, Math.ceil((steps.length * rows.length) / maxCells));
  const binCount = Math.ceil(steps.length / perBin);
  const binStart = (b: number) => steps[b * perBin].minute;
  const binEnd = (b: number) => (b + 1 < binCount ? steps[(b + 1) * perBin].minute : steps[steps.length - 1].minute + stepMinutes);
  const rowOf = new Int32Array(voltages.buses.length).fill(-1);
  rows.forEach((r, k) => r.members.forEach((i) => (rowOf[i] = k)));
  const extreme = new Float64Array(binCount * rows.length).fill(NaN);
  steps.forEach((s, i) => {
    const base = Math.floor(i / perBin) * rows.length;
    const n = Math.min(s.vPu.length, rowOf.length);
    for (let b = 0; b < n; b++) {
      const v = s.vPu[b];
      if (!Number.isFinite(v) || rowOf[b] < 0) continue;
      const k = base + rowOf[b];
      if (Number.isNaN(extreme[k]) || Math.abs(v - 1) > Math.abs(extreme[k] - 1)) extreme[k] = v;
    }
  });
  const cells: HeatCell[] = [];
  for (let b = 0; b < binCount; b++) {
    for (let r = 0; r < rows.length; r++) {
      const vPu = extreme[b * rows.length + r];
      if (!Number.isNaN(vPu)) cells.push({ row: r, label: rows[r].label, minuteStart: binStart(b), minuteEnd: binEnd(b), vPu: Number(vPu.toFixed(6)) });
    }
  }
  return { cells, rows, banded, binMinutes: perBin * stepMinutes, binned: perBin > 1 };
}

/** Voltage heatmap: sub-step minute × bus (mean of its phase nodes) or distance band, colour v_pu, the limits marked on the legend. */
export function voltageHeatmapPlot(data: ReportData): ReportPlot {
  const base = { id: 'voltage-heatmap', title: 'Bus voltages over time (last iteration)' };
  const { cells, rows, banded, binMinutes, binned } = heatmapCells(data.voltages);
  const { vMinPu, vMaxPu } = data.limits;
  const caption =
    `Colour is v_pu; blue below 1 pu, red above, darker beyond the limits ${vMinPu} and ${vMaxPu} pu marked on the legend.` +
    (banded ? ` The ${data.voltages.buses.length} buses are grouped in ${rows.length} bands of equal size by hops from the source; each cell shows the bus voltage furthest from 1 pu in its band.` : '') +
    (binned ? ` Cells span ${Number(binMinutes.toPrecision(4))} min; each shows the value furthest from 1 pu within it.` : '');
  if (cells.length === 0) return { ...base, caption, spec: null, emptyReason: 'no bus voltage was recorded' };
  let lo = vMinPu;
  let hi = vMaxPu;
  for (const c of cells) {
    lo = Math.min(lo, c.vPu);
    hi = Math.max(hi, c.vPu);
  }
  // a margin beyond each limit keeps the piecewise domain strictly increasing when no value crosses it
  lo = Math.min(lo, vMinPu - 0.02);
  hi = Math.max(hi, vMaxPu + 0.02);
  const round = (v: number) => Number(v.toFixed(4));
  const stepPx = Math.max(3, Math.min(14, Math.floor(560 / rows.length)));
  const spec = {
    config: CONFIG,
    background: 'white',
    width: WIDTH_PX,
    height: { step: stepPx },
    data: { values: cells },
    // no per-cell aria-label: thousands of them would triple the page (the figure caption describes the plot)
    mark: { type: 'rect', aria: false },
    encoding: {
      x: { field: 'minuteStart', type: 'quantitative', title: 'time (h:mm)', scale: { zero: false, nice: false }, axis: { labelExpr: MINUTE_LABEL } },
      x2: { field: 'minuteEnd' },
      // rows sorted by a field, not by an explicit list (a long list overflows Vega's expression parser)
      y: { field: 'label', type: 'nominal', title: banded ? 'bus band (hops from source)' : 'bus', sort: { field: 'row', op: 'min' }, axis: { labelOverlap: true, labelFontSize: stepPx < 9 ? 7 : 10 } },
      color: {
        field: 'vPu',
        type: 'quantitative',
        title: ['v_pu', `limits ${vMinPu}–${vMaxPu}`],
        scale: { type: 'linear', domain: [lo, vMinPu, 1, vMaxPu, hi].map(round), range: ['#08306b', '#6baed6', '#f7f7f7', '#fc9272', '#67000d'], clamp: true },
        legend: { values: [lo, vMinPu, 1, vMaxPu, hi].map(round), format: '.3f', gradientLength: 220 },
      },
    },
  };
  return { ...base, caption, spec: spec as TopLevelSpec };
}

/** Most time points on the voltage-envelope plot; longer runs are binned (min of minima, max of maxima). */
export const MAX_ENVELOPE_POINTS = 1_000;

/**
 * Per sub-step (or time bin): the lowest, mean and highest bus voltage over every bus. Non-finite
 * values are skipped; a bin mean is the mean over every finite bus value in it.
 */
export function voltageEnvelope(voltages: ReportData['voltages'], maxPoints = MAX_ENVELOPE_POINTS): { minute: number; minPu: number; meanPu: number; maxPu: number }[] {
  const steps = voltages.steps.filter((s) => Number.isFinite(s.minute)).sort((a, b) => a.minute - b.minute);
  const perBin = Math.max(1, Math.ceil(steps.length / maxPoints));
  const out: { minute: number; minPu: number; meanPu: number; maxPu: number }[] = [];
  for (let i = 0; i < steps.length; i += perBin) {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let n = 0;
    for (const s of steps.slice(i, i + perBin)) {
      for (let b = 0; b < s.vPu.length; b++) {
        const v = s.vPu[b];
        if (!Number.isFinite(v)) continue;
        min = Math.min(min, v);
        max = Math.max(max, v);
        sum += v;
        n++;
      }
    }
    if (n > 0) out.push({ minute: steps[i].minute, minPu: Number(min.toFixed(6)), meanPu: Number((sum / n).toFixed(6)), maxPu: Number(max.toFixed(6)) });
  }
  return out;
}

/** Lowest, mean and highest bus voltage over time with the limits as rules: the whole feeder in one band. */
export function voltageEnvelopePlot(data: ReportData): ReportPlot {
  const base = {
    id: 'voltage-envelope',
    title: 'Voltage envelope over every bus (last iteration)',
    caption: `The band spans the lowest to the highest bus voltage of each sub-step over all ${data.voltages.buses.length} buses; the line is their mean; dashed rules are the limits.`,
  };
  const points = voltageEnvelope(data.voltages);
  if (points.length === 0) return { ...base, spec: null, emptyReason: 'no bus voltage was recorded' };
  const x = { field: 'minute', type: 'quantitative', title: 'time (h:mm)', scale: { zero: false, nice: false }, axis: { labelExpr: MINUTE_LABEL } };
  const limits = [
    { vPu: data.limits.vMinPu, name: 'v_min' },
    { vPu: data.limits.vMaxPu, name: 'v_max' },
  ];
  const spec = {
    config: CONFIG,
    background: 'white',
    width: WIDTH_PX,
    height: 220,
    layer: [
      {
        data: { values: points },
        mark: { type: 'area', color: '#9ecae1', opacity: 0.6 },
        encoding: { x, y: { field: 'minPu', type: 'quantitative', title: 'v_pu', scale: { zero: false } }, y2: { field: 'maxPu' } },
      },
      { data: { values: points }, mark: { type: 'line', color: '#08519c', strokeWidth: 1.5 }, encoding: { x, y: { field: 'meanPu', type: 'quantitative' } } },
      { data: { values: limits }, mark: { type: 'rule', strokeDash: [6, 4], color: '#b2182b' }, encoding: { y: { field: 'vPu', type: 'quantitative' } } },
    ],
  };
  return { ...base, spec: spec as TopLevelSpec };
}

/** Most buses drawn one by one on the map; larger feeders are merged on a pixel grid. */
export const MAX_MAP_BUSES = 3_000;
/** Grid pitch, px, of a merged map: fine enough to show the feeder's shape, coarse enough to stay small. */
const MAP_CELL_PX = 4;

type MapSegment = { x: number; y: number; x2: number; y2: number; violations: number };

/**
 * Thins the feeder drawing when it has more than `MAX_MAP_BUSES` buses: buses are snapped to a
 * `MAP_CELL_PX` grid and merged per cell (violations summed, the dot at the cell's centre), and
 * lines become segments between cells, one per cell pair (violations summed), dropping those inside
 * one cell. The picture stays vector and its size is bounded by the drawing area, not the feeder.
 */
export function thinMap(
  buses: readonly { name: string; x: number; y: number; violations: number }[],
  segments: readonly MapSegment[],
  unitsPerPx: number,
  maxBuses = MAX_MAP_BUSES,
): { quiet: { x: number; y: number }[]; violating: { name: string; x: number; y: number; violations: number }[]; segments: MapSegment[]; cellPx: number } {
  if (buses.length <= maxBuses) {
    return {
      violating: buses.filter((b) => b.violations > 0).map((b) => ({ name: b.name, x: b.x, y: b.y, violations: b.violations })),
      quiet: buses.filter((b) => !(b.violations > 0)).map((b) => ({ x: b.x, y: b.y })),
      segments: [...segments],
      cellPx: 0,
    };
  }
  const cell = unitsPerPx * MAP_CELL_PX;
  const ix = (v: number) => Math.floor(v / cell);
  const centre = (i: number) => (i + 0.5) * cell;
  const dots = new Map<string, { x: number; y: number; violations: number; names: string[] }>();
  for (const b of buses) {
    const cx = ix(b.x);
    const cy = ix(b.y);
    const key = `${cx},${cy}`;
    const d = dots.get(key) ?? { x: centre(cx), y: centre(cy), violations: 0, names: [] };
    d.violations += b.violations > 0 ? b.violations : 0;
    if (b.violations > 0) d.names.push(b.name);
    dots.set(key, d);
  }
  const merged = new Map<string, MapSegment>();
  for (const s of segments) {
    let a = [ix(s.x), ix(s.y)];
    let b = [ix(s.x2), ix(s.y2)];
    if (a[0] === b[0] && a[1] === b[1]) continue;
    if (a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])) [a, b] = [b, a];
    const key = `${a[0]},${a[1]},${b[0]},${b[1]}`;
    const m = merged.get(key) ?? { x: centre(a[0]), y: centre(a[1]), x2: centre(b[0]), y2: centre(b[1]), violations: 0 };
    m.violations += s.violations > 0 ? s.violations : 0;
    merged.set(key, m);
  }
  const violating: { name: string; x: number; y: number; violations: number }[] = [];
  const quiet: { x: number; y: number }[] = [];
  for (const d of dots.values()) {
    if (d.violations > 0) violating.push({ name: d.names.length === 1 ? d.names[0] : `${d.names[0]} and ${d.names.length - 1} more`, x: d.x, y: d.y, violations: d.violations });
    else quiet.push({ x: d.x, y: d.y });
  }
  return { quiet, violating, segments: [...merged.values()], cellPx: MAP_CELL_PX };
}

/** The feeder from bus coordinates: lines as segments, buses as dots sized and coloured by violations. */
export function violationMapPlot(data: ReportData): ReportPlot {
  const base = {
    id: 'violation-map',
    title: 'Violations on the feeder',
    caption: 'Buses at their coordinates (equal scale on both axes); red segments are lines with current violations; dot size and colour count the violations at a bus.',
  };
  const buses = data.map.buses.filter((b) => Number.isFinite(b.x) && Number.isFinite(b.y));
  if (buses.length === 0) return { ...base, spec: null, emptyReason: 'no bus has coordinates' };
  const at = new Map(buses.map((b) => [b.name, b] as const));
  let segments = data.map.lines.flatMap((l) => {
    const a = at.get(l.from);
    const b = at.get(l.to);
    return a && b ? [{ x: a.x, y: a.y, x2: b.x, y2: b.y, violations: l.violations }] : [];
  });
  // equal units per pixel on both axes, so the drawing has the feeder's real shape
  let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
  for (const b of buses) {
    xMin = Math.min(xMin, b.x);
    xMax = Math.max(xMax, b.x);
    yMin = Math.min(yMin, b.y);
    yMax = Math.max(yMax, b.y);
  }
  const xSpan = Math.max(xMax - xMin, 1e-9);
  const ySpan = Math.max(yMax - yMin, 1e-9);
  const heightPx = Math.round(Math.max(240, Math.min(640, (WIDTH_PX * ySpan) / xSpan)));
  const unitsPerPx = Math.max(xSpan / WIDTH_PX, ySpan / heightPx) * 1.04;
  const xMid = (xMin + xMax) / 2;
  const yMid = (yMin + yMax) / 2;
  const xDomain = [xMid - (unitsPerPx * WIDTH_PX) / 2, xMid + (unitsPerPx * WIDTH_PX) / 2];
  const yDomain = [yMid - (unitsPerPx * heightPx) / 2, yMid + (unitsPerPx * heightPx) / 2];
  const xEnc = { field: 'x', type: 'quantitative', scale: { domain: xDomain, nice: false, zero: false }, axis: null };
  const yEnc = { field: 'y', type: 'quantitative', scale: { domain: yDomain, nice: false, zero: false }, axis: null };
  const thin = thinMap(buses, segments, unitsPerPx);
  const { violating, quiet } = thin;
  segments = thin.segments;
  const caption = thin.cellPx > 0 ? `${base.caption} The ${buses.length} buses are merged on a ${thin.cellPx}-pixel grid into ${quiet.length + violating.length} dots and ${segments.length} segments (violations summed per dot).` : base.caption;
  const layers: object[] = [
    {
      data: { values: segments },
      mark: { type: 'rule', aria: false },
      encoding: {
        x: xEnc,
        y: yEnc,
        x2: { field: 'x2' },
        y2: { field: 'y2' },
        color: { condition: { test: 'datum.violations > 0', value: '#d62728' }, value: '#a0a0a0' },
        strokeWidth: { condition: { test: 'datum.violations > 0', value: 2.5 }, value: 1 },
      },
    },
    { data: { values: quiet }, mark: { type: 'circle', size: 10, color: '#707070', opacity: 0.8, aria: false }, encoding: { x: xEnc, y: yEnc } },
  ];
  if (violating.length > 0) {
    layers.push({
      data: { values: violating },
      mark: { type: 'circle', opacity: 0.85, stroke: '#333', strokeWidth: 0.5 },
      encoding: {
        x: xEnc,
        y: yEnc,
        size: { field: 'violations', type: 'quantitative', title: 'violations at bus', scale: { range: [40, 400], zero: false }, legend: { format: 'd', tickMinStep: 1 } },
        color: { field: 'violations', type: 'quantitative', title: 'violations at bus', scale: { scheme: 'orangered', zero: false }, legend: { format: 'd', tickMinStep: 1 } },
        order: { field: 'violations', type: 'quantitative' },
      },
    });
  }
  const spec = { config: CONFIG, background: 'white', width: WIDTH_PX, height: heightPx, layer: layers };
  return { ...base, caption, spec: spec as TopLevelSpec };
}

/** Social welfare and violations per reinforcement iteration, battery units written on the bars. */
export function reinforcementPlot(data: ReportData): ReportPlot {
  const base = {
    id: 'reinforcement',
    title: 'Welfare and violations per reinforcement iteration',
    caption: 'Left: social welfare in EUR. Right: violations, with the battery units installed in that iteration above each bar.',
  };
  if (data.iterations.length === 0) return { ...base, spec: null, emptyReason: 'no iteration was recorded' };
  const values = data.iterations.map((it) => ({ ...it, units: `${it.batteryUnits} units` }));
  const x = { field: 'iteration', type: 'ordinal', title: 'iteration', axis: { labelAngle: 0 } };
  const spec = {
    config: CONFIG,
    background: 'white',
    data: { values },
    hconcat: [
      {
        width: 300,
        height: 220,
        mark: { type: 'line', point: { size: 40 }, color: '#1f77b4' },
        encoding: { x, y: { field: 'welfareEur', type: 'quantitative', title: 'social welfare EUR', scale: { zero: false } } },
      },
      {
        width: 300,
        height: 220,
        layer: [
          { mark: { type: 'bar', color: '#d62728' }, encoding: { x, y: { field: 'violations', type: 'quantitative', title: 'violations' } } },
          { mark: { type: 'text', dy: -6, fontSize: 10, color: '#333' }, encoding: { x, y: { field: 'violations', type: 'quantitative' }, text: { field: 'units' } } },
        ],
      },
    ],
  };
  return { ...base, spec: spec as TopLevelSpec };
}

/** Every plot of the page, in page order. */
export function reportPlots(data: ReportData): ReportPlot[] {
  return [meritOrderPlot(data), pricesVolumesPlot(data), energyBalancePlot(data), voltageHeatmapPlot(data), voltageEnvelopePlot(data), violationMapPlot(data), reinforcementPlot(data)];
}
