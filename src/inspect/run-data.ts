/**
 * The inspector's view of a finished run folder, built only from the files the run wrote
 * (summary.json, market.csv, voltages.csv, violations.csv, events.jsonl; communities.csv,
 * branches.csv, strategy_states.csv when present) plus the feeder the run's provenance names and its
 * bus_coords files, for the map. Each period's book is the `bid-submitted` blocks; each block's
 * status and the marginal ones come from the `why` the market operator put on `market-cleared`
 * (markets/auction/explain.ts), so the inspector shows what the clearing decided, not a re-clearing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyEvent, MarketWhy } from '../kernel/events.js';
import { parseCsv } from '../io/csv.js';
import { LemsimError } from '../errors.js';
import { expandVars } from '../scenario.js';
import { loadFeeder } from '../../grid/feeder.js';
import { parseBusCoords } from '../../grid/dss/interpreter.js';
import { blockStatuses } from '../../markets/auction/explain.js';

export class InspectError extends LemsimError {}

export interface BookBlock {
  readonly id: string;
  readonly agent: string;
  readonly side: 'supply' | 'demand';
  readonly kw: number;
  readonly priceEurPerKwh: number;
  readonly status: 'accepted' | 'rejected' | 'paradoxically-rejected' | 'paradoxically-accepted' | 'open';
  readonly marginal: boolean;
}

export interface PeriodView {
  readonly iteration: number;
  readonly period: number;
  readonly label: string;
  readonly startMinute: number;
  readonly endMinute: number;
  readonly status: string;
  readonly prices: Readonly<Record<string, number>>;
  readonly priceSetBy: string;
  readonly importKw: number;
  readonly exportKw: number;
  readonly welfareEur: number;
  readonly why: MarketWhy | null;
  /** seq of the period's market-cleared event (links the views to the event list) */
  readonly clearedSeq: number | null;
}

export interface MarketRow {
  readonly iteration: number;
  readonly period: string;
  readonly minute: number;
  readonly agent: string;
  readonly community: string;
  readonly bidSupplyKw: number;
  readonly bidDemandKw: number;
  readonly boughtKw: number;
  readonly soldKw: number;
  readonly dispatchKw: number;
  readonly priceEurPerKwh: number;
  readonly welfareEur: number;
  readonly priceSetBy: string;
}

export interface EventBrief {
  readonly iteration: number;
  readonly seq: number;
  readonly minute: number;
  readonly type: string;
  readonly agent: string | null;
  readonly period: number | null;
  readonly text: string;
}

export interface FeederMap {
  readonly buses: readonly { readonly name: string; readonly x: number; readonly y: number }[];
  readonly lines: readonly [number, number][];
  /** the branch each of `lines` draws (`line.<name>`, `transformer.<name>`: branches.csv's `branch`) */
  readonly lineNames: readonly string[];
  readonly note: string | null;
}

/** One community's row of communities.csv for a period. */
export interface CommunityRow {
  readonly community: string;
  readonly clearing: string;
  readonly priceEurPerKwh: number;
  readonly internalVolumeKw: number;
  readonly netImportKw: number;
  readonly gridImportKw: number;
  readonly gridExportKw: number;
  readonly interImportKw: number;
  readonly interExportKw: number;
  /** bought from each other community minus sold to it, kW */
  readonly netFromKw: Readonly<Record<string, number>>;
  readonly membersWelfareEur: number;
  readonly managerMarginEur: number;
}

/**
 * One market agent of a community-market bid (seed 000's model, markets/community/model.ts) at the
 * optimum: a consumer's utility U(P) = b·P − ½·a·P² on [pMin, pMax] (marginal b − a·P), a producer's
 * cost C(G) = b·G + ½·a·G² on [pMin, pMax] (marginal b + a·G), a battery's parameters. `optimumKw` is
 * its power in the clearing: from the owner's dispatch when the owner bid one agent of that kind
 * (bought = consumption and charge, sold = production and discharge), otherwise from the KKT
 * condition at its community's price (marginal = price, or the bound) — `optimumFrom` says which.
 */
