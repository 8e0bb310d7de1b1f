/**
 * Reads a measured PV profile for `solar.source: file` (seed 004 uses NREL's measured PV of 1 June):
 * a CSV with a header naming a time column — `time` (HH:MM or HH:MM:SS clock time) or `hour`
 * (decimal hours) — and one value column — `pv_kw_per_kwp` (output per kWp, losses included, used
 * as is) or `ghi_w_per_m2` (irradiance, turned into output as the clear-sky model does: ×derate/1000).
 * Lines starting with `#` and blank lines are skipped. Times must rise strictly; values must be
 * finite and ≥ 0. Every error names the file and line.
 */
import { readFileSync } from 'node:fs';
import type { PvProfile } from '../../agents/solar.js';
import { LemsimError } from '../errors.js';

/** A problem in a data file: names the file and line. */
export class DataFileError extends LemsimError {
  constructor(file: string, line: number | undefined, detail: string) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${detail}`);
    this.name = 'DataFileError';
  }
}

function parseTime(text: string, file: string, line: number): number {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?$/.exec(text);
  if (!m) throw new DataFileError(file, line, `time '${text}' is not HH:MM or HH:MM:SS`);
  const h = Number(m[1]) + Number(m[2]) / 60 + (m[3] ? Number(m[3]) / 3600 : 0);
  if (Number(m[2]) >= 60 || h > 24) throw new DataFileError(file, line, `time '${text}' is not a clock time`);
  return h;
}

/** Parses PV profile text (`file` names it in errors). `derate` applies to irradiance columns only. */
export function parsePvProfile(text: string, file: string, derate: number): Extract<PvProfile, { kind: 'file' }> {
  const lines = text.split(/\r?\n/);
  let header: string[] | undefined;
  let timeCol = -1;
  let valueCol = -1;
  let perKwp = true;
  const hours: number[] = [];
  const kwPerKwp: number[] = [];
  lines.forEach((raw, i) => {
    const line = i + 1;
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    const cells = t.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      timeCol = header.findIndex((c) => c === 'time' || c === 'hour');
      if (timeCol < 0) throw new DataFileError(file, line, `header has no 'time' or 'hour' column (got: ${cells.join(', ')})`);
      valueCol = header.indexOf('pv_kw_per_kwp');
      if (valueCol < 0) {
        valueCol = header.indexOf('ghi_w_per_m2');
        perKwp = false;
      }
      if (valueCol < 0) throw new DataFileError(file, line, `header has no 'pv_kw_per_kwp' or 'ghi_w_per_m2' column (got: ${cells.join(', ')})`);
      return;
    }
    if (cells.length !== header.length) throw new DataFileError(file, line, `expected ${header.length} fields, got ${cells.length}`);
    const h = header[timeCol] === 'hour' ? Number(cells[timeCol]) : parseTime(cells[timeCol], file, line);
    if (!Number.isFinite(h) || h < 0 || h > 24) throw new DataFileError(file, line, `hour '${cells[timeCol]}' is not within 0–24`);
    if (hours.length > 0 && !(h > hours[hours.length - 1])) throw new DataFileError(file, line, `time ${cells[timeCol]} does not follow the previous one`);
    const v = Number(cells[valueCol]);
    if (cells[valueCol] === '' || !Number.isFinite(v) || v < 0) throw new DataFileError(file, line, `${header[valueCol]} '${cells[valueCol]}' is not a number ≥ 0`);
    hours.push(h);
    kwPerKwp.push(perKwp ? v : (v * derate) / 1000);
  });
  if (!header) throw new DataFileError(file, undefined, 'empty file (expected a header and samples)');
  if (hours.length < 2) throw new DataFileError(file, undefined, 'needs at least two samples');
  return { kind: 'file', hours, kwPerKwp };
}

/** Reads and parses a PV profile file. */
export function readPvProfile(file: string, derate: number): Extract<PvProfile, { kind: 'file' }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataFileError(file, undefined, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parsePvProfile(text, file, derate);
}
