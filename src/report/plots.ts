/**
 * The report's plots as Vega-Lite specs, pure functions of `ReportData` (no rendering here; see
 * render-svg.ts). Each plot answers one question a reader of the source papers asks: where the
 * market cleared (merit order, paper 004 Fig. 2), how prices and volumes moved (Fig. 5), where the
 * energy came from and went (Fig. 6, paper 000 Fig. 5), how voltages moved over time and feeder
 * (Figs. 7–8), where the violations sit on the feeder (paper 000 Fig. 6), and what reinforcement
 * bought (paper 000 Tables IV–V). A plot whose data is absent is returned with the reason instead of
 * a spec, so the page says so rather than drawing an empty frame.
 *
 * Issue 14 shaped them for papers: voltages coloured on a diverging scale around the scenario's
 * nominal and ordered by electrical distance (distance.ts), merit orders of chosen periods for both
 * mechanisms (merit-orders.ts), time axes on round clock times, legends that draw their samples,
 * and data thinned to what the drawing area can show (cells merged, one point per pixel column).
 *
 * Market sign convention on the energy-balance plot: what enters the community (production, import)
 * is drawn above zero and what leaves it (consumption, export) below, so balanced bars are symmetric.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { MeritOrderView } from './merit-orders.js';
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

/** Tick steps, minutes, that fall on round clock times (never 3:20 or 6:40). */
const TICK_STEPS_MIN = [1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080];

/**
 * Tick values for a time axis in minutes: the smallest round step (15 min, 30 min, 1 h, 2 h, 3 h, …)
 * that gives at most `maxTicks` ticks between `from` and `to`, on multiples of the step from midnight.
 */
export function timeTicks(from: number, to: number, maxTicks = 9): number[] {
  if (!(to > from)) return Number.isFinite(from) ? [from] : [];
  const step = TICK_STEPS_MIN.find((s) => Math.floor(to / s) - Math.ceil(from / s) + 1 <= maxTicks) ?? TICK_STEPS_MIN[TICK_STEPS_MIN.length - 1];
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step - 1e-9) * step; t <= to + 1e-9; t += step) ticks.push(t === 0 ? 0 : t);
  return ticks;
}

/** An x encoding over minutes from midnight, labelled h:mm (with a day prefix past midnight) at round ticks. */
export function timeX(field: string, minutes: readonly number[], title = 'time (h:mm)', extent?: readonly [number, number]): Record<string, unknown> {
  let from = Infinity;
  let to = -Infinity;
  for (const m of minutes) {
    if (!Number.isFinite(m)) continue;
    from = Math.min(from, m);
    to = Math.max(to, m);
  }
  if (extent) [from, to] = [Math.min(from, extent[0]), Math.max(to, extent[1])];
  const ticks = Number.isFinite(from) ? timeTicks(from, to) : [];
  return { field, type: 'quantitative', title, scale: { zero: false, nice: false, ...(Number.isFinite(from) ? { domain: [from, to] } : {}) }, axis: { values: ticks, labelExpr: MINUTE_LABEL, grid: true } };
}

/** Dash patterns of the iterations, in order (the first solid). */
const ITERATION_DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [1, 3], [10, 4]];

/** A stroke-dash legend whose samples are drawn (Vega leaves a legend stroke without colour otherwise). */
export const DASH_LEGEND = { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 400, symbolStrokeColor: '#333' };

const STATUS_DOMAIN = ['accepted', 'rejected', 'paradoxically rejected', 'paradoxically accepted', 'grid order'];
const STATUS_RANGE = ['#1a9850', '#bababa', '#f46d43', '#762a83', '#4575b4'];

/** A segment of a drawn merit order: one block (or a grid order) at its price over [x0, x1) kW. */
interface MeritSegment {
  side: 'supply' | 'demand';
  status: string;
  x0: number;
  x1: number;
  price: number;
  /** the block's price when it lies above the drawn price range (clipped to its top) */
  clipped: boolean;
  marginal: boolean;
  label: string;
}

const r4 = (x: number) => Number(x.toFixed(4));

/**
 * The auction's book as drawn: per side, the blocks in merit order with the grid's order merged at
 * its price (as the clearing merges it, markets/auction/merit-order.ts: blocks at the grid's price
 * first), each spanning its kW; an unlimited grid order spans the other side's total so the curves
 * cross in the picture. Prices above `top` are drawn at `top` and flagged.
 */
