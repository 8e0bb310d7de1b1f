/**
 * "Why this price" (issue 14): a pure explanation of one cleared auction period — which pricing rule
 * set the price, which blocks (or which grid order) were marginal, and what binds. It reads only the
 * period's book, the grid terms and the `PeriodResult` of `clearPeriod`, and recomputes the price
 * from what it finds, so an explanation that disagrees with the clearing is reported (`consistent`),
 * never hidden.
 *
 * `midpoint` (seed 004, Sect. 2.1): price = (marginal producer + marginal consumer) / 2, where the
 * marginal producer is the highest-priced accepted supply block — or the grid at the import price
 * when the community imports — and the marginal consumer the lowest-priced accepted demand block — or
 * the grid at the export price when it exports. So a 0.01 kW export makes the grid the marginal buyer
 * at 0.05 EUR/kWh, and with the dearest accepted PV block at 0.075 the price is 0.0625:
 *
 *    EUR/kWh
 *    0.075 |▓▓▓▓▓▓▓▓▓▓ marginal producer (accepted supply block)
 *    0.0625|- - - - - - price = (0.075 + 0.05) / 2
 *    0.05  |·········· grid export (marginal consumer when export > 0)
 *
 * `uniform`: the price lies in the supporting range [lo, hi] (no accepted block or grid order out of
 * the money); `lo` comes from the dearest accepted supply (or the grid), `hi` from the cheapest
 * accepted demand (or the grid); inside it, the rule picks the middle of the interval that minimises
 * the surplus forgone by in-the-money rejected blocks, whose prices are reported when they pin it.
 */
import type { BlockOrder, GridTerms, PeriodBook } from './orders.js';
import { type PeriodResult, acceptedInBook } from './clearing.js';
import { KW_TOL } from './period-model.js';
import { PRICE_TOL, type PricingRule } from './pricing.js';

/** A block at the price that sets a bound of the price. */
export interface MarginalBlock {
  readonly id: string;
  readonly agent: string;
  readonly side: 'supply' | 'demand';
  readonly kw: number;
  readonly priceEurPerKwh: number;
}

/**
 * What sets one side of the price: blocks, the grid's import order (a seller at the import price),
 * the grid's export order (a buyer at the export price), rejected blocks (uniform: pinning the price
 * inside its range), or nothing (an unbounded side).
 */
export interface PriceBound {
  /** `midpoint`: 'producer' / 'consumer'; `uniform`: 'lower' / 'upper' end of the price's interval. */
  readonly role: 'producer' | 'consumer' | 'lower' | 'upper';
  readonly priceEurPerKwh: number | null;
  /** 'grid-import' / 'grid-export': the grid's order at its price sets (or shares) this bound. */
  readonly grid: 'grid-import' | 'grid-export' | null;
  /** The blocks at the bound's price, in merit order (ties by id). */
  readonly blocks: readonly MarginalBlock[];
  /** 'accepted' blocks bound the price by individual rationality; 'rejected' ones pin it inside the range. */
  readonly blockStatus: 'accepted' | 'rejected' | null;
}

export type BlockStatus = 'accepted' | 'rejected' | 'paradoxically-rejected' | 'paradoxically-accepted';

export interface ExplainedBlock extends MarginalBlock {
  readonly status: BlockStatus;
  readonly marginal: boolean;
}

export interface PriceExplanation {
  readonly period: string;
  readonly rule: PricingRule;
  readonly status: PeriodResult['status'];
  readonly priceEurPerKwh: number | null;
  /** The price the explanation recomputes from its bounds (equals `priceEurPerKwh` when consistent). */
  readonly recomputedEurPerKwh: number | null;
  readonly consistent: boolean;
  readonly lower: PriceBound;
  readonly upper: PriceBound;
  /** uniform only: the supporting range [lo, hi] of the accepted selection, EUR/kWh */
  readonly range?: { readonly lo: number | null; readonly hi: number | null };
  /** What binds, one sentence each: the balance, grid limits, the grid as marginal trader, peers' capacity. */
  readonly binds: readonly string[];
  /** With `options.blocks`: every block with its status and whether it is marginal (`blockStatuses`). */
  readonly blocks?: readonly ExplainedBlock[];
  readonly grid: GridTerms & { readonly importKw: number; readonly exportKw: number };
  /** The whole explanation in one paragraph. */
  readonly text: string;
  /** Compact form for market.csv `price_set_by`: the rule, then the marginal block(s) or the grid per side. */
  readonly priceSetBy: string;
}

