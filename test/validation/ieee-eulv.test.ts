/**
 * Reference-result test: the IEEE European LV Test Feeder against OpenDSS's solution at minutes 1
 * and 1440 (`reference/ieee-eulv/opendss_snapshot_minute_{1,1440}.csv`, constant-PQ loads).
 * Tolerance (issue 2): every node within 1e-4 pu of 230.94 V and 0.1°. lemsim reaches about 1e-7 pu;
 * the test asserts the tolerance and a tighter 1e-6 pu so that a regression shows long
 * before the contract breaks.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { loadFeeder, runTimeSeries } from '../../grid/feeder.js';
import { checkPowerBalance, powerBalance } from '../../grid/powerflow/result.js';
import { sharedPath } from '../../src/shared-data.js';
import { describeWithShared } from '../helpers/shared.js';

const ENTRY = 'reference/ieee-eulv/constant-pq.dss';
const V_BASE = 230.94;

function compare(minute: number) {
  const feeder = loadFeeder(sharedPath(ENTRY));
  const ref = readFileSync(sharedPath(`reference/ieee-eulv/opendss_snapshot_minute_${minute}.csv`), 'utf8').trim().split('\n').slice(1);
  let maxPu = 0;
  let maxDeg = 0;
  let compared = 0;
  let converged = false;
  // the reference is OpenDSS's yearly mode: the feeder's loads carry only Yearly shapes
  runTimeSeries(feeder, { from: minute, to: minute, stepMin: 1 }, ({ state, status, powers }) => {
    converged = status.converged;
    checkPowerBalance(powerBalance(feeder.model, state.vRe, state.vIm, powers), 1e-10);
    for (const line of ref) {
      const [bus, phase, volts, deg] = line.split(',');
      const b = feeder.network.busIndex.get(bus);
      expect(b, `bus ${bus} of the reference is in the model`).toBeDefined();
      const k = [...feeder.model.busNodes[b!]].find((n) => feeder.model.nodeNumber[n] === Number(phase));
      expect(k, `node ${bus}.${phase}`).toBeDefined();
      const vm = Math.hypot(state.vRe[k!], state.vIm[k!]);
      const ang = (Math.atan2(state.vIm[k!], state.vRe[k!]) * 180) / Math.PI;
      maxPu = Math.max(maxPu, Math.abs(vm - Number(volts)) / V_BASE);
      let d = Math.abs(ang - Number(deg));
      if (d > 180) d = 360 - d;
      maxDeg = Math.max(maxDeg, d);
      compared++;
    }
  }, { mode: 'yearly' });
  return { maxPu, maxDeg, compared, converged, nodes: feeder.model.nNodes };
}

describeWithShared('IEEE European LV feeder vs OpenDSS', [ENTRY, 'reference/ieee-eulv/opendss_snapshot_minute_1.csv', 'reference/ieee-eulv/opendss_snapshot_minute_1440.csv'], () => {
  for (const minute of [1, 1440]) {
    it(`minute ${minute}: every node within 1e-4 pu and 0.1° of OpenDSS`, () => {
      const r = compare(minute);
      console.log(`IEEE EU LV minute ${minute}: ${r.compared} nodes, max |ΔV| = ${r.maxPu.toExponential(2)} pu, max |Δθ| = ${r.maxDeg.toExponential(2)}°`);
      expect(r.converged).toBe(true);
      expect(r.compared).toBe(2721);
      expect(r.compared).toBe(r.nodes);
      expect(r.maxPu).toBeLessThan(1e-4);
      expect(r.maxDeg).toBeLessThan(0.1);
      expect(r.maxPu).toBeLessThan(1e-6);
    });
  }
});
