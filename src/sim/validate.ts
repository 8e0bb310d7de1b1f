/**
 * The scenario checks the schema cannot make (DESIGN rule 8: located errors): strategies, agent kinds,
 * manager strategies and the mechanism against the run's registries; load names against the feeder;
 * the paper-004 options' combinations; a measured PV profile against the horizon. Each problem is a
 * `ScenarioError` naming the field.
 */
import type { Feeder } from '../../grid/feeder.js';
import type { PvProfile } from '../../agents/solar.js';
import { checkManagerParams } from '../../agents/strategies/managers/strategy.js';
import { type JsonValue, checkParams, withDefaults } from '../../agents/strategies/strategy.js';
import type { Scenario } from '../../scenarios/schema.js';
import { ScenarioError, excerpt } from '../errors.js';
import { clockLabel, clockSeconds } from '../kernel/clock.js';
import type { Registry } from './plugins.js';

/** Checks references the schema cannot: strategies, agent kinds and the mechanism, against the run's registries. */
export function validateScenario(s: Scenario, file: string, registry: Registry): void {
  const check = (ref: { name: string; params: Record<string, JsonValue> }, side: 'supply' | 'demand', path: string): void => {
    // own names only: 'constructor' or 'toString' must not find Object.prototype's
    const st = Object.hasOwn(registry.strategies, ref.name) ? registry.strategies[ref.name] : undefined;
    if (!st) throw new ScenarioError(file, `${path}.name`, `unknown strategy '${excerpt(ref.name)}' (known: ${Object.keys(registry.strategies).join(', ')})`);
    if (!st.sides.includes(side)) throw new ScenarioError(file, `${path}.name`, `strategy '${ref.name}' does not bid on the ${side} side`);
    const problem = checkParams(st, withDefaults(st, ref.params));
    if (problem) throw new ScenarioError(file, problem.param === undefined ? `${path}.params` : `${path}.params.${excerpt(problem.param)}`, excerpt(problem.message, 300));
  };
  for (const side of ['supply', 'demand'] as const) {
    check(s.batteries.strategy, side, 'batteries.strategy');
    check(s.prosumers.strategy[side], side, `prosumers.strategy.${side}`);
    s.prosumers.groups.forEach((g, k) => {
      const ref = g[side];
      if (ref) check(ref, side, `prosumers.groups[${k}].${side}`);
    });
  }
  const kind = (name: string, path: string): void => {
    if (!Object.hasOwn(registry.agentKinds, name)) throw new ScenarioError(file, path, `unknown agent kind '${excerpt(name)}' (known: ${Object.keys(registry.agentKinds).join(', ')})`);
  };
  kind(s.prosumers.kind, 'prosumers.kind');
  kind(s.batteries.kind, 'batteries.kind');
  const ids = new Set<string>();
  s.agents.forEach((a, k) => {
    kind(a.kind, `agents[${k}].kind`);
    if (ids.has(a.id) || a.id === 'mo' || a.id === 'go' || a.id === 'dso' || a.id === 'ledger' || /^(p-|cm-|st-)/.test(a.id)) throw new ScenarioError(file, `agents[${k}].id`, `id '${excerpt(a.id)}' is taken (ids must be unique and not 'mo', 'go', 'dso', 'ledger', 'p-…', 'cm-…' or 'st-…')`);
    ids.add(a.id);
  });
  validateManagers(s, file, registry);
  if (!Object.hasOwn(registry.mechanisms, s.market.mechanism)) throw new ScenarioError(file, 'market.mechanism', `unknown clearing mechanism '${excerpt(s.market.mechanism)}' (known: ${Object.keys(registry.mechanisms).join(', ')})`);
}

