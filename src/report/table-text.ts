/**
 * Text forms of a report table: CSV for scripts (src/io/csv.ts: RFC 4180 quoting, formula-leading
 * text neutralised, full-precision numbers so a
 * re-read gives the same doubles) and HTML for people (escaped, numbers rounded to six significant
 * digits because 0.30000000000000004 helps nobody reading a table). Also the HTML escaping used for
 * every piece of text the page shows, and the rule for table ids that become file names.
 */
import { LemsimError } from '../errors.js';
import { csvFile } from '../io/csv.js';
import type { ReportTable } from './report-data.js';

/** A table id that cannot be a CSV file name beside report.html, or rows that do not fit the columns. */
export class ReportTableError extends LemsimError {
  constructor(
    readonly tableId: string,
    detail: string,
  ) {
    super(`report table ${JSON.stringify(tableId)}: ${detail}`);
    this.name = 'ReportTableError';
  }
}

/**
 * Ids a table must not take: `<id>.csv` would overwrite a file that `lemsim run` writes into the same
 * directory (see src/io/run-results.ts), or the report itself.
 */
export const RESERVED_TABLE_IDS: readonly string[] = ['market', 'violations', 'violation_episodes', 'voltages', 'summary', 'events', 'timing', 'report'];

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The whole CSV file of a table: header line of `columns`, then one line per row, LF line ends. */
export function tableCsv(table: ReportTable): string {
  return csvFile(table.columns, table.rows);
}

/** A number as shown in an HTML table cell: integers as they are, others to six significant digits. */
export function displayNumber(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

/** Checks that a table's id is a safe, unreserved file name and that every row has one cell per column. */
export function checkTable(table: ReportTable): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(table.id)) {
    throw new ReportTableError(table.id, 'id must be letters, digits, ".", "_" or "-" (it names the CSV file)');
  }
  if (RESERVED_TABLE_IDS.includes(table.id.toLowerCase())) {
    throw new ReportTableError(table.id, `id is reserved: ${table.id}.csv is another file of the run`);
  }
  table.rows.forEach((row, i) => {
    if (row.length !== table.columns.length) {
      throw new ReportTableError(table.id, `row ${i + 1} has ${row.length} cells for ${table.columns.length} columns`);
    }
  });
}

/** The table as an HTML `<table>` with its title as caption; numeric cells right-aligned. */
export function tableHtml(table: ReportTable): string {
  const head = table.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('');
  const body = table.rows
    .map((row) => `<tr>${row.map((v) => (typeof v === 'number' ? `<td class="num">${escapeHtml(displayNumber(v))}</td>` : `<td>${escapeHtml(v)}</td>`)).join('')}</tr>`)
    .join('\n');
  return `<table id="table-${escapeHtml(table.id)}">\n<caption>${escapeHtml(table.title)} <a href="${escapeHtml(table.id)}.csv">(${escapeHtml(table.id)}.csv)</a></caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}
