/**
 * Synthetic order books shaped like seed 004's case study, for benchmarks and scale tests: every
 * fourth peer has a 4 kW PV system offering Eq. (5) supply blocks, every peer offers Eq. (6) demand
 * blocks around a reference consumption, all cut into 0.5 kW blocks. Deterministic from a seed (a
 * small xorshift generator, no `Math.random`), so a benchmark or test sees the same book every run.
 */
import { type DemandCurve, demandBlocks, supplyBlocks } from './offers.js';
import { type AuctionBook, type BlockOrder, type PeriodBook, seed004Grid } from './orders.js';

/** xorshift32 in [0, 1): deterministic, no Math.random (synthetic books, the fuzz test's mutations). */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * A day of 5-minute periods for `peers` peers: PV output follows a clear-sky bell between 06:00 and
 * 20:00, reference consumption a morning and an evening peak with noise, supply prices "high" (0.075)
 * or "low" (0.025) by peer, elasticity factor k of 1 or 3 by peer (seed 004, Table 1 scenarios mixed).
 */
export function syntheticDay(peers: number, periods = 288, seed = 4): AuctionBook {
  const r = xorshift32(seed);
  const pvPeer = Array.from({ length: peers }, (_, i) => i % 4 === 3);
  const supplyPrice = Array.from({ length: peers }, () => (r() < 0.5 ? 0.075 : 0.025));
  const k = Array.from({ length: peers }, () => (r() < 0.5 ? 1 : 3));
  const baseKw = Array.from({ length: peers }, () => 0.2 + 0.8 * r());
  const out: PeriodBook[] = [];
  for (let t = 0; t < periods; t++) {
    const hour = (t * 24) / periods;
    const sun = hour > 6 && hour < 20 ? Math.sin((Math.PI * (hour - 6)) / 14) ** 2 : 0;
    const loadShape = 0.6 + 0.5 * Math.exp(-((hour - 8) ** 2) / 2) + 0.9 * Math.exp(-((hour - 19) ** 2) / 3);
    const supply: BlockOrder[] = [];
    const demand: BlockOrder[] = [];
    for (let i = 0; i < peers; i++) {
      const agent = `peer${i + 1}`;
      if (pvPeer[i]) supply.push(...supplyBlocks({ agent, maxKw: Math.round(4 * sun * (0.9 + 0.1 * r()) * 1000) / 1000, nominalPriceEurPerKwh: supplyPrice[i] }));
      const curve: DemandCurve = { agent, nominalKw: Math.round(baseKw[i] * loadShape * (0.8 + 0.4 * r()) * 1000) / 1000, nominalPriceEurPerKwh: 0.1, elasticityK: k[i] };
      demand.push(...demandBlocks(curve));
    }
    const hh = String(Math.floor(hour)).padStart(2, '0');
    const mm = String(Math.round((hour % 1) * 60)).padStart(2, '0');
    out.push({ id: `${hh}:${mm}`, supply, demand });
  }
  return { periodHours: 24 / periods, grid: seed004Grid, periods: out };
}

/**
 * One period with `peers` peers of `blocksPerPeer` blocks each: a quarter are PV sellers (Eq. (5),
 * q_MAX between 2.5 and 3 kW so the last block is a remainder), the rest buyers (Eq. (6), reference
 * consumption set so the curve has exactly `blocksPerPeer` blocks, the last a remainder too). The
 * remainders make block sizes uneven, so the merit order is not integral by itself.
 */
export function syntheticLargePeriod(peers: number, blocksPerPeer = 6, seed = 10): AuctionBook {
  const r = xorshift32(seed);
  const supply: BlockOrder[] = [];
  const demand: BlockOrder[] = [];
  const span = blocksPerPeer * 0.5;
  for (let i = 0; i < peers; i++) {
    const agent = `peer${i + 1}`;
    const qMaxKw = Math.round((span - 0.5 + 0.499 * r() + 0.001) * 1000) / 1000;
    if (i % 4 === 3) {
      supply.push(...supplyBlocks({ agent, maxKw: qMaxKw, nominalPriceEurPerKwh: 0.025 + 0.05 * r() }));
    } else {
      const elasticityK = r() < 0.5 ? 1 : 3;
      const nominalKw = qMaxKw - (1 + elasticityK) / 2;
      demand.push(...demandBlocks({ agent, nominalKw, nominalPriceEurPerKwh: 0.08 + 0.04 * r(), elasticityK }));
    }
  }
  return { periodHours: 1 / 12, grid: seed004Grid, periods: [{ id: 'large', supply, demand }] };
}

/**
 * One period of `orders` blocks of uneven sizes (0.05–5 kW in watts) and prices (supply 0.02–0.10,
 * demand 0.04–0.14 EUR/kWh, to 0.1 mEUR), half on each side, with the grid limited to ±`gridKw`:
 * the book of issue 11's auction cliff. No common quantum, so neither the imbalance DP nor a
 * bounded branch and bound proves the optimum, and the MILP fallback used to take minutes.
 */
export function syntheticUnevenPeriod(orders: number, gridKw = 10, seed = 7): AuctionBook {
  const r = xorshift32(seed);
  const supply: BlockOrder[] = [];
  const demand: BlockOrder[] = [];
  for (let i = 0; i < orders; i++) {
    const kw = Math.round((0.05 + 4.95 * r()) * 1000) / 1000;
    if (i % 2) supply.push({ id: `s${i}`, agent: `a${i}`, kw, priceEurPerKwh: Math.round((0.02 + 0.08 * r()) * 1e4) / 1e4 });
    else demand.push({ id: `d${i}`, agent: `a${i}`, kw, priceEurPerKwh: Math.round((0.04 + 0.1 * r()) * 1e4) / 1e4 });
  }
  return { periodHours: 1 / 12, grid: { ...seed004Grid, maxImportKw: gridKw, maxExportKw: gridKw }, periods: [{ id: 'uneven', supply, demand }] };
}
