/**
 * The interactive stepper (`lemsim debug`): drives a Simulation one event at a time so a researcher
 * can see why a price came out as it did. Commands come one per line, so a test or a script can pipe
 * them in; on a terminal the CLI adds line editing, history and tab completion (`completeLine`).
 *
 * Stepping back: a run is deterministic (DESIGN rule 7), so the state after the k-th dispatched event
 * is rebuilt exactly by replaying k events on a fresh Simulation of the same scenario. `back` and
 * `goto` do that (from the start of the run: agents' state is immutable data, but the engines that
 * live in services are not snapshotted, so the start is the one snapshot that is always exact).
 */
import type { AnyEvent, EventType } from './kernel/events.js';
import { EVENT_PRIORITY } from './kernel/events.js';
import type { Simulation } from './sim/simulation.js';
import { type MarketOperatorState, type SubmittedBid, gridLimits, openBids } from '../agents/market-operator.js';
import { type ExplainedBlock, blockStatuses } from '../markets/auction/explain.js';
import type { BatteryAgent } from '../markets/community/model.js';

type Op = '=' | '!=' | '<' | '<=' | '>' | '>=';

interface Condition {
  readonly key: string;
  readonly op: Op;
  readonly value: string;
}

interface Breakpoint {
  readonly type: EventType;
  readonly conditions: readonly Condition[];
  readonly text: string;
}

const COMMANDS = ['next', 'step', 'continue', 'back', 'goto', 'pending', 'why', 'break', 'breaks', 'clear', 'book', 'result', 'agent', 'agents', 'voltages', 'help', 'quit'] as const;

const HELP = `commands:
  next | n                 dispatch the next event
  step period              run to the end of the current period (period-closed)
  continue | c             run to the next breakpoint or the end
  back | b [k]             step back one (or k) events: the run is replayed from its start, exactly
  goto <time|event#>       jump to a time of this iteration (goto 08:15, goto it1 08:15: stop before its first event)
                           or to just after an event (goto 123 or goto #123: event #123 of this iteration; goto it1#5)
  pending                  the event about to be dispatched
  why                      why the last clearing's price is what it is: rule, marginal blocks or grid, what binds
  break <type> [cond ...]  stop before dispatching events of <type> whose payload satisfies every condition:
                           key=value, key!=value, key<number, key<=, key>, key>= (e.g. break violation-detected v_pu<0.94,
                           break market-cleared price>0.09, break violation-detected bus=w2, break dispatched agent=p-h7 time>=12:00)
  breaks / clear           list / remove breakpoints
  book                     the order book of the current (or last) gate closure in merit order, with each block
                           marked accepted / rejected / paradoxically rejected or accepted, the marginal ones, and the grid's offers;
                           community market: each agent's bid, or each manager's offer (curve, terms, day-ahead storage banks)
  result [json]            the last clearing in brief (json: all of it)
  agent <id> / agents      an agent's state / every agent id
  voltages                 load-node voltages of the last power flow
  quit | q
`;

function clockOf(seconds: number): string {
  const t = seconds / 60;
  return `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(Math.floor(t % 60)).padStart(2, '0')}${t % 1 ? `:${String(Math.round((t % 1) * 60)).padStart(2, '0')}` : ''}`;
}

/** One line per event: `#seq itN HH:MM type key=value …` (scalar payload fields). */
export function describeEvent(e: AnyEvent): string {
  const p = e.payload as Record<string, unknown>;
  const brief = Object.entries(p)
    .filter(([, v]) => typeof v !== 'object')
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toFixed(6)) : v}`)
    .join(' ');
  const prices = e.type === 'market-cleared' ? Object.entries(e.payload.prices).map(([k, v]) => ` price.${k}=${Number(v.toFixed(6))}`).join('') : '';
  return `#${e.seq} it${e.iteration} ${clockOf(e.time)} ${e.type} ${brief}${prices}`;
}

/** `HH:MM[:SS]` as seconds since midnight, or undefined. */
function parseClock(text: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
}

const camel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * The values a condition key reads from an event (a condition holds when any of them satisfies it):
 * `price` is the clearing's price(s), `v_pu` a voltage violation's value or a power flow's extreme
 * voltages, `time` the event's clock, `iteration` its iteration; any other key is a payload field
 * (snake_case or camelCase). `bus=x` also matches an element named `bus.x`.
 */
