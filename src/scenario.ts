/**
 * Reading a scenario file: YAML parsed (syntax errors name the line), validated against
 * scenarios/schema.ts (errors name the field path), `${LEMSIM_SHARED}` and `${VAR}` expanded in the
 * feeder path, and relative paths resolved from the scenario file's folder.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { type DssFileSystem, nodeFileSystem } from '../grid/dss/parser.js';
import { parseDocument } from 'yaml';
import { type Scenario, scenarioSchema } from '../scenarios/schema.js';
import { clockSeconds } from './kernel/clock.js';
import { DssError, ScenarioError, excerpt } from './errors.js';
import { MAX_SUBSTEPS_PER_ITERATION } from './limits.js';
import { sharedDir } from './shared-data.js';

export interface LoadedScenario {
  readonly file: string;
  readonly scenario: Scenario;
  /** absolute path of the feeder's OpenDSS entry script */
  readonly feederPath: string;
  /** the folders every file the scenario reads must lie in (`--allow-path`); empty: no confinement */
  readonly allowPaths?: readonly string[];
}

export interface LoadOptions {
  /**
   * Confinement (`--allow-path`, for `lemsim worker` taking scenarios from a queue): the scenario
   * file, its feeder with everything the feeder redirects to, and its bus_coords files must lie in
   * one of these folders (symbolic links resolved). Empty or absent: no confinement.
   */
  readonly allowPaths?: readonly string[];
}

/** The largest scenario file read (a scenario is a page of YAML; anything far larger is not one). */
const MAX_SCENARIO_BYTES = 1 << 20;

/** Expands `${LEMSIM_SHARED}` (default ../shared beside the project) and other `${VAR}`s. */
export function expandVars(text: string, file: string, field: string): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    if (name === 'LEMSIM_SHARED') return sharedDir();
    const v = process.env[name];
    if (v === undefined) throw new ScenarioError(file, field, `environment variable ${name} is not set`);
    return v;
  });
}

/** Validates a scenario object (already parsed); `file` names it in errors. */
export function parseScenario(raw: unknown, file: string): Scenario {
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : excerpt(String(p)))).join('.').replace(/\.\[/g, '[');
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
    throw new ScenarioError(file, path || '(root)', `${issue.message}${more}`);
  }
  checkScenario(parsed.data, file);
  return parsed.data;
}

/**
 * Checks what a field-by-field schema cannot: the horizon in order and holding whole periods,
 * sub-steps within a period and within the work bound, prices that do not pay for round trips,
 * limits in order. Throws a ScenarioError naming the field.
 */
export function checkScenario(s: Scenario, file: string): void {
  const fail = (field: string, detail: string): never => {
    throw new ScenarioError(file, field, detail);
  };
  const from = clockSeconds(s.horizon.from);
  const to = clockSeconds(s.horizon.to);
  if (!(to > from)) fail('horizon.to', `${s.horizon.to} is not after horizon.from (${s.horizon.from}); a horizon over midnight is written with a day offset, e.g. '1+02:00'`);
  const periodS = s.market.period_min * 60;
  const periods = Math.floor((to - from) / periodS + 1e-9);
  if (periods < 1) fail('market.period_min', `${s.market.period_min}-minute periods do not fit in the horizon ${s.horizon.from}–${s.horizon.to} (${(to - from) / 60} minutes): no period to trade`);
  if (Math.abs(periods * periodS - (to - from)) > 1e-6) fail('horizon.to', `the horizon ${s.horizon.from}–${s.horizon.to} is not a whole number of ${s.market.period_min}-minute periods`);
  if (s.power_flow.step_s > periodS) fail('power_flow.step_s', `${s.power_flow.step_s} s is longer than a ${s.market.period_min}-minute period`);
  const perIteration = periods * Math.ceil(periodS / s.power_flow.step_s - 1e-9);
  if (perIteration > MAX_SUBSTEPS_PER_ITERATION) {
    fail('power_flow.step_s', `${s.power_flow.step_s} s over ${s.horizon.from}–${s.horizon.to} asks for ${perIteration} power flows per iteration; at most ${MAX_SUBSTEPS_PER_ITERATION} are allowed (23 days of 1-second steps): lengthen step_s or shorten the horizon`);
  }
  // the grid buying above its selling price would pay an agent for every kWh bought and sold back:
  // the auction's welfare is then unbounded (it hung at 100 % CPU); rejected as the community market does
  if (s.market.export_price > s.market.import_price) fail('market.export_price', `${s.market.export_price} EUR/kWh is above import_price (${s.market.import_price}): buying from the grid and selling back would pay without limit`);
  if (!(s.limits.v_min_pu < s.limits.v_max_pu)) fail('limits.v_min_pu', `${s.limits.v_min_pu} is not below v_max_pu (${s.limits.v_max_pu})`);
  if (s.prosumers.pv.share === undefined && s.prosumers.pv.offset >= s.prosumers.pv.every) fail('prosumers.pv.offset', `${s.prosumers.pv.offset} must be below pv.every (${s.prosumers.pv.every}): no prosumer would get PV`);
  const kw = s.prosumers.pv.kw;
  if (typeof kw === 'object' && !Array.isArray(kw) && kw.min > kw.max) fail('prosumers.pv.kw.min', `${kw.min} is above max (${kw.max})`);
  // issue 14: a merit-order period must be one the market clears
  (s.report.merit_order_periods ?? []).forEach((text, k) => {
    const t = clockSeconds(text);
    if (t < from || t >= to || Math.abs((t - from) / periodS - Math.round((t - from) / periodS)) > 1e-9) {
      fail(`report.merit_order_periods[${k}]`, `${text} does not start a ${s.market.period_min}-minute market period of the horizon ${s.horizon.from}–${s.horizon.to}`);
    }
  });
  const u = s.batteries.unit;
  if (u.soc_min > u.soc_max) fail('batteries.unit.soc_min', `${u.soc_min} is above soc_max (${u.soc_max})`);
  if (u.soc < u.soc_min || u.soc > u.soc_max) fail('batteries.unit.soc', `${u.soc} is outside [soc_min, soc_max] = [${u.soc_min}, ${u.soc_max}]`);
}