export function auctionSegments(view: MeritOrderView, top: number): MeritSegment[] {
  const g = view.grid;
  const sumKw = (side: 'supply' | 'demand') => view.blocks.filter((b) => b.side === side).reduce((a, b) => a + b.kw, 0);
  const totalS = sumKw('supply');
  const totalD = sumKw('demand');
  const out: MeritSegment[] = [];
  for (const side of ['supply', 'demand'] as const) {
    const blocks = view.blocks.filter((b) => b.side === side);
    const gridPrice = side === 'supply' ? g.importPriceEurPerKwh : g.exportPriceEurPerKwh;
    const gridMax = side === 'supply' ? g.maxImportKw : g.maxExportKw;
    const gridKw = gridMax === null ? Math.max(side === 'supply' ? totalD : totalS, 0.5) : gridMax;
    const taken = side === 'supply' ? g.importKw : g.exportKw;
    let at = 0;
    while (at < blocks.length && (side === 'supply' ? blocks[at].priceEurPerKwh <= gridPrice : blocks[at].priceEurPerKwh >= gridPrice)) at++;
    let x = 0;
    for (let k = 0; k <= blocks.length; k++) {
      if (k === at && gridKw > 0) {
        const name = side === 'supply' ? 'grid import' : 'grid export';
        out.push({ side, status: 'grid order', x0: r4(x), x1: r4(x + gridKw), price: gridPrice, clipped: false, marginal: false, label: `${name} ${gridMax === null ? 'unlimited' : `≤ ${r4(gridMax)} kW`}, ${r4(taken)} kW taken` });
        x += gridKw;
      }
      if (k === blocks.length) break;
      const b = blocks[k];
      out.push({ side, status: b.status.replace('-', ' '), x0: r4(x), x1: r4(x + b.kw), price: Math.min(b.priceEurPerKwh, top), clipped: b.priceEurPerKwh > top, marginal: b.marginal, label: b.id });
      x += b.kw;
    }
  }
  return out;
}

/** One merit-order plot per chosen period: the auction's blocks, or the community market's aggregated curves. */
export function meritOrderPlots(data: ReportData): ReportPlot[] {
  if (data.meritOrders.length === 0) {
    return [{ id: 'merit-order', title: 'Merit order', caption: 'Supply and demand curves of chosen market periods.', spec: null, emptyReason: 'no market period was cleared' }];
  }
  return data.meritOrders.map((v) => (v.mechanism === 'auction' ? auctionMeritPlot(v) : communityMeritPlot(v)));
}

/** The plot id of a period's merit order: `merit-order-08-15` (`1+08:15` → `merit-order-1-08-15`). */
export function meritOrderId(label: string): string {
  return `merit-order-${label.replace(/[^0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

function auctionMeritPlot(v: MeritOrderView): ReportPlot {
  const g = v.grid;
  const id = meritOrderId(v.label);
  const title = `Merit order, period ${v.label} (${v.chosenBy})`;
  const base = `Blocks in merit order (supply ascending, demand descending), each a bar over its kW at its price, coloured by what the clearing decided; the grid's orders (import at ${g.importPriceEurPerKwh}, export at ${g.exportPriceEurPerKwh} EUR/kWh) are merged in at their prices; the dot is the clearing point.`;
  if (v.blocks.length === 0) return { id, title, caption: base, spec: null, emptyReason: `period ${v.label} has no block` };
  // the drawn price range: every price up to 5× the import price; price-taking blocks (SREF's 10 EUR/kWh) sit above it
  const prices = [g.importPriceEurPerKwh, g.exportPriceEurPerKwh, ...v.blocks.map((b) => b.priceEurPerKwh), ...(v.priceEurPerKwh === null ? [] : [v.priceEurPerKwh])];
  const cap = Math.max(5 * Math.abs(g.importPriceEurPerKwh), 0.5);
  const inRange = prices.filter((p) => p <= cap);
  const lo = Math.min(0, ...inRange);
  const hiData = Math.max(...inRange);
  const top = r4(hiData + 0.1 * Math.max(hiData - lo, 0.01));
  const segments = auctionSegments(v, top);
  const clipped = segments.filter((s) => s.clipped).length;
  const curve = segments.flatMap((s, k) => [
    { side: s.side, order: 2 * k, kw: s.x0, price: s.price },
    { side: s.side, order: 2 * k + 1, kw: s.x1, price: s.price },
  ]);
  const acceptedD = v.blocks.filter((b) => b.side === 'demand' && (b.status === 'accepted' || b.status === 'paradoxically-accepted')).reduce((a, b) => a + b.kw, 0);
  const clearedKw = r4(acceptedD + g.exportKw);
  const x = { field: 'x0', type: 'quantitative', title: 'cumulative kW' };
  const y = { field: 'price', type: 'quantitative', title: 'price EUR/kWh', scale: { domain: [lo, top], nice: false, clamp: true } };
  const layers: object[] = [
    {
      data: { values: curve },
      mark: { type: 'line', strokeWidth: 1, color: '#333', aria: false },
      encoding: { x: { field: 'kw', type: 'quantitative', title: 'cumulative kW' }, y: { ...y, field: 'price' }, order: { field: 'order' }, strokeDash: { field: 'side', type: 'nominal', title: 'curve', scale: { domain: ['supply', 'demand'], range: [[1, 0], [5, 3]] }, legend: DASH_LEGEND } },
    },
    {
      data: { values: segments.map(({ side, status, x0, x1, price }) => ({ side, status, x0, x1, price })) },
      mark: { type: 'rule', strokeWidth: 5, aria: false },
      encoding: { x, x2: { field: 'x1' }, y, color: { field: 'status', type: 'nominal', title: 'block', scale: { domain: STATUS_DOMAIN, range: STATUS_RANGE }, legend: { labelLimit: 220, symbolType: 'square' } } },
    },
  ];
  const marginal = segments.filter((s) => s.marginal).map((s) => ({ kw: r4((s.x0 + s.x1) / 2), price: s.price, what: 'marginal block' }));
  if (marginal.length > 0) {
    layers.push({
      data: { values: marginal },
      mark: { type: 'point', filled: true, size: 60, color: '#000' },
      encoding: { x: { field: 'kw', type: 'quantitative' }, y: { ...y, field: 'price' }, shape: { field: 'what', type: 'nominal', title: null, scale: { domain: ['marginal block'], range: ['triangle-down'] } } },
    });
  }
  if (v.priceEurPerKwh !== null) {
    const point = [{ kw: clearedKw, price: v.priceEurPerKwh, text: `cleared ${clearedKw} kW at ${r4(v.priceEurPerKwh)} EUR/kWh` }];
    layers.push(
      { data: { values: point }, mark: { type: 'rule', strokeDash: [2, 3], color: '#555' }, encoding: { y: { ...y, field: 'price' } } },
      { data: { values: point }, mark: { type: 'point', filled: true, size: 110, color: '#d7191c', stroke: '#000', strokeWidth: 1 }, encoding: { x: { field: 'kw', type: 'quantitative' }, y: { ...y, field: 'price' } } },
      { data: { values: point }, mark: { type: 'text', align: 'left', dx: 8, dy: -10, fontSize: 11 }, encoding: { x: { field: 'kw', type: 'quantitative' }, y: { ...y, field: 'price' }, text: { field: 'text' } } },
    );
  }
  const caption =
    base +
    (v.priceSetBy ? ` Price set by: ${v.priceSetBy}.` : '') +
    (clipped > 0 ? ` ${clipped} block(s) priced above ${top} EUR/kWh (price-taking demand) are drawn at the top edge.` : '') +
    (v.note ? ` Note: ${v.note}.` : '');
  return { id, title, caption, spec: { config: CONFIG, background: 'white', width: WIDTH_PX, height: 300, layer: layers, resolve: { scale: { color: 'independent' } } } as TopLevelSpec };
}

