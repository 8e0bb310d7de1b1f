/**
 * Violations counted two ways (issue 10, defect 4), and how far outside its limit each one is:
 *   - `violations`: one per element (bus or line) and power-flow sub-step, as the grid operator
 *     publishes `violation-detected`;
 *   - `violation_episodes`: one per element and market period with at least one violating sub-step
 *     (bus-hour with an hourly market: seed 000's count, Table II — "22 buses experiencing 61
 *     undervoltage episodes").
 * Each episode keeps its worst deviation: for a voltage, pu outside the band (0.9492 pu against a
 * 0.95 limit is 0.0008 pu); for a line current, % above its limit. The summary gives the
 * distribution (max, mean, quantiles and a histogram) per quantity.
 */
import type { EventPayloads } from './kernel/events.js';

type Violation = EventPayloads['violation-detected'];

export interface ViolationEpisode {
  readonly element: string;
  readonly bus: string;
  readonly period: number;
  readonly kind: Violation['kind'];
  /** violating sub-steps inside the period */
  subSteps: number;
  /** worst value (pu or A) and its deviation outside the limit (pu, or % of the limit for currents) */
  worstValue: number;
  worstDeviation: number;
  readonly limit: number;
}

/** Deviation outside the limit: pu for voltages, % of the limit for line currents (always ≥ 0). */
export function violationDeviation(v: Pick<Violation, 'kind' | 'value' | 'limit'>): number {
  // rounded to 1e-9: values carry 6 decimals (3 for amps), so 0.95 − 0.90 bins as 0.05, not 0.04999…
  if (v.kind === 'overcurrent') return v.limit > 0 ? Number((((v.value - v.limit) / v.limit) * 100).toFixed(9)) : 0;
  return Number(Math.abs(v.value - v.limit).toFixed(9));
}

/** Edges of the histogram of voltage deviations, pu, and of current deviations, % of the limit. */
export const VOLTAGE_DEVIATION_EDGES_PU: readonly number[] = [0.005, 0.01, 0.02, 0.05];
export const CURRENT_DEVIATION_EDGES_PCT: readonly number[] = [5, 10, 20, 50];

export interface DeviationSummary {
  episodes: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  /** episodes per bin of worst deviation: `<a`, `a-b`, …, `>=z` */
  histogram: Record<string, number>;
}

export interface ViolationCounts {
  violations: number;
  violation_episodes: number;
  episodes_by_kind: Record<Violation['kind'], number>;
  /** buses with at least one episode */
  episode_buses: number;
  /** worst deviation per episode: voltages in pu outside the band, line currents in % above the limit */
  deviation: { voltage_pu: DeviationSummary; current_pct: DeviationSummary };
}

const r6 = (x: number) => Number(x.toFixed(6));

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

function summarize(devs: number[], edges: readonly number[]): DeviationSummary {
  const s = [...devs].sort((a, b) => a - b);
  const histogram: Record<string, number> = {};
  const labels = [`<${edges[0]}`, ...edges.slice(1).map((e, k) => `${edges[k]}-${e}`), `>=${edges[edges.length - 1]}`];
  for (const l of labels) histogram[l] = 0;
  for (const d of s) {
    let k = edges.findIndex((e) => d < e);
    if (k < 0) k = edges.length;
    histogram[labels[k]]++;
  }
  return { episodes: s.length, max: r6(s.length ? s[s.length - 1] : 0), mean: r6(s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0), p50: r6(quantile(s, 0.5)), p90: r6(quantile(s, 0.9)), histogram };
}

/** Collects one iteration's violations into episodes. */
export class EpisodeTracker {
  violations = 0;
  private readonly byKey = new Map<string, ViolationEpisode>();

  add(v: Violation): void {
    this.violations++;
    const key = `${v.element}|${v.period}`;
    const dev = violationDeviation(v);
    const e = this.byKey.get(key);
    if (!e) this.byKey.set(key, { element: v.element, bus: v.bus, period: v.period, kind: v.kind, subSteps: 1, worstValue: v.value, worstDeviation: dev, limit: v.limit });
    else {
      e.subSteps++;
      if (dev > e.worstDeviation) {
        e.worstDeviation = dev;
        e.worstValue = v.value;
      }
    }
  }

  get episodes(): number {
    return this.byKey.size;
  }

  /** Episodes in (period, element) order. */
  list(): ViolationEpisode[] {
    return [...this.byKey.values()].sort((a, b) => a.period - b.period || (a.element < b.element ? -1 : a.element > b.element ? 1 : 0));
  }

  counts(): ViolationCounts {
    const list = this.list();
    const byKind = { undervoltage: 0, overvoltage: 0, overcurrent: 0 };
    for (const e of list) byKind[e.kind]++;
    return {
      violations: this.violations,
      violation_episodes: list.length,
      episodes_by_kind: byKind,
      episode_buses: new Set(list.filter((e) => e.kind !== 'overcurrent').map((e) => e.bus)).size,
      deviation: {
        voltage_pu: summarize(list.filter((e) => e.kind !== 'overcurrent').map((e) => e.worstDeviation), VOLTAGE_DEVIATION_EDGES_PU),
        current_pct: summarize(list.filter((e) => e.kind === 'overcurrent').map((e) => e.worstDeviation), CURRENT_DEVIATION_EDGES_PCT),
      },
    };
  }
}
