/**
 * Seeded mutations for the fuzz test (issue 11, Done when): one-edit changes to an OpenDSS script
 * or to a scenario object, drawn from a small xorshift generator so a failing case is reproduced by
 * its seed and index. Each mutation returns a short description for the failure report.
 */
import { xorshift32 } from '../../markets/auction/synthetic-book.js';

/** xorshift32 in [0, 1): deterministic, no Math.random (the synthetic books' generator). */
export const rng = xorshift32;

export type Rng = () => number;
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** Values that have broken parsers: zero, signs, huge, non-numbers, broken arrays and quotes. */
const DSS_VALUES = ['0', '-1', '-0.4', '1e6', '1e300', '-1e300', 'NaN', 'inf', 'abc', '""', '[1 2', '(1,2', '[]', '1e', '0x10', '3.5.2', "'", '"', '|', '~', '2e-9', '1000000000'];
const DSS_NAMES = ['phases', 'kV', 'kW', 'bus1', 'bus2', 'length', 'units', 'linecode', 'daily', 'npts', 'interval', 'mult', 'kVs', 'conns', 'windings', 'pu', 'basekv', 'zzz', 'like'];

/** One edit of a script: a value replaced, a property dropped or renamed, a line deleted, doubled, cut or garbled. */
export function mutateScript(text: string, r: Rng): { text: string; what: string } {
  const lines = text.split('\n');
  // lines that carry an assignment are the interesting ones
  const candidates = lines.map((l, i) => ({ l, i })).filter(({ l }) => /=/.test(l) && !/^\s*(!|\/\/)/.test(l));
  const at = candidates.length > 0 ? pick(r, candidates).i : Math.floor(r() * lines.length);
  const line = lines[at] ?? '';
  const op = Math.floor(r() * 8);
  let next = line;
  let what: string;
  const assignments = [...line.matchAll(/([A-Za-z%][\w%]*)\s*=\s*("[^"]*"|'[^']*'|\[[^\]]*\]|\([^)]*\)|[^\s]+)/g)];
  if ((op <= 2 || op === 3) && assignments.length === 0) return mutateScript(text, rngAfter(r));
  switch (op) {
    case 0:
    case 1:
    case 2: {
      const a = pick(r, assignments);
      const v = pick(r, DSS_VALUES);
      next = line.replace(a[0], `${a[1]}=${v}`);
      what = `${a[1]}=${v}`;
      break;
    }
    case 3: {
      const a = pick(r, assignments);
      const n = pick(r, DSS_NAMES);
      next = r() < 0.5 ? line.replace(a[0], '') : line.replace(a[0], `${n}=${a[2]}`);
      what = next.length < line.length ? `dropped ${a[1]}` : `${a[1]} renamed ${n}`;
      break;
    }
    case 4:
      lines.splice(at, 1);
      return { text: lines.join('\n'), what: `deleted line ${at + 1}` };
    case 5:
      lines.splice(at, 0, line);
      return { text: lines.join('\n'), what: `doubled line ${at + 1}` };
    case 6: {
      const cut = Math.floor(r() * line.length);
      next = line.slice(0, cut);
      what = `cut line ${at + 1} at ${cut}`;
      break;
    }
    default: {
      const g = pick(r, ['"', "'", '[', ']', '(', '=', '~ ', ' ! ', '|', '\t', ' .', '..']);
      const k = Math.floor(r() * (line.length + 1));
      next = line.slice(0, k) + g + line.slice(k);
      what = `inserted ${JSON.stringify(g)} in line ${at + 1}`;
    }
  }
  lines[at] = next;
  return { text: lines.join('\n'), what: `line ${at + 1}: ${what}` };
}

function rngAfter(r: Rng): Rng {
  r();
  return r;
}

/**
 * Values for scenario leaves: signs, zero, tiny (`step_s: 0.001` once asked for unbounded work),
 * huge, wrong types, bad clock and date strings, prototype names.
 */
const SCENARIO_VALUES: readonly unknown[] = [
  -1, 0, -0.5, 1e-3, 0.25, 1e9, 1e300, -1e300, 2.5, 7, 'x', '', null, true, [], {}, '17:00', '25:61', '9:00', '08:77', '2019-13-45', 'srmc', 'constructor', '__proto__', 'toString', [1, 'a'], { a: 1 },
];
const EXTRA_KEYS = ['zzz', 'constructor', 'toString', '__proto__', 'Name', 'seed '];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function leaves(v: Json, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (v !== null && typeof v === 'object') {
    out.push(path);
    for (const [k, c] of Object.entries(v)) leaves(c as Json, [...path, Array.isArray(v) ? Number(k) : k], out);
  } else out.push(path);
  return out;
}

function parentOf(root: Json, path: readonly (string | number)[]): { parent: Record<string, Json> | Json[]; key: string | number } | undefined {
  if (path.length === 0) return undefined;
  let cur = root as Record<string, Json>;
  for (const k of path.slice(0, -1)) cur = (cur as Record<string, Json>)[k as string] as Record<string, Json>;
  return { parent: cur, key: path[path.length - 1] };
}

/** One edit of a scenario object (a deep copy is edited): a value replaced, a key deleted or one added. */
export function mutateScenario(base: Json, r: Rng): { scenario: Json; what: string } {
  const s = structuredClone(base);
  const paths = leaves(s).filter((p) => p.length > 0);
  const path = pick(r, paths);
  const at = parentOf(s, path)!;
  const name = path.join('.');
  const op = r();
  if (op < 0.6) {
    const v = structuredClone(pick(r, SCENARIO_VALUES)) as Json;
    (at.parent as Record<string, Json>)[at.key as string] = v;
    return { scenario: s, what: `${name} = ${JSON.stringify(v)}` };
  }
  if (op < 0.8) {
    if (Array.isArray(at.parent)) at.parent.splice(at.key as number, 1);
    else delete at.parent[at.key as string];
    return { scenario: s, what: `deleted ${name}` };
  }
  const objects = leaves(s).filter((p) => {
    let cur: Json = s;
    for (const k of p) cur = (cur as Record<string, Json>)[k as string];
    return cur !== null && typeof cur === 'object' && !Array.isArray(cur);
  });
  const target = pick(r, objects);
  let obj: Json = s;
  for (const k of target) obj = (obj as Record<string, Json>)[k as string];
  const key = pick(r, EXTRA_KEYS);
  Object.defineProperty(obj, key, { value: 1, enumerable: true, writable: true, configurable: true });
  return { scenario: s, what: `added ${[...target, key].join('.')}` };
}