function communityMeritPlot(v: MeritOrderView): ReportPlot {
  const id = meritOrderId(v.label);
  const title = `Community market, period ${v.label} (${v.chosenBy})`;
  const caption =
    "Per community: its members' offers summed into a demand curve (consumption and battery charge they choose at each internal price) and a supply curve (production and discharge), from their quadratic utilities and costs at the optimum; " +
    `the dashed rules are the grid's import (${v.grid.importPriceEurPerKwh}) and export (${v.grid.exportPriceEurPerKwh}) prices; the dots are the members' consumption and production at the community price, and the bar between them what the community traded outside.` +
    (v.note ? ` Note: ${v.note}.` : '');
  if (v.communities.length === 0) return { id, title, caption, spec: null, emptyReason: `period ${v.label} has no community bid` };
  const rows: Record<string, unknown>[] = [];
  for (const c of v.communities) {
    const name = `${c.community} (${c.members} offers)`;
    c.demand.forEach((p, k) => rows.push({ community: name, layer: 'curve', curve: 'demand', order: k, kw: p.kw, price: p.priceEurPerKwh }));
    c.supply.forEach((p, k) => rows.push({ community: name, layer: 'curve', curve: 'supply', order: k, kw: p.kw, price: p.priceEurPerKwh }));
    rows.push({ community: name, layer: 'grid', grid: 'grid import price', price: v.grid.importPriceEurPerKwh }, { community: name, layer: 'grid', grid: 'grid export price', price: v.grid.exportPriceEurPerKwh });
    if (c.priceEurPerKwh !== null) {
      const net = r4(c.demandKw - c.supplyKw);
      rows.push(
        { community: name, layer: 'point', kw: c.demandKw, price: c.priceEurPerKwh, curve: 'demand' },
        { community: name, layer: 'point', kw: c.supplyKw, price: c.priceEurPerKwh, curve: 'supply' },
        { community: name, layer: 'trade', kw: Math.min(c.demandKw, c.supplyKw), kw2: Math.max(c.demandKw, c.supplyKw), price: c.priceEurPerKwh, text: `λ = ${r4(c.priceEurPerKwh)} EUR/kWh, ${net >= 0 ? `imports ${net}` : `exports ${-net}`} kW` },
      );
    }
  }
  const only = (layer: string) => [{ filter: `datum.layer === '${layer}'` }];
  const x = { field: 'kw', type: 'quantitative', title: 'kW' };
  const y = { field: 'price', type: 'quantitative', title: 'price EUR/kWh', scale: { zero: false } };
  const colour = { field: 'curve', type: 'nominal', title: 'curve', scale: { domain: ['demand', 'supply'], range: ['#b2182b', '#1b7837'] } };
  const spec = {
    config: CONFIG,
    background: 'white',
    data: { values: rows },
    facet: { field: 'community', type: 'nominal', title: null },
    columns: 2,
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: v.communities.length === 1 ? WIDTH_PX : 300,
      height: 220,
      layer: [
        { transform: only('curve'), mark: { type: 'line', strokeWidth: 2, aria: false }, encoding: { x, y, color: colour, order: { field: 'order' } } },
        { transform: only('grid'), mark: { type: 'rule', color: '#4575b4' }, encoding: { y, strokeDash: { field: 'grid', type: 'nominal', title: 'grid', scale: { domain: ['grid import price', 'grid export price'], range: [[6, 3], [2, 2]] }, legend: { ...DASH_LEGEND, symbolStrokeColor: '#4575b4' } } } },
        { transform: only('trade'), mark: { type: 'rule', strokeWidth: 4, color: '#fdae61' }, encoding: { x, x2: { field: 'kw2' }, y } },
        { transform: only('point'), mark: { type: 'point', filled: true, size: 70, stroke: '#000', strokeWidth: 1 }, encoding: { x, y, color: colour } },
        { transform: only('trade'), mark: { type: 'text', align: 'left', dx: 4, dy: -10, fontSize: 10 }, encoding: { x, y, text: { field: 'text' } } },
      ],
    },
  };
  return { id, title, caption, spec: spec as unknown as TopLevelSpec };
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
  const x = timeX('startMinute', data.periods.map((p) => p.startMinute), 'period start (h:mm)');
  // a stroke symbol with a colour, so the legend shows the dash pattern (a point symbol would hide it)
  const iterations = [...new Set(data.periods.map((p) => p.iteration))].sort((a, b) => a - b);
  const dash = { field: 'iteration', type: 'ordinal', title: 'iteration', scale: { domain: iterations, range: iterations.map((_, k) => ITERATION_DASHES[k % ITERATION_DASHES.length]) }, legend: DASH_LEGEND };
  const spec = {
    config: CONFIG,
    background: 'white',
    vconcat: [
      {
        width: WIDTH_PX,
        height: 220,
        data: { values: prices },
        mark: { type: 'line', strokeWidth: 1.5 },
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
        mark: { type: 'line', strokeWidth: 1.5, color: '#4c4c4c' },
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
  const starts = [...new Set(data.periods.map((p) => p.startMinute))].sort((a, b) => a - b);
  let periodMin = Infinity;
  for (let k = 1; k < starts.length; k++) periodMin = Math.min(periodMin, starts[k] - starts[k - 1]);
  if (!Number.isFinite(periodMin)) periodMin = 60;
  // stacked by hand (inflows up from zero, outflows down), so each bar is a plain rectangle
  const stack = new Map<string, { up: number; down: number }>();
  const values = rows.map((r) => {
    const key = `${r.iteration}|${r.startMinute}`;
    const s = stack.get(key) ?? { up: 0, down: 0 };
    const y0 = r.kw >= 0 ? s.up : s.down;
    const y1 = y0 + r.kw;
    if (r.kw >= 0) s.up = y1;
    else s.down = y1;
    stack.set(key, s);
    return { iteration: r.iteration, label: r.label, quantity: r.quantity, startMinute: r.startMinute, endMinute: r.startMinute + periodMin * 0.9, kw: Number(r.kw.toFixed(4)), y0: Number(y0.toFixed(4)), y1: Number(y1.toFixed(4)) };
  });
  const spec = {
    config: CONFIG,
    background: 'white',
    data: { values },
    facet: { row: { field: 'iteration', type: 'ordinal', title: 'iteration' } },
    spec: {
      width: WIDTH_PX,
      height: 160,
      mark: { type: 'rect', aria: false },
      encoding: {
        x: timeX('startMinute', starts, 'period start (h:mm)', [starts[0], starts[starts.length - 1] + periodMin]),
        x2: { field: 'endMinute' },
        y: { field: 'y0', type: 'quantitative', title: 'kW (in > 0, out < 0)' },
        y2: { field: 'y1' },
        color: { field: 'quantity', type: 'nominal', title: 'quantity', scale: { domain: [...BALANCE_ORDER], range: BALANCE_COLOURS }, legend: { symbolType: 'square' } },
      },
    },
  };
  return { ...base, spec: spec as TopLevelSpec };
}

/** Most heatmap cells drawn before merging; longer runs (1-second power flow) are binned in time. */
export const MAX_HEATMAP_CELLS = 24_000;
/** Feeders up to this many buses get one heatmap row per bus; larger ones are drawn in distance bands. */
export const MAX_HEATMAP_BUS_ROWS = 150;
/** Distance bands of a large feeder's heatmap. */
export const HEATMAP_BANDS = 60;

/** A row of the heatmap: one bus, or a band of buses at similar electrical distance from the source. */
export interface HeatRow {
  readonly label: string;
  /** indices into `voltages.buses` */
  readonly members: readonly number[];
  /** electrical distance of the row (a band: its members' range), pu; NaN when unknown */
  readonly distanceLoPu: number;
  readonly distanceHiPu: number;
}

/** The electrical distance a bus is ordered by: its `distancePu`, else its hops (older data), unreached last. */
function distanceKey(b: ReportData['voltages']['buses'][number]): number {
  const d = b.distancePu;
  if (d !== undefined && Number.isFinite(d)) return d;
  return b.hops < 0 ? Infinity : b.hops;
}

const fmtDistance = (d: number): string => (Number.isFinite(d) ? String(Number(d.toPrecision(3))) : '?');

/**
 * The heatmap's rows in order of electrical distance from the source (ties by bus order; buses the
 * source does not reach last): one per bus up to `maxBusRows` buses, else `bands` bands of (nearly)
 * equal bus count, each labelled with its distance range, so a row is a stretch of the feeder at a
 * similar electrical distance from the substation.
 */
export function heatmapRows(buses: ReportData['voltages']['buses'], maxBusRows = MAX_HEATMAP_BUS_ROWS, bands = HEATMAP_BANDS): { rows: HeatRow[]; banded: boolean; byDistance: boolean } {
  const byDistance = buses.some((b) => b.distancePu !== undefined && Number.isFinite(b.distancePu));
  const order = buses.map((_, i) => i);
  order.sort((a, b) => distanceKey(buses[a]) - distanceKey(buses[b]) || a - b);
  const dist = (i: number) => (byDistance ? (buses[i].distancePu ?? NaN) : buses[i].hops);
  if (buses.length <= maxBusRows) return { rows: order.map((i) => ({ label: buses[i].name, members: [i], distanceLoPu: dist(i), distanceHiPu: dist(i) })), banded: false, byDistance };
  const rows: HeatRow[] = [];
  const width = String(bands).length;
  for (let r = 0; r < bands; r++) {
    const members = order.slice(Math.floor((r * order.length) / bands), Math.floor(((r + 1) * order.length) / bands));
    if (members.length === 0) continue;
    const lo = dist(members[0]);
    const hi = dist(members[members.length - 1]);
    const unit = byDistance ? 'pu' : 'hops';
    const span = !Number.isFinite(lo) || lo < 0 ? 'unreached' : lo === hi ? `${fmtDistance(lo)} ${unit}` : `${fmtDistance(lo)}–${fmtDistance(hi)} ${unit}`;
    rows.push({ label: `${String(r + 1).padStart(width, '0')}: ${span} (${members.length})`, members, distanceLoPu: lo, distanceHiPu: hi });
  }
  return { rows, banded: true, byDistance };
}

/** A heatmap cell: row × [minuteStart, minuteEnd), with the mean, lowest and highest bus voltage in it. */
export interface HeatCell {
  row: number;
  minuteStart: number;
  minuteEnd: number;
  meanPu: number;
  minPu: number;
  maxPu: number;
}

/**
 * Bins voltages into at most `maxCells` cells of row × time, keeping per cell the mean over its
 * buses and sub-steps (its colour) and the lowest and highest value (so a band or a time bin never
 * hides a limit violation: the plot marks such cells). Non-finite values are skipped.
 */
export function heatmapCells(
  voltages: ReportData['voltages'],
  maxCells = MAX_HEATMAP_CELLS,
  maxBusRows = MAX_HEATMAP_BUS_ROWS,
): { cells: HeatCell[]; rows: HeatRow[]; banded: boolean; byDistance: boolean; binMinutes: number; binned: boolean } {
  const { rows, banded, byDistance } = heatmapRows(voltages.buses, maxBusRows);
  const steps = voltages.steps.filter((s) => Number.isFinite(s.minute)).sort((a, b) => a.minute - b.minute);
  if (steps.length === 0 || rows.length === 0) return { cells: [], rows, banded, byDistance, binMinutes: 0, binned: false };
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
  const n = binCount * rows.length;
  const sum = new Float64Array(n);
  const count = new Float64Array(n);
  const min = new Float64Array(n).fill(Infinity);
  const max = new Float64Array(n).fill(-Infinity);
  steps.forEach((s, i) => {
    const base = Math.floor(i / perBin) * rows.length;
    const nb = Math.min(s.vPu.length, rowOf.length);
    for (let b = 0; b < nb; b++) {
      const v = s.vPu[b];
      if (!Number.isFinite(v) || rowOf[b] < 0) continue;
      const k = base + rowOf[b];
      sum[k] += v;
      count[k]++;
      if (v < min[k]) min[k] = v;
      if (v > max[k]) max[k] = v;
    }
  });
  const cells: HeatCell[] = [];
  for (let b = 0; b < binCount; b++) {
    for (let r = 0; r < rows.length; r++) {
      const k = b * rows.length + r;
      if (count[k] > 0) cells.push({ row: r, minuteStart: binStart(b), minuteEnd: binEnd(b), meanPu: sum[k] / count[k], minPu: min[k], maxPu: max[k] });
    }
  }
  return { cells, rows, banded, byDistance, binMinutes: perBin * stepMinutes, binned: perBin > 1 };
}

/** Colour steps on each side of the nominal within the limits. */
const HEAT_STEPS = 5;
export const BELOW_COLOURS = ['#2166ac', '#4393c3', '#92c5de', '#c6dbef', '#e3eef8'];
export const ABOVE_COLOURS = ['#fbe3d6', '#f4c6ad', '#f4a582', '#d6604d', '#b2182b'];
const BELOW_LIMIT = '#08306b';
const ABOVE_LIMIT = '#4d0010';
export const NOMINAL_COLOUR = '#f7f7f7';

/** A step a little above `x` from 1, 2, 2.5, 5 × 10^k: round colour thresholds. */
export function niceStep(x: number): number {
  const e = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * e >= x) return m * e;
  return 10 * e;
}

/**
 * The heatmap's diverging colour scale, centred on the nominal voltage: a threshold scale with a
 * white band around the nominal, `HEAT_STEPS` blues below and reds above in round steps sized to the
 * data (so a feeder that moves ±1 % is not one colour), and two dark colours beyond the limits, whose
 * thresholds are the limits themselves (so the legend names them).
 */
export function heatmapColourScale(values: readonly number[], nominal: number, vMin: number, vMax: number): { thresholds: number[]; colours: string[]; stepPu: number } {
  let dev = 0;
  for (const v of values) if (v >= vMin && v <= vMax) dev = Math.max(dev, Math.abs(v - nominal));
  const stepPu = niceStep(Math.max(dev, 0.001) / (HEAT_STEPS + 0.5));
  const below: number[] = [];
  for (let j = HEAT_STEPS - 1; j >= 0; j--) {
    const t = nominal - (j + 0.5) * stepPu;
    if (t > vMin) below.push(t);
  }
  const above: number[] = [];
  for (let j = 0; j < HEAT_STEPS; j++) {
    const t = nominal + (j + 0.5) * stepPu;
    if (t < vMax) above.push(t);
  }
  // intervals: < v_min, then the blues up to the white band around the nominal, the reds, ≥ v_max
  const thresholds = [vMin, ...below, ...above, vMax];
  const colours = [BELOW_LIMIT, ...BELOW_COLOURS.slice(BELOW_COLOURS.length - below.length), NOMINAL_COLOUR, ...ABOVE_COLOURS.slice(0, above.length), ABOVE_LIMIT];
  return { thresholds: thresholds.map((t) => Number(t.toFixed(6))), colours, stepPu };
}

/** Index of the colour interval of `v` under `thresholds` (threshold scale semantics: t ≤ v goes up). */
export function thresholdBin(v: number, thresholds: readonly number[]): number {
  let k = 0;
  while (k < thresholds.length && v >= thresholds[k]) k++;
  return k;
}

/**
 * Merges the cells of each row that are adjacent in time and fall in one colour interval into one
 * rectangle (their mean weighted by span): the picture is unchanged, the SVG far smaller on a smooth
 * day. Cells with a value beyond the limits are never merged with cells without.
 */
export function mergeHeatCells(cells: readonly HeatCell[], thresholds: readonly number[], vMin: number, vMax: number): (HeatCell & { beyond: boolean })[] {
  const byRow = new Map<number, HeatCell[]>();
  for (const c of cells) {
    const list = byRow.get(c.row) ?? [];
    list.push(c);
    byRow.set(c.row, list);
  }
  const out: (HeatCell & { beyond: boolean })[] = [];
  for (const row of [...byRow.keys()].sort((a, b) => a - b)) {
    const list = byRow.get(row)!.sort((a, b) => a.minuteStart - b.minuteStart);
    let run: (HeatCell & { beyond: boolean; weight: number; bin: number }) | undefined;
    const flush = () => {
      if (!run) return;
      const { weight: _w, bin: _b, ...cell } = run;
      out.push(cell);
      run = undefined;
    };
    for (const c of list) {
      const bin = thresholdBin(c.meanPu, thresholds);
      const beyond = c.minPu < vMin || c.maxPu > vMax;
      const span = c.minuteEnd - c.minuteStart;
      if (run && run.bin === bin && run.beyond === beyond && Math.abs(run.minuteEnd - c.minuteStart) < 1e-9) {
        run.meanPu = (run.meanPu * run.weight + c.meanPu * span) / (run.weight + span);
        run.weight += span;
        run.minuteEnd = c.minuteEnd;
        run.minPu = Math.min(run.minPu, c.minPu);
        run.maxPu = Math.max(run.maxPu, c.maxPu);
      } else {
        flush();
        run = { ...c, beyond, weight: span, bin };
      }
    }
    flush();
  }
  return out;
}

/**
 * Voltage heatmap: time × bus (ordered by electrical distance from the source) or distance band,
 * coloured on a diverging scale centred on `limits.nominal_v_pu`, limits in the legend, and cells
 * where some bus crossed a limit outlined in black.
 */
export function voltageHeatmapPlot(data: ReportData): ReportPlot {
  const base = { id: 'voltage-heatmap', title: 'Bus voltages over time (last iteration)' };
  const { cells, rows, banded, byDistance, binMinutes, binned } = heatmapCells(data.voltages);
  const { vMinPu, vMaxPu } = data.limits;
  const nominal = data.limits.nominalVPu ?? 1;
  const order = byDistance ? 'electrical distance from the source (impedance of the path, pu on 1 MVA)' : 'hops from the source';
  if (cells.length === 0) return { ...base, caption: 'Bus voltages over time.', spec: null, emptyReason: 'no bus voltage was recorded' };
  const scale = heatmapColourScale(
    cells.map((c) => c.meanPu),
    nominal,
    vMinPu,
    vMaxPu,
  );
  const merged = mergeHeatCells(cells, scale.thresholds, vMinPu, vMaxPu);
  const beyond = merged.filter((c) => c.beyond).length;
  const caption =
    `Colour is the bus voltage against the nominal ${nominal} pu (white within ±${Number((scale.stepPu / 2).toPrecision(3))} pu of it; blue below, red above, in steps of ${Number(scale.stepPu.toPrecision(3))} pu; darkest beyond the limits ${vMinPu} and ${vMaxPu} pu). ` +
    (banded
      ? `The ${data.voltages.buses.length} buses are ordered by ${order} and grouped in ${rows.length} bands of equal size (labels: distance range and bus count); a cell's colour is the mean over its band's buses, and a black outline marks a cell in which some bus crossed a limit.`
      : `Rows are buses ordered by ${order}, nearest at the top; a black outline marks a cell beyond a limit.`) +
    (binned ? ` Cells span ${Number(binMinutes.toPrecision(4))} min (their mean; outlined when any sub-step crossed a limit).` : '') +
    ` ${beyond === 0 ? 'No cell crosses a limit.' : `${beyond} cell run(s) cross a limit.`}`;
  const fmtV = (x: number) => String(Number(x.toFixed(5)));
  const t = scale.thresholds;
  const binLabels = scale.colours.map((_, k) => {
    if (k === 0) return `< ${fmtV(vMinPu)} (below the limit)`;
    if (k === t.length) return `≥ ${fmtV(vMaxPu)} (above the limit)`;
    const range = `${fmtV(t[k - 1])}–${fmtV(t[k])}`;
    return t[k - 1] <= nominal && nominal < t[k] ? `${range} (nominal)` : range;
  });
  const values = merged.map((c) => ({
    bin: binLabels[thresholdBin(c.meanPu, t)],
    row: c.row,
    label: rows[c.row].label,
    t0: Number(c.minuteStart.toFixed(3)),
    t1: Number(c.minuteEnd.toFixed(3)),
    v: Number(c.meanPu.toFixed(5)),
    lo: Number(c.minPu.toFixed(5)),
    hi: Number(c.maxPu.toFixed(5)),
    ...(c.beyond ? { beyond: 1 } : {}),
  }));
  const stepPx = Math.max(4, Math.min(14, Math.floor(600 / rows.length)));
  const minutes = values.flatMap((c) => [c.t0, c.t1]);
  const x = timeX('t0', minutes);
  const y = { field: 'label', type: 'nominal', title: banded ? `distance band (${byDistance ? 'pu' : 'hops'}, buses)` : `bus (by ${byDistance ? 'electrical distance' : 'hops'})`, sort: { field: 'row', op: 'min' }, axis: { labelOverlap: true, labelLimit: 240, labelFontSize: stepPx < 9 ? 7 : 10 } };
  const legendTitle = ['v_pu', `nominal ${nominal}`, `limits ${vMinPu}, ${vMaxPu}`];
  const spec = {
    config: CONFIG,
    background: 'white',
    width: WIDTH_PX,
    height: { step: stepPx },
    data: { values },
    layer: [
      {
        // no per-cell aria-label: thousands of them would triple the page (the figure caption describes the plot)
        mark: { type: 'rect', aria: false },
        encoding: {
          x,
          x2: { field: 't1' },
          // rows sorted by a field, not by an explicit list (a long list overflows Vega's expression parser)
          y,
          // the colour interval as a named category, so the legend lists every interval with its bounds
          color: { field: 'bin', type: 'ordinal', title: legendTitle, scale: { domain: [...binLabels].reverse(), range: [...scale.colours].reverse() }, legend: { symbolType: 'square', symbolSize: 120, labelLimit: 260 } },
        },
      },
      {
        transform: [{ filter: 'datum.beyond === 1' }],
        mark: { type: 'rect', aria: false, fill: null, stroke: '#000', strokeWidth: 1.2 },
        encoding: { x, x2: { field: 't1' }, y },
      },
    ],
  };
  return { ...base, caption, spec: spec as TopLevelSpec };
}

/**
 * The voltage profile along the feeder: for each heatmap row (bus or distance band), the lowest,
 * mean and highest voltage over the whole horizon against its electrical distance, with the
 * nominal and the limits: the min/mean/max envelope by distance, the feeder's structure at a glance.
 */
export function voltageProfilePlot(data: ReportData): ReportPlot {
  const base = { id: 'voltage-profile', title: 'Voltage profile along the feeder (last iteration)' };
  const { rows, byDistance, banded } = heatmapRows(data.voltages.buses);
  const nominal = data.limits.nominalVPu ?? 1;
  const lo = new Float64Array(rows.length).fill(Infinity);
  const hi = new Float64Array(rows.length).fill(-Infinity);
  const sum = new Float64Array(rows.length);
  const cnt = new Float64Array(rows.length);
  const rowOf = new Int32Array(data.voltages.buses.length).fill(-1);
  rows.forEach((r, k) => r.members.forEach((i) => (rowOf[i] = k)));
  for (const s of data.voltages.steps) {
    const n = Math.min(s.vPu.length, rowOf.length);
    for (let b = 0; b < n; b++) {
      const v = s.vPu[b];
      const k = rowOf[b];
      if (k < 0 || !Number.isFinite(v)) continue;
      if (v < lo[k]) lo[k] = v;
      if (v > hi[k]) hi[k] = v;
      sum[k] += v;
      cnt[k]++;
    }
  }
  const points = rows
    .map((r, k) => ({ d: Number((((r.distanceLoPu + r.distanceHiPu) / 2) as number).toPrecision(5)), lo: Number(lo[k].toFixed(5)), mean: Number((sum[k] / cnt[k]).toFixed(5)), hi: Number(hi[k].toFixed(5)), n: cnt[k] }))
    .filter((p) => p.n > 0 && Number.isFinite(p.d))
    .map(({ n: _n, ...p }) => p);
  const caption = `For each ${banded ? 'distance band of buses' : 'bus'}: the range from its lowest to its highest voltage over the horizon (bar) and its mean (dot), against its ${byDistance ? 'electrical distance from the source (pu on 1 MVA)' : 'hops from the source'}; the dotted rule is the nominal ${nominal} pu, dashed rules the limits (${data.limits.vMinPu} and ${data.limits.vMaxPu} pu, drawn when inside the frame).`;
  if (points.length === 0) return { ...base, caption, spec: null, emptyReason: 'no bus voltage was recorded' };
  const refs = [
    { v: data.limits.vMinPu, what: 'limit' },
    { v: data.limits.vMaxPu, what: 'limit' },
    { v: nominal, what: 'nominal' },
  ];
  const x = { field: 'd', type: 'quantitative', title: byDistance ? 'electrical distance from the source, pu' : 'hops from the source' };
  // the data's range with the nominal (limits far outside it are left out of the frame, see the caption)
  let yLo = nominal;
  let yHi = nominal;
  for (const p of points) {
    yLo = Math.min(yLo, p.lo);
    yHi = Math.max(yHi, p.hi);
  }
  const pad = Math.max((yHi - yLo) * 0.08, 0.001);
  const yDomain = [Number((yLo - pad).toFixed(5)), Number((yHi + pad).toFixed(5))];
  const spec = {
    config: CONFIG,
    background: 'white',
    width: WIDTH_PX,
    height: 220,
    layer: [
      { data: { values: points }, mark: { type: 'rule', color: '#9ecae1', strokeWidth: 2, aria: false }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'v_pu', scale: { zero: false, domain: yDomain, nice: false } }, y2: { field: 'hi' } } },
      { data: { values: points }, mark: { type: 'point', filled: true, size: 14, color: '#08519c', aria: false }, encoding: { x, y: { field: 'mean', type: 'quantitative' } } },
      { data: { values: refs }, mark: { type: 'rule', color: '#b2182b', clip: true }, encoding: { y: { field: 'v', type: 'quantitative' }, strokeDash: { field: 'what', type: 'nominal', title: null, scale: { domain: ['nominal', 'limit'], range: [[2, 2], [6, 4]] }, legend: { ...DASH_LEGEND, symbolStrokeColor: '#b2182b' } } } },
    ],
  };
  return { ...base, caption, spec: spec as TopLevelSpec };
}


