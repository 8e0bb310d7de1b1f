/**
 * A synthetic comb feeder's voltages and map, for report tests and benchmarks at 100,000 buses: a trunk of `trunk`
 * buses along x with, at every trunk bus, a lateral of `lateral` buses going up (even trunk index) or
 * down (odd), so hops from the source run from 0 to trunk + lateral − 1. Voltage falls with hops and
 * load (a smooth day); two single-bus excursions are planted so aggregation can be checked to keep
 * them: 0.85 pu at `UNDER` at minute 500 and 1.12 pu at `OVER` at minute 530.
 *
 *   b0 ── b1 ── b2 ── … (trunk)
 *   │            │
 *   laterals up and down, `lateral` buses each
 */
import type { ReportData } from './report-data.js';

export const UNDER = { bus: 'l700-88', minute: 500, vPu: 0.85 };
export const OVER = { bus: 'l3-5', minute: 530, vPu: 1.12 };

/** `trunk × (lateral + 1)` buses, one voltage per bus per minute from 8:00 for `minutes` minutes. */
export function combFeeder(trunk = 1000, lateral = 99, minutes = 120): Pick<ReportData, 'voltages' | 'map'> {
  const names: string[] = [];
  const hops: number[] = [];
  const xy: [number, number][] = [];
  const lines: { from: string; to: string; violations: number }[] = [];
  for (let t = 0; t < trunk; t++) {
    names.push(`t${t}`);
    hops.push(t);
    xy.push([t * 10, 0]);
    if (t > 0) lines.push({ from: `t${t - 1}`, to: `t${t}`, violations: 0 });
    for (let k = 0; k < lateral; k++) {
      names.push(`l${t}-${k}`);
      hops.push(t + k + 1);
      xy.push([t * 10, (t % 2 === 0 ? 1 : -1) * (k + 1) * 10]);
      lines.push({ from: k === 0 ? `t${t}` : `l${t}-${k - 1}`, to: `l${t}-${k}`, violations: t === 700 && k === 88 ? 2 : 0 });
    }
  }
  const index = new Map(names.map((n, i) => [n, i]));
  const steps: { minute: number; vPu: Float32Array }[] = [];
  for (let m = 0; m < minutes; m++) {
    const minute = 480 + m;
    const load = 0.5 + 0.5 * Math.sin((Math.PI * m) / minutes);
    const vPu = new Float32Array(names.length);
    for (let i = 0; i < names.length; i++) vPu[i] = 1.03 - 0.00003 * hops[i] * load;
    if (minute === UNDER.minute) vPu[index.get(UNDER.bus)!] = UNDER.vPu;
    if (minute === OVER.minute) vPu[index.get(OVER.bus)!] = OVER.vPu;
    steps.push({ minute, vPu });
  }
  return {
    voltages: { buses: names.map((name, i) => ({ name, hops: hops[i], distancePu: hops[i] * 0.001 })), steps },
    map: { buses: names.map((name, i) => ({ name, x: xy[i][0], y: xy[i][1], violations: name === UNDER.bus ? 3 : 0 })), lines },
  };
}
