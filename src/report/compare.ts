/**
 * Comparing finished runs (seed 004's cross-scenario figures): energy balance per scenario
 * (Figure 6), average voltage (Figure 8), MAE of voltage deviations (Figure 9) and the voltage
 * difference of each run against a reference run over time and load node (Figure 7). Input is the
 * runs' own result files (summary.json, voltages.csv, last iteration); output one self-contained
 * page of static SVG, `comparison.csv`, and each plot as `figures/<id>.svg` and `.vl.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { parseCsv } from '../io/csv.js';
import { LemsimError, excerpt } from '../errors.js';
import type { RunSummaryJson } from '../io/run-results.js';
import { ABOVE_COLOURS, BELOW_COLOURS, NOMINAL_COLOUR, niceStep, timeX } from './plots.js';
import { renderSvg } from './render-svg.js';
import { VEGA_LITE_SCHEMA } from './report.js';
import type { ReportTable } from './report-data.js';
import { escapeHtml, tableCsv, tableHtml } from './table-text.js';

/** The parts of a run's summary.json that a comparison uses, checked on reading. */
export interface ComparedSummary {
  readonly scenario: string;
  readonly energy_balance_kwh: RunSummaryJson['energy_balance_kwh'];
  /** seed 004's Table 2 unit; absent in runs written before lemsim reported it */
  readonly energy_balance_kw_periods?: RunSummaryJson['energy_balance_kwh'];
  readonly voltage: { [K in keyof RunSummaryJson['voltage']]: number };
  readonly final: { readonly iteration: number; readonly welfare_eur: number; readonly violations: number };
}

export interface RunForComparison {
  readonly name: string;
  readonly summary: ComparedSummary;
  /** last iteration's load-node voltages: `minute|node` → v_pu */
  readonly voltages: ReadonlyMap<string, number>;
}

const ENERGY_KEYS = ['consumption', 'production', 'self_consumption', 'local_trading', 'import', 'export'] as const;
const VOLTAGE_KEYS = ['average_pu', 'difference_from_nominal_pct', 'mae_all_pct', 'mae_positive_pct', 'mae_negative_pct'] as const;

/** Checks the summary.json of a run (a truncated or edited file is a located input error). */
function checkSummary(raw: unknown, path: string): ComparedSummary {
  const fail = (field: string, detail: string): never => {
    throw new LemsimError(`${path}: ${field}: ${detail}`);
  };
  const obj = (v: unknown, field: string): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(field, 'expected an object'));
  const num = (o: Record<string, unknown>, k: string, field: string): number => {
    const v = Object.hasOwn(o, k) ? o[k] : undefined;
    if (v === null && field.startsWith('voltage.')) fail(field, 'is null: the run has no converged power flow, so it has no voltage to compare');
    return typeof v === 'number' && Number.isFinite(v) ? v : fail(field, 'expected a finite number (written by an older lemsim, or edited?)');
  };
  const top = obj(raw, '(root)');
  const energy = obj(top.energy_balance_kwh, 'energy_balance_kwh');
  const voltage = obj(top.voltage, 'voltage');
  const final = obj(top.final, 'final');
  return {
    scenario: typeof top.scenario === 'string' ? top.scenario : fail('scenario', 'expected a string'),
    energy_balance_kwh: Object.fromEntries(ENERGY_KEYS.map((k) => [k, num(energy, k, `energy_balance_kwh.${k}`)])) as unknown as ComparedSummary['energy_balance_kwh'],
    voltage: Object.fromEntries(VOLTAGE_KEYS.map((k) => [k, num(voltage, k, `voltage.${k}`)])) as unknown as ComparedSummary['voltage'],
    final: { iteration: num(final, 'iteration', 'final.iteration'), welfare_eur: num(final, 'welfare_eur', 'final.welfare_eur'), violations: num(final, 'violations', 'final.violations') },
  };
}