/** Most time points on the voltage-envelope plot: one per pixel column; longer runs are binned (min of minima, max of maxima). */
export const MAX_ENVELOPE_POINTS = WIDTH_PX;

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
    caption: `The band spans the lowest to the highest bus voltage of each sub-step over all ${data.voltages.buses.length} buses; the line is their mean; dashed rules are the limits, the dotted rule the nominal.`,
  };
  const points = voltageEnvelope(data.voltages);
  if (points.length === 0) return { ...base, spec: null, emptyReason: 'no bus voltage was recorded' };
  const x = timeX('minute', points.map((p) => p.minute));
  const limits = [
    { vPu: data.limits.vMinPu, name: 'limit' },
    { vPu: data.limits.vMaxPu, name: 'limit' },
    { vPu: data.limits.nominalVPu ?? 1, name: 'nominal' },
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
      {
        data: { values: limits },
        mark: { type: 'rule', color: '#b2182b' },
        encoding: { y: { field: 'vPu', type: 'quantitative' }, strokeDash: { field: 'name', type: 'nominal', title: null, scale: { domain: ['nominal', 'limit'], range: [[2, 2], [6, 4]] }, legend: { ...DASH_LEGEND, symbolStrokeColor: '#b2182b' } } },
      },
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
  const passive = data.iterations.map((it) => it.passiveDemandPaymentEur ?? 0);
  const caption = passive.some((p) => p > 0)
    ? `${base.caption} The welfare leaves out the price-taking demand (bid at its cap price, a bidding device, not a value): it paid ${passive.map((p) => Number(p.toFixed(4))).join(' / ')} EUR per iteration, apart (summary.json welfare_elastic_eur, passive_demand_payment_eur).`
    : base.caption;
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
  return { ...base, caption, spec: spec as TopLevelSpec };
}

/** Every plot of the page, in page order. */
export function reportPlots(data: ReportData): ReportPlot[] {
  return [...meritOrderPlots(data), pricesVolumesPlot(data), energyBalancePlot(data), voltageHeatmapPlot(data), voltageProfilePlot(data), voltageEnvelopePlot(data), violationMapPlot(data), reinforcementPlot(data)];
}
