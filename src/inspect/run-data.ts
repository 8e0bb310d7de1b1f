/**
 * The inspector's view of a finished run folder, built only from the files the run wrote
 * (summary.json, market.csv, voltages.csv, violations.csv, events.jsonl) plus the feeder the run's
 * provenance names, for the map. Each period's book is the `bid-submitted` blocks; each block's
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
  readonly note: string | null;
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

  return {
    dir, summary, grid, extraTables,
    nominalVPu: Number(limits.nominal_v_pu ?? 1), vMinPu: Number(limits.v_min_pu ?? 0.9), vMaxPu: Number(limits.v_max_pu ?? 1.1),
    periods, books, market, agents, voltages, loadVoltages, violations, batteries, events,
    map: feederMap(typeof sc.feeder === 'string' ? sc.feeder : undefined),
  };
}

/** Bus coordinates and the branches between them, from the feeder the run's provenance names. */
function feederMap(written: string | undefined): FeederMap {
  if (!written) return { buses: [], lines: [], note: 'the run names no feeder' };
  let path: string;
  try {
    path = expandVars(written, 'summary.json', 'provenance.scenario.feeder');
  } catch (e) {
    return { buses: [], lines: [], note: (e as Error).message };
  }
  if (!existsSync(path)) return { buses: [], lines: [], note: `feeder ${path} not found (the map needs the feeder the run used)` };
  try {
    const { network } = loadFeeder(path);
    const index = new Map<number, number>();
    const buses: { name: string; x: number; y: number }[] = [];
    network.buses.forEach((b, k) => {
      if (b.coords) {
        index.set(k, buses.length);
        buses.push({ name: b.name, x: b.coords.x, y: b.coords.y });
      }
    });
    const lines: [number, number][] = [];
    for (const br of network.branches) {
      const ends = br.terminals.map((t) => index.get(t.bus)).filter((x): x is number => x !== undefined);
      if (ends.length >= 2 && ends[0] !== ends[1]) lines.push([ends[0], ends[1]]);
    }
    return { buses, lines, note: buses.length === 0 ? 'the feeder has no bus coordinates' : null };
  } catch (e) {
    return { buses: [], lines: [], note: `feeder ${path}: ${(e as Error).message}` };
  }
}
