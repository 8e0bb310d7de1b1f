/**
 * The interactive stepper (`lemsim debug`): drives a Simulation one event at a time so a researcher
 * can see why a price came out as it did. Commands (one per line, so a test or a script can pipe
 * them in): `next`, `step period`, `continue`, `break <event-type> [key=value …]`, `breaks`,
 * `clear`, `book` (the order book at the current gate closure, in merit order), `result` (the last
 * clearing: price, volumes, accepted blocks), `agent <id>`, `agents`, `voltages`, `help`, `quit`.
 */
import type { AnyEvent, EventType } from './events.js';
import { EVENT_PRIORITY } from './events.js';
import type { Simulation } from './simulation.js';
import { type MarketOperatorState, type SubmittedBid, openBids } from '../agents/market-operator.js';

interface Breakpoint {
  readonly type: EventType;
  readonly filter: Readonly<Record<string, string>>;
}

const HELP = `commands:
  next | n                 dispatch the next event
  step period              run to the end of the current period (period-closed)
  continue | c             run to the next breakpoint or the end
  break <type> [k=v ...]   stop before dispatching events of <type> whose payload matches (e.g. break violation-detected bus=w2)
  breaks / clear           list / remove breakpoints
  book                     the order book of the current (or last) gate closure, in merit order
  result                   the last clearing result
  agent <id> / agents      an agent's state / every agent id
  voltages                 load-node voltages of the last power flow
  quit | q
`;

function describeEvent(e: AnyEvent): string {
  const t = e.time / 60;
  const clock = `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(Math.floor(t % 60)).padStart(2, '0')}${t % 1 ? `:${String(Math.round((t % 1) * 60)).padStart(2, '0')}` : ''}`;
  const p = e.payload as Record<string, unknown>;
  const brief = Object.entries(p)
    .filter(([, v]) => typeof v !== 'object')
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toFixed(6)) : v}`)
    .join(' ');
  return `#${e.seq} it${e.iteration} ${clock} ${e.type} ${brief}`;
}

function matches(b: Breakpoint, e: AnyEvent): boolean {
  if (b.type !== e.type) return false;
  const p = e.payload as Record<string, unknown>;
  for (const [k, v] of Object.entries(b.filter)) {
    const got = p[k];
    if (got === undefined || String(got) !== v) {
      // `bus=x` also matches an element named bus.x
      if (!(k === 'bus' && p.element === `bus.${v}`)) return false;
    }
  }
  return true;
}

export class Debugger {
  private readonly breakpoints: Breakpoint[] = [];
  private last: AnyEvent | undefined;
  private lastVoltages: readonly number[] | undefined;

  constructor(
    private readonly sim: Simulation,
    private readonly out: (text: string) => void,
  ) {
    sim.onBus((bus) =>
      bus.listen((e) => {
        if (e.type === 'grid-solved') this.lastVoltages = e.payload.loadVPu;
      }),
    );
  }

  /** Executes one command line; returns false on quit. */
  exec(line: string): boolean {
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
      case 'break': {
        const type = args[0] as EventType;
        if (!type || !(type in EVENT_PRIORITY)) {
          this.out(`unknown event type '${args[0] ?? ''}' (one of ${Object.keys(EVENT_PRIORITY).join(', ')})\n`);
          return true;
        }
        const filter: Record<string, string> = {};
        for (const a of args.slice(1)) {
          const eq = a.indexOf('=');
          if (eq <= 0) {
            this.out(`filter '${a}' is not key=value\n`);
            return true;
          }
          filter[a.slice(0, eq)] = a.slice(eq + 1);
        }
        this.breakpoints.push({ type, filter });
        this.out(`breakpoint ${this.breakpoints.length}: ${type}${args.length > 1 ? ` ${args.slice(1).join(' ')}` : ''}\n`);
        return true;
      }
      case 'breaks':
        this.out(this.breakpoints.length === 0 ? 'no breakpoints\n' : this.breakpoints.map((b, k) => `${k + 1}: ${b.type} ${JSON.stringify(b.filter)}\n`).join(''));
        return true;
      case 'clear':
        this.breakpoints.length = 0;
        this.out('breakpoints cleared\n');
        return true;
      case 'book':
        this.printBook();
        return true;
      case 'result': {
        const mo = this.sim.agent('mo')?.state as MarketOperatorState | undefined;
        this.out(mo?.lastResult ? `${JSON.stringify(mo.lastResult, null, 2)}\n` : 'no clearing yet\n');
        return true;
      }
      case 'agent': {
        const a = this.sim.agent(args[0] ?? '');
        if (!a) {
          this.out(`no agent '${args[0] ?? ''}' (try: agents)\n`);
          return true;
        }
        const { engine: _engine, solver: _solver, elementOf: _el, ...visible } = a.state as Record<string, unknown>;
        this.out(`${a.id} (${a.kind.kind}) ${JSON.stringify(visible, (_k, v) => (v instanceof Map ? Object.fromEntries(v) : v), 2)}\n`);
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

  /** Steps until `stopAfter` holds for a dispatched event, a breakpoint matches the next one, or the end. */
  private advance(stopAfter: (e: AnyEvent) => boolean, honourBreaks: boolean): void {
    let first = true;
    while (true) {
      const next = this.sim.bus.peek();
      if (honourBreaks && !first && next) {
        const hit = this.breakpoints.findIndex((b) => matches(b, next));
        if (hit >= 0) {
          this.out(`breakpoint ${hit + 1} before ${describeEvent(next)}\n`);
          return;
        }
      }
      const e = this.sim.step();
      if (!e) {
        this.out('simulation finished\n');
        return;
      }
      this.last = e;
      first = false;
      if (!honourBreaks || stopAfter(e)) {
        this.out(`${describeEvent(e)}\n`);
        if (stopAfter(e)) return;
      }
    }
  }

  private printBook(): void {
    const mo = this.sim.agent('mo')?.state as MarketOperatorState | undefined;
    if (!mo) {
      this.out('no market operator\n');
      return;
    }
    const open = openBids(mo);
    const bids: readonly SubmittedBid[] = open.length > 0 ? open : mo.lastBids;
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
      } else {
        for (const a of b.bid.agents) agents.push(`${b.community} ${b.agent} ${JSON.stringify(a)}`);
      }
    }
    if (agents.length > 0) {
      this.out(`community-market agents (period ${mo.period}):\n${agents.join('\n')}\n`);
      return;
    }
    // merit order: supply by ascending price, demand by descending price; ties by id
    supply.sort((a, b) => a[3] - b[3] || (a[0] < b[0] ? -1 : 1));
    demand.sort((a, b) => b[3] - a[3] || (a[0] < b[0] ? -1 : 1));
    const fmt = (rows: [string, string, number, number][]) => {
      let cum = 0;
      return rows.map(([id, agent, kw, price]) => `  ${(cum += kw).toFixed(2).padStart(8)} kW  ${price.toFixed(4)} EUR/kWh  ${kw.toFixed(2)} kW  ${agent} ${id}`).join('\n');
    };
    this.out(`supply (merit order, cumulative kW):\n${fmt(supply)}\ndemand (merit order, cumulative kW):\n${fmt(demand)}\n`);
  }

  /** The last dispatched event. */
  get current(): AnyEvent | undefined {
    return this.last;
  }
}
