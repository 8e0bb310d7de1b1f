/**
 * `lemsim debug [scenario.yaml]`: the interactive stepper (src/debugger.ts) reading commands from
 * standard input, one per line, so it can be scripted (`printf 'next\nbook\nquit\n' | lemsim debug …`).
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Debugger } from '../../debugger.js';
import { loadScenario } from '../../scenario.js';
import { projectDir } from '../../shared-data.js';
import { Simulation } from '../../simulation.js';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';
import { DEFAULT_SCENARIO } from './run.js';

export const debugCommand: CliCommand = {
  register(program: Command, io: CliIo) {
    program
      .command('debug')
      .description('step through a scenario event by event (commands on stdin; `help` lists them)')
      .argument('[scenario.yaml]', `scenario file (default: ${DEFAULT_SCENARIO})`)
      .action(async (file: string | undefined) => {
        const sim = await Simulation.create(loadScenario(file ?? join(projectDir(), DEFAULT_SCENARIO)));
        const dbg = new Debugger(sim, io.out);
        const input = io.input ?? process.stdin;
        const interactive = input === process.stdin && process.stdin.isTTY;
        io.out(`lemsim debug: ${sim.scenario.name}, ${sim.world.periods.length} periods; 'help' lists the commands\n`);
        const rl = createInterface({ input, terminal: false });
        if (interactive) io.out('(lemsim) ');
        for await (const line of rl) {
          if (!dbg.exec(line)) break;
          if (interactive) io.out('(lemsim) ');
        }
        rl.close();
      });
  },
};
