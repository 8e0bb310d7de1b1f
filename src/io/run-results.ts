/**
 * The files of `lemsim run` (issue contract): summary.json, market.csv, violations.csv,
 * voltages.csv, events.jsonl, and timing.json (wall clock; the only file allowed to differ between
 * two runs of the same scenario and seed). A recorder listens to every iteration's bus; the files
 * are written as one set, renamed into place only when all are complete.
 */
import type { EventBus } from '../bus.js';
import type { AnyEvent } from '../events.js';
import type { IterationSummary, Simulation } from '../simulation.js';
import { writeFileSet } from './atomic.js';
import { fixed } from './grid-results.js';
import type { ReportData } from '../report/report-data.js';
import { EpisodeTracker, violationDeviation } from '../violation-episodes.js';

const minute = (t: number): string => {
  const m = t / 60;
  return Number.isInteger(m) ? String(m) : m.toFixed(4);
};

/** Collects rows from the bus as the simulation runs. */
export class RunRecorder {
  readonly events: string[] = [];
  readonly market: string[] = ['iteration,period,time,agent,community,bid_supply_kw,bid_demand_kw,bought_kw,sold_kw,dispatch_kw,price_eur_per_kwh,welfare_eur\n'];
  readonly violations: string[] = ['iteration,minute,element,bus,kind,value,limit,deviation\n'];
  /** issue 10: element × market period episodes of each iteration (deviation: pu, or % for currents) */
  readonly episodes = new Map<number, EpisodeTracker>();
  readonly voltages: string[] = ['iteration,minute,load,bus,node,v_pu\n'];
  private bids = new Map<string, { community: string; supply: number; demand: number }>();
  private periodLabel = new Map<number, string>();
  eventCount = 0;
  /** per iteration and period: clearing and dispatch totals (for the report) */
  readonly periodRows: ReportData['periods'][number][] = [];
  /** the book of the middle period of the last iteration (auction), for the merit-order plot */
  meritOrder: ReportData['meritOrder'] = null;
  private pendingBook: { supply: { kw: number; priceEurPerKwh: number }[]; demand: { kw: number; priceEurPerKwh: number }[] } = { supply: [], demand: [] };
  /** bus voltages of the latest iteration: per sub-step, its minute and one value per world.voltageBuses */
  busVoltages: { minute: number; vPu: Float32Array }[] = [];
  private busIteration = -1;
  /** violations per element of each iteration */
  readonly violationsByElement = new Map<number, Map<string, number>>();

  constructor(private readonly sim: Simulation) {
    sim.onBus((bus) => this.attach(bus));
  }

  private attach(bus: EventBus): void {
    bus.events$.subscribe((e) => this.record(e));
  }