function valuesOf(e: AnyEvent, key: string): unknown[] {
  const p = e.payload as Record<string, unknown>;
  if (key === 'time') return [e.time];
  if (key === 'iteration') return [e.iteration];
  if (key === 'price' && e.type === 'market-cleared') return Object.values(e.payload.prices);
  if (key === 'v_pu') {
    if (e.type === 'violation-detected') return e.payload.kind === 'overcurrent' ? [] : [e.payload.value];
    if (e.type === 'grid-solved') return [e.payload.minVPu, e.payload.maxVPu];
  }
  const v = p[key] ?? p[camel(key)];
  const out = v === undefined ? [] : [v];
  if (key === 'bus' && typeof p.element === 'string' && p.element.startsWith('bus.')) out.push(p.element.slice(4));
  return out;
}

function holds(c: Condition, got: unknown): boolean {
  const num = c.key === 'time' ? parseClock(c.value) ?? Number(c.value) : Number(c.value);
  if (c.op === '=' || c.op === '!=') {
    const eq = typeof got === 'number' && Number.isFinite(num) && c.value.trim() !== '' ? Math.abs(got - num) <= 1e-12 * Math.max(1, Math.abs(num)) : String(got) === c.value;
    return c.op === '=' ? eq : !eq;
  }
  if (typeof got !== 'number' || !Number.isFinite(num)) return false;
  switch (c.op) {
    case '<':
      return got < num;
    case '<=':
      return got <= num;
    case '>':
      return got > num;
    default:
      return got >= num;
  }
}

function matches(b: Breakpoint, e: AnyEvent): boolean {
  if (b.type !== e.type) return false;
  return b.conditions.every((c) => valuesOf(e, c.key).some((v) => holds(c, v)));
}

/** Parses `key<op>value`; an error message for anything else. */
export function parseCondition(text: string): Condition | string {
  const m = /^([A-Za-z_][\w.]*)(<=|>=|!=|=|<|>)(.+)$/.exec(text);
  if (!m) return `condition '${text}' is not key=value, key!=value, key<number, key<=number, key>number or key>=number`;
  const [, key, op, value] = m;
  if (op !== '=' && op !== '!=' && !Number.isFinite(key === 'time' ? parseClock(value) ?? Number(value) : Number(value))) {
    return `condition '${text}': ${op} needs a number${key === 'time' ? ' or HH:MM' : ''}`;
  }
  return { key, op: op as Op, value };
}

/**
 * Tab completion for a command line (node:readline's completer shape): commands, then event types
 * after `break`, agent ids after `agent`, `period` after `step`, `json` after `result`.
 */
export function completeLine(line: string, agentIds: readonly string[]): [string[], string] {
  const words = line.split(/\s+/);
  const word = words[words.length - 1];
  let pool: readonly string[];
  if (words.length <= 1) pool = COMMANDS;
  else if (words[0] === 'break' && words.length === 2) pool = Object.keys(EVENT_PRIORITY);
  else if (words[0] === 'agent' && words.length === 2) pool = agentIds;
  else if (words[0] === 'step' && words.length === 2) pool = ['period'];
  else if (words[0] === 'result' && words.length === 2) pool = ['json'];
  else pool = [];
  const hits = pool.filter((c) => c.startsWith(word));
  return [hits.length > 0 ? [...hits] : [], word];
}

export interface DebuggerOptions {
  /** Builds a fresh Simulation of the same scenario (for `back` and `goto`); without it they are unavailable. */
  readonly restart?: () => Promise<Simulation>;
}

const STATUS_MARK: Record<ExplainedBlock['status'], string> = {
  accepted: 'accepted',
  rejected: 'rejected',
  'paradoxically-rejected': 'PARADOXICALLY REJECTED',
  'paradoxically-accepted': 'PARADOXICALLY ACCEPTED',
};

/** One storage bank of a manager's day-ahead offer, as the debugger's `book` lists it. */
function storageLine(s: BatteryAgent): string {
  const floor = s.terminalSocMin === undefined ? '' : `, ends the day at soc ≥ ${s.terminalSocMin}`;
  return `${s.id}: ${s.capacityKwh} kWh, ${s.powerKw} kW, soc ${s.soc} in [${s.socMin}, ${s.socMax}], η ${s.etaCh}/${s.etaDis}, self-discharge ${s.selfDischargePerPeriod} per period, wear ${s.aEurPerKwhPerKw} EUR/kWh per kW, stored kWh valued ${s.valueEurPerKwh} EUR/kWh${floor}`;
}

