/**
 * Plugins and the run's registries (DESIGN rule 6). A scenario may name plugin modules
 * (`plugins: [./my-strategies.mjs, ./my-agent.ts]`, relative to the scenario file); each exports
 * `strategies`, `agentKinds`, `mechanisms` and/or `managerStrategies`, objects keyed by name whose
 * values are made with `defineStrategy`, `defineAgentKind`, `defineMechanism` and
 * `defineManagerStrategy`. The registries of a run are the
 * built-ins plus every plugin's entries; a name may not be taken twice. TypeScript plugins (`.ts`,
 * `.mts`) load through a module hook that strips their types with esbuild (src/ts-hook.ts): no
 * build step for the user. Every problem is a `ScenarioError` naming the plugin file and the
 * `plugins[k]` field.
 */
import { existsSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AgentKind } from '../../agents/agent.js';
import { type ClearingMechanism, mechanisms as builtinMechanisms } from '../../agents/mechanisms.js';
import { agentKinds as builtinKinds } from '../../agents/registry.js';
import { strategies as builtinStrategies } from '../../agents/strategies/index.js';
import { managerStrategies as builtinManagerStrategies } from '../../agents/strategies/managers/index.js';
import type { AnyManagerStrategy } from '../../agents/strategies/managers/strategy.js';
import type { AnyStrategy } from '../../agents/strategies/strategy.js';
import { ScenarioError } from '../errors.js';
import { confine, resolveScenarioPath } from '../scenario.js';
import { projectDir } from '../shared-data.js';

export interface Registry {
  readonly strategies: Readonly<Record<string, AnyStrategy>>;
  // biome-ignore lint: kinds have different state and config types
  readonly agentKinds: Readonly<Record<string, AgentKind<any, any>>>;
  readonly mechanisms: Readonly<Record<string, ClearingMechanism>>;
  /** community-manager strategies (issue 16) */
  readonly managerStrategies: Readonly<Record<string, AnyManagerStrategy>>;
}

export const BUILTINS: Registry = { strategies: builtinStrategies, agentKinds: builtinKinds, mechanisms: builtinMechanisms, managerStrategies: builtinManagerStrategies };

const EXPORTS = ['strategies', 'agentKinds', 'mechanisms', 'managerStrategies'] as const;
const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);
const JS_EXTENSIONS = new Set(['.js', '.mjs', '.cjs']);

let tsHookRegistered = false;

