/**
 * One run of a sweep, as a child process or a queue worker executes it: the resolved scenario is
 * run into its own folder (an atomic output set, src/io/atomic.ts, so a folder killed mid-run never
 * looks complete) with lean outputs — the result files of `lemsim run --no-report` without
 * events.jsonl (unless the sweep keeps it), plus the resolved scenario (`scenario.yaml`), the run's
 * row of figures (`row.json`) and its periods (`periods.csv`). A folder that is already complete is
 * not run again: its row is read back (resume). A failure is an outcome with its message, never a
 * crash of the sweep.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as yamlStringify } from 'yaml';
import type { Scenario } from '../../scenarios/schema.js';
import { isInputError } from '../errors.js';
import { OUTPUT_MARKER, OutputSet } from '../io/atomic.js';
import { CsvTable, parseCsv } from '../io/csv.js';
import { RunRecorder, type RunSummaryJson, runSummary, writeRunSummary } from '../io/run-results.js';
import { loadScenarioObject } from '../scenario.js';
import { Simulation } from '../sim/simulation.js';
import type { BatteryState } from '../../agents/battery.js';
import { accountOf, equivalentCycles } from '../../agents/ledger.js';

/** A run handed to a process that executes it (plain JSON: it travels over IPC and through Redis). */
export interface RunJob {
  readonly id: string;
  readonly scenario: Scenario;
  /** the file the scenario's relative paths resolve from */
  readonly scenarioFile: string;
  /** the run's folder (absolute) */
  readonly dir: string;
  readonly keepEvents: boolean;
}

export type RunStatus = 'ok' | 'failed' | 'not converged';

/** A figure of a run: number, text, or null (a figure the run has none of, e.g. no converged voltage). */
export type Figure = number | string | null;

/** One period of the final iteration of a run. */
export interface PeriodRow {
  readonly period: number;
  readonly label: string;
  readonly start_minute: number;
  readonly price_eur_per_kwh: number | null;
  readonly traded_kw: number;
  readonly consumption_kw: number;
  readonly production_kw: number;
  readonly import_kw: number;
  readonly export_kw: number;
  readonly v_min_pu: number | null;
  readonly v_max_pu: number | null;
}

/** What a run gives back: its status, its figures (flattened summary.json) and its periods. */
export interface RunOutcome {
  readonly id: string;
  readonly status: RunStatus;
  readonly error: string;
  /** true when the folder was already complete and read back instead of run */
  readonly reused: boolean;
  readonly figures: Readonly<Record<string, Figure>>;
  readonly periods: readonly PeriodRow[];
}

export const PERIOD_COLUMNS = ['period', 'label', 'start_minute', 'price_eur_per_kwh', 'traded_kw', 'consumption_kw', 'production_kw', 'import_kw', 'export_kw', 'v_min_pu', 'v_max_pu'] as const;
const PERIODS = new CsvTable(PERIOD_COLUMNS.map((c) => [c, c === 'label' ? 'text' : 'number'] as const));

/** Whether `dir` holds a complete run (swapped in, with its row). */
export function runComplete(dir: string): boolean {
  return existsSync(join(dir, OUTPUT_MARKER)) && existsSync(join(dir, 'row.json')) && existsSync(join(dir, 'periods.csv'));
}

/** Reads a complete run folder back into an outcome. */
export function readOutcome(id: string, dir: string, reused: boolean): RunOutcome {
  const row = JSON.parse(readFileSync(join(dir, 'row.json'), 'utf8')) as { status: RunStatus; error: string; figures: Record<string, Figure> };
  const periods: PeriodRow[] = [];
  let header = true;
  for (const rec of parseCsv(readFileSync(join(dir, 'periods.csv'), 'utf8'))) {
    if (header) {
      header = false;
      continue;
    }
    const o: Record<string, unknown> = {};
    PERIOD_COLUMNS.forEach((c, k) => {
      o[c] = c === 'label' ? rec[k] : rec[k] === '' ? null : Number(rec[k]);
    });
    periods.push(o as unknown as PeriodRow);
  }
  return { id, status: row.status, error: row.error, reused, figures: row.figures, periods };
}