export class Debugger {
  private readonly breakpoints: Breakpoint[] = [];
  private last: AnyEvent | undefined;
  private lastVoltages: readonly number[] | undefined;
  /** what this simulation has dispatched so far (iteration, seq, time), for `back` and `goto` */
  private history: { iteration: number; seq: number; time: number }[] = [];
  private sim: Simulation;

  constructor(
    sim: Simulation,
    private out: (text: string) => void,
    private readonly options: DebuggerOptions = {},
  ) {
    this.sim = sim;
    this.attach(sim);
  }

  private attach(sim: Simulation): void {
    this.sim = sim;
    this.last = undefined;
    this.lastVoltages = undefined;
    this.history = [];
    sim.onBus((bus) =>
      bus.listen((e) => {
        if (e.type === 'grid-solved') this.lastVoltages = e.payload.loadVPu;
      }),
    );
  }

  /** Agent ids of the current iteration (for completion). */
  get agentIds(): string[] {
    return this.sim.agents.map((a) => a.id);
  }

  /** Executes one command line with its output sent to `sink` instead (the web front end). */
  async execTo(line: string, sink: (text: string) => void): Promise<boolean> {
    const keep = this.out;
    this.out = sink;
    try {
      return await this.exec(line);
    } finally {
      this.out = keep;
    }
  }

  /** Executes one command line; resolves false on quit. */
  async exec(line: string): Promise<boolean> {
    const [cmd, ...args] = line.trim().split(/\s+/);
    switch (cmd) {
      case '':
        return true;
      case 'help':
      case 'h':
        this.out(HELP);
        return true;
      case 'next':
      case 'n':
        this.advance(() => true, false);
        return true;
      case 'step':
        if (args[0] !== 'period') {
          this.out('usage: step period\n');
          return true;
        }
        this.advance((e) => e.type === 'period-closed', true);
        return true;
      case 'continue':
      case 'c':
        this.advance(() => false, true);
        return true;
      case 'back':
      case 'b': {
        const k = args[0] === undefined ? 1 : Number(args[0]);
        if (!(Number.isInteger(k) && k > 0)) {
          this.out('usage: back [k] (k a positive whole number of events)\n');
          return true;
        }
        if (this.history.length === 0) {
          this.out('at the start of the run: nothing to step back to\n');
          return true;
        }
        await this.replayTo(Math.max(0, this.history.length - k));
        return true;
      }
      case 'goto':
        await this.goto(args);
        return true;
      case 'pending': {
        const next = this.sim.peek();
        this.out(next ? `pending: ${describeEvent(next)}\n` : 'nothing pending: the simulation has finished\n');
        return true;
      }
      case 'why':
        this.printWhy();
        return true;
      case 'break': {
        const type = args[0] as EventType;
        if (!type || !(type in EVENT_PRIORITY)) {
          this.out(`unknown event type '${args[0] ?? ''}' (one of ${Object.keys(EVENT_PRIORITY).join(', ')})\n`);
          return true;
        }
        const conditions: Condition[] = [];
        for (const a of args.slice(1)) {
          const c = parseCondition(a);
          if (typeof c === 'string') {
            this.out(`${c}\n`);
            return true;
          }
          conditions.push(c);
        }
        const text = `${type}${args.length > 1 ? ` ${args.slice(1).join(' ')}` : ''}`;
        this.breakpoints.push({ type, conditions, text });
        this.out(`breakpoint ${this.breakpoints.length}: ${text}\n`);
        return true;
      }
      case 'breaks':
        this.out(this.breakpoints.length === 0 ? 'no breakpoints\n' : this.breakpoints.map((b, k) => `${k + 1}: ${b.text}\n`).join(''));
        return true;
      case 'clear':
        this.breakpoints.length = 0;
        this.out('breakpoints cleared\n');
        return true;
      case 'book':
        this.printBook();
        return true;
      case 'result':
        this.printResult(args[0] === 'json');
        return true;
      case 'agent': {
        const a = this.sim.agent(args[0] ?? '');
        if (!a) {
          this.out(`no agent '${args[0] ?? ''}' (try: agents)\n`);
          return true;
        }
        const { engine: _engine, solver: _solver, elementOf: _el, ...visible } = a.state as Record<string, unknown>;
        this.out(`${a.id} (${a.kind.kind}) ${JSON.stringify(visible, (_k, v) => (v instanceof Map ? Object.fromEntries(v) : ArrayBuffer.isView(v) ? `(${v.constructor.name} of ${(v as Float64Array).length} numbers)` : v), 2)}\n`);
        return true;
      }
      case 'agents':
        this.out(`${this.sim.agents.map((a) => `${a.id} (${a.kind.kind})`).join('\n')}\n`);
        return true;
      case 'voltages': {
        if (!this.lastVoltages) {
          this.out('no power flow solved yet\n');
          return true;
        }
        const nodes = this.sim.world.loadNodes;
        this.out(this.lastVoltages.map((v, k) => `${nodes[k][0]} ${nodes[k][1]}.${nodes[k][2]} ${v === 0 ? '-' : v.toFixed(6)} pu`).join('\n') + '\n');
        return true;
      }
      case 'quit':
      case 'q':
        return false;
      default:
        this.out(`unknown command '${cmd}' (help lists them)\n`);
        return true;
    }
  }

