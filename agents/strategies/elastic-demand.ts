/**
 * `elastic-demand`: seed 004 Eq. 6 — demand blocks of 0.5 kW whose price falls with quantity; the
 * nominal quantity is bought at `nominal_price` (default: the import price), and up to k blocks more
 * are bought when prices are low (`k`, the elasticity factor; default 2). `nominal_at` moves the
 * point where the curve bids p_N to that fraction of the nominal quantity (default 1: Eq. 6 as
 * written; 0.5: the midpoint anchor, markets/auction/offers.ts).
 */
import { demandOfferBlocks } from '../../markets/auction/index.js';
import { NO_OFFER, defineStrategy } from './strategy.js';

export const elasticDemand = defineStrategy<{ k: number; block_kw: number; nominal_price: number | null; nominal_at: number }>({
  name: 'elastic-demand',
  sides: ['demand'],
  defaults: { k: 2, block_kw: 0.5, nominal_price: null, nominal_at: 1 },
  stateless: (_side, input) => {
    if (!(input.nominalDemandKw > 0)) return NO_OFFER;
    const nominalPrice = input.params.nominal_price ?? input.importPriceEurPerKwh;
    const demand = demandOfferBlocks({ agent: input.agent, nominalKw: input.nominalDemandKw, nominalPriceEurPerKwh: nominalPrice, elasticityK: input.params.k, nominalAt: input.params.nominal_at }, input.params.block_kw);
    return { ...NO_OFFER, demand };
  },
});