/** Reads a run directory written by `lemsim run`. */
export function readRun(dir: string): RunForComparison {
  const summaryPath = join(dir, 'summary.json');
  const voltagesPath = join(dir, 'voltages.csv');
  if (!existsSync(summaryPath) || !existsSync(voltagesPath)) throw new LemsimError(`${dir}: not a lemsim run folder (summary.json and voltages.csv expected)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(summaryPath, 'utf8'));
  } catch (err) {
    throw new LemsimError(`${summaryPath}: not valid JSON (truncated?): ${excerpt((err as Error).message)}`);
  }
  const summary = checkSummary(raw, summaryPath);
  const last = summary.final.iteration;
  const voltages = new Map<string, number>();
  let header = true;
  let line = 0;
  try {
    for (const rec of parseCsv(readFileSync(voltagesPath, 'utf8'))) {
      line++;
      if (header) {
        header = false;
        continue;
      }
      const [it, minute, load, bus, node, v] = rec;
      if (Number(it) !== last || v === undefined || v === '') continue;
      const x = Number(v);
      if (!Number.isFinite(x)) throw new Error(`v_pu is not a number`);
      voltages.set(`${minute}|${load} ${bus}.${node}`, x);
    }
  } catch (err) {
    throw new LemsimError(`${voltagesPath}:${line}: ${(err as Error).message}`);
  }
  return { name: summary.scenario || basename(dir), summary, voltages };
}

const WIDTH = 640;

/** Most difference cells drawn before merging (about 4 MB of SVG when no two neighbours share a colour); beyond, minutes are binned. */
export const MAX_DIFF_CELLS = 200_000;

/** One run's voltage difference against the reference at one load node over [t0, t1) minutes. */
interface DiffCell {
  run: string;
  node: string;
  t0: number;
  t1: number;
  dv: number;
  bin: string;
}

/**
 * Differences of every run against the reference, per load node and minute, merged in time where
 * consecutive minutes of a node fall in one colour interval (the picture is unchanged; a 30-run
 * comparison stays a few MB instead of tens). The colour intervals are symmetric around zero in
 * round steps sized to the largest difference.
 */
export function voltageDifferences(runs: readonly RunForComparison[], ref: RunForComparison): { cells: DiffCell[]; labels: string[]; colours: string[]; nodes: string[]; stepPu: number; binMinutes: number } {
  const raw: { run: string; node: string; minute: number; dv: number }[] = [];
  const minutes = new Set<number>();
  for (const r of runs) {
    if (r === ref) continue;
    for (const [key, v] of r.voltages) {
      const w = ref.voltages.get(key);
      if (w === undefined) continue;
      const [minute, node] = key.split('|');
      raw.push({ run: `${r.name} − ${ref.name}`, node, minute: Number(minute), dv: v - w });
      minutes.add(Number(minute));
    }
  }
  const sorted = [...minutes].sort((a, b) => a - b);
  let stepMin = Infinity;
  for (let k = 1; k < sorted.length; k++) stepMin = Math.min(stepMin, sorted[k] - sorted[k - 1]);
  if (!Number.isFinite(stepMin)) stepMin = 1;
  // more cells than the page can carry (many runs, long horizons): mean over time bins of whole sub-steps
  if (raw.length > MAX_DIFF_CELLS && sorted.length > 0) {
    const binMin = stepMin * Math.ceil(raw.length / MAX_DIFF_CELLS);
    const m0 = sorted[0];
    const bins = new Map<string, { run: string; node: string; minute: number; sum: number; n: number }>();
    for (const c of raw) {
      const minute = m0 + Math.floor((c.minute - m0) / binMin + 1e-9) * binMin;
      const key = `${c.run}\u0000${c.node}\u0000${minute}`;
      const b = bins.get(key) ?? { run: c.run, node: c.node, minute, sum: 0, n: 0 };
      b.sum += c.dv;
      b.n++;
      bins.set(key, b);
    }
    raw.length = 0;
    for (const b of bins.values()) raw.push({ run: b.run, node: b.node, minute: b.minute, dv: b.sum / b.n });
    stepMin = binMin;
  }
  let maxAbs = 0;
  for (const c of raw) maxAbs = Math.max(maxAbs, Math.abs(c.dv));
  const steps = 5;
  const stepPu = niceStep(Math.max(maxAbs, 1e-5) / (steps + 0.5));
  const thresholds: number[] = [];
  for (let j = steps - 1; j >= 0; j--) thresholds.push(-(j + 0.5) * stepPu);
  for (let j = 0; j < steps; j++) thresholds.push((j + 0.5) * stepPu);
  const colours = [...BELOW_COLOURS, NOMINAL_COLOUR, ...ABOVE_COLOURS];
  const fmt = (x: number) => String(Number(x.toPrecision(3)));
  const labels = colours.map((_, k) => (k === 0 ? `< ${fmt(thresholds[0])}` : k === thresholds.length ? `≥ ${fmt(thresholds[k - 1])}` : `${fmt(thresholds[k - 1])} – ${fmt(thresholds[k])}`));
  const binOf = (v: number) => {
    let k = 0;
    while (k < thresholds.length && v >= thresholds[k]) k++;
    return k;
  };
  // per run and node, in time order: merge runs of one colour
  const byKey = new Map<string, { run: string; node: string; minute: number; dv: number }[]>();
  for (const c of raw) {
    const key = `${c.run}\u0000${c.node}`;
    const list = byKey.get(key) ?? [];
    list.push(c);
    byKey.set(key, list);
  }
  const cells: DiffCell[] = [];
  for (const list of byKey.values()) {
    list.sort((a, b) => a.minute - b.minute);
    let cur: (DiffCell & { k: number; n: number }) | undefined;
    for (const c of list) {
      const k = binOf(c.dv);
      if (cur && cur.k === k && Math.abs(cur.t1 - c.minute) < 1e-9) {
        cur.dv = (cur.dv * cur.n + c.dv) / (cur.n + 1);
        cur.n++;
        cur.t1 = c.minute + stepMin;
        continue;
      }
      if (cur) cells.push(cellOf(cur));
      cur = { run: c.run, node: c.node, t0: c.minute, t1: c.minute + stepMin, dv: c.dv, bin: labels[k], k, n: 1 };
    }
    if (cur) cells.push(cellOf(cur));
  }
  const nodes = [...new Set(raw.map((c) => c.node))].sort(naturalOrder);
  return { cells, labels, colours, nodes, stepPu, binMinutes: stepMin };
}

/** load2 before load10: digit runs compared as numbers, the rest by code unit (no locale). */
export function naturalOrder(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let k = 0; k < Math.min(pa.length, pb.length); k++) {
    const x = pa[k];
    const y = pb[k];
    if (x === y) continue;
    const nx = /^\d/.test(x) && /^\d/.test(y) ? Number(x) - Number(y) : 0;
    if (nx !== 0) return nx;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

function cellOf(c: DiffCell & { k: number; n: number }): DiffCell {
  return { run: c.run, node: c.node, t0: c.t0, t1: c.t1, dv: Number(c.dv.toFixed(6)), bin: c.bin };
}

/** Seed 004's Figure 7: per run minus the reference, load node × time (h:mm), colour the difference. */
function differencePlot(diff: ReturnType<typeof voltageDifferences>, refName: string): { id: string; title: string; caption: string; spec: TopLevelSpec } {
  const stepPx = Math.max(6, Math.min(12, Math.floor(400 / diff.nodes.length)));
  return {
    id: 'voltage-difference',
    title: `Voltage difference against ${refName} over time and load node, pu (seed 004, Figure 7)`,
    caption: `Each panel is one run minus the reference at every load node (labelled load, bus and phase node); blue below, red above, in steps of ${Number(diff.stepPu.toPrecision(3))} pu (white: within half a step of zero). Consecutive minutes in one colour step are drawn as one cell${diff.binMinutes > 1 ? `; cells are ${diff.binMinutes}-minute means` : ''}.`,
    spec: {
      config: CONFIG,
      background: 'white',
      data: { values: diff.cells },
      facet: { row: { field: 'run', type: 'nominal', title: null, sort: null, header: { labelAngle: 0, labelAlign: 'left', labelOrient: 'top', labelFontSize: 12 } } },
      spec: {
        width: WIDTH,
        height: { step: stepPx },
        mark: { type: 'rect', aria: false },
        encoding: {
          x: timeX('t0', diff.cells.flatMap((c) => [c.t0, c.t1])),
          x2: { field: 't1' },
          y: { field: 'node', type: 'nominal', title: 'load node', sort: diff.nodes.length <= 200 ? diff.nodes : 'ascending', axis: { labelFontSize: stepPx < 8 ? 6 : 8, labelLimit: 160, labelOverlap: false } },
          color: { field: 'bin', type: 'ordinal', title: 'ΔV pu', scale: { domain: [...diff.labels].reverse(), range: [...diff.colours].reverse() }, legend: { symbolType: 'square' } },
        },
      },
    } as unknown as TopLevelSpec,
  };
}
const CONFIG = { font: 'sans-serif', view: { stroke: null } };

function bars(id: string, rows: { run: string; key: string; value: number }[], yTitle: string): TopLevelSpec {
  return {
    config: CONFIG,
    background: 'white',
    width: WIDTH,
    height: 260,
    data: { values: rows },
    mark: 'bar',
    encoding: {
      x: { field: 'key', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'run', type: 'nominal', sort: null },
      y: { field: 'value', type: 'quantitative', title: yTitle },
      color: { field: 'run', type: 'nominal', title: 'run', sort: null },
    },
    description: id,
  } as TopLevelSpec;
}

/** The comparison page and its CSV. `reference` names the run the differences are taken against. */
export async function renderComparison(runs: readonly RunForComparison[], reference: string): Promise<{ html: string; csv: string; figures: Record<string, string> }> {
  if (runs.length < 2) throw new LemsimError('compare needs at least two runs');
  const ref = runs.find((r) => r.name === reference);
  if (!ref) throw new LemsimError(`--reference '${reference}' is not one of the runs (${runs.map((r) => r.name).join(', ')})`);
  const energyKeys = ['consumption', 'production', 'self_consumption', 'local_trading', 'import', 'export'] as const;
  const energy = runs.flatMap((r) => energyKeys.map((k) => ({ run: r.name, key: k, value: r.summary.energy_balance_kwh[k] })));
  const avg = runs.map((r) => ({ run: r.name, key: 'average voltage', value: r.summary.voltage.average_pu }));
  const maeKeys = ['mae_all_pct', 'mae_positive_pct', 'mae_negative_pct'] as const;
  const mae = runs.flatMap((r) => maeKeys.map((k) => ({ run: r.name, key: k.replace('_pct', '').replace('mae_', 'MAE '), value: r.summary.voltage[k] })));
  // Figure 7: difference of each run against the reference, per minute and load node
  const diff = voltageDifferences(runs, ref);
  const plots: { id: string; title: string; caption: string; spec: TopLevelSpec }[] = [
    { id: 'energy', title: 'Energy balance per run, kWh (seed 004, Figure 6 / Table 2)', caption: 'Over the horizon, last iteration of each run.', spec: bars('energy', energy, 'kWh') },
    {
      id: 'average-voltage',
      title: 'Average voltage per run, pu (seed 004, Figure 8 / Table 3)',
      caption: 'Over every sub-step, bus and phase node; the axis does not start at zero.',
      spec: {
        config: CONFIG,
        background: 'white',
        width: WIDTH,
        height: 220,
        data: { values: avg },
        mark: { type: 'point', filled: true, size: 120 },
        encoding: {
          x: { field: 'run', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0 } },
          y: { field: 'value', type: 'quantitative', title: 'pu', scale: { zero: false } },
          color: { field: 'run', type: 'nominal', title: 'run', sort: null },
        },
      } as TopLevelSpec,
    },
    { id: 'mae', title: 'MAE of voltage deviations per run, % of nominal (seed 004, Figure 9 / Table 4)', caption: 'All, positive and negative deviations from the nominal voltage of each run.', spec: bars('mae', mae, '% of nominal') },
  ];
  if (diff.cells.length > 0) plots.push(differencePlot(diff, ref.name));
  const figures: string[] = [];
  const files: Record<string, string> = {};
  for (const p of plots) {
    const { svg, standalone } = await renderSvg(p.spec, `cmp-${p.id}`);
    files[`figures/${p.id}.svg`] = `<?xml version="1.0" encoding="UTF-8"?>\n${standalone}\n`;
    files[`figures/${p.id}.vl.json`] = `${JSON.stringify({ $schema: VEGA_LITE_SCHEMA, title: p.title, description: p.caption, ...(p.spec as object) })}\n`;
    figures.push(`<figure class="plot" id="plot-${p.id}" data-plot="${p.id}">\n<figcaption><h3>${escapeHtml(p.title)}</h3>${escapeHtml(p.caption)}</figcaption>\n${svg}\n</figure>`);
  }
  const table: ReportTable = {
    id: 'comparison',
    title: 'Table figures per run',
    columns: ['run', ...energyKeys.map((k) => `${k}_kwh`), 'average_pu', 'mae_all_pct', 'mae_positive_pct', 'mae_negative_pct', 'welfare_eur', 'violations', ...energyKeys.map((k) => `${k}_kw_periods`)],
    rows: runs.map((r) => [
      r.name,
      ...energyKeys.map((k) => r.summary.energy_balance_kwh[k]),
      r.summary.voltage.average_pu,
      r.summary.voltage.mae_all_pct,
      r.summary.voltage.mae_positive_pct,
      r.summary.voltage.mae_negative_pct,
      r.summary.final.welfare_eur,
      r.summary.final.violations,
      // seed 004's Table 2 unit (empty for runs written before lemsim reported it)
      ...energyKeys.map((k) => r.summary.energy_balance_kw_periods?.[k] ?? ''),
    ]),
  };
  const html = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(`lemsim — ${runs.map((r) => r.name).join(', ')}`)}</title>`,
    '<style>body{font-family:sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}figure.plot{margin:1.5rem 0;border-top:1px solid #ddd}figure.plot svg{display:block;max-width:100%;height:auto}figcaption{color:#444;font-size:.9rem}table{border-collapse:collapse;font-size:.9rem}th,td{border:1px solid #ccc;padding:.2rem .5rem}td.num{text-align:right}</style>',
    '</head>',
    '<body>',
    `<h1>Comparison of ${runs.length} runs</h1>`,
    `<p>Reference for differences: ${escapeHtml(ref.name)}.</p>`,
    ...figures,
    tableHtml(table),
    '</body>',
    '</html>',
    '',
  ].join('\n');
  return { html, csv: tableCsv(table), figures: files };
}
