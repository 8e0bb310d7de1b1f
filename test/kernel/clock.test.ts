/** The one clock parser (src/clock.ts): times of day, day offsets, labels, calendar dates. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkIsoDate, clockLabel, parseClock } from '../../src/kernel/clock.js';

describe('clock', () => {
  it('parses H:MM, HH:MM, 24:00 and D+HH:MM into seconds', () => {
    expect(parseClock('9:00')).toEqual({ seconds: 9 * 3600 });
    expect(parseClock('09:05')).toEqual({ seconds: 9 * 3600 + 300 });
    expect(parseClock('24:00')).toEqual({ seconds: 86_400 });
    expect(parseClock('1+06:00')).toEqual({ seconds: 86_400 + 6 * 3600 });
    expect(parseClock('7+00:00')).toEqual({ seconds: 7 * 86_400 });
    for (const bad of ['08:77', '25:00', '24:01', '8h', '', '1+', '-1+00:00', '367+00:00', '12:5']) expect(parseClock(bad)).toHaveProperty('error');
  });

  it('labels round-trip through the parser (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 366 * 1440 - 1 }), (minute) => {
        const label = clockLabel(minute * 60);
        expect(parseClock(label)).toEqual({ seconds: minute * 60 });
      }),
      { numRuns: 500, seed: 13 },
    );
    expect(clockLabel(17 * 3600 + 900)).toBe('17:15');
    expect(clockLabel(86_400 + 17 * 3600)).toBe('1+17:00');
  });

  it('checks calendar dates', () => {
    expect(checkIsoDate('2019-06-01')).toBeUndefined();
    expect(checkIsoDate('2020-02-29')).toBeUndefined();
    expect(checkIsoDate('2019-02-29')).toMatch(/day must be 01–28/);
    expect(checkIsoDate('2019-13-45')).toMatch(/month must be 01–12/);
    expect(checkIsoDate('2019-6-1')).toMatch(/YYYY-MM-DD/);
  });
});
