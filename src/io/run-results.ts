/**
 * The files of `lemsim run` (issue contract): summary.json, market.csv, violations.csv,
 * voltages.csv, events.jsonl, and timing.json (wall clock; the only file allowed to differ between
 * two runs of the same scenario and seed). A recorder listens to every iteration's bus and streams
 * rows into the run's output set (src/io/atomic.ts), which is swapped in only when all are complete.
 */
import type { EventBus } from '../bus.js';
import type { AnyEvent } from '../events.js';
import { type Provenance, provenance } from '../provenance.js';
import type { IterationSummary, Simulation } from '../simulation.js';
import type { OutputSet } from './atomic.js';
import { CsvTable } from './csv.js';
import { fixed } from './grid-results.js';
import type { ReportData } from '../report/report-data.js';

const minute = (t: number): string => {
  const m = t / 60;
  return Number.isInteger(m) ? String(m) : m.toFixed(4);
};

const MARKET = new CsvTable([
  ['iteration', 'number'], ['period', 'text'], ['time', 'number'], ['agent', 'text'], ['community', 'text'], ['bid_supply_kw', 'number'], ['bid_demand_kw', 'number'],
  ['bought_kw', 'number'], ['sold_kw', 'number'], ['dispatch_kw', 'number'], ['price_eur_per_kwh', 'number'], ['welfare_eur', 'number'],
]);
const VIOLATIONS = new CsvTable([['iteration', 'number'], ['minute', 'number'], ['element', 'text'], ['bus', 'text'], ['kind', 'text'], ['value', 'number'], ['limit', 'number']]);
const VOLTAGES = new CsvTable([['iteration', 'number'], ['minute', 'number'], ['load', 'text'], ['bus', 'text'], ['node', 'number'], ['v_pu', 'number']]);

/** Where the recorder's rows go: a file of the output set, or nowhere (a run without --out). */
interface RowSink {
  write(text: string): void;
}
const nowhere: RowSink = { write: () => undefined };

/**
 * Bus voltages are kept for the report's heatmap at most once per simulated minute, and at most
 * about REPORT_MAX_SAMPLES times per iteration (a week-long horizon keeps one sample per 7
 * minutes), so what stays in memory does not grow with the horizon or the sub-step.
 */
const REPORT_SAMPLE_S = 60;
const REPORT_MAX_SAMPLES = 1440;

/**
 * Streams rows to the output set as the simulation runs (memory bounded by what is kept for the
 * report, not by the horizon): market.csv, violations.csv, voltages.csv and events.jsonl are written
 * as events arrive; only per-period totals and the report's samples stay in memory.
 */
export class RunRecorder {
  private readonly events: RowSink;
  private readonly market: RowSink;
  private readonly violations: RowSink;
  private readonly voltages: RowSink;
  private bids = new Map<string, { community: string; supply: number; demand: number }>();
  private periodLabel = new Map<number, string>();
  eventCount = 0;
  /** per iteration and period: clearing and dispatch totals (for the report) */
  readonly periodRows: ReportData['periods'][number][] = [];
  /** the book of the middle period of the last iteration (auction), for the merit-order plot */
  meritOrder: ReportData['meritOrder'] = null;
  private pendingBook: { supply: { kw: number; priceEurPerKwh: number }[]; demand: { kw: number; priceEurPerKwh: number }[] } = { supply: [], demand: [] };
  /** bus voltages of the latest iteration, at most one sample per simulated minute: its minute and one value per world.voltageBuses */
  busVoltages: { minute: number; vPu: Float32Array }[] = [];
  private busIteration = -1;
  private lastSampleS = -Infinity;
  private readonly sampleS: number;
  /** violations per element of each iteration */
  readonly violationsByElement = new Map<number, Map<string, number>>();

  constructor(
    private readonly sim: Simulation,
    set?: OutputSet,
    /** `events: false` leaves events.jsonl out (a sweep's lean runs) */
    options: { events?: boolean } = {},
  ) {
    const open = (name: string, header: string): RowSink => {
      if (!set) return nowhere;
      const f = set.file(name);
      f.write(header);
      return f;
    };
    this.market = open('market.csv', MARKET.header);
    this.violations = open('violations.csv', VIOLATIONS.header);
    this.voltages = open('voltages.csv', VOLTAGES.header);
    this.events = options.events === false ? nowhere : open('events.jsonl', '');
    const periods = sim.world.periods;
    const horizonS = periods.length > 0 ? periods[periods.length - 1].endS - periods[0].startS : 0;
    this.sampleS = Math.max(REPORT_SAMPLE_S, Math.ceil(horizonS / REPORT_MAX_SAMPLES / 60) * 60);
    sim.onBus((bus) => this.attach(bus));
  }

