/**
 * `quadratic`: seed 000's prosumers in the community market — a consumer with utility
 * U(P) = b·P − ½·a·P² for 0 ≤ P ≤ nominal demand (`a_demand`, `b_demand`), and a producer with cost
 * C(G) = b·G + ½·a·G² for 0 ≤ G ≤ available PV (`a_supply`, `b_supply`).
 */
import { NO_OFFER, defineStrategy } from './strategy.js';

export const quadratic = defineStrategy({
  name: 'quadratic',
  sides: ['supply', 'demand'],
  defaults: { a_demand: 0.02, b_demand: 0.15, a_supply: 0.01, b_supply: 0.02 },
  stateless: (side, input) => {
    const p = input.params;
    if (side === 'demand') {
      if (!(input.nominalDemandKw > 0)) return NO_OFFER;
      return { ...NO_OFFER, communityAgents: [{ id: `${input.agent}:load`, kind: 'consumer', pMinKw: 0, pMaxKw: input.nominalDemandKw, aEurPerKwhPerKw: p.a_demand, bEurPerKwh: p.b_demand }] };
    }
    if (!(input.availableSupplyKw > 0)) return NO_OFFER;
    return { ...NO_OFFER, communityAgents: [{ id: `${input.agent}:pv`, kind: 'producer', pMinKw: 0, pMaxKw: input.availableSupplyKw, aEurPerKwhPerKw: p.a_supply, bEurPerKwh: p.b_supply }] };
  },
});
