/**
 * Parsers for OpenDSS property values: numbers, arrays (`[1 2 3]`, `(1,2,3)`, `"1 2 3"`), lower-
 * triangular or full matrices with `|` row separators, booleans, length units, and
 * `(file=… col=… header=…)` references to data files. Each failure is a DssError naming the
 * statement's file:line and the property.
 */
import { DssError, type DssLocation } from '../errors.js';
import { type DssFileSystem, resolveScriptPath } from './parser.js';

/**
 * Parses one number. OpenDSS accepts plain decimal and exponent forms, and in-line arithmetic in
 * reverse Polish notation inside a group (`(580 1.25 *)`, `XHL=(8 1000 /)`; the lexer has stripped
 * the delimiters, so several items here mean an RPN expression, as OpenDSS's parser reads them).
 */
export function parseNumber(text: string, loc: DssLocation, prop: string): number {
  const t = text.trim();
  const n = Number(t);
  if (t !== '' && Number.isFinite(n)) return n;
  if (/\s/.test(t)) {
    const v = evaluateRpn(t);
    if (typeof v === 'number') return v;
    throw new DssError(loc, `${prop}: ${v} in the in-line expression '${text}'`);
  }
  throw new DssError(loc, `${prop}: expected a number, got '${text}'`);
}

const RPN_BINARY: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '^': (a, b) => a ** b,
  atan2: (a, b) => Math.atan2(a, b),
};
const RPN_UNARY: Record<string, (x: number) => number> = {
  sqrt: Math.sqrt,
  sqr: (x) => x * x,
  inv: (x) => 1 / x,
  chs: (x) => -x,
  ln: Math.log,
  exp: Math.exp,
  log10: Math.log10,
  sin: (x) => Math.sin((x * Math.PI) / 180),
  cos: (x) => Math.cos((x * Math.PI) / 180),
  tan: (x) => Math.tan((x * Math.PI) / 180),
  asin: (x) => (Math.asin(x) * 180) / Math.PI,
  acos: (x) => (Math.acos(x) * 180) / Math.PI,
  atan: (x) => (Math.atan(x) * 180) / Math.PI,
  dtr: (x) => (x * Math.PI) / 180,
  rtd: (x) => (x * 180) / Math.PI,
};

/**
 * Evaluates an OpenDSS RPN expression (RPN.pas: numbers push; + − * / ^ pop two, the operator
 * applied as `second op top`; sqrt, sqr, inv, chs, ln, exp, log10, trigonometry in degrees, dtr, rtd
 * act on the top; pi pushes π; swap exchanges the top two). Returns the number on top of the stack,
 * or a message saying what is wrong.
 */
export function evaluateRpn(text: string): number | string {
  const stack: number[] = [];
  for (const item of text.split(/[\s,]+/).filter((x) => x !== '')) {
    const op = item.toLowerCase();
    const num = Number(item);
    if (item !== '' && Number.isFinite(num)) stack.push(num);
    else if (op === 'pi') stack.push(Math.PI);
    else if (op in RPN_BINARY) {
      if (stack.length < 2) return `operator '${item}' needs two operands`;
      const b = stack.pop()!;
      const a = stack.pop()!;
      stack.push(RPN_BINARY[op](a, b));
    } else if (op in RPN_UNARY) {
      if (stack.length < 1) return `function '${item}' needs an operand`;
      stack.push(RPN_UNARY[op](stack.pop()!));
    } else if (op === 'swap') {
      if (stack.length < 2) return `'swap' needs two operands`;
      const b = stack.pop()!;
      const a = stack.pop()!;
      stack.push(b, a);
    } else return `unknown item '${item}'`;
  }
  if (stack.length === 0) return 'no value';
  const v = stack[stack.length - 1];
  return Number.isFinite(v) ? v : `a non-finite result (${v})`;
}

/** Parses an integer ≥ `min`. */
export function parseInteger(text: string, loc: DssLocation, prop: string, min = 0): number {
  const n = parseNumber(text, loc, prop);
  if (!Number.isInteger(n) || n < min) throw new DssError(loc, `${prop}: expected a whole number ≥ ${min}, got '${text}'`);
  return n;
}

