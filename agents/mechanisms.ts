/**
 * The registry of clearing mechanisms by name (DESIGN rule 6): the market operator calls the
 * scenario's mechanism at gate closure; the mechanism turns the period's bids into a clearing,
 * using a pure clearing function of markets/ (DESIGN rule 4). A mechanism declares which bid format
 * it takes (`bids`): auction blocks or community-market agents; agents bid in that format.
 * Built-ins and plugins are made the same way, with `defineMechanism`.
 */
import type { MilpSolver } from '../markets/solvers/milp.js';
import type { World } from './agent.js';
import { type ClearingSnapshot, type SubmittedBid, clearAuction, clearCommunity } from './market-operator.js';

export interface ClearingInput {
  readonly world: World;
  readonly period: number;
  /** the period's bids, in the order they were submitted */
  readonly bids: readonly SubmittedBid[];
  /** the MILP backend, loaded before the run when `needsMilp` */
  readonly solver: MilpSolver | undefined;
}

export interface ClearingMechanism {
  readonly name: string;
  /** the bid format agents use under this mechanism */
  readonly bids: 'auction' | 'community';
  /** whether the run must load the MILP backend (`market.solver`) for it */
  readonly needsMilp: boolean;
  clear(input: ClearingInput): ClearingSnapshot;
}

/** Makes a clearing mechanism (for plugins; the built-ins use it too). */
export function defineMechanism(m: ClearingMechanism): ClearingMechanism {
  return m;
}

export const mechanisms: Readonly<Record<string, ClearingMechanism>> = {
  auction: defineMechanism({ name: 'auction', bids: 'auction', needsMilp: true, clear: (i) => clearAuction(i.world, i.period, i.bids, i.solver) }),
  community: defineMechanism({ name: 'community', bids: 'community', needsMilp: false, clear: (i) => clearCommunity(i.world, i.period, i.bids) }),
};