function registerTsHook(): void {
  if (tsHookRegistered) return;
  // the compiled hook beside this module; from the TypeScript sources (tests), the build's copy
  const beside = new URL('../ts-hook.js', import.meta.url);
  const built = pathToFileURL(join(projectDir(), 'dist', 'src', 'ts-hook.js'));
  register(existsSync(fileURLToPath(beside)) ? beside : built);
  tsHookRegistered = true;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The shape checks of one exported entry; returns what is wrong, or undefined. */
function shapeProblem(kind: (typeof EXPORTS)[number], name: string, v: unknown): string | undefined {
  if (!isObject(v)) return `${kind}.${name} is not an object (make it with define${kind === 'strategies' ? 'Strategy' : kind === 'agentKinds' ? 'AgentKind' : kind === 'managerStrategies' ? 'ManagerStrategy' : 'Mechanism'})`;
  if (kind === 'managerStrategies') {
    if (v.name !== name) return `managerStrategies.${name} has name '${String(v.name)}': the key and the name must agree`;
    if (!isObject(v.defaults)) return `managerStrategies.${name}.defaults must be an object of parameters`;
    if (typeof v.offer !== 'function') return `managerStrategies.${name}.offer must be a function (context, state) → { offer, state }`;
    try {
      JSON.stringify(v.initialState);
    } catch {
      return `managerStrategies.${name}.initialState must be serializable`;
    }
    return undefined;
  }
  if (kind === 'strategies') {
    if (v.name !== name) return `strategies.${name} has name '${String(v.name)}': the key and the name must agree`;
    if (!Array.isArray(v.sides) || v.sides.length === 0 || !v.sides.every((s) => s === 'supply' || s === 'demand')) return `strategies.${name}.sides must list 'supply' and/or 'demand'`;
    if (!isObject(v.defaults)) return `strategies.${name}.defaults must be an object of parameters`;
    if (typeof v.offer !== 'function') return `strategies.${name}.offer must be a function (context, state) → { offer, state }`;
    try {
      JSON.stringify(v.initialState);
    } catch {
      return `strategies.${name}.initialState must be serializable`;
    }
    return undefined;
  }
  if (kind === 'agentKinds') {
    if (v.kind !== name) return `agentKinds.${name} has kind '${String(v.kind)}': the key and the kind must agree`;
    if (!Array.isArray(v.handles)) return `agentKinds.${name}.handles must list the event types it reacts to`;
    if (typeof v.init !== 'function' || typeof v.transition !== 'function') return `agentKinds.${name} needs init(id, config, world) and transition(state, event, world)`;
    return undefined;
  }
  if (v.name !== name) return `mechanisms.${name} has name '${String(v.name)}': the key and the name must agree`;
  if (v.bids !== 'auction' && v.bids !== 'community') return `mechanisms.${name}.bids must be 'auction' or 'community'`;
  if (typeof v.clear !== 'function') return `mechanisms.${name}.clear must be a function`;
  return undefined;
}

/** Loads the scenario's plugins (each confined to `allowPaths` when given) and returns the run's registries. */
export async function buildRegistry(plugins: readonly string[], scenarioFile: string, allowPaths: readonly string[] = []): Promise<Registry> {
  const strategies: Record<string, AnyStrategy> = { ...BUILTINS.strategies };
  const agentKinds: Record<string, Registry['agentKinds'][string]> = { ...BUILTINS.agentKinds };
  const mechanisms: Record<string, ClearingMechanism> = { ...BUILTINS.mechanisms };
  const managerStrategies: Record<string, AnyManagerStrategy> = { ...BUILTINS.managerStrategies };
  const owner = new Map<string, string>();
  for (const [k, written] of plugins.entries()) {
    const field = `plugins[${k}]`;
    const path = resolveScenarioPath(written, scenarioFile, field);
    confine(path, allowPaths, scenarioFile, field);
    if (!statSync(path).isFile()) throw new ScenarioError(scenarioFile, field, `plugin '${path}' is not a file`);
    const ext = extname(path).toLowerCase();
    if (TS_EXTENSIONS.has(ext)) registerTsHook();
    else if (!JS_EXTENSIONS.has(ext)) throw new ScenarioError(scenarioFile, field, `plugin '${path}': expected a .js, .mjs, .ts or .mts module`);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (err) {
      const e = err as Error;
      throw new ScenarioError(scenarioFile, field, `plugin '${path}' failed to load: ${(e?.message ?? String(err)).split('\n')[0].slice(0, 300)}`);
    }
    const exported = EXPORTS.filter((x) => mod[x] !== undefined);
    if (exported.length === 0) throw new ScenarioError(scenarioFile, field, `plugin '${path}' exports none of ${EXPORTS.join(', ')}`);
    for (const kind of exported) {
      const table = mod[kind];
      if (!isObject(table)) throw new ScenarioError(scenarioFile, field, `plugin '${path}': export '${kind}' must be an object keyed by name`);
      const target: Record<string, unknown> = kind === 'strategies' ? strategies : kind === 'agentKinds' ? agentKinds : kind === 'managerStrategies' ? managerStrategies : mechanisms;
      for (const [name, entry] of Object.entries(table)) {
        const problem = shapeProblem(kind, name, entry);
        if (problem) throw new ScenarioError(scenarioFile, field, `plugin '${path}': ${problem}`);
        if (Object.hasOwn(target, name)) {
          const other = owner.get(`${kind}:${name}`);
          throw new ScenarioError(scenarioFile, field, `plugin '${path}': ${kind}.${name} clashes with ${other ? `the plugin '${other}'` : `lemsim's built-in '${name}'`}`);
        }
        target[name] = entry;
        owner.set(`${kind}:${name}`, path);
      }
    }
  }
  return { strategies, agentKinds, mechanisms, managerStrategies };
}
