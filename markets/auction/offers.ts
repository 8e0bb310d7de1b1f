/**
 * Offer construction of seed 004, Sect. 3.1: each peer's supply and demand curve (Eqs. (5) and (6))
 * cut into fill-or-kill blocks of 0.5 kW ("the minimum bidding blocks are assumed as 0.5 kW").
 *
 * Supply, Eq. (5): price rises linearly from 0 to the nominal price p_N at q_MAX (the PV output
 * available in the period). Demand, Eq. (6): price falls linearly with slope 2·p_N/(1+k), passing
 * through the nominal price p_N at the nominal quantity q_N and reaching zero at
 * q_MAX = q_N + (1+k)/2 kW, so the elasticity factor k adds k blocks of 0.5 kW beyond q_N (and the
 * zero-priced last one).
 *
 * Each block is priced at its upper quantity edge, the point of the curve least favourable to the
 * peer's counterpart: the last supply block is offered at p_N, the demand block ending at q_N bids p_N
 * exactly, as the paper anchors its curves. A peer's blocks never add up past its q_MAX, which is how
 * the capacity limits of Eqs. (3)–(4) reach the clearing. q_MAX is taken to the nearest watt, the
 * market's quantity tick: blocks on a common grid let the clearing repair fractional merit orders by
 * its exact imbalance DP instead of a MILP (markets/auction/core-dp.ts).
 *
 *   EUR/kWh   Figure 2 shapes (p_N,d = 0.100, q_N,d = 1 kW; q_MAX,s = 3 kW)
 *    0.2 |▀▀▀▀▄▄                    demand, k = 1: 0.5 kW steps on a line through (1 kW, 0.100)
 *    0.1 |      ▀▀▄▄▄               with zero at q_MAX = 2 kW
 *        |  ▁▁▂▂▃▃▄▄▅▅██            supply: steps p_N·q/3 up to p_N at 3 kW
 *      0 +----------------- kW
 */
import { ProblemError } from '../errors.js';
import type { BlockOrder } from './orders.js';

/** The block size of seed 004, kW. */
export const SEED004_BLOCK_KW = 0.5;

/** Quantity tick of the offers, kW (1 W). */
export const QUANTITY_TICK_KW = 0.001;

function toTick(kw: number): number {
  return Math.round(kw / QUANTITY_TICK_KW) * QUANTITY_TICK_KW;
}

/** Supply price on the curve of seed 004, Eq. (5), EUR/kWh at `qKw` (0 ≤ qKw ≤ qMaxKw). */
export function supplyCurvePrice(qKw: number, qMaxKw: number, nominalPriceEurPerKwh: number): number {
  // seed 004, Eq. (5): p = p_N / q_MAX · q
  return (nominalPriceEurPerKwh / qMaxKw) * qKw;
}

/**
 * q_MAX of a demand curve, kW: q_N + (1 + k)/2 (seed 004, text under Eq. (6)). With an anchor
 * a ≠ 1 (see `DemandCurve.nominalAt`) the curve passes p_N at a·q_N and q_MAX = a·q_N + (1 + k)/2.
 */
export function demandMaxKw(nominalKw: number, elasticityK: number, nominalAt = 1): number {
  return nominalAt * nominalKw + (1 + elasticityK) / 2;
}

/** Demand price on the curve of seed 004, Eq. (6), EUR/kWh at `qKw` (0 ≤ qKw ≤ q_MAX). */
export function demandCurvePrice(qKw: number, nominalKw: number, nominalPriceEurPerKwh: number, elasticityK: number, nominalAt = 1): number {
  const qMaxKw = demandMaxKw(nominalKw, elasticityK, nominalAt);
  // seed 004, Eq. (6): p = −2·p_N/(1+k)·q + p_N·2·q_MAX/(1+k)
  return (-2 * nominalPriceEurPerKwh * qKw) / (1 + elasticityK) + (nominalPriceEurPerKwh * 2 * qMaxKw) / (1 + elasticityK);
}

function check(agent: string, field: string, value: number, ok: boolean, want: string): void {
  if (!ok) throw new ProblemError(undefined, `offers.${agent}.${field}`, `must be ${want}, got ${String(value)}`);
}

/** Upper edges of the blocks cutting [0, qMaxKw]; the last block takes the remainder. */
function edges(qMaxKw: number, blockKw: number): number[] {
  const out: number[] = [];
  for (let b = 1; ; b++) {
    const e = b * blockKw;
    if (e >= qMaxKw - 1e-9) {
      if (qMaxKw - (b - 1) * blockKw > 1e-9) out.push(qMaxKw);
      return out;
    }
    out.push(e);
  }
}

/**
 * Block ids by agent and side tag (`${agent}-${tag}${b + 1}`), made once and reused: an agent offers
 * the same ids every period, and a period of 10,000 peers makes some 60,000 of them. Bounded: the
 * cache starts over past `MAX_CACHED_AGENTS` agents (ids are equal strings either way).
 */
