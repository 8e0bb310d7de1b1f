/**
 * `inelastic`: demand as seed 000's community manager sees it — "ensuring that prosumers energy
 * demands are satisfied" (Sec. II-A): in the community market a consumer whose consumption is fixed
 * at its nominal demand (P_min = P_max, Eq. (14) collapsed), valued at `nominal_price` per kWh
 * (default: the import price, what the same energy costs from the grid, so welfare measures what
 * local supply and storage save against the grid; the valuation is a constant of the day and moves
 * no dispatch). In the auction it bids like `passive`: all nominal demand at `cap_price`.
 */
import { passive } from './passive.js';
import { NO_OFFER, defineStrategy } from './strategy.js';

export const inelastic = defineStrategy<{ cap_price: number; nominal_price: number | null }>({
  name: 'inelastic',
  sides: ['demand'],
  defaults: { cap_price: 10, nominal_price: null },
  stateless: (side, input) => {
    if (!(input.nominalDemandKw > 0)) return NO_OFFER;
    if (input.market === 'auction') return passive.offer({ ...input, params: { cap_price: input.params.cap_price } }, null).offer;
    const value = input.params.nominal_price ?? input.importPriceEurPerKwh;
    return { ...NO_OFFER, communityAgents: [{ id: `${input.agent}:load`, kind: 'consumer', pMinKw: input.nominalDemandKw, pMaxKw: input.nominalDemandKw, aEurPerKwhPerKw: 0, bEurPerKwh: value }] };
  },
});