export interface CurveAgent {
  readonly owner: string;
  readonly id: string;
  readonly kind: 'consumer' | 'producer' | 'battery' | string;
  readonly community: string;
  readonly pMinKw: number | null;
  readonly pMaxKw: number | null;
  readonly aEurPerKwhPerKw: number;
  readonly bEurPerKwh: number | null;
  /** battery: what the stored energy is worth, EUR/kWh; its power and soc */
  readonly battery: { readonly powerKw: number; readonly capacityKwh: number; readonly soc: number; readonly valueEurPerKwh: number } | null;
  readonly priceEurPerKwh: number | null;
  readonly optimumKw: number | null;
  readonly optimumFrom: 'dispatch' | 'price' | null;
  /** marginal utility (consumer) or cost (producer) at the optimum, EUR/kWh */
  readonly marginalAtOptimum: number | null;
}

export interface BranchRow {
  readonly iteration: number;
  readonly branch: string;
  readonly kind: string;
  readonly bus1: string;
  readonly bus2: string;
  readonly normAmps: number | null;
  readonly peakAmps: number | null;
  readonly peakLoadingPct: number | null;
  readonly peakMinute: number | null;
  readonly meanLoadingPct: number | null;
  readonly lossesKwh: number | null;
  readonly peakLossesKw: number | null;
  readonly overloadedH: number | null;
}

/** A community manager's offer of one period, as it published it (market: community-offer). */
export interface ManagerOfferView {
  readonly owner: string;
  readonly community: string;
  /** net import (kW) by internal price: at each price the range [lowKw, highKw], linear between prices */
  readonly pricesEurPerKwh: readonly number[];
  readonly lowKw: readonly number[];
  readonly highKw: readonly number[];
  readonly exportMarginEurPerKwh: number;
  readonly maxGridImportKw: number | null;
  /** partner communities the manager refuses to trade with */
  readonly refuses: readonly string[];
  /** batteries the day-ahead offer carries beside the curve */
  readonly storage: number;
}

export interface InspectedRun {
  readonly dir: string;
  readonly summary: Record<string, unknown> & { scenario: string };
  readonly grid: { readonly importPriceEurPerKwh: number; readonly exportPriceEurPerKwh: number; readonly maxImportKw: number | null; readonly maxExportKw: number | null; readonly pricing: string; readonly mechanism: string };
  readonly nominalVPu: number;
  readonly vMinPu: number;
  readonly vMaxPu: number;
  readonly periods: readonly PeriodView[];
  readonly books: ReadonlyMap<string, readonly BookBlock[]>;
  readonly market: readonly MarketRow[];
  readonly agents: readonly { readonly id: string; readonly community: string; readonly load: string | null; readonly bus: string | null }[];
  /** per iteration: minute → bus → worst (lowest, then highest) load-node voltage, pu */
  readonly voltages: ReadonlyMap<number, ReadonlyMap<number, ReadonlyMap<string, { min: number; max: number }>>>;
  /** per load: its bus and its voltages over time [iteration, minute, node, v_pu] */
  readonly loadVoltages: ReadonlyMap<string, { bus: string; rows: [number, number, number, number][] }>;
  readonly violations: readonly { iteration: number; minute: number; element: string; bus: string; kind: string; value: number; limit: number }[];
  readonly batteries: readonly { iteration: number; bus: string; units: number }[];
  readonly events: readonly EventBrief[];
  readonly map: FeederMap;
  /**
   * Per-agent tables the run may have written besides market.csv (agents.csv: bills against the
   * no-market baseline; batteries.csv: state of charge), read as they are: file → header and rows.
   */
  readonly extraTables: Readonly<Record<string, { readonly columns: readonly string[]; readonly rows: readonly Record<string, string>[] }>>;
  /** communities.csv by period key (community market; empty without it) */
  readonly communities: ReadonlyMap<string, readonly CommunityRow[]>;
  /** every community-market bid's agents by period key, with their optimum */
  readonly curves: ReadonlyMap<string, readonly CurveAgent[]>;
  /** issue 16: every community manager's offer by period key (its community's net-import curve and terms) */
  readonly managerOffers: ReadonlyMap<string, readonly ManagerOfferView[]>;
  /** branches.csv (empty when the run wrote none) */
  readonly branches: readonly BranchRow[];
  /** strategy_states.csv: per agent, [iteration, period label, minute, side, state JSON] */
  readonly strategyStates: ReadonlyMap<string, readonly [number, string, number, string, string][]>;
}

