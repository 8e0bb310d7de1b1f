/**
 * Field-path overrides of a scenario (issue 15): `prosumers.pv.share` → 0.3. One machinery serves
 * `lemsim run --set field.path=value` and a sweep's `vary`, so both accept the same paths and values
 * and both are validated by the scenario schema. A path is dot-separated keys; a numeric segment
 * indexes a list (`batteries.initial.0.units`). Missing objects on the way are created (the schema
 * then says whether the key exists); walking into a number or text is an error naming the path.
 */
import { parse as parseYaml } from 'yaml';
import { UsageError, excerpt } from '../errors.js';

/** A path written by a user: non-empty segments of letters, digits, `_` and `-`. */
const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Splits and checks a field path; returns undefined detail when it is well formed. */
export function pathSegments(path: string): string[] | string {
  const segs = path.split('.');
  if (path.trim() === '' || segs.some((s) => !SEGMENT.test(s))) return `'${excerpt(path, 80)}' is not a field path (dot-separated keys such as prosumers.pv.share)`;
  if (segs.some((s) => s === '__proto__' || s === 'constructor' || s === 'prototype')) return `'${excerpt(path, 80)}' is not a scenario field`;
  return segs;
}

/**
 * Returns a deep copy of `raw` with `value` at `path`. Throws `Error` with a message naming the
 * path when the path walks through a value that is not an object or list.
 */
export function withOverride(raw: unknown, path: string, value: unknown): unknown {
  const segs = pathSegments(path);
  if (typeof segs === 'string') throw new Error(segs);
  const root = structuredClone(raw ?? {}) as Record<string, unknown>;
  if (typeof root !== 'object' || Array.isArray(root)) throw new Error('the scenario is not a mapping');
  let node: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < segs.length; i++) {
    const key = segs[i];
    const last = i === segs.length - 1;
    const at = segs.slice(0, i + 1).join('.');
    if (Array.isArray(node)) {
      const k = Number(key);
      if (!Number.isInteger(k) || k < 0 || k > node.length) throw new Error(`${at}: index ${key} is outside the list (length ${node.length})`);
      if (last) node[k] = value;
      else {
        const next: unknown = node[k] ?? {};
        if (typeof next !== 'object' || next === null) throw new Error(`${at} is ${JSON.stringify(next)}, not an object or list`);
        node[k] = next;
        node = next as Record<string, unknown>;
      }
    } else {
      if (last) node[key] = value;
      else {
        const next: unknown = Object.hasOwn(node, key) ? node[key] : {};
        if (typeof next !== 'object' || next === null) throw new Error(`${at} is ${excerpt(JSON.stringify(next))}, not an object or list`);
        node[key] = next;
        node = next as Record<string, unknown>;
      }
    }
  }
  return root;
}

/** One `--set field.path=value`: the value is YAML (`0.3`, `markup`, `{name: srmc}`, `[1, 2]`). */
export function parseSetOption(expr: string): { path: string; value: unknown } {
  const eq = expr.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set expects field.path=value, got '${excerpt(expr, 80)}'`);
  const path = expr.slice(0, eq).trim();
  const segs = pathSegments(path);
  if (typeof segs === 'string') throw new UsageError(`--set ${excerpt(expr, 80)}: ${segs}`);
  let value: unknown;
  try {
    value = parseYaml(expr.slice(eq + 1));
  } catch (err) {
    throw new UsageError(`--set ${excerpt(expr, 80)}: the value is not YAML (${excerpt((err as Error).message.split('\n')[0], 80)})`);
  }
  return { path, value: value === null && expr.slice(eq + 1).trim() === '' ? '' : value };
}
