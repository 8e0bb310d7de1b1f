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

/** A heatmap cell: node × [minuteStart, minuteEnd). */
interface HeatCell {
  node: string;
  minuteStart: number;
  minuteEnd: number;
  vPu: number;
}

/**
 * Bins voltages into at most `maxCells` cells. Within a time bin the value furthest from 1 pu is kept
 * (not the mean), because the heatmap is read for limit violations and a mean would hide a short one.
 */
export function heatmapCells(voltages: ReportData['voltages'], maxCells = MAX_HEATMAP_CELLS): { cells: HeatCell[]; nodes: string[]; binMinutes: number; binned: boolean } {
  const nodes: string[] = [];
  const nodeIndex = new Map<string, number>();
  const minuteSet = new Set<number>();
  for (const v of voltages) {
    if (!Number.isFinite(v.vPu) || !Number.isFinite(v.minute)) continue;
    if (!nodeIndex.has(v.node)) {
      nodeIndex.set(v.node, nodes.length);
      nodes.push(v.node);
    }
    minuteSet.add(v.minute);
  }
  const minutes = [...minuteSet].sort((a, b) => a - b);
  if (minutes.length === 0) return { cells: [], nodes, binMinutes: 0, binned: false };
  // the sub-step: smallest gap between recorded minutes (1 for 1-minute power flow, 1/60 for 1 s)
  let stepMinutes = Infinity;
  for (let i = 1; i < minutes.length; i++) stepMinutes = Math.min(stepMinutes, minutes[i] - minutes[i - 1]);
  if (!Number.isFinite(stepMinutes)) stepMinutes = 1;
  const perBin = Math.max(1, Math.ceil((minutes.length * nodes.length) / maxCells));
  const binOf = new Map<number, number>();
  minutes.forEach((m, i) => binOf.set(m, Math.floor(i / perBin)));
  const binCount = Math.ceil(minutes.length / perBin);
  const binStart = (b: number) => minutes[b * perBin];
  const binEnd = (b: number) => (b + 1 < binCount ? minutes[(b + 1) * perBin] : minutes[minutes.length - 1] + stepMinutes);
  const extreme = new Float64Array(binCount * nodes.length).fill(NaN);
  for (const v of voltages) {
    if (!Number.isFinite(v.vPu) || !Number.isFinite(v.minute)) continue;
    const k = (binOf.get(v.minute) as number) * nodes.length + (nodeIndex.get(v.node) as number);
    if (Number.isNaN(extreme[k]) || Math.abs(v.vPu - 1) > Math.abs(extreme[k] - 1)) extreme[k] = v.vPu;
  }
  const cells: HeatCell[] = [];
  for (let b = 0; b < binCount; b++) {
    for (let n = 0; n < nodes.length; n++) {
      const vPu = extreme[b * nodes.length + n];
      if (!Number.isNaN(vPu)) cells.push({ node: nodes[n], minuteStart: binStart(b), minuteEnd: binEnd(b), vPu });
    }
  }
  return { cells, nodes, binMinutes: perBin * stepMinutes, binned: perBin > 1 };
}

/** Voltage heatmap: sub-step minute × bus (mean of its phase nodes), colour v_pu, the limits marked on the legend. */
export function voltageHeatmapPlot(data: ReportData): ReportPlot {
  const base = { id: 'voltage-heatmap', title: 'Bus voltages over time (last iteration)' };
  const { cells, nodes, binMinutes, binned } = heatmapCells(data.voltages);
  const { vMinPu, vMaxPu } = data.limits;
  const caption =
    `Colour is v_pu; blue below 1 pu, red above, darker beyond the limits ${vMinPu} and ${vMaxPu} pu marked on the legend.` +
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
  const stepPx = Math.max(3, Math.min(14, Math.floor(560 / nodes.length)));
  const spec = {
    config: CONFIG,
    background: 'white',
    width: WIDTH_PX,
    height: { step: stepPx },
    data: { values: cells },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'minuteStart', type: 'quantitative', title: 'time (h:mm)', scale: { zero: false, nice: false }, axis: { labelExpr: MINUTE_LABEL } },
      x2: { field: 'minuteEnd' },
      y: { field: 'node', type: 'nominal', title: 'bus', sort: nodes, axis: { labelOverlap: true, labelFontSize: stepPx < 9 ? 7 : 10 } },
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
  const segments = data.map.lines.flatMap((l) => {
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
  const violating = buses.filter((b) => b.violations > 0).map((b) => ({ name: b.name, x: b.x, y: b.y, violations: b.violations }));
  const quiet = buses.filter((b) => !(b.violations > 0)).map((b) => ({ name: b.name, x: b.x, y: b.y }));
  const layers: object[] = [
    {
      data: { values: segments },
      mark: { type: 'rule' },
      encoding: {
        x: xEnc,
        y: yEnc,
        x2: { field: 'x2' },
        y2: { field: 'y2' },
        color: { condition: { test: 'datum.violations > 0', value: '#d62728' }, value: '#a0a0a0' },
        strokeWidth: { condition: { test: 'datum.violations > 0', value: 2.5 }, value: 1 },
      },
    },
    { data: { values: quiet }, mark: { type: 'circle', size: 10, color: '#707070', opacity: 0.8 }, encoding: { x: xEnc, y: yEnc } },
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
  return { ...base, spec: spec as TopLevelSpec };
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
  return [meritOrderPlot(data), pricesVolumesPlot(data), energyBalancePlot(data), voltageHeatmapPlot(data), violationMapPlot(data), reinforcementPlot(data)];
}
