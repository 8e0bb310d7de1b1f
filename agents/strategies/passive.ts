/**
 * `passive`: seed 004's reference behaviour (SREF) — all nominal demand bought whatever the price,
 * all available production sold: one demand block at `cap_price` (default 10 EUR/kWh, above any
 * import price) and one supply block at 0 EUR/kWh.
 */
import { NO_OFFER, defineStrategy } from './strategy.js';

export const passive = defineStrategy({
  name: 'passive',
  sides: ['supply', 'demand'],
  defaults: { cap_price: 10 },
  stateless: (side, input) => {
    if (side === 'demand') {
      return input.nominalDemandKw > 0 ? { ...NO_OFFER, demand: [{ id: `${input.agent}:d:all`, kw: input.nominalDemandKw, priceEurPerKwh: input.params.cap_price }] } : NO_OFFER;
    }
    return input.availableSupplyKw > 0 ? { ...NO_OFFER, supply: [{ id: `${input.agent}:s:all`, kw: input.availableSupplyKw, priceEurPerKwh: 0 }] } : NO_OFFER;
  },
});
