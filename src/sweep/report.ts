/**
 * The sweep report (issue 15): one self-contained HTML page whose size is bounded by the number of
 * parameter groups, not of runs or periods: every figure is averaged over the seeds of a group (with
 * its minimum and maximum), plotted against the last numeric varied field, one line per combination
 * of the other varied fields. It answers "which setting, at which value, for whom": total welfare,
 * the welfare of sellers (prosumers offering PV) and of buyers, grid import and export, and the
 * voltage. The same page serves `lemsim compare SWEEP_DIR`. At most MAX_GROUPS groups are drawn.
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../report/render-svg.js';
import type { ReportTable } from '../report/report-data.js';
import { escapeHtml, tableCsv, tableHtml } from '../report/table-text.js';
import type { RunOutcome } from './execute.js';
import { showValue } from './spec.js';

/** One run as the report sees it: its varied values (in `varied` order), seed and outcome. */
export interface ReportRun {
  readonly id: string;
  readonly params: readonly unknown[];
  readonly seed: number;
  readonly outcome: RunOutcome | undefined;
}

export const MAX_GROUPS = 400;

/** The figures the report draws: summary field → title. */
export const REPORT_FIGURES: readonly (readonly [string, string])[] = [
  ['final.welfare_eur', 'Total welfare, EUR'],
  ['welfare.sellers_eur', 'Welfare of sellers (prosumers offering PV), EUR'],
  ['welfare.buyers_eur', 'Welfare of buyers (prosumers without an offer), EUR'],
  ['agents.sellers.saving_eur_per_agent', 'Saving of a seller against trading with the grid only, EUR per agent'],
  ['agents.buyers.saving_eur_per_agent', 'Saving of a buyer against trading with the grid only, EUR per agent'],
  ['energy_balance_kwh.local_trading', 'Energy traded locally, kWh'],
  ['energy_balance_kwh.import', 'Grid import, kWh'],
  ['energy_balance_kwh.export', 'Grid export, kWh'],
  ['voltage.average_pu', 'Average voltage, pu'],
  ['voltage.mae_all_pct', 'MAE of voltage deviations, % of nominal'],
  ['final.violations', 'Violations (final iteration)'],
];

interface Group {
  key: string;
  values: readonly unknown[];
  runs: ReportRun[];
}

/** Groups runs by their varied values (seeds pooled). */
export function groupRuns(runs: readonly ReportRun[]): Group[] {
  const groups = new Map<string, Group>();
  for (const r of runs) {
    const key = JSON.stringify(r.params);
    const g = groups.get(key) ?? { key, values: r.params, runs: [] };
    g.runs.push(r);
    groups.set(key, g);
  }
  return [...groups.values()];
}

const stats = (xs: number[]) => (xs.length === 0 ? null : { mean: xs.reduce((a, b) => a + b, 0) / xs.length, min: Math.min(...xs), max: Math.max(...xs) });

/** The group table: varied values, runs, ok runs, then mean/min/max of each report figure. */
export function groupTable(varied: readonly string[], runs: readonly ReportRun[]): ReportTable {
  const groups = groupRuns(runs);
  return {
    id: 'sweep-groups',
    title: 'Figures per parameter group (mean, min and max over seeds; ok runs only)',
    columns: [...varied, 'runs', 'ok', ...REPORT_FIGURES.flatMap(([f]) => [`${f}_mean`, `${f}_min`, `${f}_max`])],
    rows: groups.map((g) => {
      const ok = g.runs.filter((r) => r.outcome?.status === 'ok');
      return [
        ...g.values.map((v): string | number => (typeof v === 'number' ? v : showValue(v))),
        g.runs.length,
        ok.length,
        ...REPORT_FIGURES.flatMap(([f]): (string | number)[] => {
          const s = stats(ok.map((r) => r.outcome!.figures[f]).filter((v): v is number => typeof v === 'number'));
          return s ? [s.mean, s.min, s.max] : ['', '', ''];
        }),
      ];
    }),
  };
}

