/**
 * Sweeps as a user runs them, through the built CLI (dist/, made by `npm run build` / `npm ci`) in
 * real processes: a 12-run sweep locally with one worker (the reference), its Parquet tables read
 * back and compared with the CSV, an interrupted sweep (SIGINT) resumed without running finished
 * runs again, and the same 12 runs across two `lemsim worker` processes on a real Redis
 * (LEMSIM_REDIS_URL; CI starts one), one of them SIGKILLed in the middle of a run: every run
 * finishes exactly once and the tables equal the local ones byte for byte.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { parquetReadObjects } from 'hyparquet';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/io/csv.js';
import { projectDir } from '../../src/shared-data.js';
import { QUEUE_NAME } from '../../src/sweep/queue.js';
import { tempDir } from '../helpers/temp.js';

const BIN = join(projectDir(), 'bin', 'lemsim.js');
const SMALL = join(projectDir(), 'scenarios', 'example-small.yaml');
// 2 strategies × 3 PV shares × 2 seeds = 12 runs of the small feeder, one reinforcement iteration
const SWEEP = `name: twelve\nbase: ${SMALL}\nvary:\n  prosumers.strategy.supply.name: [markup, srmc]\n  prosumers.pv.share: [0.2, 0.4, 0.6]\n  reinforcement.max_iterations: [1]\nseeds: 2\n`;

interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  done: Promise<number | null>;
}

function lemsim(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, out: () => out, err: () => err, done };
}

async function until(cond: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const csvRows = (path: string) => [...parseCsv(readFileSync(path, 'utf8'))];
const completeRuns = (dir: string) => readdirSync(join(dir, 'runs')).filter((n) => !n.startsWith('.') && existsSync(join(dir, 'runs', n, '.lemsim-output')));

let root: string;
let sweepFile: string;
let local: string;

beforeAll(async () => {
  if (!existsSync(join(projectDir(), 'dist', 'src', 'sweep', 'child.js'))) throw new Error('dist/ is not built: run npm run build');
  root = tempDir('lemsim-sweep-');
  sweepFile = join(root, 'sweep.yaml');
  writeFileSync(sweepFile, SWEEP);
  local = join(root, 'local');
  const p = lemsim(['sweep', sweepFile, '--out', local, '--workers', '1']);
  const code = await p.done;
  if (code !== 0) throw new Error(`local sweep failed (${code}): ${p.err()}`);
}, 300_000);

describe('a local sweep', () => {
  it('writes one row per run, and Parquet tables that read back equal to the CSV', async () => {
    const runs = csvRows(join(local, 'runs.csv'));
    expect(runs).toHaveLength(13);
    const header = runs[0];
    expect(header.slice(0, 7)).toEqual(['run_id', 'prosumers.strategy.supply.name', 'prosumers.pv.share', 'reinforcement.max_iterations', 'seed', 'status', 'error']);
    for (const c of ['final.welfare_eur', 'energy_balance_kwh.import', 'voltage.average_pu', 'iterations.0.violations', 'welfare.sellers_eur', 'welfare.buyers_eur', 'final.battery_units']) expect(header).toContain(c);
    expect(runs.slice(1).every((r) => r[header.indexOf('status')] === 'ok')).toBe(true);
    expect(new Set(runs.slice(1).map((r) => r[0])).size).toBe(12);
    // every run folder holds its resolved scenario and no events.jsonl (lean) and no report
    for (const id of runs.slice(1).map((r) => r[0])) {
      const files = readdirSync(join(local, 'runs', id));
      expect(files).toContain('scenario.yaml');
      expect(files).not.toContain('events.jsonl');
      expect(files).not.toContain('report.html');
    }
    for (const table of ['runs', 'periods']) {
      const csv = csvRows(join(local, `${table}.csv`));
      const buf = readFileSync(join(local, `${table}.parquet`));
      const rows = (await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) })) as Record<string, unknown>[];
      expect(rows).toHaveLength(csv.length - 1);
      const cols = csv[0];
      expect(Object.keys(rows[0])).toEqual(cols);
      rows.forEach((row, i) => {
        cols.forEach((c, k) => {
          const cell = csv[i + 1][k];
          const v = row[c];
          if (v === null || v === undefined) expect(cell).toBe('');
          else if (typeof v === 'number') expect(v).toBe(Number(cell));
          else expect(String(v)).toBe(cell);
        });
      });
    }
    // agents.csv and batteries.csv of each run folded into its row (the final iteration's rows):
    // the groups' counts and savings add up to the file's, and the batteries' soc range is the file's
    for (const r of runs.slice(1)) {
      const num = (c: string) => (header.indexOf(c) < 0 || r[header.indexOf(c)] === '' ? null : Number(r[header.indexOf(c)]));
      const [ah, ...arows] = csvRows(join(local, 'runs', r[0], 'agents.csv'));
      const lastIt = Math.max(...arows.map((a) => Number(a[ah.indexOf('iteration')])));
      const mine = arows.filter((a) => Number(a[ah.indexOf('iteration')]) === lastIt && a[ah.indexOf('kind')] !== 'community-manager');
      const groups = ['sellers', 'buyers', 'batteries'];
      expect(groups.reduce((t, g) => t + num(`agents.${g}.count`)!, 0)).toBe(mine.length);
      expect(num('agents.batteries.count')).toBe(mine.filter((a) => a[ah.indexOf('kind')] === 'battery').length);
      const saving = mine.reduce((t, a) => t + Number(a[ah.indexOf('saving_eur')]), 0);
      const folded = groups.reduce((t, g) => t + (num(`agents.${g}.saving_eur`) ?? 0), 0);
      expect(Math.abs(folded - saving)).toBeLessThan(1e-5 * (1 + mine.length));
      for (const g of groups) if (num(`agents.${g}.count`) === 0) expect(num(`agents.${g}.saving_eur`)).toBeNull();
      const [bh, ...brows] = csvRows(join(local, 'runs', r[0], 'batteries.csv'));
      const socs = brows.filter((b) => Number(b[bh.indexOf('iteration')]) === lastIt).map((b) => Number(b[bh.indexOf('soc')]));
      if (socs.length > 0) {
        expect(Math.abs(num('batteries.soc_min')! - Math.min(...socs))).toBeLessThan(1e-6);
        expect(Math.abs(num('batteries.soc_max')! - Math.max(...socs))).toBeLessThan(1e-6);
      } else expect(num('batteries.soc_min')).toBeNull();
    }
    // periods: 12 periods per run, with voltages
    const periods = csvRows(join(local, 'periods.csv'));
    expect(periods).toHaveLength(1 + 12 * 12);
    expect(Number(periods[1][periods[0].indexOf('v_min_pu')])).toBeGreaterThan(0.8);
    // the sweep report is bounded and has the welfare figures
    const html = readFileSync(join(local, 'report.html'), 'utf8');
    expect(html).toContain('data-figure="welfare.sellers_eur"');
    expect(statSync(join(local, 'report.html')).size).toBeLessThan(2_000_000);
  });

  it('lemsim compare draws a sweep folder grouped by its varied fields', async () => {
    const out = join(root, 'cmp');
    const p = lemsim(['compare', local, '--out', out]);
    expect(await p.done).toBe(0);
    const groups = csvRows(join(out, 'comparison.csv'));
    expect(groups).toHaveLength(1 + 6);
    expect(groups[0].slice(0, 5)).toEqual(['prosumers.strategy.supply.name', 'prosumers.pv.share', 'reinforcement.max_iterations', 'runs', 'ok']);
    expect(groups.slice(1).every((g) => g[3] === '2' && g[4] === '2')).toBe(true);
  });

  it('records a run that fails with its error and goes on', async () => {
    const f = join(root, 'failing.yaml');
    // a load the feeder does not have is found only when the run builds its world
    writeFileSync(f, `base: ${SMALL}\nvary:\n  prosumers.loads: [all, [no-such-load]]\n  reinforcement.max_iterations: [1]\n`);
    const dir = join(root, 'failing');
    const p = lemsim(['sweep', f, '--out', dir, '--workers', '2']);
    expect(await p.done).toBe(1);
    expect(p.err()).toMatch(/1 of 2 runs did not finish ok/);
    const [header, ...rows] = csvRows(join(dir, 'runs.csv'));
    expect(rows).toHaveLength(2);
    const status = rows.map((r) => r[header.indexOf('status')]);
    expect(status).toEqual(['ok', 'failed']);
    expect(rows[1][header.indexOf('error')]).toMatch(/no-such-load.*is not a load of the feeder/);
    expect(rows[1][header.indexOf('final.welfare_eur')]).toBe('');
    expect(completeRuns(dir)).toEqual([rows[0][0]]);
  }, 120_000);

  it('resumes after SIGINT without running finished runs again', async () => {
    const dir = join(root, 'interrupted');
    const p = lemsim(['sweep', sweepFile, '--out', dir, '--workers', '1']);
    await until(() => /\[3\/12\]/.test(p.err()), 'three finished runs');
    p.child.kill('SIGINT');
    expect(await p.done).toBe(130);
    expect(p.err()).toMatch(/interrupted: \d+ of 12 runs finished/);
    const finished = completeRuns(dir);
    expect(finished.length).toBeGreaterThanOrEqual(3);
    expect(finished.length).toBeLessThan(12);
    const before = new Map(finished.map((id) => [id, statSync(join(dir, 'runs', id, 'timing.json')).mtimeMs]));
    const q = lemsim(['sweep', sweepFile, '--out', dir, '--workers', '2']);
    expect(await q.done).toBe(0);
    expect(q.out()).toMatch(new RegExp(`12 runs \\(${finished.length} complete already\\), 12 ok`));
    // the finished runs were not run again: their files are untouched
    for (const [id, mtime] of before) expect(statSync(join(dir, 'runs', id, 'timing.json')).mtimeMs).toBe(mtime);
    expect((q.err().match(/complete already/g) ?? []).length).toBe(finished.length);
    // no staging folder survives, and the tables equal the uninterrupted sweep's
    expect(readdirSync(join(dir, 'runs')).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(readFileSync(join(dir, 'runs.csv'), 'utf8')).toBe(readFileSync(join(local, 'runs.csv'), 'utf8'));
    expect(readFileSync(join(dir, 'periods.csv'), 'utf8')).toBe(readFileSync(join(local, 'periods.csv'), 'utf8'));
  }, 300_000);
});

const REDIS = process.env.LEMSIM_REDIS_URL;

describe('a sweep on BullMQ workers', () => {
  it.runIf(!REDIS && process.env.CI === 'true')('needs LEMSIM_REDIS_URL under CI', () => {
    throw new Error('LEMSIM_REDIS_URL is not set under CI=true: .ci/run starts redis-server and sets it');
  });
  it.skipIf(!REDIS)('runs 12 runs on two workers, one SIGKILLed mid-run, each run exactly once, equal to the local sweep', async () => {
    const dir = join(root, 'queued');
    const workerArgs = ['worker', '--queue', REDIS!, '--concurrency', '1', '--lock-s', '4', '--allow-path', root, '--allow-path', projectDir()];
    const a = lemsim(workerArgs);
    const b = lemsim(workerArgs);
    try {
      await until(() => /worker ready/.test(a.err()) && /worker ready/.test(b.err()), 'two workers');
      const s = lemsim(['sweep', sweepFile, '--out', dir, '--queue', REDIS!]);
      // A finishes one run, then is killed while it runs another
      await until(() => /^ran /m.test(a.err()) && (a.err().match(/^started /gm) ?? []).length > (a.err().match(/^ran /gm) ?? []).length, 'worker A in the middle of its second run');
      const killed = [...a.err().matchAll(/^started (\w+)$/gm)].pop()![1];
      a.child.kill('SIGKILL');
      expect(await s.done).toBe(0);
      const logs = a.err() + b.err();
      const ids = csvRows(join(dir, 'runs.csv')).slice(1).map((r) => r[0]);
      expect(ids).toHaveLength(12);
      expect(new Set(ids).size).toBe(12);
      for (const id of ids) expect((logs.match(new RegExp(`^(ran|reused) ${id} ok$`, 'gm')) ?? []).length).toBe(1);
      // the killed worker's run was finished by the other one
      expect(b.err()).toMatch(new RegExp(`^(ran|reused) ${killed} ok$`, 'm'));
      expect(a.err()).not.toMatch(new RegExp(`^ran ${killed}`, 'm'));
      const buf = readFileSync(join(dir, 'runs.parquet'));
      expect(await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) })).toHaveLength(12);
      expect(readFileSync(join(dir, 'runs.csv'), 'utf8')).toBe(readFileSync(join(local, 'runs.csv'), 'utf8'));
      expect(readFileSync(join(dir, 'periods.csv'), 'utf8')).toBe(readFileSync(join(local, 'periods.csv'), 'utf8'));
      expect(readFileSync(join(dir, 'runs.parquet'))).toEqual(readFileSync(join(local, 'runs.parquet')));
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGTERM');
      await Promise.all([a.done, b.done]);
    }
  }, 300_000);

  // the submitter stopped with SIGINT while no worker serves the queue (its own database, so no
  // other test's worker takes the jobs): by default its waiting runs are withdrawn; with
  // --leave-queued they stay, and a worker started later runs them for the same command to collect
  it.skipIf(!REDIS)('SIGINT of the submitter withdraws its queued runs, or leaves them with --leave-queued', async () => {
    const u = new URL(REDIS!);
    u.pathname = '/7';
    const url = u.toString();
    const queue = new Queue(QUEUE_NAME, { connection: { url, maxRetriesPerRequest: null } });
    try {
      await queue.obliterate({ force: true });
      const dir = join(root, 'withdrawn');
      const s = lemsim(['sweep', sweepFile, '--out', dir, '--queue', url, '--no-progress']);
      await until(() => /queued 12 runs/.test(s.err()), 'the runs in the queue');
      expect(await queue.getWaitingCount()).toBe(12);
      s.child.kill('SIGINT');
      expect(await s.done).toBe(130);
      expect(s.err()).toMatch(/interrupted: 0 of 12 runs finished .*; 12 queued runs withdrawn from the queue, 0 in flight/);
      expect(await queue.getWaitingCount()).toBe(0);

      const kept = join(root, 'kept');
      const k = lemsim(['sweep', sweepFile, '--out', kept, '--queue', url, '--no-progress', '--leave-queued']);
      await until(() => /queued 12 runs/.test(k.err()), 'the runs in the queue');
      k.child.kill('SIGINT');
      expect(await k.done).toBe(130);
      expect(k.err()).toMatch(/0 queued runs withdrawn from the queue, 0 in flight finish on their workers, 12 left queued/);
      expect(await queue.getWaitingCount()).toBe(12);
      // a worker runs them; the same command collects the same tables as the local sweep
      const w = lemsim(['worker', '--queue', url, '--concurrency', '2', '--allow-path', root, '--allow-path', projectDir()]);
      try {
        await until(() => completeRuns(kept).length === 12, 'the worker to finish the left runs', 200_000);
        const again = lemsim(['sweep', sweepFile, '--out', kept, '--queue', url, '--no-progress']);
        expect(await again.done).toBe(0);
        expect(readFileSync(join(kept, 'runs.csv'), 'utf8')).toBe(readFileSync(join(local, 'runs.csv'), 'utf8'));
      } finally {
        w.child.kill('SIGTERM');
        await w.done;
      }
    } finally {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
  }, 300_000);
});
