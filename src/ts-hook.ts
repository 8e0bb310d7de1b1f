/**
 * A Node.js module hook (registered by src/plugins.ts with `module.register`) that loads TypeScript
 * plugin files: `.ts`, `.mts` and `.cts` sources are stripped of their types by esbuild's
 * `transform` (no type check, no bundling: imports stay as written, so a plugin imports 'lemsim'
 * and its own neighbours as usual). Source maps are inlined, so a plugin's stack traces point at
 * its own lines.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

type Next = (url: string, context: { format?: string }) => Promise<{ format?: string; source?: string | ArrayBuffer | Uint8Array; shortCircuit?: boolean }>;

const TS = /\.(c|m)?ts$/i;

export async function resolve(specifier: string, context: { parentURL?: string }, next: (s: string, c: unknown) => Promise<{ url: string; format?: string }>) {
  return next(specifier, context);
}

export async function load(url: string, context: { format?: string }, next: Next) {
  if (!url.startsWith('file:') || !TS.test(url)) return next(url, context);
  const path = fileURLToPath(url);
  const source = await readFile(path, 'utf8');
  const cjs = /\.cts$/i.test(url);
  const out = await transform(source, { loader: 'ts', format: cjs ? 'cjs' : 'esm', target: 'node20', sourcemap: 'inline', sourcefile: path });
  return { format: cjs ? 'commonjs' : 'module', source: out.code, shortCircuit: true };
}
