/**
 * Atomic result files: everything is written to a temporary name beside its target and renamed into
 * place only when the whole set is complete, so a crash never leaves a half-written result that looks
 * complete (rename is atomic on one file system).
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A file being written; invisible under its final name until `commit`. */
export class AtomicFile {
  private fd: number;
  private readonly tmpPath: string;
  private buffer: string[] = [];
  private buffered = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.tmpPath = `${path}.tmp-${process.pid}`;
    this.fd = openSync(this.tmpPath, 'w');
  }

  /** Appends text; buffered in chunks of about 1 MB. */
  write(text: string): void {
    this.buffer.push(text);
    this.buffered += text.length;
    if (this.buffered > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.buffered = 0;
  }

  /** Closes the temporary file; it is still not visible under its final name. */
  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }

  /** Closes and renames into place. */
  commit(): void {
    this.close();
    renameSync(this.tmpPath, this.path);
  }

  /** Closes and deletes the temporary file. */
  abort(): void {
    try {
      this.close();
    } finally {
      rmSync(this.tmpPath, { force: true });
    }
  }
}

/**
 * Writes a set of files in `dir` so that either all of them appear or none does (each renamed into
 * place only after every one was written completely). `producers` write into their AtomicFile.
 */
export function writeFileSet(dir: string, producers: Record<string, (file: AtomicFile) => void>): void {
  mkdirSync(dir, { recursive: true });
  const files: AtomicFile[] = [];
  try {
    for (const [name, produce] of Object.entries(producers)) {
      const file = new AtomicFile(join(dir, name));
      files.push(file);
      produce(file);
      file.close();
    }
  } catch (err) {
    for (const f of files) f.abort();
    throw err;
  }
  for (const f of files) f.commit();
}

/** Writes one text file atomically. */
export function writeTextAtomic(path: string, text: string): void {
  const file = new AtomicFile(path);
  try {
    file.write(text);
    file.commit();
  } catch (err) {
    file.abort();
    throw err;
  }
}
