/**
 * The files of `lemsim run` (issue contract): summary.json, market.csv, violations.csv,
 * voltages.csv, events.jsonl, communities.csv (community market, issue 16), agents.csv, batteries.csv,
 * branches.csv and strategy_states.csv (issue 14), and timing.json (wall clock; the only file allowed to differ between
 * two runs of the same scenario and seed). A recorder listens to every iteration's bus and streams
 * rows into the run's output set (src/io/atomic.ts), which is swapped in only when all are complete.
 */
import type { EventBus } from '../kernel/bus.js';
import type { AnyEvent, CommunityTrade } from '../kernel/events.js';
import { type Provenance, provenance } from '../sim/provenance.js';
import type { IterationSummary, Simulation } from '../sim/simulation.js';
import type { OutputSet } from './atomic.js';
import { CsvTable } from './csv.js';
import { fixed } from './grid-results.js';
import type { ReportData } from '../report/report-data.js';
import { MeritOrderRecorder } from '../report/merit-orders.js';
import type { BatteryState } from '../../agents/battery.js';
import { accountOf, equivalentCycles } from '../../agents/ledger.js';
import { EpisodeTracker, violationDeviation } from '../violation-episodes.js';
import type { GridOperatorState } from '../../agents/grid-operator.js';
import type { JsonValue } from '../../agents/strategies/strategy.js';

const minute = (t: number): string => {
  const m = t / 60;
  return Number.isInteger(m) ? String(m) : m.toFixed(4);
};

const MARKET = new CsvTable([
  ['iteration', 'number'], ['period', 'text'], ['time', 'number'], ['agent', 'text'], ['community', 'text'], ['bid_supply_kw', 'number'], ['bid_demand_kw', 'number'],
  ['bought_kw', 'number'], ['sold_kw', 'number'], ['dispatch_kw', 'number'], ['price_eur_per_kwh', 'number'], ['welfare_eur', 'number'], ['price_set_by', 'text'],
]);
/**
 * communities.csv (issue 16): one row per community and period — its price, the volume traded among
 * its own members, its trade with each other community (`net_from_<id>_kw`: bought from minus sold
 * to), with the grid, the members' welfare and the manager's margin (EUR for the period).
 */
function communitiesTable(ids: readonly string[]): CsvTable {
  return new CsvTable([
    ['iteration', 'number'], ['period', 'text'], ['time', 'number'], ['community', 'text'], ['clearing', 'text'], ['price_eur_per_kwh', 'number'], ['internal_volume_kw', 'number'],
    ['net_import_kw', 'number'], ['grid_import_kw', 'number'], ['grid_export_kw', 'number'], ['inter_import_kw', 'number'], ['inter_export_kw', 'number'],
    ...ids.map((id) => [`net_from_${id}_kw`, 'number'] as const), ['members_welfare_eur', 'number'], ['manager_margin_eur', 'number'],
  ]);
}
/**
 * violations.csv: one row per violating element and sub-step; `element_kind` (bus, line, transformer),
 * `loading_pct` (OpenDSS's %Normal, overcurrents) and `counted` (false: reported only, see
 * `limits.transformer_overloads`) follow the original columns
 */
