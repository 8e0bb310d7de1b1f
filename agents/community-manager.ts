/**
 * Community manager: follows its members' bids, represents the community's price and its trade with
 * the grid and the other communities, and keeps the community's welfare — Σ of its members'
 * individual welfare, period by period (seed 000: who gains).
 */
import type { AgentKind } from './agent.js';

export interface CommunityManagerConfig {
  readonly community: string;
  readonly members: readonly string[];
}

export interface CommunityManagerState extends CommunityManagerConfig {
  readonly id: string;
  /** members as a lookup table (plain data, O(1) per observed dispatch) */
  readonly isMember: Readonly<Record<string, true>>;
  readonly bidsThisPeriod: number;
  readonly priceEurPerKwh: number | undefined;
  readonly periodWelfareEur: number;
  readonly welfareEur: number;
  readonly netKwThisPeriod: number;
}

export const communityManagerKind: AgentKind<CommunityManagerState, CommunityManagerConfig> = {
  kind: 'community-manager',
  handles: ['period-opened', 'bid-submitted', 'market-cleared'],
  observes: ['dispatched'],
  init: (id, config) => ({ id, ...config, isMember: Object.fromEntries(config.members.map((m) => [m, true as const])), bidsThisPeriod: 0, priceEurPerKwh: undefined, periodWelfareEur: 0, welfareEur: 0, netKwThisPeriod: 0 }),
  transition(state, event) {
    switch (event.type) {
      case 'period-opened':
        return { state: { ...state, bidsThisPeriod: 0, periodWelfareEur: 0, netKwThisPeriod: 0 } };
      case 'bid-submitted':
        return event.payload.community === state.community ? { state: { ...state, bidsThisPeriod: state.bidsThisPeriod + 1 } } : { state };
      case 'market-cleared':
        return { state: { ...state, priceEurPerKwh: event.payload.prices[state.community] ?? event.payload.prices.market } };
      case 'dispatched':
        if (!Object.hasOwn(state.isMember, event.payload.agent)) return { state };
        return {
          state: {
            ...state,
            periodWelfareEur: state.periodWelfareEur + event.payload.welfareEur,
            welfareEur: state.welfareEur + event.payload.welfareEur,
            netKwThisPeriod: state.netKwThisPeriod + event.payload.pKw,
          },
        };
      default:
        return { state };
    }
  },
};
