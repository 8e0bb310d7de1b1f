/**
 * `markup`: SRMC plus a markup — seed 004's "high price" producers, who hold output back for extra
 * revenue: the Eq. 5 curve ends at `nominal_price` + `markup` (defaults 0.025 + 0.05 = 0.075 EUR/kWh).
 */
import { supplyOffer } from './srmc.js';
import { defineStrategy } from './strategy.js';

export const markup = defineStrategy({
  name: 'markup',
  sides: ['supply'],
  defaults: { nominal_price: 0.025, markup: 0.05, block_kw: 0.5 },
  stateless: (_side, input) => supplyOffer(input, input.params.nominal_price + input.params.markup),
});
