/**
 * `lemsim compare <run-dir>… --out DIR [--reference NAME]`: the cross-scenario figures of seed 004
 * (energy balance, average voltage, MAE of voltage deviations, voltage differences against a
 * reference run) from the folders `lemsim run` wrote; DIR/compare.html and DIR/comparison.csv.
 */
import type { Command } from 'commander';
import { OutputSet } from '../../io/atomic.js';
import { readRun, renderComparison } from '../../report/compare.js';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';

export const compareCommand: CliCommand = {
  register(program: Command, io: CliIo) {
    program
      .command('compare')
      .description('compare finished runs: energy balance, average voltage, MAE, voltage differences (seed 004 Figures 6–9)')
      .argument('<run-dirs...>', 'folders written by lemsim run')
      .requiredOption('--out <DIR>', 'output directory')
      .option('--reference <name>', 'run the voltage differences are taken against (default: the first)')
      .action(async (dirs: string[], opts: { out: string; reference?: string }) => {
        const runs = dirs.map(readRun);
        const set = OutputSet.open(opts.out);
        await OutputSet.produce(set, async () => {
          const { html, csv } = await renderComparison(runs, opts.reference ?? runs[0].name);
          set.write('compare.html', html);
          set.write('comparison.csv', csv);
        });
        io.out(`compared ${runs.length} runs → ${opts.out}/compare.html\n`);
      });
  },
};
