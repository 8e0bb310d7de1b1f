/**
 * The roster of an iteration (DESIGN: `roster.ts`): every agent built from the scenario through the
 * kind registry (built-in kinds and plugins' alike, in one fixed order: prosumers in load order,
 * batteries by bus, community managers, the scenario's extra agents, the market operator, the grid
 * operator, the ledger, the DSO planner), and the delivery of bus events to them: a broadcast goes to
 * every agent that handles its type, an addressed one to its recipient and the type's observers.
 */
import type { AgentInstance, World } from '../../agents/agent.js';
import { type BatteryParams, scaleUnits } from '../../agents/battery.js';
import type { DrivenElement } from '../../agents/grid-operator.js';
import { loadNoiseFactors, pvSizes } from '../../agents/pv-placement.js';
import type { Scenario } from '../../scenarios/schema.js';
import { LemsimError, isInputError } from '../errors.js';
import type { EventBus } from '../kernel/bus.js';
import { clockLabel } from '../kernel/clock.js';
import { type AnyEvent, type EventType, recipientOf } from '../kernel/events.js';
import type { Registry } from './plugins.js';

/** What the DSO planner carries from one iteration to the next. */
export interface PlannerMemory {
  /** battery units placed so far, by bus */
  readonly placed: Readonly<Record<string, number>>;
  /** the violation count of every finished iteration */
  readonly history: readonly number[];
  readonly iteration: number;
}

/** The agents of one iteration, in their fixed delivery order. */
export function buildRoster(w: World, agentKinds: Registry['agentKinds'], planner: PlannerMemory): AgentInstance[] {
  const s = w.scenario;
  const agents: AgentInstance[] = [];
  // every agent is built through the kind registry: built-in kinds and plugins' alike
  const add = (id: string, kind: string, config: unknown): void => {
    const k = agentKinds[kind];
    agents.push({ id, kind: k, state: k.init(id, config, w) });
  };
  const elementOf = new Map<string, DrivenElement>();
  const prosumers = [...w.communityOf.keys()].filter((id) => id.startsWith('p-'));
  // issue 14: a demand strategy with a `cap_price` bids all its demand at that cap (price-taking)
  const passiveDemand: Record<string, number> = {};
  const pvKwp = pvSizes(s, prosumers);
  // issue 12: prosumers whose PV is the feeder's own PVSystems (instead of a placed size)
  const pvElements = new Map<string, number[]>();
  for (const h of w.handed?.pv ?? []) pvElements.set(`p-${h.owner}`, [...(pvElements.get(`p-${h.owner}`) ?? []), h.pce]);
  prosumers.forEach((id, i) => {
    const load = id.slice(2);
    const elements = pvElements.get(id);
    const pv = elements ? 0 : pvKwp[i];
    let { supply, demand } = s.prosumers.strategy;
    for (const g of s.prosumers.groups) {
      if (!g.loads.some((l) => l.toLowerCase() === load)) continue;
      supply = g.supply ?? supply;
      demand = g.demand ?? demand;
    }
    const capPrice = { ...(w.strategies[demand.name]?.defaults ?? {}), ...demand.params }.cap_price;
    if (s.market.mechanism !== 'community' && typeof capPrice === 'number') passiveDemand[id] = capPrice;
    const sigma = s.prosumers.load_noise?.sigma ?? 0;
    add(id, s.prosumers.kind, { load, pvKwp: pv, supply, demand, ...(sigma > 0 ? { loadNoise: Array.from(loadNoiseFactors(s.seed, id, sigma, w.periods.length)) } : {}), ...(elements ? { pvElements: elements } : {}) });
    elementOf.set(id, { load: w.loadIndex.get(load)!, keepsPowerFactor: true, followsShape: demand.name === 'passive' && s.power_flow.passive_demand === 'load-shape', ...(elements ? { pvElements: elements } : {}) });
  });
  const unit = batteryUnit(s);
  for (const b of w.batteries) {
    add(b.id, s.batteries.kind, { bus: b.bus, units: b.units, params: scaleUnits(unit, b.units), soc: s.batteries.unit.soc });
    elementOf.set(b.id, { load: b.loadIndex, keepsPowerFactor: false });
  }
  // issue 12: each handed feeder Storage is a battery agent driving its element
  const storage = w.handed?.storage ?? [];
  for (const st of storage) {
    add(st.id, s.batteries.kind, { bus: st.bus, units: 1, params: st.params, soc: st.soc, storage: st.name });
    elementOf.set(st.id, { load: -1, keepsPowerFactor: false, storageElement: { pce: st.pce, params: st.params, kwh0: st.soc * st.params.capacityKwh } });
  }
  const communities = [...new Set(w.communityOf.values())].sort();
  for (const c of communities) add(`cm-${c}`, 'community-manager', { community: c, members: [...w.communityOf].filter(([, cc]) => cc === c).map(([id]) => id) });
  for (const extra of s.agents) add(extra.id, extra.kind, extra.config);
  add('mo', 'market-operator', {});
  add('go', 'grid-operator', { elementOf });
  add('ledger', 'ledger', { batteries: [...w.batteries.map((b) => b.id), ...storage.map((st) => st.id)], passiveDemand });
  add('dso', 'dso-planner', {
    enabled: s.reinforcement.enabled,
    maxIterations: s.reinforcement.max_iterations,
    unitSteps: s.reinforcement.unit_steps,
    rule: s.reinforcement.rule,
    count: s.limits.count,
    placed: { ...planner.placed },
    history: [...planner.history],
    iteration: planner.iteration,
  });
  return agents;
}

