/**
 * An output set may hold one level of subfolders (issue 14: the report's `figures/`): the folder is
 * made inside the staging folder and swapped in with the rest, an earlier run's figures do not
 * survive, and names that would leave the set or nest deeper are refused.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputSet, writeFileSet } from '../../src/io/atomic.js';
import { tempDir } from '../helpers/temp.js';

describe('output set with a subfolder', () => {
  it('commits figures/ with the set and replaces an earlier one', () => {
    const dir = join(tempDir('lemsim-sub-'), 'out');
    writeFileSet(dir, { 'report.html': (f) => f.write('a'), 'figures/one.svg': (f) => f.write('1'), 'figures/old.svg': (f) => f.write('x') });
    expect(readdirSync(join(dir, 'figures')).sort()).toEqual(['old.svg', 'one.svg']);
    writeFileSet(dir, { 'report.html': (f) => f.write('b'), 'figures/one.svg': (f) => f.write('2') });
    expect(readdirSync(join(dir, 'figures'))).toEqual(['one.svg']);
    expect(readFileSync(join(dir, 'figures', 'one.svg'), 'utf8')).toBe('2');
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe('b');
  });

  it('refuses names that leave the set or nest deeper, and an aborted set leaves nothing', () => {
    const dir = join(tempDir('lemsim-sub-'), 'out');
    const set = OutputSet.open(dir);
    for (const bad of ['../x.svg', 'a/b/c.svg', '.hidden/x', 'figures/.x', 'figures/', '/abs']) expect(() => set.file(bad), bad).toThrow(/bad or repeated output file name/);
    set.file('figures/a.svg').write('a');
    expect(() => set.file('figures/a.svg')).toThrow(/bad or repeated/);
    set.abort();
    expect(existsSync(dir)).toBe(false);
  });
});
