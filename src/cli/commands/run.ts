/**
 * `lemsim run [scenario.yaml] --out DIR [--log-level L] [--no-progress]`: runs a scenario — agents,
 * market, power flow, violations, reinforcement iterations — and writes its result files
 * (src/io/run-results.ts) and its report (report.html and the tables as CSV, src/report/). Without a
 * scenario it runs scenarios/example-small.yaml.
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { join } from 'node:path';
import { writeRunResults, RunRecorder } from '../../io/run-results.js';
import { collectReportData } from '../../report/collect.js';
import { reportFiles } from '../../report/report.js';
import { createLogger } from '../../log.js';
import { loadScenario } from '../../scenario.js';
import { projectDir } from '../../shared-data.js';
import { Simulation } from '../../simulation.js';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';
import { ReportFailedError } from '../../errors.js';

export const DEFAULT_SCENARIO = 'scenarios/example-small.yaml';

export const runCommand: CliCommand = {
  register(program: Command, io: CliIo) {
    program
      .command('run')
      .description('run a scenario: agents, market clearing, power flow, violations, battery reinforcement')
      .argument('[scenario.yaml]', `scenario file (default: ${DEFAULT_SCENARIO})`)
      .requiredOption('--out <DIR>', 'output directory')
      .option('--log-level <level>', 'pino log level: fatal|error|warn|info|debug|trace|silent', 'info')
      .option('--no-progress', 'no progress bar even on a terminal')
      .action(async (file: string | undefined, opts: { out: string; logLevel: string; progress: boolean }) => {
        const log = createLogger(opts.logLevel);
        const t0 = process.hrtime.bigint();
        const loaded = loadScenario(file ?? join(projectDir(), DEFAULT_SCENARIO));
        log.info({ scenario: loaded.file, feeder: loaded.feederPath }, 'scenario loaded');
        const sim = await Simulation.create(loaded);
        const recorder = new RunRecorder(sim);
        const tSetup = process.hrtime.bigint();
        const bar = opts.progress && process.stderr.isTTY ? new SingleBar({ format: 'lemsim {bar} {value}/{total} periods | iteration {iteration}', stream: process.stderr, hideCursor: true }) : undefined;
        bar?.start(sim.world.periods.length * sim.scenario.reinforcement.max_iterations, 0, { iteration: 0 });
        const summaries = sim.run((done, total) => {
          bar?.setTotal(total);
          bar?.update(done, { iteration: sim.iteration });
        });
        bar?.stop();
        for (const s of summaries) log.info({ iteration: s.iteration, welfare_eur: s.welfareEur, violations: s.violations, batteries: s.batteries.length, decision: s.decision }, 'iteration completed');
        const tRun = process.hrtime.bigint();
        const seconds = (a: bigint, b: bigint) => Number(b - a) / 1e9;
        // The report joins the result files in one set. A report that cannot be drawn never costs
        // the simulation's results: they are written without it (report_error.txt says why) and
        // the run ends with REPORT_FAILED_EXIT after printing its result line.
        let report: Awaited<ReturnType<typeof reportFiles>>;
        let reportError: string | undefined;
        try {
          report = await reportFiles(collectReportData(sim, recorder, summaries));
        } catch (err) {
          reportError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
          report = { 'report_error.txt': (f) => f.write(`report.html was not written: ${reportError}\n`) };
        }
        const tReport = process.hrtime.bigint();
        writeRunResults(opts.out, sim, recorder, summaries, { setup_s: seconds(t0, tSetup), run_s: seconds(tSetup, tRun), report_s: seconds(tRun, tReport), events: recorder.eventCount }, report);
        const last = summaries[summaries.length - 1];
        io.out(`${loaded.scenario.name}: ${summaries.length} iteration(s), final welfare ${last.welfareEur.toFixed(4)} EUR, ${last.violations} violations, ${last.batteries.length} battery sites → ${opts.out}\n`);
        log.info({ out: opts.out, run_s: seconds(tSetup, tRun) }, 'results written');
        log.flush();
        if (reportError !== undefined) throw new ReportFailedError(`the report could not be drawn (${reportError}); the result files in ${opts.out} are complete, report.html is missing (see report_error.txt)`);
      });
  },
};