/** issue 16: the managers' strategies exist and take their parameters; managers need the community market. */
function validateManagers(s: Scenario, file: string, registry: Registry): void {
  const m = s.market;
  const check = (ref: { name: string; params: Record<string, JsonValue> }, path: string): void => {
    const st = Object.hasOwn(registry.managerStrategies, ref.name) ? registry.managerStrategies[ref.name] : undefined;
    if (!st) throw new ScenarioError(file, `${path}.name`, `unknown manager strategy '${excerpt(ref.name)}' (known: ${Object.keys(registry.managerStrategies).join(', ')})`);
    const problem = checkManagerParams(st, ref.params);
    if (problem) throw new ScenarioError(file, problem.param === undefined ? `${path}.params` : `${path}.params.${excerpt(problem.param)}`, excerpt(problem.message, 300));
  };
  check(m.managers.strategy, 'market.managers.strategy');
  // the communities a scenario can have: c1…cN from a count, or the map's values (unmapped loads go to c1)
  const comm = s.prosumers.communities;
  const ids = 'count' in comm ? Array.from({ length: comm.count }, (_, k) => `c${k + 1}`) : [...new Set(['c1', ...Object.values(comm.map)])];
  for (const [c, ref] of Object.entries(m.managers.communities)) {
    const path = `market.managers.communities.${excerpt(c)}`;
    if (!ids.includes(c)) throw new ScenarioError(file, path, `no community '${excerpt(c)}' (the scenario's communities: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''})`);
    check(ref, path);
  }
  if (m.community_clearing === 'managers') {
    if (registry.mechanisms[m.mechanism]?.bids !== 'community') throw new ScenarioError(file, 'market.community_clearing', `'managers' needs a community-market mechanism (market.mechanism: community), not '${excerpt(m.mechanism)}'`);
  }
}

/** Every load a scenario names (prosumers, groups, community map) must be a load of the feeder. */
export function checkLoadNames(s: Scenario, f: Feeder, file: string): void {
  const known = new Set(f.network.loads.map((l) => l.name.slice('load.'.length)));
  const check = (name: string, field: string): void => {
    if (!known.has(name.toLowerCase())) throw new ScenarioError(file, field, `'${excerpt(name)}' is not a load of the feeder (${known.size} loads, e.g. ${[...known].slice(0, 3).join(', ')})`);
  };
  if (s.prosumers.loads !== 'all') s.prosumers.loads.forEach((l, k) => check(l, `prosumers.loads[${k}]`));
  s.prosumers.groups.forEach((g, k) => g.loads.forEach((l, j) => check(l, `prosumers.groups[${k}].loads[${j}]`)));
  const comm = s.prosumers.communities;
  if ('map' in comm) for (const l of Object.keys(comm.map)) check(l, `prosumers.communities.map.${excerpt(l)}`);
  validatePaper004(s, file);
}

// paper 004 (issue 10): the grid's role and the PV source
function validatePaper004(s: Scenario, file: string): void {
  const m = s.market;
  if (m.mechanism !== 'auction') {
    if (m.grid !== 'counterparty') throw new ScenarioError(file, 'market.grid', `'${m.grid}' needs market.mechanism: auction (the community market takes the grid as counterparty)`);
    for (const f of ['max_import_kw', 'max_export_kw'] as const) if (m[f] !== undefined) throw new ScenarioError(file, `market.${f}`, 'grid limits need market.mechanism: auction');
  }
  if (s.solar.source === 'file' && s.solar.file === undefined) throw new ScenarioError(file, 'solar.file', "is required with solar.source: file");
  if (s.solar.source !== 'file' && s.solar.file !== undefined) throw new ScenarioError(file, 'solar.file', "is only read with solar.source: file");
}

/** A measured profile must cover the horizon (no silent zeros outside its samples). */
export function checkProfileCovers(p: Extract<PvProfile, { kind: 'file' }>, s: Scenario, file: string): void {
  const from = clockSeconds(s.horizon.from) / 3600;
  const to = clockSeconds(s.horizon.to) / 3600;
  if (p.hours[0] > from + 1e-9 || p.hours[p.hours.length - 1] < to - 1e-9) {
    throw new ScenarioError(file, 'solar.file', `samples span ${clockLabel(p.hours[0] * 3600)}–${clockLabel(p.hours[p.hours.length - 1] * 3600)}, not the horizon ${s.horizon.from}–${s.horizon.to}`);
  }
}

