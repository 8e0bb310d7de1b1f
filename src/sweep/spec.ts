/**
 * Sweep files (issue 15). A sweep names a base scenario (`base`: a path relative to the sweep file,
 * or an inline scenario), `vary` (field path → list of values), `seeds` (a count n: seeds 1…n, or a
 * list) and `mode` (`cartesian`, the default: every combination; `zip`: the i-th value of every
 * list together, lists of equal length). Seeds are always crossed with the combinations.
 *
 * Everything is checked before anything runs: the sweep file's own keys, every value alone against
 * the scenario schema (a bad path or value is a `ScenarioError` naming the sweep file, its line and
 * the field `vary.PATH[i]`), then every resolved run. Each run is identified by a stable hash of its
 * resolved scenario (every default filled in, paths as written) and the lemsim version: the name of
 * its folder, so the same run is found again by a later sweep (resume) and never run twice.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, isMap, isSeq, parseDocument } from 'yaml';
import type { Scenario } from '../../scenarios/schema.js';
import { ScenarioError, excerpt } from '../errors.js';
import { type Registry, buildRegistry } from '../sim/plugins.js';
import { parseScenario, readScenarioRaw } from '../scenario.js';
import { validateScenario } from '../sim/simulation.js';
import { LEMSIM_VERSION } from '../version.js';
import { pathSegments, withOverride } from './overrides.js';

/** One run of a sweep, fully resolved. */
export interface SweepRun {
  /** stable hash of the resolved scenario and the lemsim version (16 hex digits): the folder name */
  readonly id: string;
  /** the varied values of this run, in the order of the sweep file's `vary` */
  readonly params: readonly (readonly [path: string, value: unknown])[];
  readonly seed: number;
  /** the validated scenario (defaults filled in) */
  readonly scenario: Scenario;
}

export interface Sweep {
  readonly file: string;
  readonly name: string;
  /** the file the base scenario's relative paths resolve from (the base file, or the sweep file for an inline base) */
  readonly scenarioFile: string;
  readonly varied: readonly string[];
  readonly mode: 'cartesian' | 'zip';
  readonly seeds: readonly number[];
  readonly runs: readonly SweepRun[];
  /** keep each run's events.jsonl (off by default: lean runs) */
  readonly keepEvents: boolean;
}

const KEYS = new Set(['name', 'base', 'vary', 'seeds', 'mode', 'keep_events']);
const MAX_RUNS = 100_000;
const MAX_SWEEP_BYTES = 1 << 20;

/** Canonical JSON (keys sorted) of a plain value: the input of the run hash. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The run id: sha256 of the lemsim version and the canonical resolved scenario, 16 hex digits. */
export function runId(scenario: Scenario): string {
  return createHash('sha256').update(`lemsim ${LEMSIM_VERSION}\n${canonicalJson(scenario)}`).digest('hex').slice(0, 16);
}

