/**
 * The DSO planner's two rules (issue 10): `paper` (seed 000, Tables IV/V: one unit at every bus
 * violating in the base run, then only buses whose violations persist grow 1 → 3 → 5, never a stop
 * because the count rose) and `stop-on-no-improvement` (lemsim's earlier rule), and `limits.count`
 * choosing what is counted.
 */
import { describe, expect, it } from 'vitest';
import { configurationLabel, type DsoPlannerConfig, dsoPlannerKind } from '../../agents/dso-planner.js';
import type { AnyEvent } from '../../src/kernel/events.js';

const world = {} as never;

function decide(config: Partial<DsoPlannerConfig>, payload: { violations: number; violationEpisodes: number; violatingBuses: string[] }) {
  const full: DsoPlannerConfig = { enabled: true, maxIterations: 6, unitSteps: [1, 3, 5], rule: 'paper', count: 'violation_episodes', placed: {}, history: [], iteration: 0, ...config };
  const state = dsoPlannerKind.init('dso', full, world);
  const event = { type: 'run-completed', time: 0, iteration: full.iteration, seq: 0, payload: { welfareEur: 0, ...payload } } as unknown as AnyEvent;
  const r = dsoPlannerKind.transition(state, event, world);
  const added = r.emit?.[0]?.type === 'reinforced' ? (r.emit[0].payload as { added: readonly { bus: string; units: number }[] }).added : [];
  return { decision: r.state.decision, added };
}

describe('reinforcement rule: paper', () => {
  it('base run: one unit at every violating bus', () => {
    const r = decide({}, { violations: 9, violationEpisodes: 4, violatingBuses: ['b2', 'b1', 'b3'] });
    expect(r.added).toEqual([
      { bus: 'b1', units: 1 },
      { bus: 'b2', units: 1 },
      { bus: 'b3', units: 1 },
    ]);
  });

  it('then grows only battery buses still violating; a bus violating for the first time gets none', () => {
    const r = decide({ iteration: 1, placed: { b1: 1, b2: 1, b3: 1 }, history: [4] }, { violations: 20, violationEpisodes: 7, violatingBuses: ['b1', 'b9'] });
    expect(r.added).toEqual([{ bus: 'b1', units: 3 }]);
  });

  it('keeps going when the count rises (it is reported, not a stop) and stops when no persisting bus can grow', () => {
    const rising = decide({ iteration: 2, placed: { b1: 3, b2: 1 }, history: [4, 2] }, { violations: 30, violationEpisodes: 9, violatingBuses: ['b1'] });
    expect(rising.added).toEqual([{ bus: 'b1', units: 5 }]);
    const full = decide({ iteration: 3, placed: { b1: 5, b2: 1 }, history: [4, 2, 9] }, { violations: 30, violationEpisodes: 9, violatingBuses: ['b1', 'b7'] });
    expect(full.added).toEqual([]);
    expect(full.decision).toMatch(/no persisting bus can grow beyond 5 units/);
  });

  it('stops at zero of what limits.count counts, and at the iteration limit', () => {
    expect(decide({}, { violations: 0, violationEpisodes: 0, violatingBuses: [] }).decision).toBe('no violation episodes');
    expect(decide({ iteration: 5 }, { violations: 3, violationEpisodes: 1, violatingBuses: ['b1'] }).decision).toMatch(/iteration limit \(6\) reached with 1 violation episodes/);
  });
});

describe('reinforcement rule: stop-on-no-improvement', () => {
  it('grows every violating bus and stops when the count stops falling (counting sub-step violations)', () => {
    const go = decide({ rule: 'stop-on-no-improvement', count: 'violations', iteration: 1, placed: { b1: 1 }, history: [10] }, { violations: 8, violationEpisodes: 8, violatingBuses: ['b1', 'b2'] });
    expect(go.added).toEqual([
      { bus: 'b1', units: 3 },
      { bus: 'b2', units: 1 },
    ]);
    const stop = decide({ rule: 'stop-on-no-improvement', count: 'violations', iteration: 1, placed: { b1: 1 }, history: [10] }, { violations: 12, violationEpisodes: 2, violatingBuses: ['b1'] });
    expect(stop.decision).toBe('violations stopped falling (10 → 12)');
  });
});

it('names configurations as Tables IV and V do', () => {
  expect(configurationLabel([])).toBe('none');
  expect(configurationLabel([{ units: 1 }, { units: 1 }])).toBe('1');
  expect(configurationLabel([{ units: 5 }, { units: 1 }, { units: 5 }])).toBe('1 and 5');
});