  /** Dispatches one event and records it. */
  private stepOne(): AnyEvent | undefined {
    const e = this.sim.step();
    if (e) {
      this.last = e;
      this.history.push({ iteration: e.iteration, seq: e.seq, time: e.time });
    }
    return e;
  }

  /** Steps until `stopAfter` holds for a dispatched event, a breakpoint matches the next one, or the end. */
  private advance(stopAfter: (e: AnyEvent) => boolean, honourBreaks: boolean): void {
    let first = true;
    while (true) {
      const next = this.sim.peek();
      if (honourBreaks && !first && next) {
        const hit = this.breakpoints.findIndex((b) => matches(b, next));
        if (hit >= 0) {
          this.out(`breakpoint ${hit + 1} before ${describeEvent(next)}\n`);
          return;
        }
      }
      const e = this.stepOne();
      if (!e) {
        this.out('simulation finished\n');
        return;
      }
      first = false;
      if (!honourBreaks || stopAfter(e)) {
        this.out(`${describeEvent(e)}\n`);
        if (stopAfter(e)) return;
      }
    }
  }

  /** Rebuilds the state after the first `n` dispatched events by replaying them on a fresh simulation. */
  private async replayTo(n: number): Promise<void> {
    if (!this.options.restart) {
      this.out('stepping back needs a restartable simulation (lemsim debug provides one)\n');
      return;
    }
    if (n > this.history.length) {
      while (this.history.length < n && this.stepOne());
    } else if (n < this.history.length) {
      this.attach(await this.options.restart());
      for (let k = 0; k < n; k++) if (!this.stepOne()) break;
    }
    this.out(this.last ? `at ${describeEvent(this.last)}\n` : 'at the start of the run\n');
    const next = this.sim.peek();
    if (next) this.out(`pending: ${describeEvent(next)}\n`);
  }

  private async goto(args: readonly string[]): Promise<void> {
    const usage = 'usage: goto <HH:MM> | goto it<k> <HH:MM> | goto <event#> | goto it<k>#<event#>\n';
    let iteration = this.last?.iteration ?? 0;
    let target = args.join(' ');
    const it = /^it(\d+)\s*(.*)$/.exec(target);
    if (it) {
      iteration = Number(it[1]);
      target = it[2];
    }
    const clock = parseClock(target);
    const seq = /^#?(\d+)$/.exec(target);
    if (clock !== undefined) {
      // stop before the first event of the iteration at or after the clock time
      const at = this.history.findIndex((h) => h.iteration > iteration || (h.iteration === iteration && h.time >= clock));
      if (at >= 0) return this.replayTo(at);
      while (true) {
        const next = this.sim.peek();
        if (!next) return void this.out(`the run ends before it${iteration} ${target}\n`);
        if (next.iteration > iteration || (next.iteration === iteration && next.time >= clock)) break;
        this.stepOne();
      }
      return this.replayTo(this.history.length);
    }
    if (seq) {
      const n = Number(seq[1]);
      const at = this.history.findIndex((h) => h.iteration === iteration && h.seq === n);
      if (at >= 0) return this.replayTo(at + 1);
      while (true) {
        const e = this.stepOne();
        if (!e) return void this.out(`no event #${n} in iteration ${iteration}\n`);
        if (e.iteration === iteration && e.seq === n) break;
        if (e.iteration > iteration) return void this.out(`no event #${n} in iteration ${iteration}; stopped at ${describeEvent(e)}\n`);
      }
      return this.replayTo(this.history.length);
    }
    this.out(usage);
  }

