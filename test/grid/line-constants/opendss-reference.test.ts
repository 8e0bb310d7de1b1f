/**
 * Line constants against OpenDSS: `../shared/reference/costa-rica-mar/opendss_line_parameters.csv`
 * holds, for every line of the Costa Rica circuit, the R, X (Ω per line length unit) and C (nF per
 * unit) matrices OpenDSS computed (60 Hz, ρ = 100 Ω·m, Deri earth model, neutrals Kron-reduced),
 * lower triangle row by row. Every geometry line of the circuit is in metres. The conductor and
 * spacing data are typed by hand in costa-rica-geometries.ts.
 *
 * Tolerance: 1e-6 relative per matrix element (elements that are exactly 0 in OpenDSS — the
 * uncoupled cable capacitances — must be 0 here too). Achieved when written: R ≤ 7e-13, X ≤ 2e-13,
 * C ≤ 2.9e-11; the C residue is OpenDSS's own rounding of 2π to 6.283185307 inside its line constants
 * versus the exact 2π it divides by when it reports C.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { lineConstants, OPENDSS_DEFAULT_OPTIONS } from '../../../grid/line-constants/index.js';
import { sharedPath } from '../../../src/shared-data.js';
import { describeWithShared } from '../../helpers/shared.js';
import { COSTA_RICA_GEOMETRIES } from './costa-rica-geometries.js';

const CSV = 'reference/costa-rica-mar/opendss_line_parameters.csv';
const TOL = 1e-6;

interface ReferenceLine {
  line: string;
  phases: number;
  source: string;
  r: number[];
  x: number[];
  cNf: number[];
}

function readReference(): ReferenceLine[] {
  const lines = readFileSync(sharedPath(CSV), 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  expect(header).toEqual([
    'line',
    'bus1',
    'bus2',
    'phases',
    'length_in_line_units',
    'source',
    'rmatrix_ohm_per_length_unit',
    'xmatrix_ohm_per_length_unit',
    'cmatrix_nf_per_length_unit',
  ]);
  return lines.slice(1).map((row) => {
    const cells = [...row.matchAll(/"([^"]*)"|([^,]+)/g)].map((m) => m[1] ?? m[2]);
    const nums = (s: string): number[] => s.trim().split(/\s+/).map(Number);
    return { line: cells[0], phases: Number(cells[3]), source: cells[5], r: nums(cells[6]), x: nums(cells[7]), cNf: nums(cells[8]) };
  });
}

/** Largest per-element relative error of R, X and C (lower triangles) for one reference line. */
function compare(ref: ReferenceLine): { r: number; x: number; c: number } {
  const geometry = COSTA_RICA_GEOMETRIES[ref.source.replace(/^geometry=/, '')];
  expect(geometry, `geometry of ${ref.line} (${ref.source}) is transcribed`).toBeDefined();
  const res = lineConstants(geometry, OPENDSS_DEFAULT_OPTIONS);
  expect(res.order).toBe(ref.phases);
  const n = res.order;
  const err = { r: 0, x: 0, c: 0 };
  const rel = (got: number, want: number): number => (want === 0 ? (got === 0 ? 0 : Infinity) : Math.abs(got - want) / Math.abs(want));
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++, k++) {
      const idx = i * n + j;
      err.r = Math.max(err.r, rel(res.zOhmPerM.re[idx], ref.r[k]));
      err.x = Math.max(err.x, rel(res.zOhmPerM.im[idx], ref.x[k]));
      err.c = Math.max(err.c, rel(res.cFPerM[idx] * 1e9, ref.cNf[k]));
    }
  }
  expect(k).toBe(ref.r.length);
  return err;
}

describeWithShared('line constants vs OpenDSS (Costa Rica circuit)', [CSV], () => {
  // Read lazily: the describe body also runs (to list the skipped tests) when the data is absent.
  let cache: ReferenceLine[] | undefined;
  const reference = (): ReferenceLine[] => (cache ??= readReference());

  // One line per construct: the first line of the circuit built on each geometry.
  it.each([
    ['mv3pmar1', 'overhead MV 3-phase + neutral, AAC 477 / 3/0 (3FMV477AAC3/0AAC_H)'],
    ['mv1pmar4', 'single-phase MV + neutral, AAC 3/0 (1FMV3/0AAC3/0AAC_M)'],
    ['mv1pmar7', 'single-phase MV + neutral, AAC 4/0 (1FMV4/0AAC4/0AAC_M)'],
    ['lv1fmar1', 'LV split-phase 3-wire, AAC 4/0 (1FLV4/0AAC4/0AAC)'],
    ['lv1fmar17', 'LV split-phase 3-wire, Cu 4/0 given by Rdc (1FLV4/0CU4/0CU)'],
    ['lv1fmar28', 'LV split-phase 3-wire, mixed Cu 500 / Cu 4/0 (1FLV500CU4/0CU)'],
    ['mv3pmar0', 'three concentric-neutral cables Cu 500 EPR 35 kV (3FMV500CU_35EPR)'],
  ])('%s: %s', (line) => {
    const ref = reference().find((r) => r.line === line);
    expect(ref, `${line} in the reference`).toBeDefined();
    const err = compare(ref!);
    expect(err.r).toBeLessThanOrEqual(TOL);
    expect(err.x).toBeLessThanOrEqual(TOL);
    expect(err.c).toBeLessThanOrEqual(TOL);
  });

  it('every geometry-defined line of the circuit', () => {
    const geometryLines = reference().filter((r) => r.source.startsWith('geometry='));
    expect(geometryLines.length).toBeGreaterThan(200);
    const worst = { r: 0, x: 0, c: 0 };
    for (const ref of geometryLines) {
      const e = compare(ref);
      worst.r = Math.max(worst.r, e.r);
      worst.x = Math.max(worst.x, e.x);
      worst.c = Math.max(worst.c, e.c);
    }
    expect(worst.r).toBeLessThanOrEqual(TOL);
    expect(worst.x).toBeLessThanOrEqual(TOL);
    expect(worst.c).toBeLessThanOrEqual(TOL);
  });
});
