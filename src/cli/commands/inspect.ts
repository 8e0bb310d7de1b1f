/**
 * `lemsim inspect DIR [--port P]`: serves the inspector (src/inspect/) over a finished run folder on
 * 127.0.0.1 only, until interrupted. Prints the URL; everything it shows comes from DIR.
 */
import type { Command } from 'commander';
import { inspectRun } from '../../inspect/run-data.js';
import { serveInspector } from '../../inspect/server.js';
import { type CliCommand, parseNumberOption } from '../command.js';
import { UsageError } from '../../errors.js';
import type { CliIo } from '../io.js';

export const inspectCommand: CliCommand = {
  register(program: Command, io: CliIo) {
    program
      .command('inspect')
      .description('browse a finished run in a local web app (127.0.0.1 only): periods, merit order, why this price, agents, feeder map, events')
      .argument('<DIR>', 'a folder written by lemsim run --out')
      .option('--port <P>', 'TCP port on 127.0.0.1 (default 8750; 0: any free port)', '8750')
      .action(async (dir: string, opts: { port: string }) => {
        const port = parseNumberOption('--port', opts.port);
        if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new UsageError(`--port expects a whole number from 0 to 65535, got '${opts.port}'`);
        const run = inspectRun(dir);
        const server = await serveInspector(run, port);
        io.out(`lemsim inspect: ${run.summary.scenario} (${run.periods.length} periods) at ${server.url} — Ctrl-C stops it\n`);
        await new Promise<void>((resolve) => {
          const stop = () => void server.close().then(resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      });
  },
};
