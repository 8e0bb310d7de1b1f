/**
 * The one CSV writer (and reader) of the project (DESIGN rule 14). Fields are quoted as RFC 4180
 * requires: a field holding a comma, a double quote, CR or LF is enclosed in double quotes and its
 * quotes doubled. Text cells (names a user wrote: loads, buses, agents, decisions) are also
 * neutralised against CSV injection as OWASP recommends: a text cell starting with `=`, `+`, `-`, `@`,
 * TAB or CR gets a leading single quote (and is quoted), so a spreadsheet shows it as text instead of
 * evaluating it. Number cells are written as given (they may start with `-`); they come from `fixed`
 * or `String(number)`, so they never hold a separator. Lines end in LF.
 */

/** A cell: a number (or its fixed-decimal text, marked by the column) or text. */
export type CsvCell = string | number | null | undefined;

/** Column kind: `number` cells are written verbatim; `text` cells are neutralised and quoted as needed. */
export type CsvColumnKind = 'text' | 'number';

const FORMULA_LEAD = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One text field: formula-leading text neutralised with a leading `'`, then quoted if it must be. */
export function csvText(text: string): string {
  const t = FORMULA_LEAD.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(t) || t !== text ? `"${t.replace(/"/g, '""')}"` : t;
}

/** One number field: shortest round-trip form of a number, or the given fixed-decimal text. */
export function csvNumber(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  // a number column never holds a separator; refuse to write one that would shift the columns
  if (NEEDS_QUOTES.test(s)) throw new Error(`CSV number cell holds a separator: ${JSON.stringify(s.slice(0, 40))}`);
  return s;
}

/** A field whose kind follows its value: numbers verbatim, strings as text. */
export function csvField(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'number' ? csvNumber(value) : csvText(value);
}

/** A CSV table with a fixed header and the kind of each column. */
export class CsvTable {
  readonly header: string;
  private readonly kinds: readonly CsvColumnKind[];

  constructor(columns: readonly (readonly [name: string, kind: CsvColumnKind])[]) {
    this.header = `${columns.map(([n]) => csvText(n)).join(',')}\n`;
    this.kinds = columns.map(([, k]) => k);
  }

  /** One line (with its LF) of `cells`, one per column. */
  line(cells: readonly CsvCell[]): string {
    if (cells.length !== this.kinds.length) throw new Error(`CSV row has ${cells.length} cells for ${this.kinds.length} columns`);
    let s = '';
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i];
      if (i > 0) s += ',';
      s += this.kinds[i] === 'number' ? csvNumber(c) : c === null || c === undefined ? '' : csvText(String(c));
    }
    return `${s}\n`;
  }
}

/** A whole CSV file: header `columns`, then `rows` (kinds follow each value), LF line ends. */
export function csvFile(columns: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [columns, ...rows].map((r) => `${r.map(csvField).join(',')}\n`).join('');
}

/**
 * Reads CSV text (RFC 4180: quoted fields may hold commas, doubled quotes and line breaks) into
 * records of fields. A text cell neutralised by `csvText` keeps its leading `'` (it is data).
 */
export function* parseCsv(text: string): Generator<string[]> {
  let i = 0;
  const n = text.length;
  while (i < n) {
    const rec: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new Error('unterminated quoted CSV field');
          field += text.slice(i, q);
          i = q + 1;
          if (text[i] === '"') {
            field += '"';
            i++;
          } else break;
        }
      } else {
        let j = i;
        while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
        field = text.slice(i, j);
        i = j;
      }
      rec.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      break;
    }
    yield rec;
  }
}
