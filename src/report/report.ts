/**
 * report.html of a run: one self-contained page — inline CSS, plots as pre-rendered inline SVG, no
 * script and no external reference — so it opens anywhere, offline, and archives as one file. A
 * Content-Security-Policy forbids the page to load anything, which turns any accidental external
 * reference into a visible browser error (the browser test watches for those). Each table is also
 * written as `<id>.csv` beside the page, and each plot as `figures/<id>.svg` and `figures/<id>.vl.json`
 * (standalone, for papers: issue 14). Output is deterministic: the same data gives the same bytes
 * (no timestamps, no random ids; plots rendered one after another because Vega's id counters are
 * process-global).
 */
import { writeFileSet } from '../io/atomic.js';
import { reportPlots, type ReportPlot } from './plots.js';
import { renderSvg } from './render-svg.js';
import type { ReportData, ReportTable } from './report-data.js';
import { checkTable, escapeHtml, ReportTableError, tableCsv, tableHtml } from './table-text.js';

/** A plot with its rendered SVG (null when the plot has no data) and what the renderer warned. */
export interface RenderedPlot {
  readonly plot: ReportPlot;
  /** inline form for the page */
  readonly svg: string | null;
  /** standalone SVG file form, for `figures/` */
  readonly standalone: string | null;
  readonly warnings: readonly string[];
}

/** The Vega-Lite schema the figure specs declare (and are validated against in the tests). */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** A plot's spec as the standalone Vega-Lite file `figures/<id>.vl.json`: the same spec, with its schema named. */
export function figureSpec(plot: ReportPlot): Record<string, unknown> | null {
  return plot.spec ? { $schema: VEGA_LITE_SCHEMA, title: plot.title, description: plot.caption, ...(plot.spec as object) } : null;
}

/** Renders every plot of the report, in page order. */
export async function renderReportPlots(data: ReportData): Promise<RenderedPlot[]> {
  const rendered: RenderedPlot[] = [];
  // sequential on purpose: see the module paragraph (id counters) — and the plots are small
  for (const plot of reportPlots(data)) {
    if (!plot.spec) {
      rendered.push({ plot, svg: null, standalone: null, warnings: [] });
      continue;
    }
    const { svg, standalone, warnings } = await renderSvg(plot.spec, `plot-${plot.id}`);
    rendered.push({ plot, svg, standalone, warnings });
  }
  return rendered;
}

/** Checks every table and that no two share a CSV file name (compared case-blind, as some file systems do). */
function checkTables(tables: readonly ReportTable[]): void {
  const seen = new Set<string>();
  for (const t of tables) {
    checkTable(t);
    const key = t.id.toLowerCase();
    if (seen.has(key)) throw new ReportTableError(t.id, 'two tables would write the same CSV file');
    seen.add(key);
  }
}

const STYLE = `
body { font-family: sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.2rem; }
.subtitle { color: #555; margin-top: 0; }
nav ul { columns: 2; padding-left: 1.2rem; }
figure.plot { margin: 1.5rem 0; padding: 0.5rem 0; border-top: 1px solid #ddd; }
figure.plot h3 { margin: 0 0 0.2rem 0; font-size: 1.05rem; }
figcaption { color: #444; font-size: 0.9rem; margin-bottom: 0.5rem; }
figure.plot svg { display: block; max-width: 100%; height: auto; }
.empty { color: #777; font-style: italic; }
table { border-collapse: collapse; margin: 1rem 0 2rem 0; font-size: 0.9rem; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
`;

function figureHtml(r: RenderedPlot): string {
  const id = escapeHtml(r.plot.id);
  const head = `<figcaption><h3>${escapeHtml(r.plot.title)}</h3>${escapeHtml(r.plot.caption)}</figcaption>`;
  if (r.svg === null) {
    return `<figure class="plot" id="plot-${id}" data-plot="${id}" data-empty="true">\n${head}\n<p class="empty">Nothing to draw: ${escapeHtml(r.plot.emptyReason ?? 'no data')}.</p>\n</figure>`;
  }
  return `<figure class="plot" id="plot-${id}" data-plot="${id}">\n${head}\n${r.svg}\n</figure>`;
}

/**
 * The whole report page as one HTML string: title, contents, every plot as inline SVG (or a note
 * saying why a plot has nothing to draw) and every table. Needs no network and no JavaScript to open.
 * @throws ReportTableError for a table id that cannot name a CSV file, a duplicate id, or a ragged row
 */
export async function renderReportHtml(data: ReportData): Promise<string> {
  return pageHtml(data, await renderReportPlots(data));
}

function pageHtml(data: ReportData, plots: readonly RenderedPlot[]): string {
  checkTables(data.tables);
  const contents = [
    ...plots.map((r) => `<li><a href="#plot-${escapeHtml(r.plot.id)}">${escapeHtml(r.plot.title)}</a></li>`),
    ...data.tables.map((t) => `<li><a href="#table-${escapeHtml(t.id)}">${escapeHtml(t.title)}</a></li>`),
  ].join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(data.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${escapeHtml(data.title)}</h1>`,
    `<p class="subtitle">${escapeHtml(data.subtitle)}</p>`,
    '</header>',
    `<nav><h2>Contents</h2>\n<ul>\n${contents}\n</ul></nav>`,
    '<main>',
    '<section id="plots">',
    '<h2>Plots</h2>',
    ...plots.map(figureHtml),
    '</section>',
    '<section id="tables">',
    '<h2>Tables</h2>',
    data.tables.length === 0 ? '<p class="empty">This run has no tables.</p>' : data.tables.map(tableHtml).join('\n'),
    '</section>',
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * Writes `dir/report.html`, one `dir/<table id>.csv` per table and `dir/figures/`, all or none (atomic set: a crash
 * never leaves a half-written report that looks complete). Creates `dir` if needed.
 * @throws ReportTableError before anything is written when a table cannot be written as CSV
 */
export async function writeReport(dir: string, data: ReportData): Promise<void> {
  writeFileSet(dir, await reportFiles(data));
}

/**
 * The report's files as producers for one `writeFileSet`: report.html, the tables' CSVs and, for
 * papers, every drawn plot as `figures/<id>.svg` (standalone, vector) and `figures/<id>.vl.json`
 * (its Vega-Lite spec with the thinned data, to restyle or re-render elsewhere).
 */
export async function reportFiles(data: ReportData): Promise<Record<string, (file: { write(text: string): void }) => void>> {
  checkTables(data.tables);
  const plots = await renderReportPlots(data);
  const html = pageHtml(data, plots);
  const files: Record<string, (file: { write(text: string): void }) => void> = { 'report.html': (f) => f.write(html) };
  for (const t of data.tables) files[`${t.id}.csv`] = (f) => f.write(tableCsv(t));
  for (const r of plots) {
    const spec = figureSpec(r.plot);
    if (r.standalone === null || spec === null) continue;
    const svg = r.standalone.startsWith('<?xml') ? r.standalone : `<?xml version="1.0" encoding="UTF-8"?>\n${r.standalone}\n`;
    files[`figures/${r.plot.id}.svg`] = (f) => f.write(svg);
    files[`figures/${r.plot.id}.vl.json`] = (f) => f.write(`${JSON.stringify(spec)}\n`);
  }
  return files;
}