/** How a value is shown in messages and run tables. */
export function showValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Reads, checks and expands a sweep file. */
export function loadSweep(path: string): Sweep {
  const file = resolve(path);
  if (!existsSync(file)) throw new ScenarioError(path, '', 'no such sweep file');
  let text: string;
  try {
    if (statSync(file).size > MAX_SWEEP_BYTES) throw new ScenarioError(path, '', 'larger than 1 MB: not a sweep file');
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    throw new ScenarioError(path, '', `cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line;
    throw new ScenarioError(`${path}${line ? `:${line}` : ''}`, '', `YAML syntax: ${excerpt(e.message.split('\n')[0], 120)}`);
  }
  /** the sweep file and the line of the node at `keys`, for messages */
  const at = (keys: readonly (string | number)[]): string => {
    const node = doc.getIn(keys, true) as { range?: [number, number, number] } | undefined;
    const pos = node?.range ? lines.linePos(node.range[0]).line : undefined;
    return pos ? `${path}:${pos}` : path;
  };
  const fail = (keys: readonly (string | number)[], field: string, detail: string): never => {
    throw new ScenarioError(at(keys), field, detail);
  };
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ScenarioError(path, '', `YAML: ${excerpt((err as Error).message, 120)}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail([], '(root)', 'a sweep file is a mapping with base, vary, seeds and mode');
  const top = raw as Record<string, unknown>;
  for (const k of Object.keys(top)) if (!KEYS.has(k)) fail([k], excerpt(k), `unknown key (expected one of ${[...KEYS].join(', ')})`);

  // the base scenario: a file relative to the sweep file, or inline
  let baseRaw: unknown;
  let scenarioFile: string;
  if (typeof top.base === 'string') {
    const p = isAbsolute(top.base) ? top.base : resolve(dirname(file), top.base);
    if (!existsSync(p)) fail(['base'], 'base', `scenario file '${excerpt(p, 200)}' does not exist`);
    scenarioFile = p;
    baseRaw = readScenarioRaw(p);
  } else if (top.base && typeof top.base === 'object' && !Array.isArray(top.base)) {
    scenarioFile = file;
    baseRaw = top.base;
  } else {
    return fail(['base'], 'base', 'expected the path of a scenario file (relative to the sweep file) or an inline scenario');
  }
  const base = validate(baseRaw, scenarioFile, () => at(['base']), 'base');

  const mode = top.mode ?? 'cartesian';
  if (mode !== 'cartesian' && mode !== 'zip') fail(['mode'], 'mode', `expected cartesian or zip, got ${excerpt(showValue(mode))}`);

  let seeds: number[];
  if (top.seeds === undefined) seeds = [base.seed];
  else if (typeof top.seeds === 'number') {
    if (!Number.isInteger(top.seeds) || top.seeds < 1 || top.seeds > MAX_RUNS) fail(['seeds'], 'seeds', `a count of seeds is a whole number from 1 to ${MAX_RUNS}, got ${top.seeds}`);
    seeds = Array.from({ length: top.seeds }, (_, k) => k + 1);
  } else if (Array.isArray(top.seeds) && top.seeds.length > 0) {
    seeds = top.seeds.map((s, k) => (typeof s === 'number' && Number.isInteger(s) && s >= 0 && s <= 2 ** 32 - 1 ? s : fail(['seeds', k], `seeds[${k}]`, `a seed is a whole number from 0 to 2^32-1, got ${excerpt(showValue(s))}`)));
    const dup = seeds.find((s, k) => seeds.indexOf(s) !== k);
    if (dup !== undefined) fail(['seeds'], 'seeds', `seed ${dup} is listed twice`);
  } else return fail(['seeds'], 'seeds', 'expected a count of seeds or a non-empty list of seeds');

  const vary: [string, unknown[]][] = [];
  if (top.vary !== undefined) {
    const node = doc.get('vary', true);
    if (!isMap(node)) fail(['vary'], 'vary', 'expected a mapping of field paths to lists of values');
    for (const [p, values] of Object.entries(top.vary as Record<string, unknown>)) {
      const field = `vary.${excerpt(p, 80)}`;
      const segs = pathSegments(p);
      if (typeof segs === 'string') fail(['vary', p], field, segs);
      if (p === 'seed') fail(['vary', p], field, 'the seed is varied with `seeds`, not under vary');
      if (!Array.isArray(values) || values.length === 0 || !isSeq(doc.getIn(['vary', p], true))) fail(['vary', p], field, 'expected a non-empty list of values');
      const list = values as unknown[];
      list.forEach((v, k) => {
        const dup = list.findIndex((w) => canonicalJson(w) === canonicalJson(v));
        if (dup !== k) fail(['vary', p, k], `${field}[${k}]`, `${excerpt(showValue(v))} is listed twice`);
        // each value alone, against the base scenario: the error names the sweep file and the field
        let over: unknown;
        try {
          over = withOverride(baseRaw, p, v);
        } catch (err) {
          return fail(['vary', p], field, (err as Error).message);
        }
        validate(over, scenarioFile, () => at(['vary', p, k]), `${field}[${k}] (${excerpt(showValue(v))})`);
      });
      vary.push([p, list]);
    }
  }

  // the combinations
  let combos: (readonly [string, unknown])[][] = [[]];
  if (mode === 'zip' && vary.length > 0) {
    const n = vary[0][1].length;
    for (const [p, values] of vary) if (values.length !== n) fail(['vary', p], `vary.${p}`, `zip mode needs lists of equal length: ${values.length} values here, ${n} under vary.${vary[0][0]}`);
    combos = Array.from({ length: n }, (_, k) => vary.map(([p, values]) => [p, values[k]] as const));
  } else {
    for (const [p, values] of vary) combos = combos.flatMap((c) => values.map((v) => [...c, [p, v] as const]));
  }
  if (combos.length * seeds.length > MAX_RUNS) fail([], '(root)', `${combos.length * seeds.length} runs; at most ${MAX_RUNS} per sweep`);

  const runs: SweepRun[] = [];
  const seen = new Map<string, string>();
  for (const c of combos) {
    for (const seed of seeds) {
      let r: unknown = baseRaw;
      for (const [p, v] of c) r = withOverride(r, p, v);
      r = withOverride(r, 'seed', seed);
      const label = [...c.map(([p, v]) => `${p}=${showValue(v)}`), `seed=${seed}`].join(', ');
      const scenario = validate(r, scenarioFile, () => path, `run (${excerpt(label, 200)})`);
      const id = runId(scenario);
      if (seen.has(id)) fail(['vary'], 'vary', `runs (${seen.get(id)}) and (${label}) resolve to the same scenario`);
      seen.set(id, label);
      runs.push({ id, params: c, seed, scenario });
    }
  }
  const name = typeof top.name === 'string' && top.name !== '' ? top.name : base.name;
  const keepEvents = top.keep_events === undefined ? false : top.keep_events === true ? true : top.keep_events === false ? false : fail(['keep_events'], 'keep_events', 'expected true or false');
  return { file, name, scenarioFile, varied: vary.map(([p]) => p), mode: mode as Sweep['mode'], seeds, runs, keepEvents };
}

/** Validates a scenario object, turning a schema error into one located in the sweep file. */
function validate(raw: unknown, scenarioFile: string, where: () => string, field: string): Scenario {
  try {
    return parseScenario(raw, scenarioFile);
  } catch (err) {
    if (err instanceof ScenarioError) throw new ScenarioError(where(), field, `${err.fieldPath ? `${err.fieldPath}: ` : ''}${err.detail}`);
    throw err;
  }
}


/**
 * Checks what the schema cannot, for every run before any runs: strategy, agent-kind and mechanism
 * names and strategy parameters against the registries (built-ins and the run's plugins). An error
 * names the sweep file, the run's values and the field.
 */
export async function checkSweepReferences(sweep: Sweep): Promise<void> {
  const registries = new Map<string, Registry>();
  for (const r of sweep.runs) {
    const key = JSON.stringify(r.scenario.plugins);
    const label = [...r.params.map(([p, v]) => `${p}=${showValue(v)}`), `seed=${r.seed}`].join(', ');
    try {
      let reg = registries.get(key);
      if (!reg) {
        reg = await buildRegistry(r.scenario.plugins, sweep.scenarioFile);
        registries.set(key, reg);
      }
      validateScenario(r.scenario, sweep.scenarioFile, reg);
    } catch (err) {
      if (err instanceof ScenarioError) throw new ScenarioError(sweep.file, `run (${excerpt(label, 200)})`, `${err.fieldPath ? `${err.fieldPath}: ` : ''}${err.detail}`);
      throw err;
    }
  }
}
