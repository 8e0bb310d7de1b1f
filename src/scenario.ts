/**
 * Reading a scenario file: YAML parsed (syntax errors name the line), validated against
 * scenarios/schema.ts (errors name the field path), `${LEMSIM_SHARED}` and `${VAR}` expanded in the
 * feeder path, and relative paths resolved from the scenario file's folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { type Scenario, scenarioSchema } from '../scenarios/schema.js';
import { ScenarioError } from './errors.js';
import { sharedDir } from './shared-data.js';

export interface LoadedScenario {
  readonly file: string;
  readonly scenario: Scenario;
  /** absolute path of the feeder's OpenDSS entry script */
  readonly feederPath: string;
}

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
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
    throw new ScenarioError(file, path || '(root)', `${issue.message}${more}`);
  }
  return parsed.data;
}

/** Reads and validates a scenario file. */
export function loadScenario(path: string): LoadedScenario {
  const file = resolve(path);
  if (!existsSync(file)) throw new ScenarioError(path, '', 'no such scenario file');
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line;
    throw new ScenarioError(`${path}${line ? `:${line}` : ''}`, '', `YAML syntax: ${e.message.split('\n')[0]}`);
  }
  const scenario = parseScenario(doc.toJS(), path);
  return { file, scenario, feederPath: resolveFeeder(scenario.feeder, file) };
}

/** Resolves the feeder path of a scenario (variables expanded, relative to the scenario's folder). */
export function resolveFeeder(feeder: string, scenarioFile: string): string {
  return resolveScenarioPath(feeder, scenarioFile, 'feeder');
}

/** Resolves a path written in a scenario: variables expanded, relative to the scenario's folder, must exist. */
export function resolveScenarioPath(written: string, scenarioFile: string, field: string): string {
  const expanded = expandVars(written, scenarioFile, field);
  const p = isAbsolute(expanded) ? expanded : resolve(dirname(scenarioFile), expanded);
  if (!existsSync(p)) throw new ScenarioError(scenarioFile, field, `${field === 'feeder' ? 'feeder ' : ''}file '${p}' does not exist`);
  return p;
}
