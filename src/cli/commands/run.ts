/**
 * `lemsim run [scenario.yaml] --out DIR [--log-level L] [--no-progress] [--no-report] [--set field.path=value]… [--allow-path DIR]…`: runs a scenario — agents,
 * market, power flow, violations, reinforcement iterations — and writes its result files
 * (src/io/run-results.ts) and its report (report.html and the tables as CSV, src/report/). Without a
 * scenario it runs scenarios/example-small.yaml.
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { join } from 'node:path';
import { NotConvergedError, ReportFailedError, UsageError, excerpt } from '../../errors.js';
import { OutputSet } from '../../io/atomic.js';
import { RunRecorder, writeRunSummary } from '../../io/run-results.js';
import { collectReportData } from '../../report/collect.js';
import { reportFiles } from '../../report/report.js';
import { createLogger } from '../../log.js';
import { loadScenario, loadScenarioObject, readScenarioRaw } from '../../scenario.js';
import { parseSetOption, withOverride } from '../../sweep/overrides.js';
import { projectDir } from '../../shared-data.js';
import { Simulation } from '../../sim/simulation.js';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';

export const DEFAULT_SCENARIO = 'scenarios/example-small.yaml';

/** A scenario file with `--set field.path=value` overrides (the machinery of sweeps), validated as a whole. */
function loadWithOverrides(path: string, sets: readonly string[], allowPaths: readonly string[]) {
  let raw = readScenarioRaw(path, { allowPaths });
  for (const expr of sets) {
    const { path: field, value } = parseSetOption(expr);
    try {
      raw = withOverride(raw, field, value);
    } catch (err) {
      throw new UsageError(`--set ${excerpt(expr, 80)}: ${(err as Error).message}`);
    }
  }
  return loadScenarioObject(raw, path, { allowPaths });
}

export const runCommand: CliCommand = {
  register(program: Command, io: CliIo) {
    program
      .command('run')
      .description('run a scenario: agents, market clearing, power flow, violations, battery reinforcement')
      .argument('[scenario.yaml]', `scenario file (default: ${DEFAULT_SCENARIO})`)
      .requiredOption('--out <DIR>', 'output directory')
      .option('--log-level <level>', 'pino log level: fatal|error|warn|info|debug|trace|silent', 'info')
      .option('--no-progress', 'no progress bar even on a terminal')
      .option('--no-report', 'write the result files only: no report.html and no report tables')
      .option('--set <field.path=value>', 'override a scenario field (YAML value), e.g. --set prosumers.pv.share=0.3; repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
      .option('--allow-path <DIR>', 'confine every file the scenario reads (scenario, feeder and its redirects, bus_coords) to DIR; repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
      .action(async (file: string | undefined, opts: { out: string; logLevel: string; progress: boolean; report: boolean; allowPath: string[]; set: string[] }) => {
        const log = createLogger(opts.logLevel);
        const t0 = process.hrtime.bigint();
        const path = file ?? join(projectDir(), DEFAULT_SCENARIO);
        const loaded = opts.set.length === 0 ? loadScenario(path, { allowPaths: opts.allowPath }) : loadWithOverrides(path, opts.set, opts.allowPath);
        log.info({ scenario: loaded.file, feeder: loaded.feederPath }, 'scenario loaded');
        // the output location is checked before simulating; rows stream into it as the run goes
        const set = OutputSet.open(opts.out);
        let reportError: string | undefined;
        const { summaries, sim } = await OutputSet.produce(set, async () => {
          const sim = await Simulation.create(loaded);
          const recorder = new RunRecorder(sim, set);
          const tSetup = process.hrtime.bigint();
          const bar = opts.progress && process.stderr.isTTY ? new SingleBar({ format: 'lemsim {bar} {value}/{total} periods | iteration {iteration}', stream: process.stderr, hideCursor: true }) : undefined;
          bar?.start(sim.world.periods.length * sim.scenario.reinforcement.max_iterations, 0, { iteration: 0 });
          let summaries;
          try {
            summaries = sim.run((done, total) => {
              bar?.setTotal(total);
              bar?.update(done, { iteration: sim.iteration });
            });
          } finally {
            bar?.stop();
          }
          for (const s of summaries) log.info({ iteration: s.iteration, welfare_eur: s.welfareEur, violations: s.violations, non_converged_steps: s.nonConvergedSteps, batteries: s.batteries.length, decision: s.decision }, 'iteration completed');
          const tRun = process.hrtime.bigint();
          const seconds = (a: bigint, b: bigint) => Number(b - a) / 1e9;
          // The report joins the result files in one set. A report that cannot be drawn never costs
          // the simulation's results: they are written without it (report_error.txt says why) and
          // the run ends with exit 4 (ReportFailedError) after printing its result line.
          let report: Awaited<ReturnType<typeof reportFiles>> = {};
          if (opts.report) {
            try {
              report = await reportFiles(collectReportData(sim, recorder, summaries));
            } catch (err) {
              reportError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
              report = { 'report_error.txt': (f) => f.write(`report.html was not written: ${reportError}\n`) };
            }
          }
          for (const [name, produce] of Object.entries(report)) {
            const f = set.file(name);
            produce(f);
          }
          const tReport = process.hrtime.bigint();
          writeRunSummary(set, sim, recorder, summaries, { setup_s: seconds(t0, tSetup), run_s: seconds(tSetup, tRun), report_s: seconds(tRun, tReport), events: recorder.eventCount });
          return { summaries, sim };
        });
        const last = summaries[summaries.length - 1];
        const failed = summaries.reduce((a, s) => a + s.nonConvergedSteps, 0);
        log.info({ out: opts.out }, 'results written');
        log.flush();
        if (failed > 0) {
          const solves = summaries.reduce((a, s) => a + s.gridSolves, 0);
          throw new NotConvergedError(
            `${sim.scenario.name}: ${failed} of ${solves} power flows did not converge, so violations are unknown (final iteration: ${last.nonConvergedSteps} sub-steps); results written to ${opts.out} and flagged (summary.json non_converged_steps)`,
          );
        }
        io.out(`${loaded.scenario.name}: ${summaries.length} iteration(s), final welfare ${last.welfareEur.toFixed(4)} EUR, ${last.violations} violations, ${last.batteries.length} battery sites → ${opts.out}\n`);
        if (reportError !== undefined) throw new ReportFailedError(`the report could not be drawn (${reportError}); the result files in ${opts.out} are complete, report.html is missing (see report_error.txt)`);
      });
  },
};
