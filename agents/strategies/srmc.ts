/**
 * `srmc`: offers the available supply near its short-run marginal cost — seed 004's "low price"
 * producers: blocks of 0.5 kW priced linearly up to `nominal_price` (Eq. 5; default 0.025 EUR/kWh).
 */
import { supplyOfferBlocks } from '../../markets/auction/index.js';
import { NO_OFFER, type Offer, type StrategyInput, defineStrategy } from './strategy.js';

export function supplyOffer(input: StrategyInput, nominalPrice: number): Offer {
  if (!(input.availableSupplyKw > 0)) return NO_OFFER;
  return { ...NO_OFFER, supply: supplyOfferBlocks({ agent: input.agent, maxKw: input.availableSupplyKw, nominalPriceEurPerKwh: nominalPrice }, input.params.block_kw) };
}

export const srmc = defineStrategy({
  name: 'srmc',
  sides: ['supply'],
  defaults: { nominal_price: 0.025, block_kw: 0.5 },
  stateless: (_side, input) => supplyOffer(input, input.params.nominal_price),
});
