// time-of-use demand: a plugin strategy written in plain JavaScript against lemsim's public API.
// The consumer buys its nominal demand at the price its tariff schedule gives for the time of day
// (params.schedule: [{ from: "HH:MM", to: "HH:MM", price }], the first match wins, else
// params.default_price), and up to k blocks more when the market is cheaper (seed 004's Eq. 6
// curve, anchored at that price). Stateless.
import { NO_OFFER, auction, defineStrategy } from 'lemsim';

const minutes = (hhmm) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/** The tariff price at an ISO local date-time, EUR/kWh. */
export function tariffAt(schedule, defaultPrice, iso) {
  const t = minutes(iso.slice(11, 16));
  for (const s of schedule) {
    const a = minutes(s.from);
    const b = minutes(s.to);
    if (a <= b ? t >= a && t < b : t >= a || t < b) return s.price;
  }
  return defaultPrice;
}

export const strategies = {
  'time-of-use': defineStrategy({
    name: 'time-of-use',
    sides: ['demand'],
    defaults: { schedule: [], default_price: 0.1, k: 2, block_kw: 0.5 },
    validate(p) {
      if (!Array.isArray(p.schedule)) return 'schedule must be a list of { from, to, price }';
      for (const [i, s] of p.schedule.entries()) {
        if (typeof s !== 'object' || s === null || !/^\d{1,2}:\d{2}$/.test(s.from ?? '') || !/^\d{1,2}:\d{2}$/.test(s.to ?? '') || typeof s.price !== 'number') return `schedule[${i}] must be { from: "HH:MM", to: "HH:MM", price: number }`;
      }
      for (const key of ['default_price', 'k', 'block_kw']) if (typeof p[key] !== 'number') return `${key} must be a number`;
      return undefined;
    },
    stateless(_side, ctx) {
      if (!(ctx.nominalDemandKw > 0)) return NO_OFFER;
      const price = tariffAt(ctx.params.schedule, ctx.params.default_price, ctx.clock.iso);
      const blocks = auction.demandBlocks({ agent: ctx.agent, nominalKw: ctx.nominalDemandKw, nominalPriceEurPerKwh: price, elasticityK: ctx.params.k }, ctx.params.block_kw);
      return { ...NO_OFFER, demand: blocks.map((b) => ({ id: b.id, kw: b.kw, priceEurPerKwh: b.priceEurPerKwh })) };
    },
  }),
};
