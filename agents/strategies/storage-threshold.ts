/**
 * `storage-threshold`: how a battery bids. In the auction it offers to charge (a demand block of
 * its charge limit) below `charge_price` and to discharge (a supply block of its discharge limit)
 * above `discharge_price`. Defaults: a quarter of the way into the import/export spread from either
 * end (with seed 004's prices: charge below 0.0625, discharge above 0.0875 EUR/kWh). In the community
 * market the battery is one of seed 000's battery agents, and this strategy gives the value of a kWh
 * left stored: the midpoint of the two thresholds (default: of the grid prices). The battery agent
 * hands its physical limits in as `nominalDemandKw` (charge) and `availableSupplyKw` (discharge).
 */
import { NO_OFFER, defineStrategy } from './strategy.js';

/** Rounds a power down to whole watts, kW (the auction's exact quantity grid). */
function wholeWatts(kw: number): number {
  return Math.floor(kw * 1000 + 1e-9) / 1000;
}

export const storageThreshold = defineStrategy<{ charge_price: number | null; discharge_price: number | null }>({
  name: 'storage-threshold',
  sides: ['supply', 'demand'],
  defaults: { charge_price: null, discharge_price: null },
  stateless: (side, input) => {
    const spread = input.importPriceEurPerKwh - input.exportPriceEurPerKwh;
    const charge = input.params.charge_price ?? input.exportPriceEurPerKwh + spread / 4;
    const discharge = input.params.discharge_price ?? input.importPriceEurPerKwh - spread / 4;
    if (input.market === 'community') return { ...NO_OFFER, storageValueEurPerKwh: (charge + discharge) / 2 };
    if (side === 'demand') {
      const kw = wholeWatts(input.nominalDemandKw);
      return kw > 0 ? { ...NO_OFFER, demand: [{ id: `${input.agent}:d:1`, kw, priceEurPerKwh: charge }] } : NO_OFFER;
    }
    const kw = wholeWatts(input.availableSupplyKw);
    return kw > 0 ? { ...NO_OFFER, supply: [{ id: `${input.agent}:s:1`, kw, priceEurPerKwh: discharge }] } : NO_OFFER;
  },
});