  private attach(bus: EventBus): void {
    bus.listen((e) => this.record(e));
  }

  private record(e: AnyEvent): void {
    this.eventCount++;
    // every file counts time in minutes from midnight of the horizon's first day (summary.json
    // time_origin); events keep their seconds in `time` and carry the same minute
    this.events.write(`${JSON.stringify({ ...e, minute: e.time / 60 })}\n`);
    switch (e.type) {
      case 'period-opened':
        this.periodLabel.set(e.payload.period, e.payload.label);
        this.bids.clear();
        this.pendingBook = { supply: [], demand: [] };
        this.periodRows.push({ iteration: e.iteration, label: e.payload.label, startMinute: e.time / 60, prices: {}, tradedKw: 0, importKw: 0, exportKw: 0, consumptionKw: 0, productionKw: 0 });
        break;
      case 'market-cleared': {
        const row = this.periodRows[this.periodRows.length - 1];
        this.periodRows[this.periodRows.length - 1] = { ...row, prices: e.payload.prices, importKw: e.payload.importKw, exportKw: e.payload.exportKw };
        if (e.payload.period === Math.floor(this.sim.world.periods.length / 2)) {
          this.meritOrder = { label: row.label, supply: this.pendingBook.supply, demand: this.pendingBook.demand, priceEurPerKwh: e.payload.prices.market ?? null };
        }
        break;
      }
      case 'bid-submitted': {
        const b = e.payload.bid;
        let supply = 0;
        let demand = 0;
        if (b.market === 'auction') {
          for (const o of b.supply) {
            supply += o.kw;
            this.pendingBook.supply.push({ kw: o.kw, priceEurPerKwh: o.priceEurPerKwh });
          }
          for (const o of b.demand) {
            demand += o.kw;
            this.pendingBook.demand.push({ kw: o.kw, priceEurPerKwh: o.priceEurPerKwh });
          }
        } else {
          for (const a of b.agents) {
            if (a.kind === 'consumer') demand += Number(a.pMaxKw);
            else if (a.kind === 'producer') supply += Number(a.pMaxKw);
            else if (a.kind === 'battery') {
              supply += Number(a.powerKw);
              demand += Number(a.powerKw);
            }
          }
        }
        this.bids.set(e.payload.agent, { community: e.payload.community ?? '', supply, demand });
        break;
      }
      case 'dispatched': {
        const p = e.payload;
        const bid = this.bids.get(p.agent) ?? { community: '', supply: 0, demand: 0 };
        const row = this.periodRows[this.periodRows.length - 1];
        this.periodRows[this.periodRows.length - 1] = { ...row, consumptionKw: row.consumptionKw + p.boughtKw, productionKw: row.productionKw + p.soldKw, tradedKw: row.tradedKw + p.soldKw };
        this.market.write(
          MARKET.line([e.iteration, this.periodLabel.get(p.period) ?? String(p.period), minute(e.time), p.agent, bid.community, fixed(bid.supply, 4), fixed(bid.demand, 4), fixed(p.boughtKw, 4), fixed(p.soldKw, 4), fixed(p.pKw, 4), fixed(p.priceEurPerKwh, 6), fixed(p.welfareEur, 6)]),
        );
        break;
      }
      case 'violation-detected': {
        const p = e.payload;
        this.violations.write(VIOLATIONS.line([e.iteration, minute(e.time), p.element, p.bus, p.kind, p.value, p.limit]));
        const byEl = this.violationsByElement.get(e.iteration) ?? new Map<string, number>();
        byEl.set(p.element, (byEl.get(p.element) ?? 0) + 1);
        this.violationsByElement.set(e.iteration, byEl);
        break;
      }
      case 'grid-solved': {
        if (e.iteration !== this.busIteration) {
          this.busIteration = e.iteration;
          this.busVoltages = [];
          this.lastSampleS = -Infinity;
        }
        if (e.payload.busVPu.length > 0 && e.time >= this.lastSampleS + this.sampleS - 1e-9) {
          this.lastSampleS = e.time;
          this.busVoltages.push({ minute: e.time / 60, vPu: Float32Array.from(e.payload.busVPu) });
        }
        const nodes = this.sim.world.loadNodes;
        let rows = '';
        e.payload.loadVPu.forEach((v, k) => {
          const [load, bus, node] = nodes[k];
          rows += VOLTAGES.line([e.iteration, minute(e.time), load, bus, node, v === 0 ? '' : fixed(v, 6)]);
        });
        this.voltages.write(rows);
        break;
      }
      default:
        break;
    }
  }
}

