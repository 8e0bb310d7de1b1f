/**
 * The layering of DESIGN.md, checked on the sources: grid/ and markets/ are pure libraries that
 * import nothing outside themselves (npm packages aside; each has its own errors.ts), and so never
 * each other; their errors.ts are leaves; agents/ never import src/cli, src/io or src/report.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectDir } from '../src/shared-data.js';

const root = projectDir();

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The project files a source imports (relative specifiers only), as paths from the root. */
function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) out.push(relative(root, resolve(dirname(join(root, file)), m[1])));
  return out;
}

describe('layering', () => {
  for (const lib of ['grid', 'markets']) {
    it(`${lib}/ imports only itself`, () => {
      const bad: string[] = [];
      for (const f of sources(lib)) for (const i of imports(f)) if (!i.startsWith(`${lib}/`)) bad.push(`${f} → ${i}`);
      expect(bad).toEqual([]);
    });
    it(`${lib}/errors.ts is a leaf`, () => {
      expect(imports(`${lib}/errors.ts`)).toEqual([]);
    });
  }
  it('agents/ do not reach into the process boundary (cli, io, report)', () => {
    const bad: string[] = [];
    for (const f of sources('agents')) for (const i of imports(f)) if (/^src\/(cli|io|report|inspect)\//.test(i)) bad.push(`${f} → ${i}`);
    expect(bad).toEqual([]);
  });
});
