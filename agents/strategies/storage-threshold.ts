/**
 * `storage-threshold`: how a battery bids in the auction — it offers to charge (a demand block of
 * its charge limit) below `charge_price` and to discharge (a supply block of its discharge limit)
 * above `discharge_price`. Defaults: a quarter of the way into the import/export spread from either
 * end (with seed 004's prices: charge below 0.0625, discharge above 0.0875 EUR/kWh). The battery
 * agent hands its physical limits in as `nominalDemandKw` (charge) and `availableSupplyKw`
 * (discharge).
 */
import { NO_OFFER, type Strategy } from './strategy.js';

/** Rounds a power down to whole watts, kW (the auction's exact quantity grid). */
function wholeWatts(kw: number): number {
  return Math.floor(kw * 1000 + 1e-9) / 1000;
}

export const storageThreshold: Strategy = {
  name: 'storage-threshold',
  sides: ['supply', 'demand'],
  defaults: { charge_price: Number.NaN, discharge_price: Number.NaN },
  offer: (side, input) => {
    const spread = input.importPriceEurPerKwh - input.exportPriceEurPerKwh;
    if (side === 'demand') {
      const kw = wholeWatts(input.nominalDemandKw);
      const price = Number.isNaN(input.params.charge_price) ? input.exportPriceEurPerKwh + spread / 4 : input.params.charge_price;
      return kw > 0 ? { ...NO_OFFER, demand: [{ id: `${input.agent}:d:1`, kw, priceEurPerKwh: price }] } : NO_OFFER;
    }
    const kw = wholeWatts(input.availableSupplyKw);
    const price = Number.isNaN(input.params.discharge_price) ? input.importPriceEurPerKwh - spread / 4 : input.params.discharge_price;
    return kw > 0 ? { ...NO_OFFER, supply: [{ id: `${input.agent}:s:1`, kw, priceEurPerKwh: price }] } : NO_OFFER;
  },
};
