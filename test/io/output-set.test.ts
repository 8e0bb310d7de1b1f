/**
 * Output sets (issue 11, items 5 and 6, and the output-folder errors of the contract list): the
 * folder is swapped in as a set, files of an earlier run do not survive, a failed commit leaves
 * the old set and no temporary file, short writes are completed, a full disk is a located error
 * with exit 1 and nothing under a final name, and bad output locations fail at once.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { OUTPUT_MARKER, OutputError, OutputSet, outputFs, writeFileSet, writeTextAtomic } from '../../src/io/atomic.js';
import { tempScripts } from '../helpers/dss.js';
import { tempDir } from '../helpers/temp.js';

function capture() {
  const c = { out: '', err: '' };
  return { c, io: { out: (t: string) => void (c.out += t), err: (t: string) => void (c.err += t) } };
}

const SMALL = `
New Circuit.small basekv=11 pu=1.02 ISC3=3000 ISC1=2000
New Transformer.tr buses=[sourcebus lv] conns=[delta wye] kVs=[11 0.416] kVAs=[250 250] XHL=4 sub=y
New LineCode.cable nphases=3 r1=0.3 x1=0.08 r0=1.2 x0=0.3 c1=0 c0=0 units=km
New Line.l1 bus1=lv bus2=a linecode=cable length=120 units=m
New LoadShape.s npts=4 minterval=15 mult=[0.5 1 1.5 -0.5]
New Load.h1 bus1=a.1 phases=1 kV=0.24 kW=4 pf=0.95 daily=s
Set voltagebases=[11 0.416]
Calcvoltagebases
`;

const real = { ...outputFs };
afterEach(() => Object.assign(outputFs, real));

/** Hidden staging or set-aside siblings left beside `dir`. */
const leftovers = (parent: string) => readdirSync(parent).filter((n) => n.includes('.lemsim-'));

