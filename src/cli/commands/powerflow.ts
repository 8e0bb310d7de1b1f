/**
 * `lemsim powerflow <file.dss> [--minute M [--mode daily|yearly|duty]] --out DIR`: one power flow.
 * Without --minute the loads are at their base kW/kvar (snapshot); with it, at minute M (t = M·60 s)
 * of OpenDSS's daily (default), yearly or duty mode.
 * Writes DIR/voltages.csv (bus,node,v_volts,angle_deg,v_pu) and DIR/summary.json.
 */
import type { Command } from 'commander';
import { loadFeeder } from '../../../grid/feeder.js';
import { PowerFlowState, newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';
import { checkPowerBalance, powerBalance } from '../../../grid/powerflow/result.js';
import { writeFileSet } from '../../io/atomic.js';
import { NotConvergedError } from '../../errors.js';
import { angleDeg, fixed, magnitude, nodePu, nodesInOrder } from '../../io/grid-results.js';
import { located, warnNotApplied } from './describe.js';
import { parseShapeMode } from './timeseries.js';
import { type CliCommand, parseNumberOption } from '../command.js';
import type { CliIo } from '../io.js';

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
      .action((file: string, opts: { minute?: string; out: string; tolerance: string; mode: string; yearlyShapesInDaily?: boolean }) => {
        const mode = parseShapeMode(opts.mode);
        const tolerance = parseNumberOption('--tolerance', opts.tolerance);
        const minute = opts.minute === undefined ? undefined : parseNumberOption('--minute', opts.minute);
        const feeder = loadFeeder(file);
        warnNotApplied(io, feeder.network.notApplied);
        const { model } = feeder;
        const powers = newLoadPowers(model);
        setLoadPowersAt(model, minute === undefined ? 0 : minute / 60, minute === undefined ? 'snapshot' : mode, powers, { yearlyShapesInDaily: opts.yearlyShapesInDaily === true });
        const state = new PowerFlowState(model);
        const status = state.solve(powers, { tolerance });
        const balance = powerBalance(model, state.vRe, state.vIm, powers);
        if (status.converged) checkPowerBalance(balance, tolerance);

        let minPu = Infinity;
        let maxPu = -Infinity;
        const rows: string[] = ['bus,node,v_volts,angle_deg,v_pu\n'];
        for (const [bus, node, k] of nodesInOrder(feeder)) {
          const v = magnitude(state.vRe[k], state.vIm[k]);
          const pu = nodePu(feeder, k, v);
          if (pu !== undefined && node >= 1 && node <= 3) {
            minPu = Math.min(minPu, pu);
            maxPu = Math.max(maxPu, pu);
          }
          rows.push(`${bus},${node},${fixed(v, 6)},${fixed(angleDeg(state.vRe[k], state.vIm[k]), 6)},${pu === undefined ? '' : fixed(pu, 8)}\n`);
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
          not_applied: feeder.network.notApplied.map(located),
        };
        writeFileSet(opts.out, {
          'voltages.csv': (f) => f.write(rows.join('')),
          'summary.json': (f) => f.write(`${JSON.stringify(summary, null, 2)}\n`),
        });
        if (!status.converged) {
          throw new NotConvergedError(`power flow did not converge in ${status.iterations} iterations (last change ${status.lastChangePu.toExponential(2)} pu); results written with converged=false`);
        }
        void io;
      });
  },
};

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}
