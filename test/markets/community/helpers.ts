/** Small builders for community-market tests. */
import type { BatteryAgent, CommunityAgent, CommunityProblem } from '../../../markets/community/model.js';

export function consumer(id: string, community: string, bEurPerKwh: number, aEurPerKwhPerKw: number, pMaxKw: number, pMinKw = 0): CommunityAgent {
  return { kind: 'consumer', id, community, pMinKw, pMaxKw, aEurPerKwhPerKw, bEurPerKwh };
}

export function producer(id: string, community: string, bEurPerKwh: number, aEurPerKwhPerKw: number, pMaxKw: number, pMinKw = 0): CommunityAgent {
  return { kind: 'producer', id, community, pMinKw, pMaxKw, aEurPerKwhPerKw, bEurPerKwh };
}

export function battery(id: string, community: string, over: Partial<BatteryAgent> = {}): BatteryAgent {
  return {
    kind: 'battery',
    id,
    community,
    capacityKwh: 10.24,
    powerKw: 2.56,
    soc: 0.5,
    socMin: 0.2,
    socMax: 0.8,
    etaCh: 0.96,
    etaDis: 0.96,
    rateChPerH: 0.25,
    rateDisPerH: 0.9375,
    selfDischargePerPeriod: 1.72e-5,
    aEurPerKwhPerKw: 0.001,
    valueEurPerKwh: 0.075,
    ...over,
  };
}

export function market(agents: CommunityAgent[], communities = ['c1'], over: Partial<CommunityProblem> = {}): CommunityProblem {
  return {
    periodHours: 1,
    grid: { importPriceEurPerKwh: 0.1, exportPriceEurPerKwh: 0.05 },
    interCommunityFeeEurPerKwh: 0.01,
    communities: communities.map((id) => ({ id })),
    agents,
    ...over,
  };
}

/** The issue's example problem file. */
export const ISSUE_EXAMPLE = {
  period_hours: 1,
  grid: { import_price: 0.1, export_price: 0.05 },
  inter_community_fee: 0.01,
  communities: [{ id: 'c1' }],
  agents: [
    { id: 'load53', community: 'c1', kind: 'consumer', p_min_kw: 0, p_max_kw: 3.2, a: 0.02, b: 0.15 },
    { id: 'pv53', community: 'c1', kind: 'producer', p_min_kw: 0, p_max_kw: 4, a: 0.01, b: 0.02 },
    {
      id: 'bat1',
      community: 'c1',
      kind: 'battery',
      capacity_kwh: 10.24,
      power_kw: 2.56,
      soc: 0.5,
      soc_min: 0.2,
      soc_max: 0.8,
      eta_ch: 0.96,
      eta_dis: 0.96,
      rate_ch: 0.25,
      rate_dis: 0.9375,
      self_discharge: 1.72e-5,
      a: 0.001,
      value_eur_per_kwh: 0.075,
    },
  ],
};
