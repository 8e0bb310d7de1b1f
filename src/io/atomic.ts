/**
 * Atomic output sets (issue 11, items 5 and 6). A command's files are written into a new, hidden
 * staging folder beside the output folder; when every file is complete (written in full, flushed with
 * fsync, closed) the staging folder is swapped in by rename. A reader therefore sees the old set or
 * the new one, never a mix, and files of an earlier run that the new run does not write do not
 * survive. Node exposes no atomic exchange of two directories (renameat2 RENAME_EXCHANGE), so an
 * existing folder is first renamed aside and then replaced: between those two renames the folder is
 * briefly absent, which is neither set mixed with the other. A failure at any point removes the
 * staging folder and puts the old folder back; a crash leaves only hidden `.NAME.lemsim-*` siblings,
 * which the next command writing there removes (their writer's process is gone).
 *
 * Every `writeSync` is looped on its returned count (a short write is not an error on a full disk),
 * and errors such as ENOSPC, EACCES, ENOTDIR, EEXIST or EROFS become an `OutputError`, which names
 * the output path and the system code: exit 1, no stack trace, nothing half-written under a final
 * name. The output location is checked (and the staging folder made) before any work is done, and
 * without recursive `mkdirSync`, which loops forever under /proc.
 *
 * To protect a user's own files, an existing non-empty folder is replaced only when it holds the
 * marker file `.lemsim-output` that every output set carries.
 */
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type InputError, LemsimError, isInputError } from '../errors.js';

/** The marker file in every output folder: lemsim replaces only folders that hold it (or empty ones). */
export const OUTPUT_MARKER = '.lemsim-output';

/** An output location that cannot be written: names the path and the system error code. */
export class OutputError extends LemsimError {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'OutputError';
  }
}

const CODE_TEXT: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a path component is not a folder',
  EEXIST: 'already exists',
  EISDIR: 'is a folder',
  ENOENT: 'cannot be created there',
  ENAMETOOLONG: 'name too long',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENOTEMPTY: 'folder not empty',
  EXDEV: 'not on the same file system',
};

/** Converts a file-system error into an `OutputError` naming `path` and what was being done. */
export function outputError(err: unknown, path: string, doing: string): InputError {
  if (isInputError(err)) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (!code) return err as LemsimError;
  return new OutputError(path, code, `cannot ${doing}: ${CODE_TEXT[code] ?? 'system error'} (${code})`);
}

/**
 * The file-system calls that write bytes, replaceable by tests that inject short writes or ENOSPC
 * (tests only; the CLI never changes them).
 */
export const outputFs = {
  writeSync: (fd: number, buf: Uint8Array, offset: number, length: number): number => writeSync(fd, buf, offset, length),
  fsyncSync: (fd: number): void => fsyncSync(fd),
  renameSync: (from: string, to: string): void => renameSync(from, to),
};

/** Writes all of `buf`, looping on the count `writeSync` returns (a short write is not an error). */
function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0;
  let stalls = 0;
  while (off < buf.length) {
    const n = outputFs.writeSync(fd, buf, off, buf.length - off);
    if (n > 0) {
      off += n;
      stalls = 0;
    } else if (++stalls > 16) {
      // a file system that accepts no byte, repeatedly, is full
      throw Object.assign(new Error('write made no progress'), { code: 'ENOSPC' });
    }
  }
}

let counter = 0;
const isAlive = (pid: number): boolean => {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Hidden sibling names used while writing `target`; `kind` is `new` (staging) or `old` (set aside). */
function siblingName(target: string, kind: 'new' | 'old'): string {
  return join(dirname(target), `.${basename(target)}.lemsim-${kind}-${process.pid}-${++counter}`);
}

/** Removes hidden siblings of `target` left by a writer that crashed (its process is gone). */
function removeStale(target: string): void {
  const parent = dirname(target);
  const prefix = `.${basename(target)}.lemsim-`;
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const m = /^(?:new|old)-(\d+)-\d+$/.exec(n.slice(prefix.length));
    if (m && !isAlive(Number(m[1]))) rmSync(join(parent, n), { recursive: true, force: true });
  }
}

/**
 * Makes `dir` and its missing parents one level at a time (never recursive `mkdirSync`, which spins
 * forever on /proc), and checks that each existing ancestor is a folder.
 */