describe('output sets', () => {
  it('a re-run into the same folder keeps no file of the earlier run (bus_voltages.csv)', async () => {
    const dir = tempScripts({ 'small.dss': SMALL });
    const out = join(dir, 'ts');
    const args = ['timeseries', join(dir, 'small.dss'), '--from', '0', '--to', '30', '--step-min', '15', '--out', out];
    expect(await main([...args, '--all-buses'], capture().io)).toBe(0);
    expect(existsSync(join(out, 'bus_voltages.csv'))).toBe(true);
    expect(await main(args, capture().io)).toBe(0);
    expect(readdirSync(out).sort()).toEqual([OUTPUT_MARKER, 'load_voltages.csv', 'source_pq.csv', 'summary.json']);
    expect(leftovers(dir)).toEqual([]);
  });

  it('a rename error during the commit leaves the old set whole and no temporary folder', () => {
    const parent = tempDir();
    const out = join(parent, 'set');
    writeFileSet(out, { 'a.csv': (f) => f.write('old a\n'), 'b.csv': (f) => f.write('old b\n') });
    let calls = 0;
    outputFs.renameSync = (from, to) => {
      // the first rename sets the old folder aside; the second (the swap) fails
      if (++calls === 2) throw Object.assign(new Error('injected'), { code: 'EIO' });
      real.renameSync(from, to);
    };
    expect(() => writeFileSet(out, { 'a.csv': (f) => f.write('new a\n') })).toThrow(OutputError);
    expect(readFileSync(join(out, 'a.csv'), 'utf8')).toBe('old a\n');
    expect(readFileSync(join(out, 'b.csv'), 'utf8')).toBe('old b\n');
    expect(leftovers(parent)).toEqual([]);
  });

  it('an error while producing the set leaves the old set and no temporary folder', () => {
    const parent = tempDir();
    const out = join(parent, 'set');
    writeFileSet(out, { 'a.csv': (f) => f.write('old\n') });
    expect(() =>
      writeFileSet(out, {
        'a.csv': (f) => f.write('new\n'),
        'b.csv': () => {
          throw new Error('producer failed');
        },
      }),
    ).toThrow('producer failed');
    expect(readdirSync(out).sort()).toEqual([OUTPUT_MARKER, 'a.csv']);
    expect(readFileSync(join(out, 'a.csv'), 'utf8')).toBe('old\n');
    expect(leftovers(parent)).toEqual([]);
  });

  it('removes what a crashed writer left (its process is gone), never a live writer’s folder', () => {
    const parent = tempDir();
    const out = join(parent, 'set');
    // a pid above the kernel's pid_max cannot be alive
    const stale = join(parent, '.set.lemsim-new-99999999-1');
    mkdirSync(stale);
    writeFileSync(join(stale, 'half.csv'), 'trunc');
    const live = join(parent, `.set.lemsim-new-${process.pid}-999`);
    mkdirSync(live);
    writeFileSet(out, { 'a.csv': (f) => f.write('x\n') });
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });

  it('a reader sees the old set or the new one, never a mix (each file of a set names its run)', async () => {
    const parent = tempDir();
    const out = join(parent, 'set');
    const names = ['a.csv', 'b.csv', 'c.csv', 'd.csv'];
    const writeRun = (k: number) => writeFileSet(out, Object.fromEntries(names.map((n) => [n, (f: { write(t: string): void }) => f.write(`run ${k}\n`)])));
    writeRun(0);
    // another process opens the folder once (as a reader with it as working folder would) and reads
    // every file through that handle, again and again, while this process commits new sets
    const reader = `
      const fs = require('node:fs');
      let mixed = 0, reads = 0;
      const end = Date.now() + 4000;
      while (Date.now() < end && !fs.existsSync(${JSON.stringify(join(parent, 'stop'))})) {
        let fd;
        try { fd = fs.openSync(${JSON.stringify(out)}, 'r'); } catch { continue; }
        try {
          const texts = ${JSON.stringify(names)}.map((n) => fs.readFileSync('/proc/self/fd/' + fd + '/' + n, 'utf8'));
          reads++;
          if (new Set(texts).size > 1) mixed++;
        } catch {} finally { fs.closeSync(fd); }
      }
      process.stdout.write(JSON.stringify({ mixed, reads }));`;
    const child = spawn(process.execPath, ['-e', reader], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    const done = new Promise((r) => child.on('exit', r));
    for (let k = 1; k <= 150; k++) {
      writeRun(k);
      await new Promise((r) => setImmediate(r));
    }
    writeFileSync(join(parent, 'stop'), '');
    await done;
    const { mixed, reads } = JSON.parse(text) as { mixed: number; reads: number };
    expect(reads).toBeGreaterThan(0);
    expect(mixed).toBe(0);
    expect(leftovers(parent)).toEqual([]);
  });

  it('completes short writes (loops on the count writeSync returns)', () => {
    const parent = tempDir();
    outputFs.writeSync = (fd, buf, off, len) => real.writeSync(fd, buf, off, Math.min(len, 7));
    const text = 'x'.repeat(5000) + '\n';
    writeTextAtomic(join(parent, 'r.json'), text);
    writeFileSet(join(parent, 'set'), { 'a.csv': (f) => f.write(text) });
    expect(readFileSync(join(parent, 'r.json'), 'utf8')).toBe(text);
    expect(readFileSync(join(parent, 'set', 'a.csv'), 'utf8')).toBe(text);
  });

  it('a full disk (ENOSPC, injected) is exit 1 with a located message, nothing under a final name', async () => {
    const dir = tempScripts({ 'small.dss': SMALL });
    let written = 0;
    outputFs.writeSync = (fd, buf, off, len) => {
      // past the summary (written first, a few hundred bytes), inside the first row file
      if (written > 1000) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      const n = real.writeSync(fd, buf, off, Math.min(len, 100));
      written += n;
      return n;
    };
    const c = capture();
    const out = join(dir, 'ts');
    expect(await main(['timeseries', join(dir, 'small.dss'), '--from', '0', '--to', '60', '--out', out], c.io)).toBe(1);
    expect(c.c.err).toMatch(/ts\/load_voltages\.csv: cannot write: no space left on device \(ENOSPC\)/);
    expect(c.c.err).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });

  it('clear-auction on a real 32 KB tmpfs: exit 1, no truncated result.json', async (ctx) => {
    const mnt = tempDir('lemsim-tmpfs-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32k', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      ctx.skip('cannot mount a tmpfs here (needs root); the injected ENOSPC test covers the path');
      return;
    }
    try {
      const dir = tempDir();
      const periods = Array.from({ length: 400 }, (_, k) => ({ id: `p${k}`, supply: [{ id: `s${k}-with-a-long-identifier-to-fill-the-disk`, agent: 'a', kw: 5, price: 0.05 }], demand: [{ id: `d${k}-with-a-long-identifier-to-fill-the-disk`, agent: 'b', kw: 5, price: 0.09 }] }));
      const input = join(dir, 'orders.json');
      writeFileSync(input, JSON.stringify({ period_hours: 0.25, grid: { import_price: 0.1, export_price: 0.04 }, periods }));
      const c = capture();
      const code = await main(['clear-auction', input, '--out', join(mnt, 'result.json')], c.io);
      expect(code, c.c.err).toBe(1);
      expect(c.c.err).toMatch(/result\.json: cannot write: no space left on device \(ENOSPC\)/);
      expect(readdirSync(mnt)).toEqual([]);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it.each([
    ['an existing file', (d: string) => (writeFileSync(join(d, 'f'), 'x'), join(d, 'f')), /exists and is not a folder/],
    ['a path under a file (ENOTDIR)', (d: string) => (writeFileSync(join(d, 'f'), 'x'), join(d, 'f', 'sub')), /is not a folder/],
    ['a user folder lemsim did not write', (d: string) => (mkdirSync(join(d, 'mine')), writeFileSync(join(d, 'mine', 'thesis.tex'), 'x'), join(d, 'mine')), /was not written by lemsim/],
    ['/proc (cannot create, never hangs)', () => '/proc/lemsim-x', /cannot create folder|cannot create files/],
  ])('refuses %s before any work, exit 1, no stack', async (_name, make, message) => {
    const d = tempDir();
    const out = make(d);
    const dss = tempScripts({ 'small.dss': SMALL });
    for (const args of [
      ['timeseries', join(dss, 'small.dss'), '--from', '0', '--to', '15', '--out', out],
      ['powerflow', join(dss, 'small.dss'), '--out', out],
    ]) {
      const c = capture();
      expect(await main(args, c.io)).toBe(1);
      expect(c.c.err).toMatch(message);
      expect(c.c.err).not.toMatch(/\n\s+at /);
    }
    if (existsSync(join(d, 'mine'))) expect(readdirSync(join(d, 'mine'))).toEqual(['thesis.tex']);
  });

  it('a read-only or unwritable location is exit 1 with its code (EROFS or EACCES)', async (ctx) => {
    const d = tempDir();
    const dss = tempScripts({ 'small.dss': SMALL });
    const ro = join(d, 'ro');
    mkdirSync(ro);
    let code = 'EACCES';
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=16k', 'tmpfs', ro], { stdio: 'ignore' });
      code = 'EROFS';
    } catch {
      chmodSync(ro, 0o555);
      if (process.getuid?.() === 0) {
        ctx.skip('root ignores permissions and no read-only mount is possible');
        return;
      }
    }
    try {
      const c = capture();
      expect(await main(['powerflow', join(dss, 'small.dss'), '--out', join(ro, 'out')], c.io)).toBe(1);
      expect(c.c.err).toContain(`(${code})`);
    } finally {
      if (code === 'EROFS') execFileSync('umount', [ro]);
    }
  });

  it('OutputSet.open fails before the work; abort leaves nothing', () => {
    const parent = tempDir();
    const set = OutputSet.open(join(parent, 'new', 'deeper'));
    set.write('a.csv', 'x\n');
    set.abort();
    expect(existsSync(join(parent, 'new', 'deeper'))).toBe(false);
    expect(leftovers(join(parent, 'new'))).toEqual([]);
  });
});
