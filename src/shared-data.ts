/**
 * Locating the reference material that sits beside the project (`../shared`), through the
 * environment variable `LEMSIM_SHARED`. Nothing from there is ever copied into the repository.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));

/** Absolute path of the shared folder: `$LEMSIM_SHARED`, else `../shared` beside the project root. */
export function sharedDir(): string {
  const fromEnv = process.env.LEMSIM_SHARED;
  return fromEnv && fromEnv.length > 0 ? resolve(fromEnv) : resolve(projectRoot, '..', 'shared');
}

/** Absolute path of a file under the shared folder. */
export function sharedPath(...parts: string[]): string {
  return resolve(sharedDir(), ...parts);
}

/** Whether a shared file exists. */
export function hasShared(...parts: string[]): boolean {
  return existsSync(sharedPath(...parts));
}

/** The project root (folder holding package.json). */
export function projectDir(): string {
  return projectRoot;
}