const TRUE = new Set(['y', 'yes', 't', 'true']);
const FALSE = new Set(['n', 'no', 'f', 'false']);

/** Parses an OpenDSS boolean (y/yes/t/true, n/no/f/false; by first letter as OpenDSS does). */
export function parseBoolean(text: string, loc: DssLocation, prop: string): boolean {
  const t = text.trim().toLowerCase();
  if (TRUE.has(t) || (t.length > 0 && (t[0] === 'y' || t[0] === 't'))) return true;
  if (FALSE.has(t) || (t.length > 0 && (t[0] === 'n' || t[0] === 'f'))) return false;
  throw new DssError(loc, `${prop}: expected yes/no, got '${text}'`);
}

/** Splits an array body into its items (blanks and commas separate; quotes group). */
export function splitItems(text: string): string[] {
  const items: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|([^\s,]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) items.push(m[1] ?? m[2] ?? m[3]);
  return items;
}

/** Parses an array of strings (`buses=[a b c]`, `conns=[wye delta]`). */
export function parseStringArray(text: string): string[] {
  return splitItems(text.replace(/\|/g, ' '));
}

/** Where file references in a value resolve from, and how to read them. */
export interface FileContext {
  readonly dir: string;
  readonly fs: DssFileSystem;
}

/**
 * Parses a numeric array, or reads it from a file when the value is `file=…` (optionally with
 * `col=` (1-based) and `header=yes`), or from binary `sngfile=`/`dblfile=` data.
 */
export function parseNumberArray(text: string, loc: DssLocation, prop: string, files?: FileContext): number[] {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (/^(file|sngfile|dblfile)\s*=/.test(lower)) return readNumberFile(t, loc, prop, files);
  const items = splitItems(t.replace(/\|/g, ' '));
  return items.map((s) => parseNumber(s, loc, prop));
}

