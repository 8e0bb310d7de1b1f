/**
 * Violation counting (issue 10, defect 4), by hand: element × sub-step violations, element × market
 * period episodes, and each episode's worst deviation outside its limit.
 *
 *   period 0: bus a 0.9492, 0.9400 (two sub-steps, one episode, worst 0.0100 pu); bus b 1.0600
 *   period 1: bus a 0.9000 (0.0500 pu); line l 120 A against 100 A (20 %)
 *   → 5 violations, 4 episodes (3 voltage at 2 buses, 1 current)
 */
import { expect, it } from 'vitest';
import { EpisodeTracker, violationDeviation } from '../../src/violation-episodes.js';

it('counts violations and episodes and keeps each episode worst deviation', () => {
  const t = new EpisodeTracker();
  const v = (period: number, element: string, kind: 'undervoltage' | 'overvoltage' | 'overcurrent', value: number, limit: number) => t.add({ period, element, bus: element.replace(/^bus\./, ''), kind, value, limit });
  v(0, 'bus.a', 'undervoltage', 0.9492, 0.95);
  v(0, 'bus.a', 'undervoltage', 0.94, 0.95);
  v(0, 'bus.b', 'overvoltage', 1.06, 1.05);
  v(1, 'bus.a', 'undervoltage', 0.9, 0.95);
  v(1, 'line.l', 'overcurrent', 120, 100);
  const c = t.counts();
  expect(c.violations).toBe(5);
  expect(c.violation_episodes).toBe(4);
  expect(c.episodes_by_kind).toEqual({ undervoltage: 2, overvoltage: 1, overcurrent: 1 });
  expect(c.episode_buses).toBe(2);
  const first = t.list()[0];
  expect(first).toMatchObject({ element: 'bus.a', period: 0, subSteps: 2, worstValue: 0.94 });
  expect(first.worstDeviation).toBeCloseTo(0.01, 12);
  expect(c.deviation.voltage_pu.max).toBeCloseTo(0.05, 12);
  expect(c.deviation.voltage_pu.histogram).toEqual({ '<0.005': 0, '0.005-0.01': 0, '0.01-0.02': 2, '0.02-0.05': 0, '>=0.05': 1 });
  expect(c.deviation.current_pct).toMatchObject({ episodes: 1, max: 20 });
  expect(violationDeviation({ kind: 'undervoltage', value: 0.9492, limit: 0.95 })).toBeCloseTo(0.0008, 12);
});
