/**
 * Electrical distance from the source (the heatmap's bus order, issue 14), on hand-solved circuits.
 * Lines with r0 = r1 and x0 = x1 have no mutual impedance, so their per-unit impedance is exactly
 * |Z| / Z_base with Z_base = V_LN² / S_phase = (400/√3)² / (1e6/3) = 0.16 Ω (1 MVA, 0.4 kV):
 *
 *   src ──0.5 Ω── a ──0.5 Ω── b          distance: a 3.125, b 6.25, c 9.375 pu
 *    └──────────1.5 Ω──────── c          hops:     a 1,     b 2,    c 1
 */
import { describe, expect, it } from 'vitest';
import { branchImpedancesPu, electricalDistanceFromSource } from '../../src/report/distance.js';
import { hopsFromSource } from '../../src/report/collect.js';
import { heatmapRows } from '../../src/report/plots.js';
import { feederFromText } from '../helpers/dss.js';

const uncoupled = 'r0=@r x0=@x r1=@r x1=@x c0=0 c1=0 length=1';
const line = (name: string, a: string, b: string, r: number, x: number) => `New Line.${name} bus1=${a} bus2=${b} ${uncoupled.replaceAll('@r', String(r)).replaceAll('@x', String(x))}`;

describe('electrical distance from the source', () => {
  it('weighs each path by its impedance, not its hops', () => {
    const f = feederFromText(['New Circuit.t basekv=0.4 bus1=src', line('l1', 'src', 'a', 0.3, 0.4), line('l2', 'a', 'b', 0.3, 0.4), line('l3', 'src', 'c', 0.9, 1.2)].join('\n'));
    const kv = f.network.buses.map(() => 0.4 / Math.sqrt(3));
    const d = electricalDistanceFromSource(f.network, kv);
    const at = (bus: string) => d[f.network.busIndex.get(bus)!];
    expect(at('src')).toBe(0);
    expect(at('a')).toBeCloseTo(3.125, 9);
    expect(at('b')).toBeCloseTo(6.25, 9);
    expect(at('c')).toBeCloseTo(9.375, 9);
    const hops = hopsFromSource(f.network);
    // the heatmap orders by distance: c (one hop) comes after b (two hops)
    const buses = f.network.buses.map((b, i) => ({ name: b.name, hops: hops[i], distancePu: d[i] }));
    expect(heatmapRows(buses).rows.map((r) => r.label)).toEqual(['src', 'a', 'b', 'c']);
    // without distances (older data) it falls back to hops
    expect(heatmapRows(buses.map(({ name, hops }) => ({ name, hops }))).rows.map((r) => r.label)).toEqual(['src', 'a', 'c', 'b']);
  });

  it('counts a transformer by its short-circuit impedance in per unit, across voltage levels', () => {
    // 11/0.4 kV, 1000 kVA, %R 1 in total, X 5 %: |z| = √(1² + 5²) % = 0.05099 pu on its (and the) 1 MVA base;
    // an 11 kV line of 1.21 Ω (Z_base 121 Ω: 0.01 pu) before it, a 0.4 kV line of 0.016 Ω (0.1 pu) after it
    const f = feederFromText(
      [
        'New Circuit.t basekv=11 bus1=hv',
        line('mv', 'hv', 'mv1', 0.726, 0.968),
        'New Transformer.tr phases=3 windings=2 buses=[mv1 lv] conns=[wye wye] kvs=[11 0.4] kvas=[1000 1000] %rs=[0.5 0.5] xhl=5 %noloadloss=0 %imag=0',
        line('lv', 'lv', 'lv1', 0.0096, 0.0128),
      ].join('\n'),
    );
    const kv = f.network.buses.map((b) => (b.name.startsWith('lv') ? 0.4 : 11) / Math.sqrt(3));
    const z = branchImpedancesPu(f.network, kv);
    expect(z).toHaveLength(3);
    const d = electricalDistanceFromSource(f.network, kv);
    const at = (bus: string) => d[f.network.busIndex.get(bus)!];
    expect(at('mv1')).toBeCloseTo(0.01, 9);
    expect(at('lv') - at('mv1')).toBeCloseTo(Math.hypot(0.01, 0.05), 3);
    expect(at('lv1') - at('lv')).toBeCloseTo(0.1, 9);
  });
});