/** Reads and validates a scenario file. */
export function loadScenario(path: string, options: LoadOptions = {}): LoadedScenario {
  const file = resolve(path);
  const allowPaths = (options.allowPaths ?? []).map((p) => realOrResolved(p));
  if (!existsSync(file)) throw new ScenarioError(path, '', 'no such scenario file');
  confine(file, allowPaths, path, '');
  const raw = readYamlFile(path, file);
  const scenario = parseScenario(raw, path);
  const loaded = { file, scenario, feederPath: resolveScenarioPath(scenario.feeder, file, 'feeder'), allowPaths };
  confine(loaded.feederPath, allowPaths, file, 'feeder');
  return loaded;
}

/**
 * A scenario given as an object (a sweep's resolved run, `lemsim run --set`), validated like a file;
 * its relative paths resolve from the folder of `file` (the file it came from), under the same
 * confinement as `loadScenario`.
 */
export function loadScenarioObject(raw: unknown, file: string, options: LoadOptions = {}): LoadedScenario {
  const abs = resolve(file);
  const allowPaths = (options.allowPaths ?? []).map((p) => realOrResolved(p));
  confine(abs, allowPaths, file, '');
  const scenario = parseScenario(raw, file);
  const loaded = { file: abs, scenario, feederPath: resolveScenarioPath(scenario.feeder, abs, 'feeder'), allowPaths };
  confine(loaded.feederPath, allowPaths, abs, 'feeder');
  return loaded;
}

/** Reads a scenario file's YAML into a plain object (syntax errors located), not yet validated. */
export function readScenarioRaw(path: string, options: LoadOptions = {}): unknown {
  const file = resolve(path);
  const allowPaths = (options.allowPaths ?? []).map((p) => realOrResolved(p));
  if (!existsSync(file)) throw new ScenarioError(path, '', 'no such scenario file');
  confine(file, allowPaths, path, '');
  return readYamlFile(path, file);
}

function readYamlFile(path: string, file: string): unknown {
  let text: string;
  try {
    if (statSync(file).size > MAX_SCENARIO_BYTES) throw new ScenarioError(path, '', `larger than ${MAX_SCENARIO_BYTES >> 20} MB: not a scenario file`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    throw new ScenarioError(path, '', `cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line;
    throw new ScenarioError(`${path}${line ? `:${line}` : ''}`, '', `YAML syntax: ${excerpt(e.message.split('\n')[0], 120)}`);
  }
  try {
    // aliases expand at most 100 times over (the yaml library's guard against alias bombs)
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ScenarioError(path, '', `YAML: ${excerpt((err as Error).message, 120)}`);
  }
}

/** Resolves the feeder path of a scenario (variables expanded, relative to the scenario's folder). */
export function resolveFeeder(feeder: string, scenarioFile: string): string {
  return resolveScenarioPath(feeder, scenarioFile, 'feeder');
}

/**
 * Resolves a path written in a scenario: variables expanded, relative to the scenario's folder, must
 * exist. A message shows the path as written (a `${VAR}` is never printed expanded: issue 11).
 */
export function resolveScenarioPath(written: string, scenarioFile: string, field: string): string {
  const expanded = expandVars(written, scenarioFile, field);
  const p = isAbsolute(expanded) ? expanded : resolve(dirname(scenarioFile), expanded);
  if (!existsSync(p)) {
    const shown = /\$\{(?!LEMSIM_SHARED\})/.test(written) ? `'${excerpt(written, 120)}' (variables expanded)` : `'${excerpt(p, 200)}'`;
    throw new ScenarioError(scenarioFile, field, `${field === 'feeder' ? 'feeder ' : ''}file ${shown} does not exist`);
  }
  return p;
}

function realOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** Whether `p` (symbolic links resolved) lies inside one of `roots`. */
export function isAllowed(p: string, roots: readonly string[]): boolean {
  if (roots.length === 0) return true;
  const real = realOrResolved(p);
  return roots.some((r) => real === r || real.startsWith(r.endsWith(sep) ? r : r + sep));
}

/** Throws unless `p` is inside the allowed folders. */
export function confine(p: string, roots: readonly string[], file: string, field: string): void {
  if (!isAllowed(p, roots)) throw new ScenarioError(file, field, `'${excerpt(p, 200)}' is outside the allowed paths (--allow-path ${roots.join(', ')})`);
}

/** The OpenDSS file system of a confined scenario: a Redirect outside the allowed folders is an error. */
export function confinedFileSystem(roots: readonly string[]): DssFileSystem {
  if (roots.length === 0) return nodeFileSystem;
  return {
    readText: (p) => {
      if (!isAllowed(p, roots)) throw new DssError(undefined, `'${excerpt(p, 200)}' is outside the allowed paths (--allow-path ${roots.join(', ')})`);
      return nodeFileSystem.readText(p);
    },
    exists: (p) => nodeFileSystem.exists(p),
    list: (d) => nodeFileSystem.list(d),
  };
}
