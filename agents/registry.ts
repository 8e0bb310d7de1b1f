/** The registry of agent kinds by name: one line per kind. */
import type { AgentKind } from './agent.js';
import { batteryKind } from './battery.js';
import { communityManagerKind } from './community-manager.js';
import { dsoPlannerKind } from './dso-planner.js';
import { gridOperatorKind } from './grid-operator.js';
import { ledgerKind } from './ledger.js';
import { marketOperatorKind } from './market-operator.js';
import { prosumerKind } from './prosumer.js';

// biome-ignore lint: kinds have different state and config types
export const agentKinds: Readonly<Record<string, AgentKind<any, any>>> = {
  prosumer: prosumerKind,
  battery: batteryKind,
  'community-manager': communityManagerKind,
  'market-operator': marketOperatorKind,
  'grid-operator': gridOperatorKind,
  'dso-planner': dsoPlannerKind,
  ledger: ledgerKind,
};