const VIOLATIONS = new CsvTable([
  ['iteration', 'number'], ['minute', 'number'], ['element', 'text'], ['bus', 'text'], ['kind', 'text'], ['value', 'number'], ['limit', 'number'], ['deviation', 'number'],
  ['element_kind', 'text'], ['loading_pct', 'number'], ['counted', 'text'],
]);
/** per agent and iteration: what it traded and paid, against trading with the grid only (issue 14) */
const AGENTS = new CsvTable([
  ['iteration', 'number'], ['agent', 'text'], ['kind', 'text'], ['community', 'text'], ['bought_kwh', 'number'], ['sold_kwh', 'number'], ['payment_eur', 'number'],
  ['baseline_bill_eur', 'number'], ['saving_eur', 'number'], ['welfare_eur', 'number'], ['final_soc', 'number'], ['cycles', 'number'],
]);
/** per battery and period: state of charge at the end of the period (issue 14) */
const BATTERIES = new CsvTable([['iteration', 'number'], ['period', 'text'], ['minute', 'number'], ['battery', 'text'], ['bus', 'text'], ['soc', 'number'], ['dispatch_kw', 'number']]);
/** issue 10: one row per element and market period with a violation (seed 000's episodes) */
const EPISODES = new CsvTable([
  ['iteration', 'number'], ['period', 'text'], ['element', 'text'], ['bus', 'text'], ['kind', 'text'], ['sub_steps', 'number'], ['worst_value', 'number'], ['limit', 'number'], ['worst_deviation', 'number'],
]);
/**
 * branches.csv (issue 14): per iteration, every line and transformer over the grid operator's
 * converged sub-steps — peak and mean loading in % of its NormAmps (the largest phase current at
 * terminal 1, as OpenDSS's %Normal; transformers rated as OpenDSS computes NormAmps from NormHkVA),
 * the minute of the peak, the hours above 100 %, and its losses (kWh over the horizon, peak kW).
 */
const BRANCHES = new CsvTable([
  ['iteration', 'number'], ['branch', 'text'], ['kind', 'text'], ['bus1', 'text'], ['bus2', 'text'], ['phases', 'number'], ['norm_amps', 'number'], ['peak_amps', 'number'],
  ['peak_loading_pct', 'number'], ['peak_minute', 'number'], ['mean_loading_pct', 'number'], ['losses_kwh', 'number'], ['peak_losses_kw', 'number'], ['overloaded_h', 'number'],
]);
/**
 * strategy_states.csv (issue 14): a bidding agent's strategy state (agent snapshots: `memory.strategyState`
 * per side; a community manager's `strategyState`) at the end of each period where it changed, as
 * JSON; a state longer than STRATEGY_STATE_MAX_CHARS is written as {"truncated":true,"chars":n}.
 */
