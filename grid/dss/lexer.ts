/**
 * Tokeniser for one logical line of the OpenDSS script language, following the rules of OpenDSS's
 * own parser (ParserDel): tokens are separated by white space or commas; `name=value` pairs may have
 * blanks around `=`; a value may be grouped by "…", '…', (…), […] or {…}; `!` and `//` outside a
 * group start a comment. The group's delimiters are stripped: `mult=(file=a.txt)` yields the value
 * `file=a.txt`, and `kvs=[11 .416]` yields `11 .416`, which the value parsers split further.
 */
import { DssError, type DssLocation, excerpt } from '../errors.js';

/** One token: `name` is undefined for a positional value. */
export interface DssToken {
  readonly name: string | undefined;
  readonly value: string;
  /** The opening delimiter when the value was grouped (`"`, `'`, `(`, `[`, `{`), else ''. */
  readonly group: string;
}

/** White space by character code (space, \t \n \v \f \r): the hot loops scan codes, not one-letter strings. */
function isBlankCode(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Closing code of a group opened by code `c`, or 0. */
function closerCode(c: number): number {
  switch (c) {
    case 34: // "
      return 34;
    case 39: // '
      return 39;
    case 40: // (
      return 41;
    case 91: // [
      return 93;
    case 123: // {
      return 125;
    default:
      return 0;
  }
}

/** Strips a trailing comment (`!` or `//` outside any group) from a physical line. */
export function stripComment(line: string): string {
  // most lines of a feeder have no comment at all
  if (line.indexOf('!') < 0 && line.indexOf('//') < 0) return line;
  let close = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (close) {
      if (c === close) close = 0;
      continue;
    }
    if (c === 33) return line.slice(0, i);
    if (c === 47 && line.charCodeAt(i + 1) === 47) return line.slice(0, i);
    const cl = closerCode(c);
    // a quote or bracket opens a group only at the start of a value
    if (cl) {
      const prev = i === 0 ? 32 : line.charCodeAt(i - 1);
      if (isBlankCode(prev) || prev === 61 || prev === 44) close = cl;
    }
  }
  return line;
}

/**
 * Splits a comment-free line into tokens. Throws a DssError at `loc` for an unclosed group.
 * (One flat loop without closures or per-value objects: it runs once per line of a feeder, JIT-cold
 * on the first load.)
 */
export function tokenize(text: string, loc: DssLocation): DssToken[] {
  const tokens: DssToken[] = [];
  let i = 0;
  const n = text.length;
  let name: string | undefined;
  while (true) {
    let c = 0;
    while (i < n && (isBlankCode((c = text.charCodeAt(i))) || c === 44)) i++;
    if (i >= n) {
      if (name !== undefined) tokens.push({ name, value: '', group: '' });
      break;
    }
    // a bare word or a grouped value starting at i
    let value: string;
    let group = '';
    const closer = closerCode(c);
    if (closer) {
      const end = text.indexOf(String.fromCharCode(closer), i + 1);
      if (end < 0) throw new DssError(loc, `unclosed ${text[i]}…${String.fromCharCode(closer)} in "${excerpt(text.trim(), 40)}"`);
      value = text.slice(i + 1, end);
      group = text[i];
      i = end + 1;
    } else {
      const start = i;
      while (i < n && !isBlankCode((c = text.charCodeAt(i))) && c !== 44 && c !== 61) i++;
      value = text.slice(start, i);
    }
    if (name !== undefined) {
      tokens.push({ name, value, group });
      name = undefined;
      continue;
    }
    while (i < n && isBlankCode(text.charCodeAt(i))) i++;
    if (group === '' && i < n && text.charCodeAt(i) === 61) {
      i++;
      while (i < n && isBlankCode(text.charCodeAt(i))) i++;
      if (i >= n || text.charCodeAt(i) === 44) {
        tokens.push({ name: value, value: '', group: '' });
        continue;
      }
      name = value;
      continue;
    }
    tokens.push({ name: undefined, value, group });
  }
  return tokens;
}