function readNumberFile(spec: string, loc: DssLocation, prop: string, files: FileContext | undefined): number[] {
  const opts = new Map<string, string>();
  for (const m of spec.matchAll(/([A-Za-z]+)\s*=\s*("[^"]*"|'[^']*'|[^\s,]+)/g)) {
    opts.set(m[1].toLowerCase(), m[2].replace(/^["']|["']$/g, ''));
  }
  if (!files) throw new DssError(loc, `${prop}: file references are not allowed here`);
  if (opts.has('sngfile') || opts.has('dblfile')) return readBinaryFile(opts, loc, prop, files);
  const name = opts.get('file')!;
  const path = resolveScriptPath(files.fs, files.dir, name, ['']);
  if (!path) throw new DssError(loc, `${prop}: cannot find data file '${name}' (looked in ${files.dir})`);
  const col = opts.has('column') || opts.has('col') ? parseInteger(opts.get('column') ?? opts.get('col')!, loc, `${prop} col`, 1) : 1;
  const header = opts.has('header') ? parseBoolean(opts.get('header')!, loc, `${prop} header`) : false;
  const lines = files.fs.readText(path).split('\n');
  const values: number[] = [];
  for (let k = header ? 1 : 0; k < lines.length; k++) {
    const line = lines[k].trim();
    if (line === '') continue;
    const cells = line.split(/[\s,]+/);
    const cell = cells[col - 1];
    const v = cell === undefined ? NaN : Number(cell);
    if (!Number.isFinite(v)) {
      // the line itself is not quoted: the data file may be anything (a key file, /proc/self/environ)
      throw new DssError({ file: path, line: k + 1 }, `expected a number in column ${col} (for ${prop} at ${loc.file}:${loc.line}), ${cell === undefined ? `but the line has ${cells.length} column${cells.length === 1 ? '' : 's'}` : 'got text'}`);
    }
    values.push(v);
  }
  return values;
}

/** `sngfile=` / `dblfile=`: little-endian IEEE floats of 4 or 8 bytes, as OpenDSS writes them. */
function readBinaryFile(opts: Map<string, string>, loc: DssLocation, prop: string, files: FileContext): number[] {
  const single = opts.has('sngfile');
  const name = (single ? opts.get('sngfile') : opts.get('dblfile'))!;
  const path = resolveScriptPath(files.fs, files.dir, name, ['']);
  if (!path) throw new DssError(loc, `${prop}: cannot find data file '${name}' (looked in ${files.dir})`);
  if (!files.fs.readBytes) throw new DssError(loc, `${prop}: binary data files cannot be read here`);
  const bytes = files.fs.readBytes(path);
  const size = single ? 4 : 8;
  if (bytes.length % size !== 0) throw new DssError(loc, `${prop}: ${name} has ${bytes.length} bytes, not a whole number of ${size}-byte values`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let k = 0; k < bytes.length; k += size) {
    const v = single ? view.getFloat32(k, true) : view.getFloat64(k, true);
    if (!Number.isFinite(v)) throw new DssError(loc, `${prop}: value ${k / size + 1} of ${name} is not a finite number`);
    out.push(v);
  }
  return out;
}

/**
 * Parses a matrix given as rows separated by `|`: full (n×n) or lower triangle (row k has k items),
 * returned full, row-major, symmetric when given as a triangle.
 */
export function parseMatrix(text: string, loc: DssLocation, prop: string): { n: number; values: Float64Array } {
  const rows = text.split('|').map((r) => splitItems(r).map((s) => parseNumber(s, loc, prop)));
  while (rows.length > 0 && rows[rows.length - 1].length === 0) rows.pop();
  const n = rows.length;
  const values = new Float64Array(n * n);
  const lower = rows.every((r, k) => r.length === k + 1);
  const full = rows.every((r) => r.length === n);
  if (!lower && !full) {
    // a single row of n² numbers is also accepted
    if (n === 1 && Number.isInteger(Math.sqrt(rows[0].length))) {
      const m = Math.sqrt(rows[0].length);
      return { n: m, values: Float64Array.from(rows[0]) };
    }
    throw new DssError(loc, `${prop}: expected a full or lower-triangular matrix with rows separated by '|'`);
  }
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < rows[r].length; c++) {
      values[r * n + c] = rows[r][c];
      if (lower) values[c * n + r] = rows[r][c];
    }
  }
  return { n, values };
}

/** Length units and their size in metres (OpenDSS LineUnits). `none` means 1 (no conversion). */
export const LENGTH_UNITS_M: Readonly<Record<string, number>> = {
  none: 1,
  mi: 1609.344,
  kft: 304.8,
  km: 1000,
  m: 1,
  meter: 1,
  ft: 0.3048,
  in: 0.0254,
  cm: 0.01,
  mm: 0.001,
};

/**
 * Parses a length-unit name as OpenDSS's GetUnitsCode does, by its first two letters (`mile`,
 * `meter`, `feet` are accepted); returns the canonical key.
 */
export function parseLengthUnit(text: string, loc: DssLocation, prop: string): string {
  const t = text.trim().toLowerCase().slice(0, 2);
  const code: Record<string, string> = { no: 'none', mi: 'mi', kf: 'kft', km: 'km', m: 'm', me: 'm', ft: 'ft', fe: 'ft', in: 'in', cm: 'cm', mm: 'mm' };
  const unit = code[t];
  if (unit) return unit;
  throw new DssError(loc, `${prop}: unknown length unit '${text}' (expected one of mi kft km m ft in cm mm none)`);
}

/**
 * Factor converting a quantity per `fromUnit` of length to per `toUnit` (e.g. Ω/km → Ω/m = 1e-3).
 * `none` on either side means no conversion, as in OpenDSS.
 */
export function perLengthFactor(fromUnit: string, toUnit: string): number {
  if (fromUnit === 'none' || toUnit === 'none') return 1;
  return LENGTH_UNITS_M[toUnit] / LENGTH_UNITS_M[fromUnit];
}