const STRATEGY_STATES = new CsvTable([['iteration', 'number'], ['period', 'text'], ['minute', 'number'], ['agent', 'text'], ['side', 'text'], ['state_json', 'text']]);
export const STRATEGY_STATE_MAX_CHARS = 2000;
/** the file stops at this size, with a last row (agent `*`, side `limit`) saying so */
export const STRATEGY_STATES_MAX_BYTES = 32 * 1024 * 1024;
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
  /** communities.csv, opened at the first community-market clearing (its columns name the communities) */
  private communities: { sink: RowSink; table: CsvTable; ids: readonly string[] } | undefined;
  private readonly openFile: (name: string, header: string) => RowSink;
  private readonly agentsCsv: RowSink;
  private readonly batteriesCsv: RowSink;
  private readonly branchesCsv: RowSink;
  private readonly strategiesCsv: RowSink;
  /** last strategy state written per agent and side (a row is written only when it changes) */
  private lastStrategyState = new Map<string, string>();
  private strategyBytes = 0;
  /** per iteration: the most loaded branch (peak % of NormAmps) and the branches' total losses (summary.json) */
  readonly branchSummary = new Map<number, { branch: string | null; kind: string | null; peak_loading_pct: number | null; minute: number | null; losses_kwh: number; branches_over_100_pct: number }>();
  /** issue 10: element × market period episodes of each iteration (deviation: pu, or % for currents) */
  readonly episodes = new Map<number, EpisodeTracker>();
  private bids = new Map<string, { community: string; supply: number; demand: number }>();
  private periodLabel = new Map<number, string>();
  private priceSetBy = '';
  eventCount = 0;
  /** per iteration and period: clearing and dispatch totals (for the report) */
  readonly periodRows: ReportData['periods'][number][] = [];
  /** the merit orders of the chosen periods of the last iteration, for the report (issue 14) */
  readonly meritOrders: MeritOrderRecorder;
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
    this.openFile = open;
    this.market = open('market.csv', MARKET.header);
    this.violations = open('violations.csv', VIOLATIONS.header);
    this.voltages = open('voltages.csv', VOLTAGES.header);
    this.events = options.events === false ? nowhere : open('events.jsonl', '');
    this.agentsCsv = open('agents.csv', AGENTS.header);
    this.batteriesCsv = open('batteries.csv', BATTERIES.header);
    this.branchesCsv = open('branches.csv', BRANCHES.header);
    this.strategiesCsv = open('strategy_states.csv', STRATEGY_STATES.header);
    const periods = sim.world.periods;
    const horizonS = periods.length > 0 ? periods[periods.length - 1].endS - periods[0].startS : 0;
    this.sampleS = Math.max(REPORT_SAMPLE_S, Math.ceil(horizonS / REPORT_MAX_SAMPLES / 60) * 60);
    sim.onBus((bus) => this.attach(bus));
    this.meritOrders = new MeritOrderRecorder(sim);
  }

  /** agents.csv rows of an iteration, from the ledger's accounts (agents in the roster's order). */
  private writeAccounts(iteration: number): void {
    const ledger = this.sim.ledger();
    for (const a of this.sim.agents) {
      const acc = accountOf(ledger, a.id);
      if (!acc) continue;
      const battery = a.kind.kind === 'battery' ? (a.state as BatteryState) : undefined;
      const cycles = battery ? equivalentCycles(acc, battery.params.capacityKwh) : undefined;
      this.agentsCsv.write(
        AGENTS.line([
          iteration, a.id, a.kind.kind, this.sim.world.communityOf.get(a.id) ?? '',
          fixed(acc.boughtKwh, 6), fixed(acc.soldKwh, 6), fixed(acc.paymentEur, 6), fixed(acc.baselineEur, 6), fixed(acc.baselineEur - acc.paymentEur, 6), fixed(acc.welfareEur, 6),
          battery ? fixed(battery.soc, 6) : '', cycles === undefined ? '' : fixed(cycles, 6),
        ]),
      );
    }
  }

  /** branches.csv rows of an iteration, from the grid operator's statistics (lines and transformers). */
  private writeBranches(iteration: number): void {
    const go = this.sim.agent('go')?.state as GridOperatorState | undefined;
    if (!go) return;
    const st = go.branchStats;
    const { network } = this.sim.world.feeder;
    const n = st.samples;
    const num = (x: number, d: number) => (n > 0 && Number.isFinite(x) ? fixed(x, d) : '');
    let worst: { branch: string; kind: string; pct: number; minute: number } | undefined;
    let total = 0;
    let over = 0;
    let text = '';
    network.branches.forEach((br, b) => {
      total += st.lossesKwh[b];
      if (br.kind !== 'line' && br.kind !== 'transformer') return;
      const rated = br.normAmps > 0;
      if (rated && n > 0 && st.peakPct[b] > 100) over++;
      const bus = (k: number) => (br.terminals[k] ? network.buses[br.terminals[k].bus].name : '');
      if (rated && n > 0 && Number.isFinite(st.peakPct[b]) && (!worst || st.peakPct[b] > worst.pct)) worst = { branch: br.name, kind: br.kind, pct: st.peakPct[b], minute: st.peakMinute[b] };
      text += BRANCHES.line([
        iteration, br.name, br.kind, bus(0), bus(1), br.phases, rated ? fixed(br.normAmps, 4) : '', num(st.peakAmps[b], 4),
        rated ? num(st.peakPct[b], 4) : '', n > 0 && Number.isFinite(st.peakMinute[b]) ? minute(st.peakMinute[b] * 60) : '', rated ? num(st.sumPct[b] / n, 4) : '', num(st.lossesKwh[b], 6), num(st.peakLossKw[b], 6), rated ? num(st.overloadedH[b], 4) : '',
      ]);
    });
    this.branchesCsv.write(text);
    const r6 = (x: number) => Number(x.toFixed(6));
    this.branchSummary.set(iteration, { branch: worst?.branch ?? null, kind: worst?.kind ?? null, peak_loading_pct: worst ? r6(worst.pct) : null, minute: worst ? worst.minute : null, losses_kwh: r6(total), branches_over_100_pct: over });
  }

  /** strategy_states.csv rows at the end of a period: each agent's strategy state where it changed. */
  private writeStrategyStates(iteration: number, label: string, time: number): void {
    for (const a of this.sim.agents) {
      const st = a.state as { memory?: { strategyState?: Record<string, JsonValue> }; strategyState?: JsonValue };
      const sides: [string, JsonValue][] = st.memory?.strategyState ? Object.entries(st.memory.strategyState) : st.strategyState !== undefined ? [['manager', st.strategyState]] : [];
      for (const [side, value] of sides) {
        if (value === null || value === undefined) continue;
        let json = JSON.stringify(value);
        if (json.length > STRATEGY_STATE_MAX_CHARS) json = JSON.stringify({ truncated: true, chars: json.length });
        const key = `${iteration}|${a.id}|${side}`;
        if (this.lastStrategyState.get(key) === json) continue;
        this.lastStrategyState.set(key, json);
        if (this.strategyBytes > STRATEGY_STATES_MAX_BYTES) return;
        let row = STRATEGY_STATES.line([iteration, label, minute(time), a.id, side, json]);
        this.strategyBytes += row.length;
        if (this.strategyBytes > STRATEGY_STATES_MAX_BYTES) row = STRATEGY_STATES.line([iteration, label, minute(time), '*', 'limit', JSON.stringify({ stopped: true, max_bytes: STRATEGY_STATES_MAX_BYTES })]);
        this.strategiesCsv.write(row);
      }
    }
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
        if (e.payload.period === 0) this.bids.clear();
        this.periodRows.push({ iteration: e.iteration, label: e.payload.label, startMinute: e.time / 60, prices: {}, tradedKw: 0, importKw: 0, exportKw: 0, consumptionKw: 0, productionKw: 0 });
        break;
      case 'period-closed': {
        const label = this.periodLabel.get(e.payload.period) ?? String(e.payload.period);
        for (const a of this.sim.agents) {
          if (a.kind.kind !== 'battery') continue;
          const st = a.state as BatteryState;
          this.batteriesCsv.write(BATTERIES.line([e.iteration, label, minute(e.time), a.id, st.bus, fixed(st.soc, 6), fixed(st.dispatchKw, 4)]));
        }
        this.writeStrategyStates(e.iteration, label, e.time);
        break;
      }
      case 'run-completed':
        this.writeAccounts(e.iteration);
        this.writeBranches(e.iteration);
        break;
      case 'market-cleared': {
        this.priceSetBy = e.payload.priceSetBy ?? '';
        const row = this.periodRows[this.periodRows.length - 1];
        this.periodRows[this.periodRows.length - 1] = { ...row, prices: e.payload.prices, importKw: e.payload.importKw, exportKw: e.payload.exportKw };
        if (e.payload.communities) this.recordCommunities(e.iteration, e.time, e.payload.period, e.payload.communities);
        break;
      }
      case 'bid-submitted': {
        const b = e.payload.bid;
        let supply = 0;
        let demand = 0;
        if (b.market === 'auction') {
          for (const o of b.supply) supply += o.kw;
          for (const o of b.demand) demand += o.kw;
        } else if (b.market === 'community-offer') {
          // a manager's offer: the most its community would sell (at the curve's top price) and buy (at its bottom)
          const c = b.offer.curve;
          const n = c.pricesEurPerKwh.length;
          if (n > 0) {
            supply = Math.max(0, -c.lowKw[n - 1]);
            demand = Math.max(0, c.highKw[0]);
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
        this.market.write(
          MARKET.line([e.iteration, this.periodLabel.get(p.period) ?? String(p.period), minute(e.time), p.agent, bid.community, fixed(bid.supply, 4), fixed(bid.demand, 4), fixed(p.boughtKw, 4), fixed(p.soldKw, 4), fixed(p.pKw, 4), fixed(p.priceEurPerKwh, 6), fixed(p.welfareEur, 6), this.priceSetBy]),
        );
        break;
      }
      default:
        this.recordRest(e);
    }
  }

  /** communities.csv rows, and market.csv rows for managers that bid (their margin as welfare). */
  private recordCommunities(iteration: number, time: number, period: number, rows: readonly CommunityTrade[]): void {
    if (!this.communities) {
      const ids = rows.map((r) => r.community);
      const table = communitiesTable(ids);
      this.communities = { sink: this.openFile('communities.csv', table.header), table, ids };
    }
    const { sink, table, ids } = this.communities;
    const label = this.periodLabel.get(period) ?? String(period);
    let text = '';
    for (const r of rows) {
      let inter = 0;
      let interOut = 0;
      for (const kw of Object.values(r.importFromKw)) inter += kw;
      for (const kw of Object.values(r.exportToKw)) interOut += kw;
      const partners = ids.map((j) => (j === r.community ? '' : fixed((r.importFromKw[j] ?? 0) - (r.exportToKw[j] ?? 0), 6)));
      text += table.line([
        iteration, label, minute(time), r.community, r.clearing, fixed(r.priceEurPerKwh, 6), fixed(r.internalVolumeKw, 6), fixed(r.netImportKw, 6), fixed(r.gridImportKw, 6), fixed(r.gridExportKw, 6),
        fixed(inter, 6), fixed(interOut, 6), ...partners, fixed(r.membersWelfareEur, 6), fixed(r.marginEur, 6),
      ]);
      if (r.clearing === 'managers') {
        const agent = `cm-${r.community}`;
        const bid = this.bids.get(`${period}|${agent}`) ?? { community: r.community, supply: 0, demand: 0 };
        this.market.write(
          MARKET.line([iteration, label, minute(time), agent, r.community, fixed(bid.supply, 4), fixed(bid.demand, 4), fixed(r.gridImportKw + inter, 4), fixed(r.gridExportKw + interOut, 4), fixed(r.netImportKw, 4), fixed(r.priceEurPerKwh, 6), fixed(r.marginEur, 6), this.priceSetBy]),
        );
      }
    }
    sink.write(text);
  }

  private recordRest(e: AnyEvent): void {
    switch (e.type) {
      case 'violation-detected': {
        const p = e.payload;
        this.violations.write(
          VIOLATIONS.line([e.iteration, minute(e.time), p.element, p.bus, p.kind, p.value, p.limit, fixed(violationDeviation(p), 6), p.elementKind ?? '', p.loadingPct ?? '', p.counted === false ? 'false' : 'true']),
        );
        // reported only: not an episode, not a counted violation of its element
        if (p.counted === false) break;
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
    /** the agents' surplus and the market operator's: they add up to welfare_eur (checked every period) */
    agents_welfare_eur: number;
    operator_surplus_eur: number;
    /**
     * issue 14: price-taking demand (a demand strategy bidding all its demand at its `cap_price`,
     * SREF's `passive`): what it bought, paid at the clearing prices, and its value at the cap, which
     * `welfare_eur` contains; `welfare_elastic_eur` = welfare_eur − that value + that payment, the
     * welfare of everyone but the price-taking demand (its payment shown apart, not valued at the cap)
     */
    passive_demand_kwh: number;
    passive_demand_payment_eur: number;
    passive_demand_cap_value_eur: number;
    welfare_elastic_eur: number;
    violations: number;
    /** reported in violations.csv but not counted (transformer overloads under `limits.transformer_overloads: report`) */
    uncounted_violations: number;
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
    grid_solves: number;
    non_converged_steps: number;
    energy_balance_kwh: IterationSummary['energyBalanceKwh'];
    energy_balance_kw_periods: IterationSummary['energyBalanceKwh'];
    voltage: IterationSummary['voltage'];
  }[];
  final: {
    iteration: number;
    welfare_eur: number;
    violations: number;
    violation_episodes: number;
    configuration: string;
    non_converged_steps: number;
    batteries: readonly { bus: string; units: number }[];
    stopped_because: string | null;
    /** issue 14: as in `iterations` */
    welfare_elastic_eur: number;
    passive_demand_payment_eur: number;
  };
  /** what produced these results: lemsim version, git commit, seed, the resolved scenario */
  provenance: Provenance;
  /** the instant every `minute` (and market.csv `time`) of the run's files counts from: midnight of the horizon's first day, ISO local time */
  time_origin: string;
}

/**
 * The welfare of everyone but the price-taking demand (issue 14): the market's welfare without the
 * demand's value at its cap price and without its payment (which the sellers and the operator
 * received, so it stays in their surplus). Equals `welfareEur` when there is no price-taking demand.
 */
export function welfareElastic(s: Pick<IterationSummary, 'welfareEur' | 'passiveDemand'>): number {
  return Number((s.welfareEur - s.passiveDemand.capValueEur + s.passiveDemand.paymentEur).toFixed(6));
}

export function runSummary(sim: Simulation, summaries: readonly IterationSummary[], events: number): RunSummaryJson {
  const iterations = summaries.map((s) => ({
    iteration: s.iteration,
    welfare_eur: s.welfareEur,
    agents_welfare_eur: s.agentsWelfareEur,
    operator_surplus_eur: s.operatorSurplusEur,
    passive_demand_kwh: s.passiveDemand.kwh,
    passive_demand_payment_eur: s.passiveDemand.paymentEur,
    passive_demand_cap_value_eur: s.passiveDemand.capValueEur,
    welfare_elastic_eur: welfareElastic(s),
    violations: s.violations,
    uncounted_violations: s.uncountedViolations,
    violation_episodes: s.violationCounts.violation_episodes,
    configuration: s.configuration,
    violation_counts: s.violationCounts,
    market_failures: s.marketFailures,
    market_kkt: s.marketKkt ? { primal_kw: s.marketKkt.primalKw, dual_eur_per_kwh: s.marketKkt.dualEurPerKwh, complementarity_eur_per_h: s.marketKkt.complementarityEurPerH } : null,
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
    final: {
      iteration: last.iteration,
      welfare_eur: last.welfare_eur,
      violations: last.violations,
      violation_episodes: last.violation_episodes,
      configuration: last.configuration,
      non_converged_steps: last.non_converged_steps,
      batteries: last.batteries,
      stopped_because: last.decision,
      welfare_elastic_eur: last.welfare_elastic_eur,
      passive_demand_payment_eur: last.passive_demand_payment_eur,
    },
    provenance: provenance(sim.scenario),
    time_origin: `${sim.scenario.solar.date}T00:00:00`,
  };
}

/**
 * Writes the remaining files of a run (summary.json, timing.json and `extra`, e.g. the report) into
 * the recorder's output set; the caller commits the set.
 */
export function writeRunSummary(set: OutputSet, sim: Simulation, rec: RunRecorder, summaries: readonly IterationSummary[], timing: Record<string, number>): void {
  const summary = runSummary(sim, summaries, rec.eventCount);
  // issue 14: the most loaded line or transformer of each iteration (branches.csv), keys added only
  const withBranches = {
    ...summary,
    iterations: summary.iterations.map((it) => ({ ...it, worst_loading: rec.branchSummary.get(it.iteration) ?? null })),
    final: { ...summary.final, worst_loading: rec.branchSummary.get(summary.final.iteration) ?? null },
  };
  set.write('summary.json', `${JSON.stringify(withBranches, null, 2)}\n`);
  const episodes = set.file('violation_episodes.csv');
  episodes.write(EPISODES.header);
  for (const [it, tracker] of [...rec.episodes].sort(([a], [b]) => a - b)) {
    for (const e of tracker.list()) episodes.write(EPISODES.line([it, sim.world.periods[e.period]?.label ?? String(e.period), e.element, e.bus, e.kind, e.subSteps, e.worstValue, e.limit, fixed(e.worstDeviation, 6)]));
  }
  set.write('timing.json', `${JSON.stringify(timing, null, 2)}\n`);
}
