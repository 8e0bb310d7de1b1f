/**
 * Comparing finished runs (seed 004's cross-scenario figures): energy balance per scenario
 * (Figure 6), average voltage (Figure 8), MAE of voltage deviations (Figure 9) and the voltage
 * difference of each run against a reference run over time and load node (Figure 7). Input is the
 * runs' own result files (summary.json, voltages.csv, last iteration); output one self-contained
 * page of static SVG and `comparison.csv`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { parseCsv } from '../io/csv.js';
import { LemsimError, excerpt } from '../errors.js';
import type { RunSummaryJson } from '../io/run-results.js';
import { renderSvg } from './render-svg.js';
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
export async function renderComparison(runs: readonly RunForComparison[], reference: string): Promise<{ html: string; csv: string }> {
  if (runs.length < 2) throw new LemsimError('compare needs at least two runs');
  const ref = runs.find((r) => r.name === reference);
  if (!ref) throw new LemsimError(`--reference '${reference}' is not one of the runs (${runs.map((r) => r.name).join(', ')})`);
  const energyKeys = ['consumption', 'production', 'self_consumption', 'local_trading', 'import', 'export'] as const;
  const energy = runs.flatMap((r) => energyKeys.map((k) => ({ run: r.name, key: k, value: r.summary.energy_balance_kwh[k] })));
  const avg = runs.map((r) => ({ run: r.name, key: 'average voltage', value: r.summary.voltage.average_pu }));
  const maeKeys = ['mae_all_pct', 'mae_positive_pct', 'mae_negative_pct'] as const;
  const mae = runs.flatMap((r) => maeKeys.map((k) => ({ run: r.name, key: k.replace('_pct', '').replace('mae_', 'MAE '), value: r.summary.voltage[k] })));
  // Figure 7: difference of each run against the reference, per minute and load node
  const diff: { run: string; minute: number; node: string; dv: number }[] = [];
  for (const r of runs) {
    if (r === ref) continue;
    for (const [key, v] of r.voltages) {
      const w = ref.voltages.get(key);
      if (w === undefined) continue;
      const [minute, node] = key.split('|');
      diff.push({ run: `${r.name} − ${ref.name}`, minute: Number(minute), node, dv: Number((v - w).toFixed(6)) });
    }
  }
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
  if (diff.length > 0) {
    plots.push({
      id: 'voltage-difference',
      title: `Voltage difference against ${ref.name} over time and load node, pu (seed 004, Figure 7)`,
      caption: 'Each panel is one run minus the reference; blue below, red above.',
      spec: {
        config: CONFIG,
        background: 'white',
        data: { values: diff },
        facet: { row: { field: 'run', type: 'nominal', title: null, sort: null } },
        spec: {
          width: WIDTH,
          height: 180,
          mark: 'rect',
          encoding: {
            x: { field: 'minute', type: 'ordinal', title: 'minute', axis: { labelOverlap: true } },
            y: { field: 'node', type: 'nominal', title: 'load node', axis: null },
            color: { field: 'dv', type: 'quantitative', title: 'ΔV pu', scale: { scheme: 'redblue', reverse: true, domainMid: 0 } },
          },
        },
      } as unknown as TopLevelSpec,
    });
  }
  const figures: string[] = [];
  for (const p of plots) {
    const { svg } = await renderSvg(p.spec, `cmp-${p.id}`);
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
  return { html, csv: tableCsv(table) };
}