function ensureFolder(dir: string, shown: string): void {
  const missing: string[] = [];
  let p = dir;
  for (;;) {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw outputError(err, shown, `use '${p}'`);
      const up = dirname(p);
      if (up === p) throw new OutputError(shown, 'ENOENT', 'no existing folder above it');
      missing.push(p);
      p = up;
      continue;
    }
    if (!st.isDirectory()) throw new OutputError(shown, 'ENOTDIR', `'${p}' is not a folder`);
    break;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && statSync(m).isDirectory()) continue;
      throw outputError(err, shown, `create folder '${m}'`);
    }
  }
}

/** A file being written inside a staging folder; invisible under its final name until commit. */
export class OutputFile {
  private fd: number;
  private buffer: string[] = [];
  private buffered = 0;

  constructor(
    readonly path: string,
    private readonly shown: string,
  ) {
    try {
      this.fd = openSync(path, 'wx');
    } catch (err) {
      throw outputError(err, shown, 'create a file');
    }
  }

  /** Appends text; buffered in chunks of about 1 MB. */
  write(text: string): void {
    this.buffer.push(text);
    this.buffered += text.length;
    if (this.buffered > 1 << 20) this.flush();
  }

  /** Appends bytes (a binary file such as Parquet), after what is buffered. */
  writeBytes(buf: Uint8Array): void {
    this.flush();
    try {
      writeAll(this.fd, buf);
    } catch (err) {
      throw outputError(err, this.shown, 'write');
    }
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const buf = Buffer.from(this.buffer.join(''), 'utf8');
    this.buffer = [];
    this.buffered = 0;
    try {
      writeAll(this.fd, buf);
    } catch (err) {
      throw outputError(err, this.shown, 'write');
    }
  }

  /** Writes what is buffered, flushes it to disk and closes the file (idempotent). */
  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    try {
      this.flush();
      try {
        outputFs.fsyncSync(fd);
      } catch (err) {
        // fsync is unsupported on some file systems (EINVAL); a full disk is still an error
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EINVAL' && code !== 'ENOTSUP') throw outputError(err, this.shown, 'write');
      }
    } finally {
      this.fd = -1;
      closeSync(fd);
    }
  }

  /** Closes without caring about errors (the file is being discarded). */
  discard(): void {
    if (this.fd < 0) return;
    try {
      closeSync(this.fd);
    } catch {
      /* discarded */
    }
    this.fd = -1;
  }
}

/**
 * One command's output folder, written as a set. `open` checks the location and makes the staging
 * folder (call it before simulating, so a bad `--out` fails at once); `file` streams one file into
 * it; `commit` swaps the complete set in; `abort` removes it.
 */
export class OutputSet {
  private readonly files = new Map<string, OutputFile>();
  /** subfolders made in the staging folder */
  private readonly folders = new Set<string>();
  private done = false;

  private constructor(
    /** the output folder (absolute) */
    readonly dir: string,
    /** the folder as the user wrote it, for messages */
    readonly shown: string,
    private readonly staging: string,
  ) {}