/** One Standard Battery Unit from the scenario (rates per hour; self-discharge per hour). */
export function batteryUnit(s: Scenario): BatteryParams {
  const u = s.batteries.unit;
  return {
    capacityKwh: u.capacity_kwh,
    powerKw: u.power_kw,
    socMin: u.soc_min,
    socMax: u.soc_max,
    etaCh: u.eta_ch,
    etaDis: u.eta_dis,
    rateChPerH: u.rate_ch,
    rateDisPerH: u.rate_dis,
    selfDischargePerH: u.self_discharge,
    aEurPerKwhPerKw: u.a,
  };
}

/**
 * An agent's transition threw: the run stops at that event (DESIGN rule 15: a failure is reported,
 * never swallowed). Names the agent, its kind, the event and the simulated time; keeps the exit code
 * of an input error, and is an internal error (70) otherwise.
 */
export class AgentError extends LemsimError {
  override readonly exitCode: number;
  constructor(
    readonly agent: string,
    readonly agentKind: string,
    readonly event: AnyEvent,
    override readonly cause: unknown,
  ) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super(`${isInputError(cause) ? '' : 'internal error: '}agent '${agent}' (${agentKind}) failed on ${event.type} at ${clockLabel(event.time)} (iteration ${event.iteration}${'period' in event.payload ? `, period ${String(event.payload.period)}` : ''}): ${inner}`);
    this.name = 'AgentError';
    this.exitCode = isInputError(cause) ? cause.exitCode : 70;
  }
}


/**
 * Subscribes the agents to `bus`: each event goes to the agents that receive it (`deliveryRoutes`),
 * in their fixed order; what a transition emits is published on the bus. A transition that throws
 * stops the run with an `AgentError`.
 */
export function deliverTo(bus: EventBus, agents: readonly AgentInstance[], world: World): void {
  const routes = deliveryRoutes(agents);
  const deliver = (a: AgentInstance, e: AnyEvent): void => {
    let r;
    try {
      r = a.kind.transition(a.state, e, world);
    } catch (err) {
      throw new AgentError(a.id, a.kind.kind, e, err);
    }
    a.state = r.state;
    if (r.emit) for (const d of r.emit) bus.publish(d);
  };
  bus.listen((e) => {
    const to = recipientOf(e);
    if (to === undefined) {
      for (const a of routes.broadcast.get(e.type) ?? []) deliver(a, e);
      return;
    }
    // an addressed event: its observers and its recipient, in the agents' fixed order
    const target = routes.addressed.get(e.type)?.get(to);
    const observers = routes.observers.get(e.type) ?? [];
    let placed = target === undefined || observers.includes(target);
    for (const a of observers) {
      if (!placed && routes.order.get(target!)! < routes.order.get(a)!) {
        deliver(target!, e);
        placed = true;
      }
      deliver(a, e);
    }
    if (!placed) deliver(target!, e);
  });
}

/**
 * Who receives what, computed once per iteration: broadcast events go to every agent that handles
 * their type; an addressed event (`recipientOf`) goes to its recipient, if it handles the type, and to
 * the agents that observe the type. Delivery keeps the agents' fixed order, so runs stay
 * deterministic, and a period costs O(agents) however many addressed events it carries.
 */
function deliveryRoutes(agents: readonly AgentInstance[]) {
  const broadcast = new Map<EventType, AgentInstance[]>();
  const addressed = new Map<EventType, Map<string, AgentInstance>>();
  const observers = new Map<EventType, AgentInstance[]>();
  const order = new Map<AgentInstance, number>();
  agents.forEach((a, i) => {
    order.set(a, i);
    for (const t of a.kind.handles) {
      if (!broadcast.has(t)) broadcast.set(t, []);
      broadcast.get(t)!.push(a);
      if (!addressed.has(t)) addressed.set(t, new Map());
      addressed.get(t)!.set(a.id, a);
    }
    for (const t of a.kind.observes ?? []) {
      if (!observers.has(t)) observers.set(t, []);
      observers.get(t)!.push(a);
    }
  });
  return { broadcast, addressed, observers, order };
}

