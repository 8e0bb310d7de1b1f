/**
 * Reads an OpenDSS script into a flat list of located statements. `Redirect` and `Compile` are
 * expanded in place (paths relative to the including file, `\` or `/` separators, `.dss` appended
 * when the bare name does not exist, a case-insensitive match as a last resort for scripts written on
 * Windows); an include cycle is an error naming the chain. Block comments `/* … *\/` are dropped.
 * Executing the statements is the interpreter's business (`interpreter.ts`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { DssError, type DssLocation } from '../errors.js';
import { canonicalCommand } from './commands.js';
import { type DssToken, stripComment, tokenize } from './lexer.js';

/** One command of the script, with its tokens and where it was written. */
export interface DssStatement {
  /** Lower-case command verb (`new`, `edit`, `more`, `set`, `batchedit`, …). */
  readonly verb: string;
  readonly args: readonly DssToken[];
  readonly loc: DssLocation;
  /** Directory of the file the statement is in: base of relative paths in its values. */
  readonly dir: string;
}

/** Reads files for the parser; tests substitute an in-memory file system. */
export interface DssFileSystem {
  readText(path: string): string;
  exists(path: string): boolean;
  /** Names in a directory, for the case-insensitive fallback; may return [] */
  list(dir: string): string[];
  /** Raw bytes of a file (binary `sngfile`/`dblfile` data); absent where binary files are not allowed */
  readBytes?(path: string): Uint8Array;
}

export const nodeFileSystem: DssFileSystem = {
  readText: (p) => readFileSync(p, 'utf8'),
  readBytes: (p) => readFileSync(p),
  exists: (p) => existsSync(p) && statSync(p).isFile(),
  list: (d) => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  },
};

/**
 * Resolves a file name written in a script relative to `dir`: separators normalised; tries the name,
 * then `name.dss`, then a case-insensitive match of each. Returns undefined when nothing exists.
 */
export function resolveScriptPath(fs: DssFileSystem, dir: string, written: string, extensions: readonly string[] = ['', '.dss']): string | undefined {
  const normal = written.replace(/\\/g, '/');
  const base = isAbsolute(normal) ? normal : resolve(dir, normal);
  for (const ext of extensions) {
    const p = base + ext;
    if (fs.exists(p)) return p;
  }
  // case-insensitive fallback, component by component below `dir`
  for (const ext of extensions) {
    const found = caseInsensitive(fs, base + ext);
    if (found) return found;
  }
  return undefined;
}

function caseInsensitive(fs: DssFileSystem, path: string): string | undefined {
  const parts = path.split('/');
  let cur = parts[0] === '' ? '/' : parts[0];
  for (let k = 1; k < parts.length; k++) {
    const want = parts[k];
    if (want === '' || want === '.') continue;
    if (want === '..') {
      cur = dirname(cur);
      continue;
    }
    const exact = join(cur, want);
    if (k < parts.length - 1 ? existsSync(exact) : fs.exists(exact)) {
      cur = exact;
      continue;
    }
    const match = fs.list(cur).find((e) => e.toLowerCase() === want.toLowerCase());
    if (!match) return undefined;
    cur = join(cur, match);
  }
  return fs.exists(cur) ? cur : undefined;
}

/**
 * Parses a script file and everything it redirects to.
 * @param path file to read (absolute or relative to the working directory)
 */
export function parseDssFile(path: string, fs: DssFileSystem = nodeFileSystem): DssStatement[] {
  const out: DssStatement[] = [];
  streamDssFile(path, (st) => out.push(st), fs);
  return out;
}

/** Consumes one statement as soon as it is read (the interpreter: no list of every token kept alive). */
export type StatementSink = (st: DssStatement) => void;

/**
 * Parses a script file and everything it redirects to, handing each statement to `sink` in script
 * order as it is read; a sink that throws stops the parse there (as OpenDSS stops at the first error).
 */
export function streamDssFile(path: string, sink: StatementSink, fs: DssFileSystem = nodeFileSystem): void {
  const abs = resolve(path);
  if (!fs.exists(abs)) throw new DssError(undefined, `cannot open OpenDSS script '${path}': no such file`);
  parseInto(abs, fs, sink, []);
}

/** Parses script text given in memory (its relative paths resolve against `dir`). */
export function parseDssText(text: string, file: string, dir: string, fs: DssFileSystem = nodeFileSystem): DssStatement[] {
  const out: DssStatement[] = [];
  parseLines(text, file, dir, fs, (st) => out.push(st), [file]);
  return out;
}

