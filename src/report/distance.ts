/**
 * Electrical distance of every bus from the feeder's source, for ordering the report's voltage
 * heatmap (issue 14: "buses ordered by electrical distance from the source", not by hops). It is the
 * impedance-weighted shortest path over the feeder's lines and transformers: each branch weighs its
 * series impedance in per unit on a 1 MVA (three-phase) base at its ends' voltage bases, so a 400 m
 * cable counts more than a 4 m one and a transformer counts by its short-circuit impedance, whatever
 * the voltage level.
 *
 * A branch's impedance is read from its primitive admittance (the one model every OpenDSS class
 * compiles to, grid/model/network.ts): the largest |Y₁₂| between a phase conductor of one terminal
 * and a phase conductor of the other. For a single-phase line that is exactly 1/|Z|; for a
 * three-phase line with self and mutual impedance it is the diagonal of Z⁻¹, which lies between the
 * positive- and the zero-sequence admittance (2/(3Z₁) + 1/(3Z₀)); for a transformer it is its
 * short-circuit admittance referred across its ratio. In per unit, z = S / (|y| · V₁ · V₂) with the
 * line-to-neutral voltage bases V₁, V₂ of the two ends and S the per-phase base: the ratio makes a
 * transformer's ohms on either side the same per-unit value.
 *
 *   src ──z=1── a ──z=1── b            hops: a 1, b 2, c 1
 *    └────────z=3──────── c            distance: a 1, b 2, c 3 (c is electrically the furthest)
 */
import type { Network } from '../../grid/model/network.js';

/** Per-phase power base of the distances, VA (1 MVA three-phase). */
const S_BASE_PHASE_VA = 1e6 / 3;

/**
 * Per-unit series impedance of every branch end pair: [busA, busB, zPu]. Branches with no
 * admittance between phase conductors (an open switch) are left out.
 * @param kvBaseLn line-to-neutral voltage base per bus, kV (undefined: 1 kV assumed for that end)
 */
export function branchImpedancesPu(net: Network, kvBaseLn: readonly (number | undefined)[]): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (const br of net.branches) {
    const offsets: number[] = [];
    let n = 0;
    for (const t of br.terminals) {
      offsets.push(n);
      n += t.nodes.length;
    }
    for (let p = 0; p < br.terminals.length; p++) {
      for (let q = p + 1; q < br.terminals.length; q++) {
        const tp = br.terminals[p];
        const tq = br.terminals[q];
        if (tp.bus === tq.bus) continue;
        let yMax = 0;
        tp.nodes.forEach((np, i) => {
          if (np < 1 || np > 3) return;
          tq.nodes.forEach((nq, j) => {
            if (nq < 1 || nq > 3) return;
            const k = (offsets[p] + i) * br.y.n + offsets[q] + j;
            yMax = Math.max(yMax, Math.hypot(br.y.re[k], br.y.im[k]));
          });
        });
        if (!(yMax > 0) || !Number.isFinite(yMax)) continue;
        const v1 = (kvBaseLn[tp.bus] ?? 1) * 1000;
        const v2 = (kvBaseLn[tq.bus] ?? 1) * 1000;
        out.push([tp.bus, tq.bus, S_BASE_PHASE_VA / (yMax * v1 * v2)]);
      }
    }
  }
  return out;
}

/**
 * Each bus's electrical distance from the nearest source, per unit (1 MVA base): Dijkstra over the
 * branches weighted by `branchImpedancesPu`. NaN where no source reaches.
 */
export function electricalDistanceFromSource(net: Network, kvBaseLn: readonly (number | undefined)[]): Float64Array {
  const nb = net.buses.length;
  const adjacency: { to: number; z: number }[][] = Array.from({ length: nb }, () => []);
  for (const [a, b, z] of branchImpedancesPu(net, kvBaseLn)) {
    adjacency[a].push({ to: b, z });
    adjacency[b].push({ to: a, z });
  }
  const dist = new Float64Array(nb).fill(Infinity);
  const heap = new MinHeap();
  for (const s of net.sources) {
    const b = s.terminals[0].bus;
    dist[b] = 0;
    heap.push(0, b);
  }
  while (heap.size > 0) {
    const [d, a] = heap.pop();
    if (d > dist[a]) continue;
    for (const { to, z } of adjacency[a]) {
      const nd = d + z;
      if (nd < dist[to]) {
        dist[to] = nd;
        heap.push(nd, to);
      }
    }
  }
  for (let i = 0; i < nb; i++) if (dist[i] === Infinity) dist[i] = NaN;
  return dist;
}

/** A binary min-heap of (key, value) pairs; ties by value, so the order is deterministic. */
class MinHeap {
  private keys: number[] = [];
  private values: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  private less(i: number, j: number): boolean {
    return this.keys[i] < this.keys[j] || (this.keys[i] === this.keys[j] && this.values[i] < this.values[j]);
  }
  private swap(i: number, j: number): void {
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
    [this.values[i], this.values[j]] = [this.values[j], this.values[i]];
  }
  push(key: number, value: number): void {
    this.keys.push(key);
    this.values.push(value);
    for (let i = this.keys.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  pop(): [number, number] {
    const top: [number, number] = [this.keys[0], this.values[0]];
    const lastKey = this.keys.pop()!;
    const lastValue = this.values.pop()!;
    if (this.keys.length > 0) {
      this.keys[0] = lastKey;
      this.values[0] = lastValue;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.keys.length && this.less(l, m)) m = l;
        if (r < this.keys.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}