export interface RunSummaryJson {
  scenario: string;
  seed: number;
  feeder: string;
  market: string;
  periods: number;
  sub_step_s: number;
  events: number;
  /** power flows solved over every iteration, and those that did not converge (exit 3 when > 0) */
  grid_solves: number;
  non_converged_steps: number;
  /** the final iteration's energy balance (seed 004, Table 2) and voltage statistics (Tables 3–4) */
  energy_balance_kwh: IterationSummary['energyBalanceKwh'];
  /** the same in seed 004's Table 2 unit: kW summed over the market periods (= kWh ÷ period hours) */
  energy_balance_kw_periods: IterationSummary['energyBalanceKwh'];
  voltage: IterationSummary['voltage'];
  iterations: {
    iteration: number;
    welfare_eur: number;
    violations: number;
    violating_buses: readonly string[];
    batteries: readonly { bus: string; units: number }[];
    decision: string | null;
    grid_solves: number;
    non_converged_steps: number;
    energy_balance_kwh: IterationSummary['energyBalanceKwh'];
    energy_balance_kw_periods: IterationSummary['energyBalanceKwh'];
    voltage: IterationSummary['voltage'];
  }[];
  final: { iteration: number; welfare_eur: number; violations: number; non_converged_steps: number; batteries: readonly { bus: string; units: number }[]; stopped_because: string | null };
  /** what produced these results: lemsim version, git commit, seed, the resolved scenario */
  provenance: Provenance;
  /** the instant every `minute` (and market.csv `time`) of the run's files counts from: midnight of the horizon's first day, ISO local time */
  time_origin: string;
}

export function runSummary(sim: Simulation, summaries: readonly IterationSummary[], events: number): RunSummaryJson {
  const iterations = summaries.map((s) => ({
    iteration: s.iteration,
    welfare_eur: s.welfareEur,
    violations: s.violations,
    violating_buses: s.violatingBuses,
    batteries: s.batteries,
    decision: s.decision ?? null,
    grid_solves: s.gridSolves,
    non_converged_steps: s.nonConvergedSteps,
    energy_balance_kwh: s.energyBalanceKwh,
    energy_balance_kw_periods: s.energyBalanceKwPeriods,
    voltage: s.voltage,
  }));
  const last = iterations[iterations.length - 1];
  return {
    scenario: sim.scenario.name,
    seed: sim.scenario.seed,
    feeder: sim.scenario.feeder,
    market: sim.scenario.market.mechanism,
    periods: sim.world.periods.length,
    sub_step_s: sim.world.subStepS,
    events,
    grid_solves: iterations.reduce((a, it) => a + it.grid_solves, 0),
    non_converged_steps: iterations.reduce((a, it) => a + it.non_converged_steps, 0),
    energy_balance_kwh: last.energy_balance_kwh,
    energy_balance_kw_periods: last.energy_balance_kw_periods,
    voltage: last.voltage,
    iterations,
    final: { iteration: last.iteration, welfare_eur: last.welfare_eur, violations: last.violations, non_converged_steps: last.non_converged_steps, batteries: last.batteries, stopped_because: last.decision },
    provenance: provenance(sim.scenario),
    time_origin: `${sim.scenario.solar.date}T00:00:00`,
  };
}

/**
 * Writes the remaining files of a run (summary.json, timing.json and `extra`, e.g. the report) into
 * the recorder's output set; the caller commits the set.
 */
export function writeRunSummary(set: OutputSet, sim: Simulation, rec: RunRecorder, summaries: readonly IterationSummary[], timing: Record<string, number>): void {
  set.write('summary.json', `${JSON.stringify(runSummary(sim, summaries, rec.eventCount), null, 2)}\n`);
  set.write('timing.json', `${JSON.stringify(timing, null, 2)}\n`);
}