/**
 * Flattens a summary.json into figures under stable names: its own field paths joined by dots
 * (`final.welfare_eur`, `energy_balance_kwh.import`, `voltage.average_pu`,
 * `iterations.0.violations`), so a name means what the field means in summary.json.
 */
export function summaryFigures(s: RunSummaryJson): Record<string, Figure> {
  const f: Record<string, Figure> = {};
  f.market = s.market;
  f.periods = s.periods;
  f.grid_solves = s.grid_solves;
  f.non_converged_steps = s.non_converged_steps;
  f['final.iteration'] = s.final.iteration;
  f['final.welfare_eur'] = s.final.welfare_eur;
  f['final.violations'] = s.final.violations;
  f['final.non_converged_steps'] = s.final.non_converged_steps;
  f['final.battery_sites'] = s.final.batteries.length;
  f['final.battery_units'] = s.final.batteries.reduce((a, b) => a + b.units, 0);
  f['final.stopped_because'] = s.final.stopped_because;
  for (const [k, v] of Object.entries(s.energy_balance_kwh)) f[`energy_balance_kwh.${k}`] = v as number;
  for (const [k, v] of Object.entries(s.energy_balance_kw_periods)) f[`energy_balance_kw_periods.${k}`] = v as number;
  for (const [k, v] of Object.entries(s.voltage)) f[`voltage.${k}`] = (v as number | null) ?? null;
  const last = s.iterations[s.iterations.length - 1];
  f['final.agents_welfare_eur'] = last.agents_welfare_eur;
  f['final.operator_surplus_eur'] = last.operator_surplus_eur;
  f['final.violation_episodes'] = typeof s.final.violation_episodes === 'number' ? s.final.violation_episodes : null;
  for (const it of s.iterations) {
    f[`iterations.${it.iteration}.welfare_eur`] = it.welfare_eur;
    f[`iterations.${it.iteration}.violations`] = it.violations;
    f[`iterations.${it.iteration}.battery_units`] = it.batteries.reduce((a, b) => a + b.units, 0);
  }
  return f;
}

/**
 * agents.csv and batteries.csv of the final iteration folded into figures (issue 15: "for whom"):
 * per group — `sellers` (prosumers that offered PV), `buyers` (the other prosumers), `batteries` —
 * the count and the sums of energy bought and sold, payment, the bill trading with the grid only,
 * the saving against it (summed and per agent) and welfare, as agents.csv defines them; for the
 * batteries also the mean final state of charge, mean and largest cycle count, and the lowest and
 * highest state of charge over the periods (batteries.csv). A group without members has count 0 and
 * no other figures, so an empty group never reads as a zero saving.
 */