  private marketOperator(): MarketOperatorState | undefined {
    return this.sim.agent('mo')?.state as MarketOperatorState | undefined;
  }

  private printWhy(): void {
    const r = this.marketOperator()?.lastResult;
    if (!r) return void this.out('no clearing yet\n');
    const x = r.explanation;
    if (!x) return void this.out(`period ${r.period}: ${r.priceSetBy ?? 'the mechanism gives no explanation of its price'}\n`);
    const lines = [x.text, `price_set_by: ${x.priceSetBy}`];
    if (!x.consistent) lines.push('WARNING: the explanation does not recompute the clearing price');
    this.out(`${lines.join('\n')}\n`);
  }

  private printResult(json: boolean): void {
    const r = this.marketOperator()?.lastResult;
    if (!r) return void this.out('no clearing yet\n');
    if (json) return void this.out(`${JSON.stringify(r, null, 2)}\n`);
    const prices = Object.entries(r.prices).map(([k, v]) => `${k} ${Number(v.toFixed(6))} EUR/kWh`).join(', ') || 'none (nothing traded)';
    const bought = r.dispatch.reduce((s, d) => s + d.boughtKw, 0);
    const sold = r.dispatch.reduce((s, d) => s + d.soldKw, 0);
    this.out(
      `period ${r.period}: ${r.status}, price ${prices}, welfare ${Number(r.welfareEur.toFixed(6))} EUR\n` +
        `  bought ${Number(bought.toFixed(4))} kW, sold ${Number(sold.toFixed(4))} kW, import ${Number(r.importKw.toFixed(4))} kW, export ${Number(r.exportKw.toFixed(4))} kW, ${r.accepted.length} accepted blocks\n` +
        (r.priceSetBy ? `  price set by: ${r.priceSetBy}\n` : '') +
        `  (result json: the whole clearing)\n`,
    );
  }

  private printBook(): void {
    const mo = this.marketOperator();
    if (!mo) {
      this.out('no market operator\n');
      return;
    }
    const open = openBids(mo);
    const cleared = open.length === 0;
    const bids: readonly SubmittedBid[] = cleared ? mo.lastBids : open;
    if (bids.length === 0) {
      this.out('the book is empty (no gate closure yet)\n');
      return;
    }
    const supply: [string, string, number, number][] = [];
    const demand: [string, string, number, number][] = [];
    const agents: string[] = [];
    for (const b of bids) {
      if (b.bid.market === 'auction') {
        for (const o of b.bid.supply) supply.push([o.id, b.agent, o.kw, o.priceEurPerKwh]);
        for (const o of b.bid.demand) demand.push([o.id, b.agent, o.kw, o.priceEurPerKwh]);
      } else if (b.bid.market === 'community-offer') {
        // a manager's offer: its net-import curve, price → kW (a range where members' responses jump)
        const o = b.bid.offer;
        const pts = o.curve.pricesEurPerKwh.map((p, k) => `${p.toFixed(4)}:${o.curve.lowKw[k] === o.curve.highKw[k] ? o.curve.lowKw[k].toFixed(3) : `[${o.curve.lowKw[k].toFixed(3)},${o.curve.highKw[k].toFixed(3)}]`}`);
        agents.push(`${b.community} ${b.agent} manager offer: margin ${o.exportMarginEurPerKwh} EUR/kWh, import cap ${o.maxGridImportKw ?? 'none'} kW, net import by price ${pts.join(' ')}`);
        // day-ahead: the storage the offer carries, one bank of identical batteries per line
        for (const s of o.storage ?? []) agents.push(`  storage ${storageLine(s)}`);
      } else {
        for (const a of b.bid.agents) agents.push(`${b.community} ${b.agent} ${JSON.stringify(a)}`);
      }
    }
    if (agents.length > 0) {
      this.out(`community-market agents (period ${mo.period}):\n${agents.join('\n')}\n`);
      return;
    }
    const x = cleared ? mo.lastResult?.explanation : undefined;
    const mark = new Map<string, ExplainedBlock>();
    if (x) for (const b of this.lastBlocks()) mark.set(b.id, b);
    // merit order: supply by ascending price, demand by descending price; ties by id
    supply.sort((a, b) => a[3] - b[3] || (a[0] < b[0] ? -1 : 1));
    demand.sort((a, b) => b[3] - a[3] || (a[0] < b[0] ? -1 : 1));
    const fmt = (rows: [string, string, number, number][]) => {
      let cum = 0;
      return rows
        .map(([id, agent, kw, price]) => {
          const m = mark.get(id);
          const tag = m ? `  ${STATUS_MARK[m.status]}${m.marginal ? ' MARGINAL' : ''}` : '';
          return `  ${(cum += kw).toFixed(2).padStart(8)} kW  ${price.toFixed(4)} EUR/kWh  ${kw.toFixed(2)} kW  ${agent} ${id}${tag}`;
        })
        .join('\n');
    };
    const m = this.sim.scenario.market;
    const lim = gridLimits(m);
    const kwLimit = (v: number | null) => (v === null ? 'unlimited' : `up to ${v} kW`);
    const used = (kind: 'import' | 'export') => {
      if (!x) return '';
      const kw = kind === 'import' ? x.grid.importKw : x.grid.exportKw;
      const marginal = (x.lower.grid === `grid-${kind}` || x.upper.grid === `grid-${kind}`) ? ' MARGINAL' : '';
      return `, used ${Number(kw.toFixed(4))} kW${marginal}`;
    };
    const head = cleared ? (x ? `period ${x.period}, cleared at ${x.priceEurPerKwh === null ? 'no price' : `${Number(x.priceEurPerKwh.toFixed(6))} EUR/kWh`}` : `period ${mo.lastResult?.period ?? mo.period}, cleared`) : `period ${mo.period}, open (not cleared yet)`;
    this.out(
      `${head}\nsupply (merit order, cumulative kW):\n${fmt(supply)}\ndemand (merit order, cumulative kW):\n${fmt(demand)}\n` +
        `grid offers:\n  import: the grid sells at ${m.import_price} EUR/kWh, ${kwLimit(lim.maxImportKw)}${used('import')}\n  export: the grid buys at ${m.export_price} EUR/kWh, ${kwLimit(lim.maxExportKw)}${used('export')}\n` +
        (x ? `price set by: ${x.priceSetBy}\n` : ''),
    );
  }