const fmtP = (x: number): string => String(Number(x.toFixed(6)));
const fmtKw = (x: number): string => String(Number(x.toFixed(4)));

function meritSorted(orders: readonly BlockOrder[], side: 'supply' | 'demand'): BlockOrder[] {
  // the merit order of period-model.ts: supply ascending, demand descending, equal prices by id
  return [...orders].sort((a, b) => (a.priceEurPerKwh !== b.priceEurPerKwh ? (side === 'supply' ? a.priceEurPerKwh - b.priceEurPerKwh : b.priceEurPerKwh - a.priceEurPerKwh) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const byId = (a: BlockOrder, b: BlockOrder): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** What `blockStatuses` needs of a clearing: the accepted and paradoxical ids, and the bounds' blocks. */
export interface ClearedIds {
  readonly accepted: readonly string[];
  readonly paradoxicallyRejected: readonly string[];
  readonly paradoxicallyAccepted: readonly string[];
  readonly lower: { readonly blocks: readonly { readonly id: string }[] };
  readonly upper: { readonly blocks: readonly { readonly id: string }[] };
}

/**
 * Every block of a cleared period with its status (accepted, rejected, paradoxically rejected or
 * accepted) and whether it is marginal: supply then demand, each in merit order. One implementation
 * for the debugger's `book`, the live page and the inspector.
 */
export function blockStatuses(book: PeriodBook, c: ClearedIds): ExplainedBlock[] {
  const accepted = new Set(c.accepted);
  const parRej = new Set(c.paradoxicallyRejected);
  const parAcc = new Set(c.paradoxicallyAccepted);
  const marginal = new Set([...c.lower.blocks, ...c.upper.blocks].map((b) => b.id));
  const status = (o: BlockOrder): BlockStatus => (parRej.has(o.id) ? 'paradoxically-rejected' : parAcc.has(o.id) ? 'paradoxically-accepted' : accepted.has(o.id) ? 'accepted' : 'rejected');
  const one = (o: BlockOrder, side: 'supply' | 'demand'): ExplainedBlock => ({ id: o.id, agent: o.agent, side, kw: o.kw, priceEurPerKwh: o.priceEurPerKwh, status: status(o), marginal: marginal.has(o.id) });
  return [...meritSorted(book.supply, 'supply').map((o) => one(o, 'supply')), ...meritSorted(book.demand, 'demand').map((o) => one(o, 'demand'))];
}

const asMarginal = (o: BlockOrder, side: 'supply' | 'demand'): MarginalBlock => ({ id: o.id, agent: o.agent, side, kw: o.kw, priceEurPerKwh: o.priceEurPerKwh });

function boundText(b: PriceBound): string {
  if (b.priceEurPerKwh === null) return 'unbounded';
  const parts: string[] = [];
  if (b.grid === 'grid-import') parts.push(`grid import @${fmtP(b.priceEurPerKwh)}`);
  if (b.grid === 'grid-export') parts.push(`grid export @${fmtP(b.priceEurPerKwh)}`);
  if (b.blocks.length > 0) {
    const first = b.blocks[0];
    const tag = b.blockStatus === 'rejected' ? 'rejected ' : '';
    parts.push(`${tag}${first.side} ${first.id} (${first.agent}) @${fmtP(first.priceEurPerKwh)}${b.blocks.length > 1 ? ` +${b.blocks.length - 1} tied` : ''}`);
  }
  return parts.length > 0 ? parts.join(' & ') : `@${fmtP(b.priceEurPerKwh)}`;
}

function sentence(b: PriceBound): string {
  if (b.priceEurPerKwh === null) return `no ${b.role} bound`;
  const who: string[] = [];
  if (b.grid === 'grid-import') who.push(`the grid selling at its import price ${fmtP(b.priceEurPerKwh)} EUR/kWh`);
  if (b.grid === 'grid-export') who.push(`the grid buying at its export price ${fmtP(b.priceEurPerKwh)} EUR/kWh`);
  if (b.blocks.length > 0) {
    const ids = b.blocks.slice(0, 6).map((x) => `${x.id} (${x.agent}, ${fmtKw(x.kw)} kW)`).join(', ');
    const more = b.blocks.length > 6 ? ` and ${b.blocks.length - 6} more` : '';
    who.push(`${b.blocks.length === 1 ? 'block' : `${b.blocks.length} blocks`} ${ids}${more}, ${b.blockStatus} at ${fmtP(b.priceEurPerKwh)} EUR/kWh`);
  }
  const role = b.role === 'producer' ? 'marginal producer' : b.role === 'consumer' ? 'marginal consumer' : `${b.role} end`;
  return `${role}: ${who.join(' and ')}`;
}

const acceptedSets = new WeakMap<PeriodResult, ReadonlySet<string>>();

/** The ids a clearing accepted (both sides) as a set, made once per result (the explanation and the dispatch both look blocks up). */
export function acceptedIdsOf(result: PeriodResult): ReadonlySet<string> {
  let ids = acceptedSets.get(result);
  if (!ids) {
    ids = new Set([...result.acceptedSupply, ...result.acceptedDemand]);
    acceptedSets.set(result, ids);
  }
  return ids;
}

/**
 * Explains the price of one cleared period.
 *
 * @param book the period's orders as cleared (the same `PeriodBook` given to `clearPeriod`)
 * @param grid the grid terms of the clearing (prices EUR/kWh, limits kW, null = unlimited)
 * @param result what `clearPeriod` returned for it
 * @param rule the pricing rule of the clearing
 * @param options `blocks`: also list every block with its status (`blockStatuses`; costs a sort of the book)
 */
export function explainPrice(book: PeriodBook, grid: GridTerms, result: PeriodResult, rule: PricingRule, options: { readonly blocks?: boolean } = {}): PriceExplanation {
  // only the blocks at a bound need merit order (equal prices: by id); the rest is counted, not sorted
  const supply = book.supply;
  const demand = book.demand;
  // each block's acceptance looked up once (a book holds tens of thousands of blocks); by position
  // when the clearing knows it, else by id
  const flag = (orders: readonly BlockOrder[]): Uint8Array => {
    const accepted = acceptedIdsOf(result);
    const f = new Uint8Array(orders.length);
    for (let i = 0; i < orders.length; i++) if (accepted.has(orders[i].id)) f[i] = 1;
    return f;
  };
  const known = acceptedInBook(result, book);
  const accFlagS = known ? known.supply : flag(supply);
  const accFlagD = known ? known.demand : flag(demand);
  // the accepted blocks are read through the flags, in book order: no lists of 30,000 blocks
  const anyAccepted = accFlagS.includes(1) || accFlagD.includes(1);
  const importing = result.importKw > KW_TOL;
  const exporting = result.exportKw > KW_TOL;
  const atImportLimit = grid.maxImportKw !== null && result.importKw >= grid.maxImportKw - KW_TOL;
  const atExportLimit = grid.maxExportKw !== null && result.exportKw >= grid.maxExportKw - KW_TOL;
  const near = (a: number, b: number) => Math.abs(a - b) <= PRICE_TOL;

  /** The bound at the extreme of `candidates` (accepted blocks and possibly a grid order). */
  const extreme = (role: PriceBound['role'], orders: readonly BlockOrder[], f: Uint8Array, side: 'supply' | 'demand', gridOrder: { kind: 'grid-import' | 'grid-export'; price: number } | null, pickMax: boolean, status: 'accepted' | 'rejected'): PriceBound => {
    // over the accepted blocks (flag 1) of `orders`, in book order
    let p: number | null = null;
    for (let i = 0; i < orders.length; i++) {
      if (f[i] !== 1) continue;
      const q = orders[i].priceEurPerKwh;
      p = p === null ? q : pickMax ? Math.max(p, q) : Math.min(p, q);
    }
    if (gridOrder) p = p === null ? gridOrder.price : pickMax ? Math.max(p, gridOrder.price) : Math.min(p, gridOrder.price);
    if (p === null) return { role, priceEurPerKwh: null, grid: null, blocks: [], blockStatus: null };
    const tied: BlockOrder[] = [];
    for (let i = 0; i < orders.length; i++) if (f[i] === 1 && near(orders[i].priceEurPerKwh, p)) tied.push(orders[i]);
    const at = tied.sort(byId).map((o) => asMarginal(o, side));
    return { role, priceEurPerKwh: p, grid: gridOrder && near(gridOrder.price, p) ? gridOrder.kind : null, blocks: at, blockStatus: at.length > 0 ? status : null };
  };

  let lower: PriceBound;
  let upper: PriceBound;
  let recomputed: number | null = null;
  let range: PriceExplanation['range'];
  const traded = anyAccepted || importing || exporting;
  if (rule === 'midpoint') {
    lower = extreme('producer', supply, accFlagS, 'supply', importing ? { kind: 'grid-import', price: grid.importPriceEurPerKwh } : null, true, 'accepted');
    upper = extreme('consumer', demand, accFlagD, 'demand', exporting ? { kind: 'grid-export', price: grid.exportPriceEurPerKwh } : null, false, 'accepted');
    if (traded && lower.priceEurPerKwh !== null && upper.priceEurPerKwh !== null) recomputed = (lower.priceEurPerKwh + upper.priceEurPerKwh) / 2;
  } else {
    // the supporting range of pricing.ts (`gridRange` + accepted blocks), with who sets each end
    const lo = extreme('lower', supply, accFlagS, 'supply', importing ? { kind: 'grid-import', price: grid.importPriceEurPerKwh } : !atExportLimit ? { kind: 'grid-export', price: grid.exportPriceEurPerKwh } : null, true, 'accepted');
    const hi = extreme('upper', demand, accFlagD, 'demand', exporting ? { kind: 'grid-export', price: grid.exportPriceEurPerKwh } : !atImportLimit ? { kind: 'grid-import', price: grid.importPriceEurPerKwh } : null, false, 'accepted');
    range = { lo: lo.priceEurPerKwh, hi: hi.priceEurPerKwh };
    lower = lo;
    upper = hi;
    const price = result.priceEurPerKwh;
    if (price !== null) {
      // inside the range, rejected in-the-money blocks pin the price: the nearest rejected prices on either side
      // the rejected blocks (supply, then demand), scanned in place: no per-block objects
      const loP = lo.priceEurPerKwh ?? -Infinity;
      const hiP = hi.priceEurPerKwh ?? Infinity;
      let below = -Infinity;
      let above = Infinity;
      let nBelow = 0;
      let nAbove = 0;
      for (const [orders, f] of [[supply, accFlagS], [demand, accFlagD]] as const) {
        for (let i = 0; i < orders.length; i++) {
          if (f[i] === 1) continue;
          const q = orders[i].priceEurPerKwh;
          if (q <= price + PRICE_TOL && q > loP + PRICE_TOL) (below = Math.max(below, q)), nBelow++;
          if (q >= price - PRICE_TOL && q < hiP - PRICE_TOL) (above = Math.min(above, q)), nAbove++;
        }
      }
      const pinned = (role: 'lower' | 'upper', p: number): PriceBound => {
        const at: { o: BlockOrder; side: 'supply' | 'demand' }[] = [];
        for (const [orders, f, side] of [[supply, accFlagS, 'supply'], [demand, accFlagD, 'demand']] as const) {
          for (let i = 0; i < orders.length; i++) if (f[i] === 0 && near(orders[i].priceEurPerKwh, p)) at.push({ o: orders[i], side });
        }
        return {
          role, priceEurPerKwh: p, grid: null, blockStatus: 'rejected',
          blocks: at.sort((x, y) => (x.side === y.side ? byId(x.o, y.o) : x.side === 'supply' ? -1 : 1)).map((r) => asMarginal(r.o, r.side)),
        };
      };
      if (nBelow > 0) lower = pinned('lower', below);
      if (nAbove > 0) upper = pinned('upper', above);
      const a = lower.priceEurPerKwh;
      const b = upper.priceEurPerKwh;
      recomputed = a !== null && b !== null ? (a + b) / 2 : a ?? b;
      // an end of the range the price sits on alone (the other side unbounded) sets it by itself
      if (a !== null && b !== null && near(price, a) && !near(price, b)) recomputed = price;
      if (a !== null && b !== null && near(price, b) && !near(price, a)) recomputed = price;
    }
  }
  const price = result.priceEurPerKwh;
  const consistent = price === null ? recomputed === null || !traded : recomputed !== null && Math.abs(recomputed - price) <= 1e-7;

  // Σ kW of the accepted blocks, and how many rejected ones pass `when`, in book order
  const sum = (os: readonly BlockOrder[], f: Uint8Array): number => {
    let kw = 0;
    for (let i = 0; i < os.length; i++) if (f[i] === 1) kw += os[i].kw;
    return kw;
  };
  const countRejected = (os: readonly BlockOrder[], f: Uint8Array, when: (o: BlockOrder) => boolean): number => {
    let n = 0;
    for (let i = 0; i < os.length; i++) if (f[i] === 0 && when(os[i])) n++;
    return n;
  };
  const binds: string[] = [];
  binds.push(`balance: accepted supply ${fmtKw(sum(supply, accFlagS))} kW + import ${fmtKw(result.importKw)} kW = accepted demand ${fmtKw(sum(demand, accFlagD))} kW + export ${fmtKw(result.exportKw)} kW`);
  if (exporting) binds.push(`the grid is the marginal buyer: it takes the ${fmtKw(result.exportKw)} kW surplus at its export price ${fmtP(grid.exportPriceEurPerKwh)} EUR/kWh`);
  if (importing) binds.push(`the grid is the marginal seller: it covers ${fmtKw(result.importKw)} kW at its import price ${fmtP(grid.importPriceEurPerKwh)} EUR/kWh`);
  const ref = price ?? (grid.importPriceEurPerKwh + grid.exportPriceEurPerKwh) / 2;
  const wantMore = countRejected(demand, accFlagD, (o) => o.priceEurPerKwh > ref + PRICE_TOL);
  const wantSell = countRejected(supply, accFlagS, (o) => o.priceEurPerKwh < ref - PRICE_TOL);
  if (atImportLimit && wantMore > 0) {
    binds.push(`the import limit binds: ${grid.maxImportKw === 0 ? 'no import is allowed (max_import_kw 0, a residual grid)' : `import is at max_import_kw ${fmtKw(grid.maxImportKw!)} kW`}, and ${wantMore} demand block(s) bidding above the price stay out`);
  }
  if (atExportLimit && wantSell > 0) binds.push(`the export limit binds: export is at max_export_kw ${fmtKw(grid.maxExportKw!)} kW, and ${wantSell} supply block(s) below the price stay out`);
  for (const side of ['supply', 'demand'] as const) {
    // the accepted blocks at a bound: a bound's blocks are all accepted or all rejected (`blockStatus`; ids are unique)
    const agents = new Set([lower, upper].flatMap((bound) => (bound.blockStatus === 'accepted' ? bound.blocks : [])).filter((b) => b.side === side).map((b) => b.agent));
    // per agent on this side: offered kW and whether every block was accepted (one pass over the book)
    const offered = new Map<string, { kw: number; all: boolean }>();
    const orders = book[side];
    const f = side === 'supply' ? accFlagS : accFlagD;
    if (agents.size > 0) {
      for (let i = 0; i < orders.length; i++) {
        const o = orders[i];
        if (!agents.has(o.agent)) continue;
        // a tally local to this call, updated in place (tens of thousands of blocks when peers tie)
        let cur = offered.get(o.agent);
        if (!cur) offered.set(o.agent, (cur = { kw: 0, all: true }));
        cur.kw += o.kw;
        cur.all = cur.all && f[i] === 1;
      }
    }
    const full = [...agents].filter((a) => offered.get(a)?.all).sort();
    if (full.length > 0) {
      const kw = offered.get(full[0])!.kw;
      binds.push(`capacity: ${full.length === 1 ? full[0] : `${full.length} peers (${full.slice(0, 4).join(', ')}${full.length > 4 ? ', …' : ''})`} ${side === 'supply' ? 'sell' : 'buy'} all they offered (q_MAX${full.length === 1 ? ` ${fmtKw(kw)} kW` : ''}): the marginal ${side} blocks are their last`);
    }
  }
  if (result.paradoxicallyRejected.length > 0) binds.push(`${result.paradoxicallyRejected.length} block(s) in the money stay rejected (paradoxically rejected: fill-or-kill blocks)`);
  if (result.paradoxicallyAccepted.length > 0) binds.push(`${result.paradoxicallyAccepted.length} accepted block(s) are out of the money at the price (paradoxically accepted, as the midpoint rule allows)`);

  let text: string;
  let priceSetBy: string;
  if (result.status === 'solver_failed') {
    text = `period ${book.id}: the clearing failed (${result.detail ?? 'no detail'}); no price`;
    priceSetBy = 'none: solver failed';
  } else if (price === null) {
    text = `period ${book.id}: nothing was traded, so there is no price`;
    priceSetBy = 'none: nothing traded';
  } else if (rule === 'midpoint') {
    text = `period ${book.id}: midpoint rule, price ${fmtP(price)} EUR/kWh = (${fmtP(lower.priceEurPerKwh!)} + ${fmtP(upper.priceEurPerKwh!)}) / 2; ${sentence(lower)}; ${sentence(upper)}. Binds: ${binds.join('; ')}.`;
    priceSetBy = `midpoint: ${boundText(lower)} | ${boundText(upper)}`;
  } else {
    const r = range!;
    text = `period ${book.id}: uniform rule, price ${fmtP(price)} EUR/kWh in the supporting range [${r.lo === null ? '-inf' : fmtP(r.lo)}, ${r.hi === null ? 'inf' : fmtP(r.hi)}]; ${sentence(lower)}; ${sentence(upper)}. Binds: ${binds.join('; ')}.`;
    priceSetBy = `uniform: ${boundText(lower)} | ${boundText(upper)}`;
  }
  if (!consistent) text += ` (the explanation recomputes ${recomputed === null ? 'no price' : fmtP(recomputed)}, not the clearing's price: report this)`;
  return {
    period: book.id, rule, status: result.status, priceEurPerKwh: price, recomputedEurPerKwh: recomputed, consistent,
    lower, upper, ...(range ? { range } : {}), binds,
    ...(options.blocks ? { blocks: blockStatuses(book, { accepted: [...result.acceptedSupply, ...result.acceptedDemand], paradoxicallyRejected: result.paradoxicallyRejected, paradoxicallyAccepted: result.paradoxicallyAccepted, lower, upper }) } : {}),
    grid: { ...grid, importKw: result.importKw, exportKw: result.exportKw },
    text, priceSetBy,
  };
}