  /** Checks that `dir` can be written (and replaced) and makes its staging folder beside it. */
  static open(dir: string): OutputSet {
    const target = resolve(dir);
    ensureFolder(dirname(target), dir);
    let existing;
    try {
      existing = lstatSync(target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw outputError(err, dir, 'use it as the output folder');
    }
    if (existing) {
      if (!existing.isDirectory()) throw new OutputError(dir, 'EEXIST', 'exists and is not a folder');
      let names: string[];
      try {
        names = readdirSync(target);
      } catch (err) {
        throw outputError(err, dir, 'read the existing folder');
      }
      if (names.length > 0 && !names.includes(OUTPUT_MARKER)) {
        throw new OutputError(dir, 'EEXIST', `exists, is not empty and was not written by lemsim (no ${OUTPUT_MARKER}); remove it or choose another output folder`);
      }
    }
    removeStale(target);
    const staging = siblingName(target, 'new');
    try {
      mkdirSync(staging);
    } catch (err) {
      throw outputError(err, dir, 'create files beside it');
    }
    const set = new OutputSet(target, dir, staging);
    try {
      writeFileSync(join(staging, OUTPUT_MARKER), 'lemsim output set\n', { flag: 'wx' });
    } catch (err) {
      set.abort();
      throw outputError(err, dir, 'write');
    }
    return set;
  }

  /**
   * Opens `name` for streaming (once per name). A name may sit in one subfolder of the set
   * (`figures/plot.svg`, issue 14), which is part of the set like any file.
   */
  file(name: string): OutputFile {
    if (this.done) throw new Error(`output set ${this.dir} already committed or aborted`);
    const parts = name.split('/');
    if (this.files.has(name) || name === OUTPUT_MARKER || parts.length > 2 || parts.some((p) => p === '' || p.startsWith('.'))) throw new Error(`bad or repeated output file name '${name}'`);
    if (parts.length === 2 && !this.folders.has(parts[0])) {
      try {
        mkdirSync(join(this.staging, parts[0]));
      } catch (err) {
        throw outputError(err, join(this.shown, parts[0]), 'create a folder');
      }
      this.folders.add(parts[0]);
    }
    const f = new OutputFile(join(this.staging, name), join(this.shown, name));
    this.files.set(name, f);
    return f;
  }

  /** Writes a whole file. */
  write(name: string, text: string): void {
    const f = this.file(name);
    f.write(text);
    f.close();
  }

  /** Closes every file and swaps the staging folder in place of the output folder. */
  commit(): void {
    if (this.done) return;
    try {
      for (const f of this.files.values()) f.close();
    } catch (err) {
      this.abort();
      throw err;
    }
    let aside: string | undefined;
    try {
      try {
        outputFs.renameSync(this.staging, this.dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EISDIR') throw err;
        // the output folder exists: set it aside, then swap the new set in
        aside = siblingName(this.dir, 'old');
        outputFs.renameSync(this.dir, aside);
        try {
          outputFs.renameSync(this.staging, this.dir);
        } catch (err2) {
          renameSync(aside, this.dir);
          aside = undefined;
          throw err2;
        }
      }
    } catch (err) {
      this.abort();
      throw outputError(err, this.shown, 'replace the output folder');
    }
    this.done = true;
    if (aside) rmSync(aside, { recursive: true, force: true });
  }

  /** Removes the staging folder and everything in it; the output folder is left as it was. */
  abort(): void {
    for (const f of this.files.values()) f.discard();
    this.done = true;
    rmSync(this.staging, { recursive: true, force: true });
  }

  /** Runs `fn` with the set and commits it; on any error the set is aborted and the error rethrown. */
  static async produce<T>(set: OutputSet, fn: (set: OutputSet) => T | Promise<T>): Promise<T> {
    try {
      const r = await fn(set);
      set.commit();
      return r;
    } catch (err) {
      set.abort();
      throw err;
    }
  }
}

/** Writes `producers` (file name → writer) into `dir` as one atomic set. */
export function writeFileSet(dir: string, producers: Record<string, (file: { write(text: string): void }) => void>): void {
  const set = OutputSet.open(dir);
  try {
    for (const [name, produce] of Object.entries(producers)) {
      const f = set.file(name);
      produce(f);
      f.close();
    }
  } catch (err) {
    set.abort();
    throw err;
  }
  set.commit();
}

/**
 * One output file, written atomically: checked with `open` before the work, written completely to
 * a hidden name beside its target, flushed, and renamed into place by `commit`.
 */
export class OutputTextFile {
  private constructor(
    readonly path: string,
    private readonly shown: string,
    private readonly tmp: string,
    private readonly file: OutputFile,
  ) {}

  static open(path: string): OutputTextFile {
    const target = resolve(path);
    ensureFolder(dirname(target), path);
    let st;
    try {
      st = statSync(target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw outputError(err, path, 'use it as the output file');
    }
    if (st?.isDirectory()) throw new OutputError(path, 'EISDIR', 'is a folder, not a file');
    removeStale(target);
    const tmp = siblingName(target, 'new');
    return new OutputTextFile(target, path, tmp, new OutputFile(tmp, path));
  }

  write(text: string): void {
    this.file.write(text);
  }

  writeBytes(buf: Uint8Array): void {
    this.file.writeBytes(buf);
  }

  commit(): void {
    try {
      this.file.close();
      outputFs.renameSync(this.tmp, this.path);
    } catch (err) {
      this.abort();
      throw outputError(err, this.shown, 'write');
    }
  }

  abort(): void {
    this.file.discard();
    rmSync(this.tmp, { force: true });
  }
}

/** Writes one text (or binary) file atomically. */
export function writeTextAtomic(path: string, text: string | Uint8Array): void {
  const f = OutputTextFile.open(path);
  try {
    if (typeof text === 'string') f.write(text);
    else f.writeBytes(text);
  } catch (err) {
    f.abort();
    throw err;
  }
  f.commit();
}

/** Makes folder `dir` and its missing parents (one level at a time), naming `shown` in errors. */
export function ensureOutputFolder(dir: string, shown = dir): void {
  ensureFolder(resolve(dir), shown);
}