export function accountFigures(sim: Simulation, sellers: ReadonlySet<string>, socRange: ReadonlyMap<string, { min: number; max: number }>): Record<string, Figure> {
  const f: Record<string, Figure> = {};
  const ledger = sim.ledger();
  type Sum = { n: number; bought: number; sold: number; payment: number; baseline: number; welfare: number };
  const groups: Record<'sellers' | 'buyers' | 'batteries', Sum> = {
    sellers: { n: 0, bought: 0, sold: 0, payment: 0, baseline: 0, welfare: 0 },
    buyers: { n: 0, bought: 0, sold: 0, payment: 0, baseline: 0, welfare: 0 },
    batteries: { n: 0, bought: 0, sold: 0, payment: 0, baseline: 0, welfare: 0 },
  };
  let socSum = 0;
  let cyclesSum = 0;
  let cyclesMax = -Infinity;
  let socMin = Infinity;
  let socMax = -Infinity;
  for (const a of sim.agents) {
    const acc = accountOf(ledger, a.id);
    if (!acc) continue;
    // by what the agent is, not by its kind's name (a plugin's kind may replace either built-in)
    const st = a.state as Partial<BatteryState> | undefined;
    const isBattery = typeof st?.soc === 'number' && typeof st.params?.capacityKwh === 'number';
    if (!isBattery && a.kind.kind === 'community-manager') continue;
    const g = isBattery ? groups.batteries : sellers.has(a.id) ? groups.sellers : groups.buyers;
    g.n++;
    g.bought += acc.boughtKwh;
    g.sold += acc.soldKwh;
    g.payment += acc.paymentEur;
    g.baseline += acc.baselineEur;
    g.welfare += acc.welfareEur;
    if (isBattery) {
      const cycles = equivalentCycles(acc, st.params!.capacityKwh);
      socSum += st.soc!;
      cyclesSum += cycles;
      cyclesMax = Math.max(cyclesMax, cycles);
      const r = socRange.get(a.id);
      if (r) {
        socMin = Math.min(socMin, r.min);
        socMax = Math.max(socMax, r.max);
      }
    }
  }
  for (const [name, g] of Object.entries(groups)) {
    f[`agents.${name}.count`] = g.n;
    if (g.n === 0) continue;
    f[`agents.${name}.bought_kwh`] = g.bought;
    f[`agents.${name}.sold_kwh`] = g.sold;
    f[`agents.${name}.payment_eur`] = g.payment;
    f[`agents.${name}.baseline_bill_eur`] = g.baseline;
    f[`agents.${name}.saving_eur`] = g.baseline - g.payment;
    f[`agents.${name}.saving_eur_per_agent`] = (g.baseline - g.payment) / g.n;
    f[`agents.${name}.welfare_eur`] = g.welfare;
  }
  const nb = groups.batteries.n;
  if (nb > 0) {
    f['batteries.final_soc_mean'] = socSum / nb;
    f['batteries.cycles_mean'] = cyclesSum / nb;
    f['batteries.cycles_max'] = cyclesMax;
    f['batteries.soc_min'] = Number.isFinite(socMin) ? socMin : null;
    f['batteries.soc_max'] = Number.isFinite(socMax) ? socMax : null;
  }
  return f;
}

/** Message of a failure, one line, without a stack (a bug's first line only). */
function failureText(err: unknown): string {
  if (isInputError(err)) return err.message;
  const e = err as Error;
  return `internal error: ${e?.message ?? String(err)}`;
}

/**
 * Executes a run (or reads it back when complete). `alive` is asked between periods; when it says
 * false (the process that asked for the run is gone) the run stops without writing anything.
 */
