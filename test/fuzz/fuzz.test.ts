/**
 * The fuzz test of issue 11 (Done when): seeded one-edit mutations of the three feeders
 * (scenarios/feeders/example-small.dss, and from ../shared ieee-eulv and costa-rica-mar) through
 * `lemsim powerflow` in process (main() returns the exit code), and of the scenario schema
 * (scenarios/example-small.yaml, shortened to one hour and two iterations) through the real binary
 * `bin/lemsim.js run`, each under a timeout (a run can hang, and an in-process case could not be
 * interrupted); the first DSS cases are replayed through the binary and must give the same exit
 * code. Every outcome must be one of:
 *
 *   accepted      exit 0, and every number written is finite (no NaN, no Infinity, no null value);
 *   rejected      exit 1 or 2, a message naming a file (file:line) or a field, no stack trace;
 *   not converged exit 3 (a result, not an input error), no stack trace and no NaN written;
 *   report failed exit 4 (results written), no stack trace.
 *
 * Anything else (exit 70, a stack trace, a message with no location, NaN in a result) is a defect,
 * listed with the seed, case number and mutation so it can be replayed. Bounded by count to about a
 * minute on this machine; LEMSIM_FUZZ_SCALE multiplies the counts, LEMSIM_FUZZ_SEED changes the draw.
 * The counts per category are printed at the end (and written to $LEMSIM_FUZZ_REPORT when set).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { projectDir, sharedPath } from '../../src/shared-data.js';
import { tempDir } from '../helpers/temp.js';
import { mutateScenario, mutateScript, rng } from './mutate.js';

const SCALE = Number(process.env.LEMSIM_FUZZ_SCALE ?? 1);
const SEED = Number(process.env.LEMSIM_FUZZ_SEED ?? 20261201);
const count = (n: number) => Math.max(1, Math.round(n * SCALE));

type Outcome = 'accepted' | 'rejected' | 'not converged' | 'report failed' | 'defect';
const counts = new Map<string, Record<Outcome, number>>();
const defects: string[] = [];

const STACK = /\n\s+at \S.*:\d+:\d+\)?|internal error/;
/** A location: a script or data file (optionally :line), a scenario file with a field path (`(root)` for the top level), or a flag. */
const LOCATION = /[\w.-]+\.(dss|txt|csv)\b(:\d+)?|[\w.-]+\.ya?ml: (\(root\)|[A-Za-z_$][\w$.[\]-]*):|--[a-z][a-z-]+/i;

function tally(category: string, outcome: Outcome): void {
  const c = counts.get(category) ?? { accepted: 0, rejected: 0, 'not converged': 0, 'report failed': 0, defect: 0 };
  c[outcome]++;
  counts.set(category, c);
}

