/**
 * `lemsim timeseries <file.dss> --from M1 --to M2 [--step-min S] [--mode daily|yearly|duty]
 * [--yearly-shapes-in-daily] [--all-buses] --out DIR`: a time series over a range of minutes in
 * OpenDSS's daily (default), yearly or duty mode, each step warm-started from the last. Writes DIR/load_voltages.csv
 * (minute,load,bus,node,v_volts,v_pu), DIR/source_pq.csv (minute,p_kw,q_kvar: power delivered by
 * the substation transformer secondary into the network), with --all-buses DIR/bus_voltages.csv
 * (minute,bus,node,v_volts,angle_deg), and DIR/summary.json (steps, non-converged minutes, timing
 * excluded so that files are byte-identical between runs).
 */
import type { Command } from 'commander';
import { loadFeeder, runTimeSeries } from '../../../grid/feeder.js';
import { GridMeter, checkPowerBalance } from '../../../grid/powerflow/result.js';
import { NotConvergedError, UsageError } from '../../errors.js';
import { writeFileSet } from '../../io/atomic.js';
import { angleDeg, fixed, loadTerminalNodes, magnitude, nodePu, nodesInOrder, substationPowerFn } from '../../io/grid-results.js';
import { located, warnNotApplied } from './describe.js';
import { type CliCommand, parseNumberOption } from '../command.js';
import type { CliIo } from '../io.js';

interface Options {
  from: string;
  to: string;
  stepMin: string;
  allBuses?: boolean;
  out: string;
  tolerance: string;
  mode: string;
  yearlyShapesInDaily?: boolean;
}

/** `--mode`: which load shapes drive the loads, as in OpenDSS's solution modes. */
export function parseShapeMode(text: string): 'daily' | 'yearly' | 'duty' {
  const t = text.toLowerCase();
  if (t === 'daily' || t === 'yearly' || t === 'duty') return t;
  throw new UsageError(`--mode must be daily, yearly or duty, got '${text}'`);
}

export const timeseriesCommand: CliCommand = {
  register(program: Command, io: CliIo) {
    program
      .command('timeseries')
      .description('run the power flow over a range of minutes (OpenDSS daily, yearly or duty mode)')
      .argument('<file.dss>', 'OpenDSS entry script')
      .requiredOption('--from <M1>', 'first minute')
      .requiredOption('--to <M2>', 'last minute (inclusive)')
      .option('--step-min <S>', 'minutes between solves', '1')
      .option('--all-buses', 'also write every bus node voltage at every step (bus_voltages.csv)')
      .requiredOption('--out <DIR>', 'output directory')
      .option('--tolerance <pu>', 'convergence tolerance on voltage change, per unit', '1e-10')
      .option('--mode <daily|yearly|duty>', "load shapes as OpenDSS's solution mode uses them (daily: Daily shapes only)", 'daily')
      .option('--yearly-shapes-in-daily', 'in daily mode, also drive loads that have only a Yearly shape by it')
      .action((file: string, opts: Options) => {
        const mode = parseShapeMode(opts.mode);
        const from = parseNumberOption('--from', opts.from);
        const to = parseNumberOption('--to', opts.to);
        const stepMin = parseNumberOption('--step-min', opts.stepMin);
        const tolerance = parseNumberOption('--tolerance', opts.tolerance);
        if (!(stepMin > 0)) throw new UsageError(`--step-min must be positive, got ${opts.stepMin}`);
        if (to < from) throw new UsageError(`--to (${to}) is before --from (${from})`);
        const feeder = loadFeeder(file);
        warnNotApplied(io, feeder.network.notApplied);
        const loadNodes = loadTerminalNodes(feeder);
        const allNodes = opts.allBuses ? [...nodesInOrder(feeder)] : [];
        const substation = substationPowerFn(feeder);
        const loadRows: string[] = ['minute,load,bus,node,v_volts,v_pu\n'];
        const sourceRows: string[] = ['minute,p_kw,q_kvar\n'];
        const busChunks: string[] = ['minute,bus,node,v_volts,angle_deg\n'];
        const notConverged: number[] = [];
        let worstMismatch = 0;
        const meter = new GridMeter(feeder.model);
        const run = runTimeSeries(
          feeder,
          { from, to, stepMin },
          ({ minute, status, state, powers }) => {
            const mm = fixedMinute(minute);
            const { vRe, vIm } = state;
            if (!status.converged) notConverged.push(minute);
            else {
              const b = meter.measure(vRe, vIm, powers);
              checkPowerBalance(b, tolerance);
              worstMismatch = Math.max(worstMismatch, b.relativeMismatch);
            }
            for (const [load, bus, node, k] of loadNodes) {
              const v = magnitude(vRe[k], vIm[k]);
              const pu = nodePu(feeder, k, v);
              loadRows.push(`${mm},${load},${bus},${node},${fixed(v, 6)},${pu === undefined ? '' : fixed(pu, 8)}\n`);
            }
            const s = substation(vRe, vIm);
            sourceRows.push(`${mm},${fixed(s.p / 1000, 6)},${fixed(s.q / 1000, 6)}\n`);
            if (opts.allBuses) {
              const rows: string[] = [];
              for (const [bus, node, k] of allNodes) {
                rows.push(`${mm},${bus},${node},${fixed(magnitude(vRe[k], vIm[k]), 6)},${fixed(angleDeg(vRe[k], vIm[k]), 6)}\n`);
              }
              busChunks.push(rows.join(''));
            }
          },
          { tolerance, mode, yearlyShapesInDaily: opts.yearlyShapesInDaily === true },
        );
        const summary = {
          file,
          from,
          to,
          step_min: stepMin,
          mode,
          yearly_shapes_in_daily: opts.yearlyShapesInDaily === true,
          steps: run.steps,
          converged_steps: run.steps - notConverged.length,
          not_converged_minutes: notConverged,
          iterations_per_step: Number((run.iterations / run.steps).toFixed(3)),
          max_power_balance_relative_mismatch: Number(worstMismatch.toExponential(3)),
          loads: feeder.network.loads.length,
          nodes: feeder.model.nNodes,
          not_applied: feeder.network.notApplied.map(located),
        };
        const files: Record<string, (f: import('../../io/atomic.js').AtomicFile) => void> = {
          'load_voltages.csv': (f) => f.write(loadRows.join('')),
          'source_pq.csv': (f) => f.write(sourceRows.join('')),
          'summary.json': (f) => f.write(`${JSON.stringify(summary, null, 2)}\n`),
        };
        if (opts.allBuses) files['bus_voltages.csv'] = (f) => busChunks.forEach((c) => f.write(c));
        writeFileSet(opts.out, files);
        if (notConverged.length > 0) {
          throw new NotConvergedError(`${notConverged.length} of ${run.steps} steps did not converge (minutes ${notConverged.slice(0, 10).join(', ')}${notConverged.length > 10 ? ', …' : ''}); see summary.json`);
        }
        void io;
      });
  },
};

/** Minutes print as integers when whole, else with up to 6 decimals (1-second steps). */
function fixedMinute(m: number): string {
  const r = Math.round(m * 1e6) / 1e6;
  return Number.isInteger(r) ? String(r) : String(r);
}