/** The sweep report page and its group table as CSV. */
export async function renderSweepReport(name: string, varied: readonly string[], runs: readonly ReportRun[]): Promise<{ html: string; csv: string }> {
  const table = groupTable(varied, runs);
  const shown = groupRuns(runs).slice(0, MAX_GROUPS);
  // x: the last varied field whose values are all numbers; the others name the line
  let xi = -1;
  for (let k = varied.length - 1; k >= 0; k--) if (shown.every((g) => typeof g.values[k] === 'number')) {
    xi = k;
    break;
  }
  const seriesOf = (g: Group) => varied.map((p, k) => (k === xi ? null : `${p.split('.').slice(-2).join('.')}=${showValue(g.values[k])}`)).filter((s) => s !== null).join(', ') || 'all';
  const figures: string[] = [];
  for (const [f, title] of REPORT_FIGURES) {
    const data = shown.flatMap((g) => {
      const s = stats(g.runs.filter((r) => r.outcome?.status === 'ok').map((r) => r.outcome!.figures[f]).filter((v): v is number => typeof v === 'number'));
      return s ? [{ x: xi >= 0 ? (g.values[xi] as number) : seriesOf(g), series: seriesOf(g), mean: s.mean, min: s.min, max: s.max }] : [];
    });
    if (data.length === 0) continue;
    const xEnc = xi >= 0 ? { field: 'x', type: 'quantitative', title: varied[xi], scale: { zero: false } } : { field: 'x', type: 'nominal', title: null, sort: null };
    const spec = {
      config: { font: 'sans-serif', view: { stroke: null } },
      background: 'white',
      width: 560,
      height: 220,
      data: { values: data },
      layer: [
        { mark: { type: 'rule' }, encoding: { x: xEnc, y: { field: 'min', type: 'quantitative', title, scale: { zero: false } }, y2: { field: 'max' }, color: { field: 'series', type: 'nominal', title: null, sort: null } } },
        { mark: { type: xi >= 0 ? 'line' : 'point', point: true }, encoding: { x: xEnc, y: { field: 'mean', type: 'quantitative' }, color: { field: 'series', type: 'nominal', title: null, sort: null } } },
      ],
    } as unknown as TopLevelSpec;
    const { svg } = await renderSvg(spec, `sweep-${f.replace(/[^a-z0-9]+/gi, '-')}`);
    figures.push(`<figure class="plot" data-figure="${escapeHtml(f)}">\n<figcaption><h3>${escapeHtml(title)}</h3>mean over seeds (line), min–max (bar); field <code>${escapeHtml(f)}</code> of runs.csv</figcaption>\n${svg}\n</figure>`);
  }
  const counts = { ok: 0, failed: 0, 'not converged': 0, missing: 0 };
  for (const r of runs) counts[r.outcome?.status ?? 'missing']++;
  const failed = runs.filter((r) => r.outcome && r.outcome.status !== 'ok').slice(0, 50);
  const html = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(`lemsim sweep — ${name}`)}</title>`,
    '<style>body{font-family:sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}figure.plot{margin:1.5rem 0;border-top:1px solid #ddd}figure.plot svg{display:block;max-width:100%;height:auto}figcaption{color:#444;font-size:.9rem}table{border-collapse:collapse;font-size:.8rem}th,td{border:1px solid #ccc;padding:.2rem .4rem}td.num{text-align:right}</style>',
    '</head>',
    '<body>',
    `<h1>Sweep ${escapeHtml(name)}</h1>`,
    `<p>${runs.length} runs over ${escapeHtml(varied.join(', ') || 'seeds only')}: ${counts.ok} ok, ${counts.failed} failed, ${counts['not converged']} not converged${counts.missing ? `, ${counts.missing} not finished` : ''}. Every run's figures are in runs.csv / runs.parquet, every period in periods.csv / periods.parquet.${groupRuns(runs).length > MAX_GROUPS ? ` Only the first ${MAX_GROUPS} parameter groups are drawn.` : ''}</p>`,
    ...figures,
    failed.length > 0 ? `<h2>Runs that did not finish ok</h2><ul>${failed.map((r) => `<li><code>${escapeHtml(r.id)}</code> (${escapeHtml(r.outcome!.status)}): ${escapeHtml(r.outcome!.error)}</li>`).join('')}</ul>` : '',
    tableHtml({ ...table, rows: table.rows.slice(0, MAX_GROUPS) }),
    '</body>',
    '</html>',
    '',
  ].join('\n');
  return { html, csv: tableCsv(table) };
}
