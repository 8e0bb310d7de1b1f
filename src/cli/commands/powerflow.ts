/**
 * `lemsim powerflow <file.dss> [--minute M [--mode daily|yearly|duty]] --out DIR`: one power flow.
 * Without --minute the loads are at their base kW/kvar (snapshot); with it, at minute M (t = M·60 s)
 * of OpenDSS's daily (default), yearly or duty mode.
 * Writes DIR/voltages.csv (bus,node,v_volts,angle_deg,v_pu) and DIR/summary.json. A feeder with
 * RegControls or CapControls is solved in OpenDSS's static control mode, its script's own `Solve`
 * commands replayed first (grid/controls); summary.json then reports the control iterations, the
 * final taps and the capacitor states.
 */
import type { Command } from 'commander';
import { loadFeeder } from '../../../grid/feeder.js';
import { type ControlMode, solveFeeder, timeOfMinute } from '../../../grid/controls/static-control.js';
import { newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';
import { checkPowerBalance, powerBalance } from '../../../grid/powerflow/result.js';
import { OutputSet } from '../../io/atomic.js';
import { CsvTable } from '../../io/csv.js';
import { NotConvergedError, UsageError } from '../../errors.js';
import { angleDeg, fixed, magnitude, nodePu, nodesInOrder } from '../../io/grid-results.js';
import { located, warnNotApplied } from './describe.js';
import { parseShapeMode } from './timeseries.js';
import { type CliCommand, checkTolerance, parseNumberOption } from '../command.js';
import type { CliIo } from '../io.js';

const VOLTAGES = new CsvTable([['bus', 'text'], ['node', 'number'], ['v_volts', 'number'], ['angle_deg', 'number'], ['v_pu', 'number']]);
/** The last daily-mode minute `--minute` accepts: one year. */
const MAX_MINUTE = 525_600;

export const powerflowCommand: CliCommand = {
  register(program: Command, io: CliIo) {
    program
      .command('powerflow')
      .description('solve one unbalanced three-phase power flow of an OpenDSS feeder')
      .argument('<file.dss>', 'OpenDSS entry script')
      .option('--minute <M>', 'daily-mode minute (t = M·60 s); default: loads at base power')
      .requiredOption('--out <DIR>', 'output directory')
      .option('--tolerance <pu>', 'convergence tolerance on voltage change, per unit', '1e-10')
      .option('--mode <daily|yearly|duty>', 'with --minute: load shapes as in that OpenDSS solution mode', 'daily')
      .option('--yearly-shapes-in-daily', 'in daily mode, also drive loads that have only a Yearly shape by it')
      .option('--controlmode <mode>', "regulator and capacitor controls: static (OpenDSS's default), time, event or off; default: as the script sets it")
      .option('--maxcontroliter <N>', "control iterations before giving up (default: the script's, else 15)")
      .action(async (file: string, opts: { minute?: string; out: string; tolerance: string; mode: string; yearlyShapesInDaily?: boolean; controlmode?: string; maxcontroliter?: string }) => {
        const mode = parseShapeMode(opts.mode);
        const tolerance = parseNumberOption('--tolerance', opts.tolerance);
        checkTolerance('--tolerance', tolerance);
        const minute = opts.minute === undefined ? undefined : parseNumberOption('--minute', opts.minute);
        if (minute !== undefined && !(minute >= 0 && minute <= MAX_MINUTE)) throw new UsageError(`--minute must be between 0 and ${MAX_MINUTE} (a year), got ${opts.minute}`);
        const feeder = loadFeeder(file);
        const set = OutputSet.open(opts.out);
        warnNotApplied(io, feeder.network.notApplied);
        const { model } = feeder;
        const powers = newLoadPowers(model);
        setLoadPowersAt(model, minute === undefined ? 0 : minute / 60, minute === undefined ? 'snapshot' : mode, powers, { yearlyShapesInDaily: opts.yearlyShapesInDaily === true });
        if (opts.controlmode !== undefined && !['static', 'time', 'event', 'off'].includes(opts.controlmode)) {
          throw new UsageError(`--controlmode must be static, time, event or off, got '${opts.controlmode}'`);
        }
        const maxControlIterations = opts.maxcontroliter === undefined ? undefined : parseNumberOption('--maxcontroliter', opts.maxcontroliter);
        const solution = solveFeeder(feeder, powers, timeOfMinute(minute ?? 0), { tolerance }, { mode: opts.controlmode as ControlMode | undefined, maxControlIterations });
        const { status, controls } = solution;
        const state = solution;
        const balance = powerBalance(solution.model, state.vRe, state.vIm, powers);
        if (status.converged) checkPowerBalance(balance, tolerance);

        let minPu = Infinity;
        let maxPu = -Infinity;
        const rows: string[] = [VOLTAGES.header];
        for (const [bus, node, k] of nodesInOrder(feeder)) {
          const v = magnitude(state.vRe[k], state.vIm[k]);
          const pu = nodePu(feeder, k, v);
          if (pu !== undefined && node >= 1 && node <= 3) {
            minPu = Math.min(minPu, pu);
            maxPu = Math.max(maxPu, pu);
          }
          rows.push(VOLTAGES.line([bus, node, fixed(v, 6), fixed(angleDeg(state.vRe[k], state.vIm[k]), 6), pu === undefined ? '' : fixed(pu, 8)]));
        }
        const summary = {
          file,
          minute: minute ?? null,
          converged: status.converged,
          iterations: status.iterations,
          min_v_pu: Number.isFinite(minPu) ? round(minPu, 8) : null,
          max_v_pu: Number.isFinite(maxPu) ? round(maxPu, 8) : null,
          losses_kw: round(balance.lossesKw, 6),
          losses_kvar: round(balance.lossesKvar, 6),
          load_kw: round(balance.loadKw, 6),
          load_kvar: round(balance.loadKvar, 6),
          source_kw: round(balance.sourceKw, 6),
          source_kvar: round(balance.sourceKvar, 6),
          power_balance_relative_mismatch: Number(balance.relativeMismatch.toExponential(3)),
          buses: feeder.network.buses.length,
          nodes: model.nNodes,
          // controls (OpenDSS's static, time or event mode): solves of the final control loop and where they left the taps and capacitors
          control_mode: controls ? controls.mode : null,
          control_iterations: status.controlIterations,
          controls_settled: status.controlsSettled,
          total_iterations: status.totalIterations,
          script_solves: controls ? controls.scriptSolves.length : 0,
          // the solution clock at the end (s): the event-driven mode moves it to the last action's time
          control_clock_s: controls ? (status.timeS ?? null) : null,
          taps: (controls?.taps ?? []).map((t) => ({ regcontrol: t.regcontrol, transformer: t.transformer, winding: t.winding, tap: round(t.tap, 10), tap_number: t.tapNumber })),
          capacitors: (controls?.capacitors ?? []).map((c) => ({ capacitor: c.capacitor, capcontrol: c.capcontrol ?? null, states: c.states })),
          not_applied: feeder.network.notApplied.map(located),
        };
        await OutputSet.produce(set, () => {
          set.write('voltages.csv', rows.join(''));
          set.write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
        });
        if (status.converged && !status.controlsSettled) {
          io.err(`lemsim: warning: controls still acting after ${status.controlIterations} control iterations (maxcontroliter); results written with controls_settled=false\n`);
        }
        if (!status.converged) {
          throw new NotConvergedError(`power flow did not converge in ${status.iterations} iterations (last change ${status.lastChangePu.toExponential(2)} pu); results written with converged=false`);
        }
      });
  },
};

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}