const blockIds = new Map<string, { s: string[]; d: string[]; [tag: string]: string[] }>();
const MAX_CACHED_AGENTS = 200_000;

function blockId(agent: string, tag: string, b: number): string {
  let byTag = blockIds.get(agent);
  if (!byTag) {
    if (blockIds.size >= MAX_CACHED_AGENTS) blockIds.clear();
    byTag = { s: [], d: [] };
    blockIds.set(agent, byTag);
  }
  const ids = (byTag[tag] ??= []);
  for (let k = ids.length; k <= b; k++) ids.push(`${agent}-${tag}${k + 1}`);
  return ids[b];
}

function blocks(agent: string, tag: string, qMaxKw: number, blockKw: number, price: (q: number) => number): BlockOrder[] {
  let lower = 0;
  return edges(toTick(qMaxKw), blockKw).map((upper, b) => {
    // the curve is defined up to the exact q_MAX; the ticked last edge may sit half a watt beyond it
    const o: BlockOrder = { id: blockId(agent, tag, b), agent, kw: toTick(upper - lower), priceEurPerKwh: price(Math.min(upper, qMaxKw)) };
    lower = upper;
    return o;
  });
}

export interface SupplyCurve {
  readonly agent: string;
  /** Output available in the period, kW (q_MAX,s of Eq. (5)); 0 gives no blocks. */
  readonly maxKw: number;
  /** Price of the last block, EUR/kWh (p_N,s; seed 004: 0.075 "high", 0.025 "low"). */
  readonly nominalPriceEurPerKwh: number;
}

/** Supply blocks of seed 004, Eq. (5), ids `${agent}-s1…`, cheapest first. */
export function supplyBlocks(c: SupplyCurve, blockKw = SEED004_BLOCK_KW): BlockOrder[] {
  check(c.agent, 'maxKw', c.maxKw, Number.isFinite(c.maxKw) && c.maxKw >= 0, 'a non-negative number of kW');
  check(c.agent, 'nominalPriceEurPerKwh', c.nominalPriceEurPerKwh, Number.isFinite(c.nominalPriceEurPerKwh), 'a finite price');
  // the PV output in whole watts is the curve's q_MAX, so the last block still offers at p_N
  const qMaxKw = toTick(c.maxKw);
  if (qMaxKw <= 1e-9) return [];
  return blocks(c.agent, 's', qMaxKw, blockKw, (q) => supplyCurvePrice(q, qMaxKw, c.nominalPriceEurPerKwh));
}

export interface DemandCurve {
  readonly agent: string;
  /** Reference consumption q_N,d, kW (seed 004: from the IEEE European LV Test Feeder profiles). */
  readonly nominalKw: number;
  /** p_N,d, EUR/kWh (seed 004: the import price, 0.100). */
  readonly nominalPriceEurPerKwh: number;
  /** Elasticity factor k ≥ 0: blocks of 0.5 kW the peer may add beyond q_N. */
  readonly elasticityK: number;
  /**
   * Where the curve bids p_N, as a fraction of q_N (default 1: Eq. (6) as written, p(q_N) = p_N).
   * 0.5 is the "midpoint anchor": p_N at the middle of the nominal quantity, so half of q_N is bid
   * above p_N and half below (with 0.5 kW blocks and q_N ≈ 1 kW: one block each side). Seed 004's
   * Table 2 curtails PV in S1/S2, which Eq. (6) as written cannot (docs/studies.md).
   */
  readonly nominalAt?: number;
}

/** Demand blocks of seed 004, Eq. (6), ids `${agent}-d1…`, most valuable first, up to q_MAX. */
export function demandBlocks(c: DemandCurve, blockKw = SEED004_BLOCK_KW): BlockOrder[] {
  check(c.agent, 'nominalKw', c.nominalKw, Number.isFinite(c.nominalKw) && c.nominalKw >= 0, 'a non-negative number of kW');
  check(c.agent, 'nominalPriceEurPerKwh', c.nominalPriceEurPerKwh, Number.isFinite(c.nominalPriceEurPerKwh), 'a finite price');
  check(c.agent, 'elasticityK', c.elasticityK, Number.isFinite(c.elasticityK) && c.elasticityK >= 0, 'a non-negative number');
  const at = c.nominalAt ?? 1;
  check(c.agent, 'nominalAt', at, Number.isFinite(at) && at >= 0, 'a non-negative number');
  const qMaxKw = demandMaxKw(c.nominalKw, c.elasticityK, at);
  return blocks(c.agent, 'd', qMaxKw, blockKw, (q) => demandCurvePrice(q, c.nominalKw, c.nominalPriceEurPerKwh, c.elasticityK, at));
}
