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
import { OutputSet } from '../../io/atomic.js';
import { CsvTable } from '../../io/csv.js';
import { MAX_TIMESERIES_STEPS } from '../../limits.js';
import { angleDeg, fixed, loadTerminalNodes, magnitude, nodePu, nodesInOrder, substationPowerFn } from '../../io/grid-results.js';
import { located, warnNotApplied } from './describe.js';
import { type CliCommand, checkTolerance, parseNumberOption } from '../command.js';
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
      .action(async (file: string, opts: Options) => {
        const mode = parseShapeMode(opts.mode);
        const from = parseNumberOption('--from', opts.from);
        const to = parseNumberOption('--to', opts.to);
        const stepMin = parseNumberOption('--step-min', opts.stepMin);
        const tolerance = parseNumberOption('--tolerance', opts.tolerance);
        checkTimeSeriesRange(from, to, stepMin, opts);
        checkTolerance('--tolerance', tolerance);
        const feeder = loadFeeder(file);
        warnNotApplied(io, feeder.network.notApplied);
        const loadNodes = loadTerminalNodes(feeder);
        const allNodes = opts.allBuses ? [...nodesInOrder(feeder)] : [];
        let substation = substationPowerFn(feeder);
        const notConverged: number[] = [];
        let worstMismatch = 0;
        let meter = new GridMeter(feeder.model);
        let meterModel = feeder.model;
        // rows stream into the output set (memory bounded by one step, not by the range)
        const set = OutputSet.open(opts.out);
        const run = await OutputSet.produce(set, () => {
          const loadFile = set.file('load_voltages.csv');
          loadFile.write(LOAD_VOLTAGES.header);
          const sourceFile = set.file('source_pq.csv');
          sourceFile.write(SOURCE_PQ.header);
          const busFile = opts.allBuses ? set.file('bus_voltages.csv') : undefined;
          busFile?.write(BUS_VOLTAGES.header);
          const run = runTimeSeries(
            feeder,
            { from, to, stepMin },
            ({ minute, status, state, powers, model }) => {
              if (model !== meterModel) {
                // a control moved a tap or switched a capacitor: currents and powers come from the new model
                meterModel = model;
                meter = new GridMeter(model);
                substation = substationPowerFn({ ...feeder, network: model.network, model });
              }
              const mm = fixedMinute(minute);
              const { vRe, vIm } = state;
              if (!status.converged) notConverged.push(minute);
              else {
                const b = meter.measure(vRe, vIm, powers);
                checkPowerBalance(b, tolerance);
                worstMismatch = Math.max(worstMismatch, b.relativeMismatch);
              }
              let rows = '';
              for (const [load, bus, node, k] of loadNodes) {
                const v = magnitude(vRe[k], vIm[k]);
                const pu = nodePu(feeder, k, v);
                rows += LOAD_VOLTAGES.line([mm, load, bus, node, fixed(v, 6), pu === undefined ? '' : fixed(pu, 8)]);
              }
              loadFile.write(rows);
              const s = substation(vRe, vIm);
              sourceFile.write(SOURCE_PQ.line([mm, fixed(s.p / 1000, 6), fixed(s.q / 1000, 6)]));
              if (busFile) {
                let rows = '';
                for (const [bus, node, k] of allNodes) rows += BUS_VOLTAGES.line([mm, bus, node, fixed(magnitude(vRe[k], vIm[k]), 6), fixed(angleDeg(vRe[k], vIm[k]), 6)]);
                busFile.write(rows);
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
            control_iterations_per_step: Number((run.controlIterations / run.steps).toFixed(3)),
            controls_unsettled_steps: run.controlsUnsettled,
            max_power_balance_relative_mismatch: Number(worstMismatch.toExponential(3)),
            loads: feeder.network.loads.length,
            nodes: feeder.model.nNodes,
            not_applied: feeder.network.notApplied.map(located),
          };
          set.write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
          return run;
        });
        if (notConverged.length > 0) {
          throw new NotConvergedError(`${notConverged.length} of ${run.steps} steps did not converge (minutes ${notConverged.slice(0, 10).join(', ')}${notConverged.length > 10 ? ', …' : ''}); see summary.json`);
        }
        void io;
      });
  },
};

const LOAD_VOLTAGES = new CsvTable([['minute', 'number'], ['load', 'text'], ['bus', 'text'], ['node', 'number'], ['v_volts', 'number'], ['v_pu', 'number']]);
const SOURCE_PQ = new CsvTable([['minute', 'number'], ['p_kw', 'number'], ['q_kvar', 'number']]);
const BUS_VOLTAGES = new CsvTable([['minute', 'number'], ['bus', 'text'], ['node', 'number'], ['v_volts', 'number'], ['angle_deg', 'number']]);


/** Checks the minute range: finite, ordered, a step of at least one second, and a bounded step count. */
function checkTimeSeriesRange(from: number, to: number, stepMin: number, opts: Options): void {
  if (from < 0) throw new UsageError(`--from must be a minute ≥ 0, got ${opts.from}`);
  if (to < from) throw new UsageError(`--to (${to}) is before --from (${from})`);
  if (!(stepMin >= 1 / 60)) throw new UsageError(`--step-min must be at least 1/60 (one second): the quasi-static power flow has no meaning below it, got ${opts.stepMin}`);
  const steps = Math.floor((to - from) / stepMin + 1e-9) + 1;
  if (steps > MAX_TIMESERIES_STEPS) {
    throw new UsageError(`--from ${opts.from} --to ${opts.to} --step-min ${opts.stepMin} asks for ${steps} steps; at most ${MAX_TIMESERIES_STEPS} are allowed (a year of 1-minute steps): split the range`);
  }
}

/** Minutes print as integers when whole, else with up to 6 decimals (1-second steps). */
function fixedMinute(m: number): string {
  const r = Math.round(m * 1e6) / 1e6;
  return Number.isInteger(r) ? String(r) : String(r);
}
