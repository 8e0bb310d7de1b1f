/**
 * The sweep's tables (issue 15): `runs.csv` (one row per run, long format: run id, every varied
 * parameter as its own column, the seed, status and error, then every figure of the run's
 * summary.json flattened under stable names) and `periods.csv` (one row per run and period of its
 * final iteration), each also as Parquet (`runs.parquet`, `periods.parquet`), written with
 * hyparquet-writer (pure JavaScript, no native build, read back by hyparquet, pandas, polars and
 * DuckDB). Rows follow the sweep file's order, not the order runs finished, so a sweep run on one
 * machine or on many gives the same bytes. Every file is written atomically.
 */
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { writeTextAtomic } from '../io/atomic.js';
import { type CsvCell, CsvTable } from '../io/csv.js';
import { type Figure, PERIOD_COLUMNS, type RunOutcome } from './execute.js';
import { type Sweep, showValue } from './spec.js';

type Column = { name: string; values: Figure[] };

/** The columns of runs.csv for `outcomes` (by run id), in sweep order. */
export function runsColumns(sweep: Sweep, outcomes: ReadonlyMap<string, RunOutcome>): Column[] {
  const runs = sweep.runs.filter((r) => outcomes.has(r.id));
  const figureNames: string[] = [];
  const seen = new Set<string>();
  for (const r of runs) {
    for (const k of Object.keys(outcomes.get(r.id)!.figures)) {
      if (!seen.has(k)) {
        seen.add(k);
        figureNames.push(k);
      }
    }
  }
  // iteration columns in numeric order, whatever the first run's iteration count
  const iterNum = (k: string) => (/^iterations\.(\d+)\./.exec(k) ? Number(/^iterations\.(\d+)\./.exec(k)![1]) : -1);
  const plain = figureNames.filter((k) => iterNum(k) < 0);
  const iter = figureNames.filter((k) => iterNum(k) >= 0).sort((a, b) => iterNum(a) - iterNum(b) || figureNames.indexOf(a) - figureNames.indexOf(b));
  const cols: Column[] = [
    { name: 'run_id', values: runs.map((r) => r.id) },
    ...sweep.varied.map((p, k) => ({ name: p, values: runs.map((r) => paramCell(r.params[k][1])) })),
    { name: 'seed', values: runs.map((r) => r.seed) },
    { name: 'status', values: runs.map((r) => outcomes.get(r.id)!.status) },
    { name: 'error', values: runs.map((r) => outcomes.get(r.id)!.error) },
    ...[...plain, ...iter].map((name) => ({ name, values: runs.map((r) => outcomes.get(r.id)!.figures[name] ?? null) })),
  ];
  return cols;
}

/** The columns of periods.csv: run id, varied parameters and seed, then the period's figures. */
export function periodColumns(sweep: Sweep, outcomes: ReadonlyMap<string, RunOutcome>): Column[] {
  const rows: { run: Sweep['runs'][number]; p: Record<string, Figure> }[] = [];
  for (const r of sweep.runs) {
    const o = outcomes.get(r.id);
    if (!o) continue;
    for (const p of o.periods) rows.push({ run: r, p: p as unknown as Record<string, Figure> });
  }
  return [
    { name: 'run_id', values: rows.map((x) => x.run.id) },
    ...sweep.varied.map((p, k) => ({ name: p, values: rows.map((x) => paramCell(x.run.params[k][1])) })),
    { name: 'seed', values: rows.map((x) => x.run.seed) },
    ...PERIOD_COLUMNS.map((c) => ({ name: c, values: rows.map((x) => x.p[c] ?? null) })),
  ];
}

function paramCell(v: unknown): Figure {
  return typeof v === 'number' ? v : showValue(v);
}

const isNumberColumn = (c: Column): boolean => c.values.every((v) => v === null || typeof v === 'number');

/** CSV text of columns (the project's one CSV writer). */
export function columnsCsv(cols: readonly Column[]): string {
  const table = new CsvTable(cols.map((c) => [c.name, isNumberColumn(c) ? 'number' : 'text'] as const));
  const n = cols[0]?.values.length ?? 0;
  let s = table.header;
  for (let i = 0; i < n; i++) s += table.line(cols.map((c) => c.values[i] as CsvCell));
  return s;
}

/** Parquet bytes of columns: number columns as DOUBLE, the others as UTF-8 strings (nulls kept). */
export function columnsParquet(cols: readonly Column[]): Uint8Array {
  const buf = parquetWriteBuffer({
    columnData: cols.map((c) => (isNumberColumn(c) ? { name: c.name, data: c.values as (number | null)[], type: 'DOUBLE' as const } : { name: c.name, data: c.values.map((v) => (v === null ? null : String(v))), type: 'STRING' as const })),
    createdBy: 'lemsim (hyparquet-writer)',
  });
  return new Uint8Array(buf);
}

/** Writes runs.csv, runs.parquet, periods.csv and periods.parquet into `dir`. */
export function writeSweepTables(dir: string, sweep: Sweep, outcomes: ReadonlyMap<string, RunOutcome>): void {
  const runs = runsColumns(sweep, outcomes);
  const periods = periodColumns(sweep, outcomes);
  writeTextAtomic(join(dir, 'runs.csv'), columnsCsv(runs));
  writeTextAtomic(join(dir, 'runs.parquet'), columnsParquet(runs));
  writeTextAtomic(join(dir, 'periods.csv'), columnsCsv(periods));
  writeTextAtomic(join(dir, 'periods.parquet'), columnsParquet(periods));
}
