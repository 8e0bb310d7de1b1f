/**
 * Running a sweep into its folder DIR: DIR/runs/<run id>/ per run, DIR/sweep.json (the sweep as
 * resolved: varied fields, seeds, runs and their parameters), the tables (src/sweep/tables.ts) and
 * the sweep report. Runs whose folder is complete are read back, not run (resume). Runs go to a
 * local pool of child processes or, with a queue URL, to BullMQ workers.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LemsimError, excerpt } from '../errors.js';
import { OutputError, ensureOutputFolder, writeTextAtomic } from '../io/atomic.js';
import { LEMSIM_VERSION } from '../version.js';
import { type RunJob, type RunOutcome, readOutcome, runComplete } from './execute.js';
import { RunPool } from './pool.js';
import { type QueueStop, enqueueAndFollow } from './queue.js';
import type { ReportRun } from './report.js';
import { type Sweep, showValue } from './spec.js';

/** The marker of a sweep folder: lemsim writes into an existing non-empty folder only when it holds it. */
export const SWEEP_MARKER = '.lemsim-sweep';

/** Checks and prepares DIR (its runs/ folder, marker and sweep.json). */
export function prepareSweepDir(out: string, sweep: Sweep): void {
  const dir = resolve(out);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new OutputError(out, 'EEXIST', 'exists and is not a folder');
    const names = readdirSync(dir);
    if (names.length > 0 && !names.includes(SWEEP_MARKER)) throw new OutputError(out, 'EEXIST', `exists, is not empty and is not a lemsim sweep folder (no ${SWEEP_MARKER}); remove it or choose another`);
  }
  ensureOutputFolder(join(dir, 'runs'), out);
  writeTextAtomic(join(dir, SWEEP_MARKER), 'lemsim sweep folder\n');
  const doc = {
    name: sweep.name,
    sweep_file: sweep.file,
    scenario_file: sweep.scenarioFile,
    lemsim_version: LEMSIM_VERSION,
    mode: sweep.mode,
    varied: sweep.varied,
    seeds: sweep.seeds,
    runs: sweep.runs.map((r) => ({ run_id: r.id, params: Object.fromEntries(r.params.map(([p, v]) => [p, v])), seed: r.seed })),
  };
  writeTextAtomic(join(dir, 'sweep.json'), `${JSON.stringify(doc, null, 2)}\n`);
}

export interface SweepRunOptions {
  readonly workers: number;
  readonly queue?: string;
  readonly signal: AbortSignal;
  /** called once per run with its outcome (progress) */
  readonly onOutcome: (o: RunOutcome, done: number, total: number) => void;
  /** queue mode: on interruption, leave the runs no worker started in the queue (default: withdraw them) */
  readonly leaveQueued?: boolean;
  /** queue mode: called once the runs to do are in the queue */
  readonly onQueued?: (count: number) => void;
}

/** The label of a run for messages: its varied values and seed. */
export function runLabel(sweep: Sweep, id: string): string {
  const r = sweep.runs.find((x) => x.id === id);
  return r ? [...r.params.map(([p, v]) => `${p}=${showValue(v)}`), `seed=${r.seed}`].join(' ') : id;
}

/**
 * Runs every run of `sweep` not yet complete in `out`; resolves with the outcome of each run that
 * finished (all of them unless `signal` aborted) and whether it was interrupted.
 */
export async function runSweep(sweep: Sweep, out: string, opts: SweepRunOptions): Promise<{ outcomes: Map<string, RunOutcome>; interrupted: boolean; queueStop?: QueueStop }> {
  const root = resolve(out);
  const outcomes = new Map<string, RunOutcome>();
  const total = sweep.runs.length;
  const record = (o: RunOutcome): void => {
    if (outcomes.has(o.id)) return; // a run is counted once
    outcomes.set(o.id, o);
    opts.onOutcome(o, outcomes.size, total);
  };
  const todo: RunJob[] = [];
  for (const r of sweep.runs) {
    const dir = join(root, 'runs', r.id);
    if (runComplete(dir)) record(readOutcome(r.id, dir, true));
    else todo.push({ id: r.id, scenario: r.scenario, scenarioFile: sweep.scenarioFile, dir, keepEvents: sweep.keepEvents });
  }
  if (todo.length === 0) return { outcomes, interrupted: false };
  if (opts.queue) {
    const stop = await enqueueAndFollow(opts.queue, root, todo, record, { signal: opts.signal, leaveQueued: opts.leaveQueued, onQueued: opts.onQueued });
    return { outcomes, interrupted: opts.signal.aborted, queueStop: stop };
  }
  const pool = new RunPool(Math.max(1, Math.min(opts.workers, todo.length)));
  const aborted = new Promise<void>((r) => opts.signal.addEventListener('abort', () => r(), { once: true }));
  try {
    await Promise.race([Promise.all(todo.map((j) => pool.run(j).then((o) => !opts.signal.aborted && record(o)))), aborted]);
  } finally {
    if (opts.signal.aborted) pool.kill();
    else pool.close();
  }
  return { outcomes, interrupted: opts.signal.aborted };
}

/** Whether `dir` is a sweep folder (its marker and sweep.json). */
export function isSweepDir(dir: string): boolean {
  return existsSync(join(dir, SWEEP_MARKER)) && existsSync(join(dir, 'sweep.json'));
}

/** Reads a sweep folder back for a comparison: its varied fields and each run with its outcome. */
export function readSweepDir(dir: string): { name: string; varied: string[]; runs: ReportRun[] } {
  let doc: { name: string; varied: string[]; runs: { run_id: string; params: Record<string, unknown>; seed: number }[] };
  try {
    doc = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'));
  } catch (err) {
    throw new LemsimError(`${join(dir, 'sweep.json')}: not valid JSON (truncated?): ${excerpt((err as Error).message)}`);
  }
  if (!Array.isArray(doc?.varied) || !Array.isArray(doc?.runs)) throw new LemsimError(`${join(dir, 'sweep.json')}: not a lemsim sweep description (varied and runs expected)`);
  const runs = doc.runs.map((r) => {
    const rd = join(dir, 'runs', r.run_id);
    return { id: r.run_id, params: doc.varied.map((p) => r.params[p]), seed: r.seed, outcome: runComplete(rd) ? readOutcome(r.run_id, rd, true) : undefined };
  });
  return { name: doc.name, varied: doc.varied, runs };
}