export async function executeRun(job: RunJob, options: { allowPaths?: readonly string[]; alive?: () => boolean } = {}): Promise<RunOutcome> {
  if (runComplete(job.dir)) return readOutcome(job.id, job.dir, true);
  const t0 = process.hrtime.bigint();
  let set: OutputSet | undefined;
  try {
    const loaded = loadScenarioObject(job.scenario, job.scenarioFile, { allowPaths: options.allowPaths });
    set = OutputSet.open(job.dir);
    const s = set;
    await OutputSet.produce(s, async () => {
      const sim = await Simulation.create(loaded);
      const recorder = new RunRecorder(sim, s, { events: job.keepEvents });
      // per iteration: each period's voltage range and each agent's welfare, PV owners apart
      const vRange = new Map<number, { min: number; max: number }[]>();
      const sellers = new Set<string>();
      const welfare = new Map<number, Map<string, number>>();
      // each battery's lowest and highest state of charge over the periods of the iteration
      let socRange = new Map<string, { min: number; max: number }>();
      sim.onBus((bus) =>
        bus.listen((e) => {
          if (e.type === 'iteration-started') socRange = new Map();
          else if (e.type === 'period-closed') {
            for (const a of sim.agents) {
              const soc = (a.state as Partial<BatteryState> | undefined)?.soc;
              if (typeof soc !== 'number') continue;
              const r = socRange.get(a.id);
              socRange.set(a.id, r ? { min: Math.min(r.min, soc), max: Math.max(r.max, soc) } : { min: soc, max: soc });
            }
          } else if (e.type === 'grid-solved' && e.payload.converged) {
            const list = vRange.get(e.iteration) ?? [];
            const r = list[e.payload.period] ?? { min: Infinity, max: -Infinity };
            list[e.payload.period] = { min: Math.min(r.min, e.payload.minVPu), max: Math.max(r.max, e.payload.maxVPu) };
            vRange.set(e.iteration, list);
          } else if (e.type === 'bid-submitted') {
            const b = e.payload.bid;
            // a community manager's offer speaks for its members, not for one prosumer
            const offers = b.market === 'auction' ? b.supply.some((o) => o.kw > 0) : b.market === 'community' ? b.agents.some((a) => a.kind === 'producer' && Number(a.pMaxKw) > 0) : false;
            if (offers) sellers.add(e.payload.agent);
          } else if (e.type === 'dispatched') {
            const m = welfare.get(e.iteration) ?? new Map<string, number>();
            m.set(e.payload.agent, (m.get(e.payload.agent) ?? 0) + e.payload.welfareEur);
            welfare.set(e.iteration, m);
          }
        }),
      );
      const alive = options.alive ?? (() => true);
      const summaries = sim.run(() => {
        if (!alive()) process.exit(137);
      });
      if (!alive()) process.exit(137);
      const tRun = process.hrtime.bigint();
      const summary = runSummary(sim, summaries, recorder.eventCount);
      const last = summary.final.iteration;
      const figures = summaryFigures(summary);
      const w = welfare.get(last) ?? new Map<string, number>();
      let owners = 0;
      let others = 0;
      let nOwners = 0;
      for (const [agent, v] of w) {
        if (sellers.has(agent)) {
          owners += v;
          nOwners++;
        } else others += v;
      }
      figures['welfare.sellers_eur'] = owners;
      figures['welfare.buyers_eur'] = others;
      // what the agents' settlements leave of the total welfare (the market operator's surplus and
      // the grid's side of the exchange): reported, not hidden
      figures['welfare.rest_eur'] = summary.final.welfare_eur - owners - others;
      figures['welfare.sellers'] = nOwners;
      figures['welfare.buyers'] = w.size - nOwners;
      Object.assign(figures, accountFigures(sim, sellers, socRange));
      const ranges = vRange.get(last) ?? [];
      let periods = '';
      let k = 0;
      for (const p of recorder.periodRows) {
        if (p.iteration !== last) continue;
        const r = ranges[k];
        const price = p.prices.market ?? Object.values(p.prices)[0];
        periods += PERIODS.line([k, p.label, p.startMinute, price ?? null, p.tradedKw, p.consumptionKw, p.productionKw, p.importKw, p.exportKw, r && Number.isFinite(r.min) ? r.min : null, r && Number.isFinite(r.max) ? r.max : null]);
        k++;
      }
      const status: RunStatus = summary.non_converged_steps > 0 ? 'not converged' : 'ok';
      const error = status === 'ok' ? '' : `${summary.non_converged_steps} of ${summary.grid_solves} power flows did not converge`;
      // summary.json, violation_episodes.csv and timing.json, as `lemsim run` writes them
      writeRunSummary(s, sim, recorder, summaries, { run_s: Number(tRun - t0) / 1e9, events: recorder.eventCount });
      s.write('scenario.yaml', `# the resolved scenario of run ${job.id}; relative paths resolve from ${job.scenarioFile}\n${yamlStringify(job.scenario)}`);
      s.write('periods.csv', PERIODS.header + periods);
      s.write('row.json', `${JSON.stringify({ status, error, figures }, null, 2)}\n`);
    });
    return readOutcome(job.id, job.dir, false);
  } catch (err) {
    return { id: job.id, status: 'failed', error: failureText(err), reused: false, figures: {}, periods: [] };
  }
}
