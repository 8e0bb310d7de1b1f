/**
 * Issue 12 bug 6: daily versus yearly mode as OpenDSS runs them. Daily mode drives loads by their
 * Daily shape only (a load with only a Yearly shape stays at base kW); yearly mode by the Yearly
 * shape (`daily=` also sets the yearly shape when none is written); duty mode by Duty, else Daily.
 * `yearlyShapesInDaily` is lemsim's explicit option to drive Yearly-only loads in daily mode (the
 * IEEE European LV scenarios use it). `Set loadmult` scales every load but fixed ones, and exempt
 * ones outside yearly mode. Checked by hand and against OpenDSS at a minute of each mode.
 */
import { describe, expect, it } from 'vitest';
import { newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';
import { feederFromText } from '../../helpers/dss.js';
import { compareWithOpenDss, describeWithOpenDss } from '../../helpers/oracle.js';

const TEXT = `
  Clear
  New Circuit.m basekv=12.47 pu=1.0 phases=3 bus1=src
  New LoadShape.day npts=24 interval=1 mult=[0.5 0.5 0.5 0.5 0.5 0.6 0.7 0.8 0.9 1 1 1 1 1 1 1 1 1.2 1.3 1.2 1 0.8 0.6 0.5]
  New LoadShape.year npts=24 interval=1 mult=[0.2 0.2 0.2 0.2 0.3 0.3 0.4 0.5 0.6 0.7 0.8 0.9 1 1 1 1 1 1 1 1 1 1 1 1]
  New Line.l1 bus1=src bus2=a r1=0.3 x1=0.6 r0=0.9 x0=1.8 c1=10 c0=4 length=3 units=km
  New Load.yearlyonly bus1=a kV=12.47 kW=1000 kvar=300 yearly=year
  New Load.dailyonly bus1=a kV=12.47 kW=800 kvar=200 daily=day
  New Load.both bus1=a kV=12.47 kW=600 kvar=100 daily=day yearly=year
  New Load.exempt bus1=a kV=12.47 kW=400 kvar=100 daily=day status=exempt
  New Load.fixed bus1=a kV=12.47 kW=300 kvar=50 yearly=year status=fixed
  Set loadmult=0.9
  Set voltagebases=[12.47]
  Calcvoltagebases
`;

describe('load shapes per solution mode', () => {
  const f = feederFromText(TEXT);
  const kw = (mode: 'daily' | 'yearly' | 'duty', hour: number, yearlyShapesInDaily = false) => {
    const p = newLoadPowers(f.model);
    setLoadPowersAt(f.model, hour, mode, p, { yearlyShapesInDaily });
    return f.network.loads.map((_l, li) => {
      let s = 0;
      for (let k = f.model.loadBrStart[li]; k < f.model.loadBrStart[li + 1]; k++) s += p.pW[k];
      return Math.round(s) / 1000;
    });
  };
  it('daily mode: Daily shapes only, the Yearly-only load at base × loadmult', () => {
    // hour 3 is point 4 of 1-hour shapes: day 0.5, year 0.2
    expect(kw('daily', 3)).toEqual([900, 360, 270, 200, 300]);
  });
  it('yearly mode: Yearly shapes, a Daily-only load by its Daily shape (daily= set it), loadmult on exempt loads too', () => {
    expect(kw('yearly', 3)).toEqual([180, 360, 108, 180, 300]);
  });
  it('duty mode falls back to Daily shapes', () => {
    expect(kw('duty', 3)).toEqual([900, 360, 270, 200, 300]);
  });
  it('yearlyShapesInDaily drives the Yearly-only load in daily mode, and nothing else changes', () => {
    expect(kw('daily', 3, true)).toEqual([180, 360, 270, 200, 300]);
  });
});

describeWithOpenDss('solution modes vs OpenDSS', () => {
  for (const mode of ['daily', 'yearly'] as const) {
    it(`${mode} mode, minute 1050 (hour 17.5): every node agrees`, () => {
      const r = compareWithOpenDss(TEXT, { minute: 1050, mode });
      expect(r.converged).toBe(true);
      expect(r.maxDvPu).toBeLessThan(1e-9);
    });
  }
});

it("a load may use OpenDSS's built-in `default` shape", () => {
  const f = feederFromText(`
    Clear
    New Circuit.d basekv=12.47 bus1=src
    New Load.l bus1=src kV=12.47 kW=100 kvar=0 daily=default
  `);
  const p = newLoadPowers(f.model);
  // hour 17 is point 17 of the 24 hourly points: 1.0; hour 4 is point 4: 0.5833
  setLoadPowersAt(f.model, 17, 'daily', p);
  expect(p.pW[0] * 3).toBeCloseTo(100e3, 6);
  setLoadPowersAt(f.model, 4, 'daily', p);
  expect(p.pW[0] * 3).toBeCloseTo(58.33e3, 6);
});
