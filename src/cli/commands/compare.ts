/**
 * `lemsim compare <run-dir>… --out DIR [--reference NAME]` (or one sweep folder, grouped by its varied
 * fields: src/sweep/report.ts): the cross-scenario figures of seed 004
 * (energy balance, average voltage, MAE of voltage deviations, voltage differences against a
 * reference run) from the folders `lemsim run` wrote; DIR/compare.html, DIR/comparison.csv and DIR/figures/.
 */
import type { Command } from 'commander';
import { OutputSet } from '../../io/atomic.js';
import { readRun, renderComparison } from '../../report/compare.js';
import { renderSweepReport } from '../../sweep/report.js';
import { isSweepDir, readSweepDir } from '../../sweep/run-sweep.js';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';

export const compareCommand: CliCommand = {
  register(program: Command, io: CliIo) {
    program
      .command('compare')
      .description('compare finished runs: energy balance, average voltage, MAE, voltage differences (seed 004 Figures 6–9)')
      .argument('<run-dirs...>', 'folders written by lemsim run, or one folder written by lemsim sweep')
      .requiredOption('--out <DIR>', 'output directory')
      .option('--reference <name>', 'run the voltage differences are taken against (default: the first)')
      .action(async (dirs: string[], opts: { out: string; reference?: string }) => {
        if (dirs.length === 1 && isSweepDir(dirs[0])) {
          // a sweep folder: its runs grouped by the varied fields, seeds pooled
          const sweep = readSweepDir(dirs[0]);
          const set = OutputSet.open(opts.out);
          await OutputSet.produce(set, async () => {
            const { html, csv } = await renderSweepReport(sweep.name, sweep.varied, sweep.runs);
            set.write('compare.html', html);
            set.write('comparison.csv', csv);
          });
          io.out(`compared ${sweep.runs.length} runs of sweep ${sweep.name} grouped by ${sweep.varied.join(', ') || 'seed'} → ${opts.out}/compare.html\n`);
          return;
        }
        const runs = dirs.map(readRun);
        const set = OutputSet.open(opts.out);
        await OutputSet.produce(set, async () => {
          const { html, csv, figures } = await renderComparison(runs, opts.reference ?? runs[0].name);
          set.write('compare.html', html);
          set.write('comparison.csv', csv);
          for (const [name, text] of Object.entries(figures)) set.write(name, text);
        });
        io.out(`compared ${runs.length} runs → ${opts.out}/compare.html\n`);
      });
  },
};