  /**
   * Where the stepper stands, for a front end (`lemsim debug --web`): position, last and pending
   * events, breakpoints, and the last clearing with its explanation (blocks marked) when there is one.
   */
  view(): { position: number; current: string | null; pending: string | null; breakpoints: string[]; clearing: Record<string, unknown> | null } {
    const next = this.sim.peek();
    const r = this.marketOperator()?.lastResult;
    return {
      position: this.history.length,
      current: this.last ? describeEvent(this.last) : null,
      pending: next ? describeEvent(next) : null,
      breakpoints: this.breakpoints.map((b) => b.text),
      clearing: r
        ? { period: r.period, label: this.sim.world.periods[r.period]?.label ?? String(r.period), status: r.status, prices: r.prices, importKw: r.importKw, exportKw: r.exportKw, welfareEur: r.welfareEur, priceSetBy: r.priceSetBy ?? '', why: r.explanation ? { text: r.explanation.text, binds: r.explanation.binds, blocks: this.lastBlocks() } : null }
        : null,
    };
  }

  /** The last clearing's blocks with their status (markets/auction/explain.ts `blockStatuses`); [] before one. */
  private lastBlocks(): ExplainedBlock[] {
    const mo = this.marketOperator();
    const r = mo?.lastResult;
    if (!mo || !r?.explanation) return [];
    const supply = [];
    const demand = [];
    for (const b of mo.lastBids) {
      if (b.bid.market !== 'auction') continue;
      for (const o of b.bid.supply) supply.push({ ...o, agent: b.agent });
      for (const o of b.bid.demand) demand.push({ ...o, agent: b.agent });
    }
    return blockStatuses({ id: r.explanation.period, supply, demand }, { accepted: r.accepted, paradoxicallyRejected: r.paradoxicallyRejected ?? [], paradoxicallyAccepted: r.paradoxicallyAccepted ?? [], lower: r.explanation.lower, upper: r.explanation.upper });
  }

  /** The last dispatched event. */
  get current(): AnyEvent | undefined {
    return this.last;
  }

  /** Events dispatched so far in this run (the position `back` steps from). */
  get position(): number {
    return this.history.length;
  }
}
