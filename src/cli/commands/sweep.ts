/**
 * `lemsim sweep sweep.yaml --out DIR [--workers N] [--queue redis://HOST:PORT/DB] [--no-progress]`:
 * runs every run of a sweep file (src/sweep/spec.ts) — on N local child processes, or through
 * BullMQ workers (`lemsim worker`) — and writes DIR/runs.csv, runs.parquet, periods.csv,
 * periods.parquet and the sweep report DIR/report.html. Complete runs are not run again (resume);
 * SIGINT kills the runs in flight and leaves the finished ones intact (exit 130); with --queue it
 * withdraws the runs no worker has started (or leaves them queued with --leave-queued).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { LemsimError, UsageError } from '../../errors.js';
import { writeTextAtomic } from '../../io/atomic.js';
import { reachable, redisConnection } from '../../sweep/queue.js';
import { renderSweepReport } from '../../sweep/report.js';
import { prepareSweepDir, runLabel, runSweep } from '../../sweep/run-sweep.js';
import { checkSweepReferences, loadSweep } from '../../sweep/spec.js';
import { writeSweepTables } from '../../sweep/tables.js';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';

/** A sweep stopped by SIGINT: finished runs are kept, the next `lemsim sweep` resumes. */
class SweepInterrupted extends LemsimError {
  override readonly exitCode = 130;
}

/** Parses a positive whole-number option. */
export function parseCount(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} expects a whole number of at least 1, got '${v}'`);
  return n;
}

export const sweepCommand: CliCommand = {
  register(program: Command, io: CliIo) {
    program
      .command('sweep')
      .description('run a parameter sweep: every combination of the varied fields and seeds, one table of results')
      .argument('<sweep.yaml>', 'sweep file: base, vary, seeds, mode')
      .requiredOption('--out <DIR>', 'sweep folder (runs/, runs.csv, runs.parquet, periods.csv, periods.parquet, report.html)')
      .option('--workers <N>', 'runs at once on this machine (default: its cores)')
      .option('--queue <URL>', 'enqueue the runs on BullMQ at redis://HOST:PORT/DB and follow them (workers: lemsim worker)')
      .option('--leave-queued', 'with --queue: on SIGINT leave the runs no worker has started in the queue (default: withdraw them)')
      .option('--no-progress', 'no progress bar even on a terminal')
      .option('--no-report', 'no sweep report.html')
      .action(async (file: string, opts: { out: string; workers?: string; queue?: string; progress: boolean; report: boolean; leaveQueued?: boolean }) => {
        const workers = opts.workers === undefined ? availableParallelism() : parseCount('--workers', opts.workers);
        if (opts.leaveQueued && !opts.queue) throw new UsageError('--leave-queued needs --queue');
        if (opts.queue && opts.workers !== undefined) throw new UsageError('--workers and --queue exclude each other: with --queue, lemsim worker processes run the runs');
        const sweep = loadSweep(file);
        await checkSweepReferences(sweep);
        // an unreachable queue fails before the sweep folder is made
        if (opts.queue) {
          redisConnection(opts.queue);
          await reachable(opts.queue);
        }
        prepareSweepDir(opts.out, sweep);
        const bar = opts.progress && process.stderr.isTTY ? new SingleBar({ format: 'lemsim sweep {bar} {value}/{total} runs | {failed} failed', stream: process.stderr, hideCursor: true }) : undefined;
        let failed = 0;
        bar?.start(sweep.runs.length, 0, { failed });
        const ac = new AbortController();
        const onSigint = () => ac.abort();
        process.once('SIGINT', onSigint);
        let result;
        try {
          result = await runSweep(sweep, opts.out, {
            workers,
            queue: opts.queue,
            signal: ac.signal,
            leaveQueued: opts.leaveQueued === true,
            onQueued: (n) => io.err(`queued ${n} runs on ${opts.queue}\n`),
            onOutcome: (o, done, total) => {
              if (o.status !== 'ok') failed++;
              if (bar) bar.update(done, { failed });
              else io.err(`[${done}/${total}] ${o.id} ${o.status}${o.reused ? ' (complete already)' : ''}: ${runLabel(sweep, o.id)}${o.error ? ` — ${o.error}` : ''}\n`);
            },
          });
        } finally {
          process.removeListener('SIGINT', onSigint);
          bar?.stop();
        }
        if (result.interrupted) {
          const q = result.queueStop;
          const queue = q
            ? `; ${q.withdrawn} queued runs withdrawn from the queue, ${q.inFlight} in flight finish on their workers${q.leftQueued > 0 ? `, ${q.leftQueued} left queued for the workers` : ''}`
            : '';
          throw new SweepInterrupted(`interrupted: ${result.outcomes.size} of ${sweep.runs.length} runs finished and kept in ${opts.out}/runs${queue}; run the same command again to resume`);
        }
        writeSweepTables(opts.out, sweep, result.outcomes);
        if (opts.report) {
          const { html, csv } = await renderSweepReport(sweep.name, sweep.varied, sweep.runs.map((r) => ({ id: r.id, params: r.params.map(([, v]) => v), seed: r.seed, outcome: result.outcomes.get(r.id) })));
          writeTextAtomic(join(opts.out, 'report.html'), html);
          writeTextAtomic(join(opts.out, 'groups.csv'), csv);
        }
        const counts = { ok: 0, failed: 0, 'not converged': 0 };
        let reused = 0;
        for (const o of result.outcomes.values()) {
          counts[o.status]++;
          if (o.reused) reused++;
        }
        io.out(`${sweep.name}: ${sweep.runs.length} runs (${reused} complete already), ${counts.ok} ok, ${counts.failed} failed, ${counts['not converged']} not converged → ${opts.out}/runs.csv\n`);
        if (counts.failed > 0 || counts['not converged'] > 0) throw new LemsimError(`${counts.failed + counts['not converged']} of ${sweep.runs.length} runs did not finish ok; their status and error are in ${opts.out}/runs.csv`);
      });
  },
};