/** Every file of an output folder free of NaN / Infinity, and no JSON number turned into null. */
function nonFinite(dir: string): string | undefined {
  if (!existsSync(dir)) return 'no output folder';
  for (const f of readdirSync(dir)) {
    if (f === 'report.html' || f === 'events.jsonl') continue;
    // the report's figures/ (issue 14): its SVG and Vega-Lite files are checked the same way
    if (statSync(join(dir, f)).isDirectory()) {
      const inner = nonFinite(join(dir, f));
      if (inner) return `${f}/${inner}`;
      continue;
    }
    const text = readFileSync(join(dir, f), 'utf8');
    const m = /(^|[,:\s[])(-?NaN|-?Infinity)\b/m.exec(text);
    if (m) return `${f}: ${m[2]}`;
    if (f.endsWith('.json')) {
      // JSON.stringify writes NaN as null: a null where a measured quantity belongs is a NaN
      // (min_v_pu / max_v_pu of a feeder with no voltage base at all are null by contract: no pu exists)
      const noBase = existsSync(join(dir, 'voltages.csv')) && !/,[^,\n]+\n/.test(readFileSync(join(dir, 'voltages.csv'), 'utf8').split('\n').slice(1).map((l) => `${l}\n`).join(''));
      for (const n of text.matchAll(/"(\w*(_eur|_kw|_kwh|_kvar|_pu|_pct|_volts))"\s*:\s*null/g)) {
        if (/price_eur_per_kwh/.test(n[1]) || (noBase && /^(min|max)_v_pu$/.test(n[1]))) continue;
        return `${f}: ${n[1]} is null`;
      }
    }
  }
  return undefined;
}

interface Case {
  readonly category: string;
  readonly what: string;
  readonly argv: string[];
  readonly out: string;
}

function classify(c: Case, code: number, err: string): Outcome {
  const msg = err.slice(0, 400).replace(/\n/g, ' | ');
  const defect = (why: string): Outcome => {
    defects.push(`${c.category} [${c.what}] exit ${code}: ${why}: ${msg}`);
    return 'defect';
  };
  if (STACK.test(err)) return defect('stack trace or internal error');
  if (code === 0) {
    const bad = nonFinite(c.out);
    return bad ? defect(`accepted with a non-finite result (${bad})`) : 'accepted';
  }
  if (code === 1 || code === 2) return LOCATION.test(err) ? 'rejected' : defect('message without a location');
  if (code === 3) {
    const bad = existsSync(c.out) ? nonFinite(c.out) : undefined;
    return bad ? defect(`"not converged" with NaN written (${bad})`) : 'not converged';
  }
  if (code === 4) return 'report failed';
  return defect(`unexpected exit code ${code}`);
}

async function runInProcess(c: Case): Promise<{ code: number; err: string }> {
  let err = '';
  const t0 = process.hrtime.bigint();
  if (process.env.LEMSIM_FUZZ_TRACE) writeFileSync(process.env.LEMSIM_FUZZ_TRACE, `start ${c.what}\n`, { flag: 'a' });
  const code = await main(c.argv, { out: () => {}, err: (t) => void (err += t) });
  if (process.env.LEMSIM_FUZZ_TRACE) writeFileSync(process.env.LEMSIM_FUZZ_TRACE, `${c.what} -> ${code} ${Number(process.hrtime.bigint() - t0) / 1e6} ms\n`, { flag: 'a' });
  return { code, err };
}

const FEEDERS: { name: string; dir: () => string; master: string; cases: number; shared: boolean }[] = [
  { name: 'example-small', dir: () => join(projectDir(), 'scenarios', 'feeders'), master: 'example-small.dss', cases: 300, shared: false },
  { name: 'ieee-eulv', dir: () => sharedPath('feeders', 'ieee-eulv', 'opendss'), master: 'Master.dss', cases: 80, shared: true },
  { name: 'costa-rica-mar', dir: () => sharedPath('feeders', 'costa-rica-mar'), master: 'Master.dss', cases: 40, shared: true },
];

/** The feeder's script files worth mutating: the master and every .dss/.txt it may redirect to (not data). */
function scripts(dir: string): string[] {
  return readdirSync(dir).filter((f) => /\.(dss|txt)$/i.test(f) && !/buscoords|monitors/i.test(f) && readFileSync(join(dir, f), 'utf8').length < 3_000_000);
}

/** DSS cases replayed through the binary, with the mutated file to put back in place while they run. */
const binaryCases: { c: Case; code: number; file: { path: string; text: string } }[] = [];

const BIN = join(projectDir(), 'bin', 'lemsim.js');
const BINARY_TIMEOUT_MS = 90_000;

/** A run killed by the timeout: a hang is a defect (never an answer). */
function hung(c: Case): Outcome {
  defects.push(`${c.category} [${c.what}]: no answer within ${BINARY_TIMEOUT_MS / 1000} s (killed)`);
  return 'defect';
}

function spawnBinary(argv: readonly string[], timeoutMs: number): Promise<{ code: number; stderr: string; timedOut: boolean }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => void (stderr += t));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stderr, timedOut });
    });
  });
}

/** Newest modification time of the TypeScript sources the binary is compiled from. */
function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestSource(p));
    else if (e.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** Compiles dist/ when it is missing or older than the sources, so the binary runs this code. */
function ensureBuilt(): void {
  const main = join(projectDir(), 'dist', 'src', 'cli', 'main.js');
  const newest = Math.max(...['src', 'agents', 'markets', 'grid'].map((d) => newestSource(join(projectDir(), d))));
  if (existsSync(main) && statSync(main).mtimeMs >= newest) return;
  const b = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: projectDir(), encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`npm run build failed: ${b.stdout}${b.stderr}`);
}