/** Redirect/Compile nesting lemsim follows (a deeper chain is an error, not a stack overflow). */
export const MAX_REDIRECT_DEPTH = 64;

function parseInto(abs: string, fs: DssFileSystem, out: StatementSink, stack: string[]): void {
  if (stack.length >= MAX_REDIRECT_DEPTH) throw new DssError(undefined, `Redirect nested deeper than ${MAX_REDIRECT_DEPTH} files (a chain this deep is a generated or broken script)`);
  if (stack.includes(abs)) {
    const chain = [...stack.slice(stack.indexOf(abs)), abs].map((p) => basename(p)).join(' → ');
    throw new DssError(undefined, `Redirect cycle: ${chain}`);
  }
  const text = fs.readText(abs);
  parseLines(text, abs, dirname(abs), fs, out, [...stack, abs]);
}

function parseLines(text: string, file: string, dir: string, fs: DssFileSystem, out: StatementSink, stack: string[]): void {
  const lines = text.split('\n');
  let inBlock = false;
  for (let ln = 0; ln < lines.length; ln++) {
    let raw = lines[ln];
    const loc: DssLocation = { file, line: ln + 1 };
    if (inBlock) {
      const end = raw.indexOf('*/');
      if (end < 0) continue;
      inBlock = false;
      raw = raw.slice(end + 2);
    }
    const trimmed = raw.trimStart();
    if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/', 2);
      if (end < 0) {
        inBlock = true;
        continue;
      }
      raw = trimmed.slice(end + 2);
    }
    const body = stripComment(raw).trim();
    if (body === '') continue;
    let verb: string;
    let rest: string;
    if (body.startsWith('~')) {
      verb = 'more';
      rest = body.slice(1);
    } else {
      // the verb runs to the first blank, ',' or '=' (a scan, not a regular expression per line)
      let e = 0;
      while (e < body.length && !endsVerb(body.charCodeAt(e))) e++;
      // a line that opens with '=' or ',' names no command (the fuzz test found this one crashing)
      if (e === 0) throw new DssError(loc, `expected a command, got '${body.slice(0, 40)}'`);
      let r = e;
      while (r < body.length && isBlank(body.charCodeAt(r))) r++;
      rest = body.slice(r);
      if (rest.startsWith('=')) {
        out(propertyAssignment(body, loc, dir));
        continue;
      }
      // OpenDSS resolves an abbreviated command to the first command it begins (`calcv`)
      const written = body.slice(0, e);
      verb = canonicalCommand(written) ?? written.toLowerCase();
    }
    const args = tokenize(rest, loc);
    if (verb === 'redirect' || verb === 'compile') {
      const target = args[0];
      if (!target || target.value === '') throw new DssError(loc, `${verb} needs a file name`);
      const resolved = resolveScriptPath(fs, dir, target.value);
      if (!resolved) throw new DssError(loc, `${verb}: cannot find file '${target.value}' (looked in ${dir})`);
      try {
        parseInto(resolved, fs, out, stack);
      } catch (err) {
        // located at the Redirect line that went too deep, or at the outermost one for other errors
        if (err instanceof DssError && err.location === undefined) throw new DssError(loc, err.detail);
        throw err;
      }
      continue;
    }
    out({ verb, args, loc, dir });
  }
}

/** White space as a regular expression's `\s` (ASCII by code, the rest by the expression). */
function isBlank(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return /\s/.test(String.fromCharCode(c));
}

function endsVerb(c: number): boolean {
  return c === 44 || c === 61 || isBlank(c);
}

/**
 * A statement that starts with an assignment, as OpenDSS accepts it: `Class.name.prop=value …` edits
 * that object (`Load.s860.vminpu=.85`), and a bare `prop=value …` continues the last object like `~`.
 */
function propertyAssignment(body: string, loc: DssLocation, dir: string): DssStatement {
  const [first, ...more] = tokenize(body, loc);
  const target = first.name!;
  const dot = target.lastIndexOf('.');
  if (dot < 0) return { verb: 'more', args: [first, ...more], loc, dir };
  const object = target.slice(0, dot);
  if (!object.includes('.')) {
    throw new DssError(loc, `expected a command or Class.name.property=value, got '${body.slice(0, 40)}'`);
  }
  const args: DssToken[] = [{ name: undefined, value: object, group: '' }, { name: target.slice(dot + 1), value: first.value, group: first.group }, ...more];
  return { verb: 'edit', args, loc, dir };
}
