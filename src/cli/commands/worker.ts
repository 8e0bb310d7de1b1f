/**
 * `lemsim worker --queue redis://HOST:PORT/DB [--concurrency N] [--allow-path DIR]… [--results DIR]`:
 * takes runs from the BullMQ queue that `lemsim sweep --queue` fills and executes them, N at a time
 * in child processes, until SIGINT or SIGTERM (its runs in flight then go back to the queue). Every
 * file a run reads must lie under an `--allow-path` folder, and so must the results folder it writes.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { runWorker } from '../../sweep/queue.js';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';
import { parseCount } from './sweep.js';

export const workerCommand: CliCommand = {
  register(program: Command, io: CliIo) {
    program
      .command('worker')
      .description('take sweep runs from a BullMQ queue on Redis and execute them (any number of machines)')
      .requiredOption('--queue <URL>', 'redis://HOST:PORT/DB')
      .option('--concurrency <N>', 'runs at once (default: the machine\'s cores)')
      .option('--allow-path <DIR>', 'confine every file a run reads and writes to DIR; repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
      .option('--results <DIR>', 'write run folders here instead of the path the sweep names (a machine that does not see the shared folder)')
      .option('--lock-s <S>', 'seconds without a sign of life after which a worker is taken for dead and its run goes to another', '30')
      .action(async (opts: { queue: string; concurrency?: string; allowPath: string[]; results?: string; lockS: string }) => {
        const concurrency = opts.concurrency === undefined ? availableParallelism() : parseCount('--concurrency', opts.concurrency);
        const lockS = Number(opts.lockS);
        if (!(lockS >= 1 && lockS <= 3600)) throw new UsageError(`--lock-s expects seconds from 1 to 3600, got '${opts.lockS}'`);
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          await runWorker(opts.queue, { concurrency, allowPaths: opts.allowPath, results: opts.results, lockMs: lockS * 1000, log: (line) => io.err(`${line}\n`) }, ac.signal);
        } finally {
          process.removeListener('SIGINT', stop);
          process.removeListener('SIGTERM', stop);
        }
      });
  },
};
