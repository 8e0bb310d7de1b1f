/** Temporary folders for tests, removed when the test process exits. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'lemsim-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/**
 * A temporary folder inside the project (.vitest-tmp/, git-ignored), for plugin files that import
 * 'lemsim': inside the package, Node resolves the package's own name to itself.
 */
export function tempDirInProject(): string {
  const root = join(import.meta.dirname, '..', '..', '.vitest-tmp');
  mkdirSync(root, { recursive: true });
  const d = mkdtempSync(join(root, 'plugin-'));
  made.push(d);
  return d;
}
