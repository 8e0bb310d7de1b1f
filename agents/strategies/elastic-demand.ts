/**
 * `elastic-demand`: seed 004 Eq. 6 — demand blocks of 0.5 kW whose price falls with quantity; the
 * nominal quantity is bought at `nominal_price` (default: the import price), and up to k blocks more
 * are bought when prices are low (`k`, the elasticity factor; default 2).
 */
import { demandBlocks } from '../../markets/auction/index.js';
import { NO_OFFER, defineStrategy } from './strategy.js';

export const elasticDemand = defineStrategy<{ k: number; block_kw: number; nominal_price: number | null }>({
  name: 'elastic-demand',
  sides: ['demand'],
  defaults: { k: 2, block_kw: 0.5, nominal_price: null },
  stateless: (_side, input) => {
    if (!(input.nominalDemandKw > 0)) return NO_OFFER;
    const nominalPrice = input.params.nominal_price ?? input.importPriceEurPerKwh;
    const blocks = demandBlocks({ agent: input.agent, nominalKw: input.nominalDemandKw, nominalPriceEurPerKwh: nominalPrice, elasticityK: input.params.k }, input.params.block_kw);
    return { ...NO_OFFER, demand: blocks.map((b) => ({ id: b.id, kw: b.kw, priceEurPerKwh: b.priceEurPerKwh })) };
  },
});
