/**
 * `lemsim debug [scenario.yaml]`: the interactive stepper (src/debugger.ts) reading commands from
 * standard input, one per line, so it can be scripted (`printf 'next\nbook\nquit\n' | lemsim debug …`).
 * On a terminal it is a real line editor (node:readline): arrow keys, in-session history and tab
 * completion of commands, event types and agent ids. `back` and `goto` replay a fresh simulation of
 * the same scenario (the run is deterministic).
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Debugger, completeLine } from '../../debugger.js';
import { loadScenario } from '../../scenario.js';
import { projectDir } from '../../shared-data.js';
import { Simulation } from '../../sim/simulation.js';
import { type CliCommand, parseNumberOption } from '../command.js';
import { UsageError } from '../../errors.js';
import { serveLiveDebugger } from '../../inspect/live.js';
import type { CliIo } from '../io.js';
import { DEFAULT_SCENARIO } from './run.js';

export const debugCommand: CliCommand = {
  register(program: Command, io: CliIo) {
    program
      .command('debug')
      .description('step through a scenario event by event, back and forth (commands on stdin; `help` lists them)')
      .argument('[scenario.yaml]', `scenario file (default: ${DEFAULT_SCENARIO})`)
      .option('--web', 'drive the stepper from a browser page on 127.0.0.1 instead of stdin')
      .option('--port <P>', 'with --web: TCP port on 127.0.0.1 (default 8751; 0: any free port)', '8751')
      .action(async (file: string | undefined, opts: { web?: boolean; port: string }) => {
        const path = file ?? join(projectDir(), DEFAULT_SCENARIO);
        const sim = await Simulation.create(loadScenario(path));
        const dbg = new Debugger(sim, io.out, { restart: async () => Simulation.create(loadScenario(path)) });
        if (opts.web) {
          const port = parseNumberOption('--port', opts.port);
          if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new UsageError(`--port expects a whole number from 0 to 65535, got '${opts.port}'`);
          const live = await serveLiveDebugger(dbg, port);
          io.out(`lemsim debug --web: ${sim.scenario.name} at ${live.url} — 'quit' on the page or Ctrl-C stops it\n`);
          await new Promise<void>((resolve) => {
            void live.quit.then(resolve);
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          await live.close();
          return;
        }
        const input = io.input ?? process.stdin;
        const interactive = input === process.stdin && process.stdin.isTTY === true;
        io.out(`lemsim debug: ${sim.scenario.name}, ${sim.world.periods.length} periods; 'help' lists the commands\n`);
        if (interactive) {
          const rl = createInterface({
            input: process.stdin,
            output: process.stdout,
            terminal: true,
            historySize: 1000,
            removeHistoryDuplicates: true,
            prompt: '(lemsim) ',
            completer: (line: string) => completeLine(line, dbg.agentIds),
          });
          rl.prompt();
          for await (const line of rl) {
            if (!(await dbg.exec(line))) break;
            rl.prompt();
          }
          rl.close();
          return;
        }
        const rl = createInterface({ input, terminal: false });
        for await (const line of rl) {
          if (!(await dbg.exec(line))) break;
        }
        rl.close();
      });
  },
};