  private record(e: AnyEvent): void {
    this.eventCount++;
    this.events.push(`${JSON.stringify(e)}\n`);
    switch (e.type) {
      case 'period-opened':
        this.periodLabel.set(e.payload.period, e.payload.label);
        if (e.payload.period === 0) this.bids.clear();
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
        // keyed by period too: a day-ahead market takes every period's bids at the first gate
        this.bids.set(`${e.payload.period}|${e.payload.agent}`, { community: e.payload.community ?? '', supply, demand });
        break;
      }
      case 'dispatched': {
        const p = e.payload;
        const bid = this.bids.get(`${p.period}|${p.agent}`) ?? { community: '', supply: 0, demand: 0 };
        const row = this.periodRows[this.periodRows.length - 1];
        this.periodRows[this.periodRows.length - 1] = { ...row, consumptionKw: row.consumptionKw + p.boughtKw, productionKw: row.productionKw + p.soldKw, tradedKw: row.tradedKw + p.soldKw };
        this.market.push(
          `${e.iteration},${this.periodLabel.get(p.period) ?? p.period},${minute(e.time)},${p.agent},${bid.community},${fixed(bid.supply, 4)},${fixed(bid.demand, 4)},${fixed(p.boughtKw, 4)},${fixed(p.soldKw, 4)},${fixed(p.pKw, 4)},${fixed(p.priceEurPerKwh, 6)},${fixed(p.welfareEur, 6)}\n`,
        );
        break;
      }
      case 'violation-detected': {
        const p = e.payload;
        this.violations.push(`${e.iteration},${minute(e.time)},${p.element},${p.bus},${p.kind},${p.value},${p.limit},${fixed(violationDeviation(p), 6)}\n`);
        const tracker = this.episodes.get(e.iteration) ?? new EpisodeTracker();
        tracker.add(p);
        this.episodes.set(e.iteration, tracker);
        const byEl = this.violationsByElement.get(e.iteration) ?? new Map<string, number>();
        byEl.set(p.element, (byEl.get(p.element) ?? 0) + 1);
        this.violationsByElement.set(e.iteration, byEl);
        break;
      }
      case 'grid-solved': {
        if (e.iteration !== this.busIteration) {
          this.busIteration = e.iteration;
          this.busVoltages = [];
        }
        if (e.payload.busVPu.length > 0) this.busVoltages.push({ minute: e.time / 60, vPu: Float32Array.from(e.payload.busVPu) });
        const nodes = this.sim.world.loadNodes;
        const rows: string[] = [];
        e.payload.loadVPu.forEach((v, k) => {
          const [load, bus, node] = nodes[k];
          rows.push(`${e.iteration},${minute(e.time)},${load},${bus},${node},${v === 0 ? '' : fixed(v, 6)}\n`);
        });
        this.voltages.push(rows.join(''));
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
  /** the final iteration's energy balance (seed 004, Table 2) and voltage statistics (Tables 3–4) */
  energy_balance_kwh: IterationSummary['energyBalanceKwh'];
  /** the same in seed 004's Table 2 unit: kW summed over the market periods (= kWh ÷ period hours) */
  energy_balance_kw_periods: IterationSummary['energyBalanceKwh'];
  voltage: IterationSummary['voltage'];
  iterations: {
    iteration: number;
    welfare_eur: number;
    violations: number;
    /** issue 10: element × market period (bus-hour with an hourly market) */
    violation_episodes: number;
    /** issue 10: the battery sizes installed, as Tables IV/V name a configuration */
    configuration: string;
    violation_counts: IterationSummary['violationCounts'];
    /** day-ahead market: KKT residuals of the day's clearing (kW, EUR/kWh, EUR/h) */
    market_kkt: { primal_kw: number; dual_eur_per_kwh: number; complementarity_eur_per_h: number } | null;
    /** periods whose clearing failed or was infeasible (the `market-cleared` status says why) */
    market_failures: number;
    violating_buses: readonly string[];
    batteries: readonly { bus: string; units: number }[];
    decision: string | null;
    energy_balance_kwh: IterationSummary['energyBalanceKwh'];
    energy_balance_kw_periods: IterationSummary['energyBalanceKwh'];
    voltage: IterationSummary['voltage'];
  }[];
  final: { iteration: number; welfare_eur: number; violations: number; violation_episodes: number; configuration: string; batteries: readonly { bus: string; units: number }[]; stopped_because: string | null };
}

export function runSummary(sim: Simulation, summaries: readonly IterationSummary[], events: number): RunSummaryJson {
  const iterations = summaries.map((s) => ({
    iteration: s.iteration,
    welfare_eur: s.welfareEur,
    violations: s.violations,
    violation_episodes: s.violationCounts.violation_episodes,
    configuration: s.configuration,
    violation_counts: s.violationCounts,
    market_failures: s.marketFailures,
    market_kkt: s.marketKkt ? { primal_kw: s.marketKkt.primalKw, dual_eur_per_kwh: s.marketKkt.dualEurPerKwh, complementarity_eur_per_h: s.marketKkt.complementarityEurPerH } : null,
    violating_buses: s.violatingBuses,
    batteries: s.batteries,
    decision: s.decision ?? null,
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
    energy_balance_kwh: last.energy_balance_kwh,
    energy_balance_kw_periods: last.energy_balance_kw_periods,
    voltage: last.voltage,
    iterations,
    final: { iteration: last.iteration, welfare_eur: last.welfare_eur, violations: last.violations, violation_episodes: last.violation_episodes, configuration: last.configuration, batteries: last.batteries, stopped_because: last.decision },
  };
}

/** Writes every result file of a run into `dir` as one set. */
export function writeRunResults(dir: string, sim: Simulation, rec: RunRecorder, summaries: readonly IterationSummary[], timing: Record<string, number>, extra: Record<string, (f: { write(text: string): void }) => void> = {}): void {
  writeFileSet(dir, {
    'summary.json': (f) => f.write(`${JSON.stringify(runSummary(sim, summaries, rec.eventCount), null, 2)}\n`),
    'market.csv': (f) => rec.market.forEach((r) => f.write(r)),
    'violations.csv': (f) => rec.violations.forEach((r) => f.write(r)),
    'violation_episodes.csv': (f) => {
      f.write('iteration,period,element,bus,kind,sub_steps,worst_value,limit,worst_deviation\n');
      for (const [it, tracker] of [...rec.episodes].sort(([a], [b]) => a - b)) {
        for (const e of tracker.list()) f.write(`${it},${sim.world.periods[e.period]?.label ?? e.period},${e.element},${e.bus},${e.kind},${e.subSteps},${e.worstValue},${e.limit},${fixed(e.worstDeviation, 6)}\n`);
      }
    },
    'voltages.csv': (f) => rec.voltages.forEach((r) => f.write(r)),
    'events.jsonl': (f) => rec.events.forEach((r) => f.write(r)),
    'timing.json': (f) => f.write(`${JSON.stringify(timing, null, 2)}\n`),
    ...extra,
  });
}