describe('fuzz: mutated feeders and scenarios are accepted with finite results or rejected with a located message', () => {
  for (const feeder of FEEDERS) {
    const missing = feeder.shared && !existsSync(join(feeder.dir(), feeder.master));
    const requireShared = process.env.LEMSIM_REQUIRE_SHARED === '1';
    const test = missing && !requireShared ? it.skip : it;
    test(`feeder ${feeder.name}: ${count(feeder.cases)} mutations through lemsim powerflow${missing ? ` [skipped: ${feeder.dir()} missing]` : ''}`, async () => {
      if (missing) throw new Error(`${feeder.dir()} missing; LEMSIM_REQUIRE_SHARED=1 forbids skipping`);
      const work = tempDir('lemsim-fuzz-');
      const dir = join(work, feeder.name);
      cpSync(feeder.dir(), dir, { recursive: true });
      const files = scripts(dir);
      const r = rng(SEED ^ feeder.name.length * 7919);
      for (let k = 0; k < count(feeder.cases); k++) {
        // mostly the master, sometimes a redirected script
        const file = r() < 0.5 || files.length === 1 ? feeder.master : files[Math.floor(r() * files.length)];
        const path = join(dir, file);
        const original = readFileSync(path, 'utf8');
        const m = mutateScript(original, r);
        writeFileSync(path, m.text);
        const out = join(work, `out-${k}`);
        const minute = r() < 0.5 ? ['--minute', String(Math.floor(r() * 1440))] : [];
        const c: Case = { category: `dss ${feeder.name}`, what: `seed ${SEED} case ${k} ${file} ${m.what}`, argv: ['powerflow', join(dir, feeder.master), ...minute, '--out', out], out };
        try {
          const { code, err } = await runInProcess(c);
          tally(c.category, classify(c, code, err));
          if (k < 2) binaryCases.push({ c: { ...c, what: `${c.what} (binary)` }, code, file: { path, text: m.text } });
        } finally {
          writeFileSync(path, original);
          if (!(k < 2)) rmSync(out, { recursive: true, force: true });
        }
      }
    }, 300_000);
  }

  // Scenario cases run through the real binary (compiled dist/, rebuilt when older than the sources),
  // two at a time, each under a timeout: a run can hang (issue 11: export_price above import_price)
  // and an in-process case could not be interrupted.
  it(`scenario schema: ${count(16)} mutations of example-small through bin/lemsim.js run, and DSS cases replayed`, async () => {
    ensureBuilt();
    const work = tempDir('lemsim-fuzz-scn-');
    const base = parse(readFileSync(join(projectDir(), 'scenarios', 'example-small.yaml'), 'utf8'));
    base.feeder = resolve(projectDir(), 'scenarios', base.feeder);
    base.horizon = { from: '17:00', to: '18:00' };
    base.reinforcement = { ...base.reinforcement, max_iterations: 2 };
    const r = rng(SEED ^ 0x5ce7);
    const cases: Case[] = [];
    for (let k = 0; k < count(16); k++) {
      const m = mutateScenario(base, r);
      const file = join(work, `s${k}.yaml`);
      writeFileSync(file, stringify(m.scenario));
      const out = join(work, `out-${k}`);
      cases.push({ category: 'scenario (binary)', what: `seed ${SEED} case ${k} ${m.what}`, argv: ['run', file, '--out', out, '--log-level', 'silent', '--no-progress'], out });
    }
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++];
        const p = await spawnBinary(c.argv, BINARY_TIMEOUT_MS);
        tally(c.category, p.timedOut ? hung(c) : classify(c, p.code, p.stderr));
      }
    };
    await Promise.all([worker(), worker()]);
    // the first DSS cases again through the binary: same exit code as in process
    for (const { c, code, file } of binaryCases) {
      rmSync(c.out, { recursive: true, force: true });
      const original = readFileSync(file.path, 'utf8');
      writeFileSync(file.path, file.text);
      let p: Awaited<ReturnType<typeof spawnBinary>>;
      try {
        p = await spawnBinary(c.argv, BINARY_TIMEOUT_MS);
      } finally {
        writeFileSync(file.path, original);
      }
      const cat = { ...c, category: 'dss (binary replay)' };
      tally(cat.category, p.timedOut ? hung(cat) : classify(cat, p.code, p.stderr));
      expect(p.code, `${c.what}: ${p.stderr.slice(0, 300)}`).toBe(code);
    }
  }, 900_000);

  afterAll(() => {
    const lines = [...counts].map(([k, v]) => `${k}: ${Object.entries(v).map(([o, n]) => `${o} ${n}`).join(', ')}`);
    const text = `fuzz (seed ${SEED}, scale ${SCALE}):\n${lines.join('\n')}\n${defects.length} defect(s)\n${defects.join('\n')}\n`;
    process.stdout.write(text);
    if (process.env.LEMSIM_FUZZ_REPORT) writeFileSync(process.env.LEMSIM_FUZZ_REPORT, text);
  });

  it('found no defect', () => {
    // runs last (vitest keeps declaration order within a file)
    expect(defects).toEqual([]);
  });
});