/** Optional per-agent files shown in the agent view when the run wrote them. */
export const AGENT_TABLES = ['agents.csv', 'batteries.csv'] as const;

export const periodKey = (iteration: number, period: number): string => `${iteration}:${period}`;

function readRequired(dir: string, name: string): string {
  const p = join(dir, name);
  if (!existsSync(p)) throw new InspectError(`${p}: not found (is ${dir} the folder of a finished \`lemsim run --out\`?)`);
  return readFileSync(p, 'utf8');
}

function table(text: string, file: string): Record<string, string>[] {
  const rows = [...parseCsv(text)];
  if (rows.length === 0) throw new InspectError(`${file}: empty (no header)`);
  const [head, ...body] = rows;
  return body.filter((r) => r.length > 1 || r[0] !== '').map((r, k) => {
    if (r.length !== head.length) throw new InspectError(`${file}:${k + 2}: ${r.length} fields, the header has ${head.length}`);
    return Object.fromEntries(head.map((h, i) => [h, r[i]]));
  });
}

/** A text cell neutralised against CSV injection keeps its leading quote (src/io/csv.ts): show the text. */
const cellText = (s: string): string => (s.startsWith("'") && /^'[=+\-@\t\r]/.test(s) ? s.slice(1) : s);

function briefOf(e: AnyEvent): string {
  const p = e.payload as Record<string, unknown>;
  return Object.entries(p)
    .filter(([k, v]) => typeof v !== 'object' && k !== 'priceSetBy')
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toFixed(6)) : String(v)}`)
    .join(' ');
}

/** Reads a run folder into the inspector's model; an `InspectError` names the file that is missing or malformed. */
export function inspectRun(dir: string): InspectedRun {
  const summary = JSON.parse(readRequired(dir, 'summary.json')) as InspectedRun['summary'] & { provenance?: { scenario?: Record<string, any> }; iterations?: { iteration: number; batteries: { bus: string; units: number }[] }[] };
  const sc = summary.provenance?.scenario ?? {};
  const m = sc.market ?? {};
  const residual = m.grid === 'residual';
  const grid = {
    importPriceEurPerKwh: Number(m.import_price),
    exportPriceEurPerKwh: Number(m.export_price),
    maxImportKw: m.max_import_kw ?? (residual ? 0 : null),
    maxExportKw: m.max_export_kw ?? null,
    pricing: String(m.pricing ?? ''),
    mechanism: String(m.mechanism ?? summary.market ?? ''),
  };
  const limits = sc.limits ?? {};

  const periods: PeriodView[] = [];
  const books = new Map<string, BookBlock[]>();
  const events: EventBrief[] = [];
  const open = new Map<string, PeriodView>();
  const communityBids = new Map<string, { owner: string; community: string; agent: Readonly<Record<string, unknown>> }[]>();
  const managerOffers = new Map<string, ManagerOfferView[]>();
  const text = readRequired(dir, 'events.jsonl');
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    if (raw === '') continue;
    let e: AnyEvent & { minute: number };
    try {
      e = JSON.parse(raw) as AnyEvent & { minute: number };
    } catch {
      throw new InspectError(`${join(dir, 'events.jsonl')}:${line}: not a JSON event`);
    }
    const p = e.payload as { agent?: string; period?: number };
    events.push({ iteration: e.iteration, seq: e.seq, minute: e.time / 60, type: e.type, agent: typeof p.agent === 'string' ? p.agent : null, period: typeof p.period === 'number' ? p.period : null, text: briefOf(e) });
    if (e.type === 'period-opened') {
      const v: PeriodView = { iteration: e.iteration, period: e.payload.period, label: e.payload.label, startMinute: e.time / 60, endMinute: e.payload.endS / 60, status: 'open', prices: {}, priceSetBy: '', importKw: 0, exportKw: 0, welfareEur: 0, why: null, clearedSeq: null };
      open.set(periodKey(e.iteration, e.payload.period), v);
      periods.push(v);
      books.set(periodKey(e.iteration, e.payload.period), []);
    } else if (e.type === 'bid-submitted' && e.payload.bid.market === 'auction') {
      const book = books.get(periodKey(e.iteration, e.payload.period));
      if (book) {
        for (const o of e.payload.bid.supply) book.push({ id: o.id, agent: e.payload.agent, side: 'supply', kw: o.kw, priceEurPerKwh: o.priceEurPerKwh, status: 'open', marginal: false });
        for (const o of e.payload.bid.demand) book.push({ id: o.id, agent: e.payload.agent, side: 'demand', kw: o.kw, priceEurPerKwh: o.priceEurPerKwh, status: 'open', marginal: false });
      }
    } else if (e.type === 'bid-submitted' && e.payload.bid.market === 'community') {
      const key = periodKey(e.iteration, e.payload.period);
      const list = communityBids.get(key) ?? [];
      for (const a of e.payload.bid.agents) list.push({ owner: e.payload.agent, community: e.payload.community ?? '', agent: a });
      communityBids.set(key, list);
    } else if (e.type === 'bid-submitted' && e.payload.bid.market === 'community-offer') {
      const key = periodKey(e.iteration, e.payload.period);
      const o = e.payload.bid.offer;
      const list = managerOffers.get(key) ?? [];
      list.push({
        owner: e.payload.agent, community: o.community, pricesEurPerKwh: o.curve.pricesEurPerKwh, lowKw: o.curve.lowKw, highKw: o.curve.highKw, exportMarginEurPerKwh: o.exportMarginEurPerKwh,
        maxGridImportKw: o.maxGridImportKw, refuses: Object.entries(o.partners ?? {}).filter(([, t]) => t.accept === false).map(([id]) => id).sort(), storage: o.storage?.length ?? 0,
      });
      managerOffers.set(key, list);
    } else if (e.type === 'market-cleared') {
      const key = periodKey(e.iteration, e.payload.period);
      const k = periods.indexOf(open.get(key)!);
      const why = e.payload.why ?? null;
      if (k >= 0) {
        periods[k] = { ...periods[k], status: e.payload.status, prices: e.payload.prices, priceSetBy: e.payload.priceSetBy ?? '', importKw: e.payload.importKw, exportKw: e.payload.exportKw, welfareEur: e.payload.welfareEur, why, clearedSeq: e.seq };
      }
      const book = books.get(key);
      if (book && why) {
        // the statuses as the debugger marks them (one implementation: markets/auction/explain.ts)
        books.set(key, blockStatuses({ id: key, supply: book.filter((b) => b.side === 'supply'), demand: book.filter((b) => b.side === 'demand') }, why));
      }
    }
  }

  const marketFile = join(dir, 'market.csv');
  const market: MarketRow[] = table(readRequired(dir, 'market.csv'), marketFile).map((r) => ({
    iteration: Number(r.iteration), period: r.period, minute: Number(r.time), agent: cellText(r.agent), community: cellText(r.community),
    bidSupplyKw: Number(r.bid_supply_kw), bidDemandKw: Number(r.bid_demand_kw), boughtKw: Number(r.bought_kw), soldKw: Number(r.sold_kw),
    dispatchKw: Number(r.dispatch_kw), priceEurPerKwh: Number(r.price_eur_per_kwh), welfareEur: Number(r.welfare_eur), priceSetBy: cellText(r.price_set_by ?? ''),
  }));

  const voltages = new Map<number, Map<number, Map<string, { min: number; max: number }>>>();
  const loadVoltages = new Map<string, { bus: string; rows: [number, number, number, number][] }>();
  for (const r of table(readRequired(dir, 'voltages.csv'), join(dir, 'voltages.csv'))) {
    if (r.v_pu === '') continue; // a node without voltage (a non-converged step)
    const it = Number(r.iteration);
    const minute = Number(r.minute);
    const v = Number(r.v_pu);
    const byMin = voltages.get(it) ?? new Map<number, Map<string, { min: number; max: number }>>();
    voltages.set(it, byMin);
    const byBus = byMin.get(minute) ?? new Map<string, { min: number; max: number }>();
    byMin.set(minute, byBus);
    const cur = byBus.get(r.bus);
    byBus.set(r.bus, cur ? { min: Math.min(cur.min, v), max: Math.max(cur.max, v) } : { min: v, max: v });
    const lv = loadVoltages.get(r.load) ?? { bus: r.bus, rows: [] };
    lv.rows.push([it, minute, Number(r.node), v]);
    loadVoltages.set(r.load, lv);
  }
  const violations = table(readRequired(dir, 'violations.csv'), join(dir, 'violations.csv')).map((r) => ({
    iteration: Number(r.iteration), minute: Number(r.minute), element: cellText(r.element), bus: cellText(r.bus), kind: r.kind, value: Number(r.value), limit: Number(r.limit),
  }));

  const communities = new Map<string, string>();
  for (const r of market) if (!communities.has(r.agent)) communities.set(r.agent, r.community);
  // a prosumer `p-<load>` sits at its load's bus (agents/prosumer.ts names them so)
  const agents = [...communities].map(([id, community]) => {
    const load = id.startsWith('p-') && loadVoltages.has(id.slice(2)) ? id.slice(2) : null;
    return { id, community, load, bus: load ? loadVoltages.get(load)!.bus : null };
  });
  const batteries = (summary.iterations ?? []).flatMap((it) => it.batteries.map((b) => ({ iteration: it.iteration, bus: b.bus, units: b.units })));

  const extraTables: Record<string, { columns: string[]; rows: Record<string, string>[] }> = {};
  for (const name of AGENT_TABLES) {
    const p = join(dir, name);
    if (!existsSync(p)) continue;
    const text = readFileSync(p, 'utf8');
    const rows = table(text, p).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cellText(v)])));
    extraTables[name] = { columns: [...parseCsv(text)][0] ?? [], rows };
  }

  const periodOf = new Map<string, number>();
  for (const p of periods) periodOf.set(`${p.iteration}:${p.label}`, p.period);
  const communitiesByPeriod = new Map<string, CommunityRow[]>();
  const cPath = join(dir, 'communities.csv');
  if (existsSync(cPath)) {
    for (const r of table(readFileSync(cPath, 'utf8'), cPath)) {
      const k = periodOf.get(`${r.iteration}:${r.period}`);
      if (k === undefined) continue;
      const key = periodKey(Number(r.iteration), k);
      const netFromKw: Record<string, number> = {};
      for (const [col, v] of Object.entries(r)) {
        const m = /^net_from_(.+)_kw$/.exec(col);
        if (m && v !== '') netFromKw[m[1]] = Number(v);
      }
      const list = communitiesByPeriod.get(key) ?? [];
      list.push({
        community: cellText(r.community), clearing: r.clearing, priceEurPerKwh: Number(r.price_eur_per_kwh), internalVolumeKw: Number(r.internal_volume_kw), netImportKw: Number(r.net_import_kw),
        gridImportKw: Number(r.grid_import_kw), gridExportKw: Number(r.grid_export_kw), interImportKw: Number(r.inter_import_kw), interExportKw: Number(r.inter_export_kw), netFromKw,
        membersWelfareEur: Number(r.members_welfare_eur), managerMarginEur: Number(r.manager_margin_eur),
      });
      communitiesByPeriod.set(key, list);
    }
  }
  const curves = new Map<string, CurveAgent[]>();
  for (const [key, bids] of communityBids) {
    const [it, k] = key.split(':').map(Number);
    const label = periods.find((p) => p.iteration === it && p.period === k)?.label;
    const prices = periods.find((p) => p.iteration === it && p.period === k)?.prices ?? {};
    const rows = new Map(market.filter((r) => r.iteration === it && r.period === label).map((r) => [r.agent, r]));
    curves.set(key, bids.map((b) => curveAgent(b, bids, rows.get(b.owner), prices[b.community] ?? null)));
  }
  const bPath = join(dir, 'branches.csv');
  const opt = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
  const branches: BranchRow[] = existsSync(bPath)
    ? table(readFileSync(bPath, 'utf8'), bPath).map((r) => ({
        iteration: Number(r.iteration), branch: cellText(r.branch), kind: r.kind, bus1: cellText(r.bus1), bus2: cellText(r.bus2), normAmps: opt(r.norm_amps), peakAmps: opt(r.peak_amps),
        peakLoadingPct: opt(r.peak_loading_pct), peakMinute: opt(r.peak_minute), meanLoadingPct: opt(r.mean_loading_pct), lossesKwh: opt(r.losses_kwh), peakLossesKw: opt(r.peak_losses_kw), overloadedH: opt(r.overloaded_h),
      }))
    : [];
  const strategyStates = new Map<string, [number, string, number, string, string][]>();
  const sPath = join(dir, 'strategy_states.csv');
  if (existsSync(sPath)) {
    for (const r of table(readFileSync(sPath, 'utf8'), sPath)) {
      const id = cellText(r.agent);
      const list = strategyStates.get(id) ?? [];
      list.push([Number(r.iteration), r.period, Number(r.minute), r.side, cellText(r.state_json)]);
      strategyStates.set(id, list);
    }
  }

  return {
    dir, summary, grid, extraTables, communities: communitiesByPeriod, curves, managerOffers, branches, strategyStates,
    nominalVPu: Number(limits.nominal_v_pu ?? 1), vMinPu: Number(limits.v_min_pu ?? 0.9), vMaxPu: Number(limits.v_max_pu ?? 1.1),
    periods, books, market, agents, voltages, loadVoltages, violations, batteries, events,
    map: feederMap(typeof sc.feeder === 'string' ? sc.feeder : undefined, Array.isArray(sc.bus_coords) ? sc.bus_coords.filter((x: unknown): x is string => typeof x === 'string') : []),
  };
}

const numOr = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One bid agent at the optimum (see `CurveAgent`). */
function curveAgent(b: { owner: string; community: string; agent: Readonly<Record<string, unknown>> }, all: readonly { owner: string; agent: Readonly<Record<string, unknown>> }[], row: MarketRow | undefined, price: number | null): CurveAgent {
  const a = b.agent;
  const kind = String(a.kind ?? '');
  const aa = numOr(a.aEurPerKwhPerKw) ?? 0;
  const bb = numOr(a.bEurPerKwh);
  const lo = numOr(a.pMinKw);
  const hi = numOr(a.pMaxKw);
  const mine = all.filter((x) => x.owner === b.owner);
  const count = (k: string) => mine.filter((x) => x.agent.kind === k).length;
  // bought = Σ consumption + Σ charge, sold = Σ production + Σ discharge (agents/market-operator.ts)
  const alone = (k: string) => count(k) === 1 && count('battery') === (k === 'battery' ? 1 : 0) && (k !== 'battery' || mine.length === 1);
  let optimumKw: number | null = null;
  let optimumFrom: CurveAgent['optimumFrom'] = null;
  if (row && kind === 'consumer' && alone('consumer')) [optimumKw, optimumFrom] = [row.boughtKw, 'dispatch'];
  else if (row && kind === 'producer' && alone('producer')) [optimumKw, optimumFrom] = [row.soldKw, 'dispatch'];
  else if (row && kind === 'battery' && alone('battery')) [optimumKw, optimumFrom] = [row.boughtKw - row.soldKw, 'dispatch'];
  else if (price !== null && bb !== null && lo !== null && hi !== null && (kind === 'consumer' || kind === 'producer')) {
    // KKT at the community price: marginal utility b − a·P (or cost b + a·G) equals the price inside the bounds
    const inner = aa > 0 ? (kind === 'consumer' ? (bb - price) / aa : (price - bb) / aa) : (kind === 'consumer' ? bb > price : price > bb) ? hi : lo;
    [optimumKw, optimumFrom] = [Math.min(hi, Math.max(lo, inner)), 'price'];
  }
  const marginalAtOptimum = optimumKw === null || bb === null ? null : kind === 'consumer' ? bb - aa * optimumKw : kind === 'producer' ? bb + aa * optimumKw : null;
  const battery = kind === 'battery' ? { powerKw: numOr(a.powerKw) ?? 0, capacityKwh: numOr(a.capacityKwh) ?? 0, soc: numOr(a.soc) ?? 0, valueEurPerKwh: numOr(a.valueEurPerKwh) ?? 0 } : null;
  return { owner: b.owner, id: String(a.id ?? b.owner), kind, community: b.community, pMinKw: lo, pMaxKw: hi, aEurPerKwhPerKw: aa, bEurPerKwh: bb, battery, priceEurPerKwh: price, optimumKw, optimumFrom, marginalAtOptimum };
}

/**
 * Bus coordinates and the branches between them, from the feeder the run's provenance names; buses
 * the feeder gives no coordinates take them from the scenario's `bus_coords` files (as the run did).
 */
function feederMap(written: string | undefined, coordFiles: readonly string[]): FeederMap {
  if (!written) return { buses: [], lines: [], lineNames: [], note: 'the run names no feeder' };
  let path: string;
  try {
    path = expandVars(written, 'summary.json', 'provenance.scenario.feeder');
  } catch (e) {
    return { buses: [], lines: [], lineNames: [], note: (e as Error).message };
  }
  if (!existsSync(path)) return { buses: [], lines: [], lineNames: [], note: `feeder ${path} not found (the map needs the feeder the run used)` };
  try {
    const { network } = loadFeeder(path);
    const extra = new Map<string, { x: number; y: number }>();
    const notes: string[] = [];
    coordFiles.forEach((f, k) => {
      const file = expandVars(f, 'summary.json', `provenance.scenario.bus_coords[${k}]`);
      if (!existsSync(file)) notes.push(`bus coordinates ${file} not found`);
      else for (const [bus, xy] of parseBusCoords(readFileSync(file, 'utf8'), file)) if (!extra.has(bus)) extra.set(bus, xy);
    });
    const index = new Map<number, number>();
    const buses: { name: string; x: number; y: number }[] = [];
    network.buses.forEach((b, k) => {
      const xy = b.coords ?? extra.get(b.name);
      if (xy) {
        index.set(k, buses.length);
        buses.push({ name: b.name, x: xy.x, y: xy.y });
      }
    });
    const lines: [number, number][] = [];
    const lineNames: string[] = [];
    for (const br of network.branches) {
      const ends = br.terminals.map((t) => index.get(t.bus)).filter((x): x is number => x !== undefined);
      if (ends.length >= 2 && ends[0] !== ends[1]) {
        lines.push([ends[0], ends[1]]);
        lineNames.push(br.name);
      }
    }
    return { buses, lines, lineNames, note: buses.length === 0 ? ['the feeder has no bus coordinates', ...notes].join('; ') : notes.length > 0 ? notes.join('; ') : null };
  } catch (e) {
    return { buses: [], lines: [], lineNames: [], note: `feeder ${path}: ${(e as Error).message}` };
  }
}
