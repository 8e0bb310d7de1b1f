/**
 * Differential property test (issue 12): random radial feeders built from the supported elements
 * are written as an OpenDSS script and solved by OpenDSS (its own tolerance set to 1e-10, at most
 * 1000 iterations) and by lemsim (1e-12); every node of both engines must agree to 1e-8 pu of the
 * node's base (OpenDSS's own per-unit value), and each engine must report the same set of nodes.
 *
 * A feeder: a 12.47 kV source with its short-circuit MVA; a tree of 3-phase buses joined by lines
 * of sequence or matrix line codes (lengths in km, ft or mi; LV lines 1/20 as long); 1-phase
 * laterals on a random phase;
 * a 12.47/0.48 kV transformer (delta-wye or wye-wye, secondary grounded) feeding a secondary bus;
 * loads of models 1, 2, 3 and 5, wye or delta, 3- and 1-phase (also line-to-line); generators
 * (models 1, 2, 4, 5 and 7, wye or delta), PVSystems (pf or kvar) and Storage (charging or
 * discharging), each of the two of model 1 or 2 (constant Y). The
 * count is bounded (30 feeders) and the seed fixed, so the suite is deterministic and fast; set LEMSIM_DIFF_SEED to explore others.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { compareWithOpenDss, describeWithOpenDss } from '../../helpers/oracle.js';

const LINECODES = `New Linecode.seq3 nphases=3 r1=0.35 x1=0.75 r0=0.9 x0=2.1 c1=9 c0=4 units=km
New Linecode.mat3 nphases=3 units=mi rmatrix=[0.34 | 0.15 0.35 | 0.15 0.16 0.34] xmatrix=[1.02 | 0.50 1.05 | 0.38 0.42 1.04] cmatrix=[14 | -4 13 | -2 -3 14]
New Linecode.one nphases=1 units=kft rmatrix=[0.25] xmatrix=[0.2] cmatrix=[3]
New Linecode.lv3 nphases=3 r1=0.2 x1=0.08 r0=0.6 x0=0.25 c1=0 c0=0 units=km`;

interface Step {
  readonly parent: number;
  readonly kind: 'line3' | 'lateral' | 'xfmr';
  readonly code: 0 | 1;
  readonly lengthKm: number;
  readonly phase: 1 | 2 | 3;
  readonly conns: 0 | 1;
  readonly elements: readonly Element[];
}

interface Element {
  readonly what: 'load' | 'gen' | 'pv' | 'storage';
  readonly model: 1 | 2 | 3 | 5;
  readonly delta: boolean;
  readonly scale: number;
  readonly pf: number;
  readonly onePhase: boolean;
}

const element: fc.Arbitrary<Element> = fc.record({
  what: fc.constantFrom('load', 'load', 'gen', 'pv', 'storage'),
  model: fc.constantFrom(1, 2, 3, 5),
  delta: fc.boolean(),
  scale: fc.double({ min: 0.05, max: 1, noNaN: true }),
  pf: fc.constantFrom(1, 0.95, 0.9, -0.95, 0.85),
  onePhase: fc.boolean(),
});

const step: fc.Arbitrary<Step> = fc.record({
  parent: fc.nat(),
  kind: fc.constantFrom('line3', 'line3', 'lateral', 'xfmr'),
  code: fc.constantFrom(0, 1),
  lengthKm: fc.double({ min: 0.1, max: 2.5, noNaN: true }),
  phase: fc.constantFrom(1, 2, 3),
  conns: fc.constantFrom(0, 1),
  elements: fc.array(element, { minLength: 0, maxLength: 2 }),
});

interface Bus {
  readonly name: string;
  /** phases present: [1,2,3] or one phase */
  readonly phases: readonly number[];
  readonly kvLL: number;
  /** the secondary of a transformer (no further transformers below it) */
  readonly lv: boolean;
}

const r4 = (x: number) => Number(x.toFixed(4));

/** Writes the OpenDSS script of one random feeder. */
function script(steps: readonly Step[], sourceMva: number): string {
  const lines: string[] = ['Clear', `New Circuit.rand basekv=12.47 pu=1.02 phases=3 bus1=src MVAsc3=${sourceMva} MVAsc1=${r4(sourceMva * 0.8)}`, LINECODES];
  const buses: Bus[] = [{ name: 'src', phases: [1, 2, 3], kvLL: 12.47, lv: false }];
  let n = 0;
  for (const s of steps) {
    const parent = buses[s.parent % buses.length];
    n++;
    const name = `n${n}`;
    const units = ['km', 'ft', 'mi'][n % 3];
    const len = r4(units === 'km' ? s.lengthKm : units === 'ft' ? s.lengthKm * 3280.84 : s.lengthKm / 1.609344);
    if (s.kind === 'xfmr' && parent.phases.length === 3 && !parent.lv) {
      // the secondary is wye-grounded: a delta secondary would leave the LV system without a ground reference
      const [c1, c2] = [['delta', 'wye'], ['wye', 'wye']][s.conns];
      lines.push(`New Transformer.t${n} phases=3 windings=2 buses=[${parent.name} ${name}] conns=[${c1} ${c2}] kVs=[12.47 0.48] kVAs=[750 750] %R=0.8 XHL=4.5 %noloadloss=0.1 %imag=0.5`);
      buses.push({ name, phases: [1, 2, 3], kvLL: 0.48, lv: true });
    } else if (s.kind === 'lateral' || parent.phases.length === 1) {
      const ph = parent.phases.length === 1 ? parent.phases[0] : s.phase;
      lines.push(`New Line.l${n} bus1=${parent.name}.${ph} bus2=${name}.${ph} phases=1 linecode=one length=${r4(parent.lv ? len / 20 : len)} units=${units}`);
      buses.push({ name, phases: [ph], kvLL: parent.kvLL, lv: parent.lv });
    } else {
      const code = parent.lv ? 'lv3' : ['seq3', 'mat3'][s.code];
      lines.push(`New Line.l${n} bus1=${parent.name} bus2=${name} phases=3 linecode=${code} length=${r4(parent.lv ? len / 20 : len)} units=${units}`);
      buses.push({ name, phases: [1, 2, 3], kvLL: parent.kvLL, lv: parent.lv });
    }
    const bus = buses[buses.length - 1];
    const kvLN = r4(bus.kvLL / Math.sqrt(3));
    const cap = bus.lv ? 60 : 400;
    s.elements.forEach((e, k) => {
      const id = `${n}_${k}`;
      const kw = r4(cap * e.scale);
      const one = bus.phases.length === 1 || e.onePhase;
      const ph = bus.phases.length === 1 ? bus.phases[0] : ((n + k) % 3) + 1;
      // 1-phase: L-N on one node, or L-L across two nodes of a 3-phase bus
      const ll = one && e.delta && bus.phases.length === 3;
      const conn = ll || (!one && e.delta) ? 'delta' : 'wye';
      const at = one ? (ll ? `${bus.name}.${ph}.${(ph % 3) + 1}` : `${bus.name}.${ph}`) : bus.name;
      const phases = one ? 1 : 3;
      const kv = one && !ll ? kvLN : bus.kvLL;
      if (e.what === 'load') {
        lines.push(`New Load.d${id} bus1=${at} phases=${phases} conn=${conn} kV=${kv} kW=${kw} pf=${e.pf} model=${e.model}`);
      } else if (e.what === 'gen') {
        // generator models 1, 2, 4, 5 and 7, drawn from the element's other fields
        const gm = e.pf === 0.85 ? 7 : { 1: 1, 2: 2, 3: 4, 5: 5 }[e.model];
        lines.push(`New Generator.g${id} bus1=${at} phases=${phases} conn=${conn} kV=${kv} kW=${r4(kw * 0.6)} pf=${e.pf} model=${gm}`);
      } else if (e.what === 'storage') {
        // the sign of pf picks charging or discharging; kW=0 would idle
        const p = r4(kw * 0.5 * Math.sign(e.pf));
        lines.push(`New Storage.s${id} bus1=${at} phases=${phases} conn=${conn} kV=${kv} kWrated=${kw} kWhrated=${r4(kw * 4)} %stored=50 kW=${p} model=${e.model === 2 ? 2 : 1}`);
      } else {
        const spec = e.pf === 1 ? 'pf=1' : `kvar=${r4(kw * 0.2 * Math.sign(e.pf))}`;
        lines.push(`New PVSystem.p${id} bus1=${at} phases=${phases} conn=${conn} kV=${kv} kVA=${r4(kw * 1.1)} Pmpp=${kw} irradiance=${r4(0.3 + 0.7 * e.scale)} ${spec} model=${e.model === 2 ? 2 : 1}`);
      }
    });
  }
  lines.push('Set voltagebases=[12.47 0.48]', 'Calcvoltagebases');
  return `${lines.join('\n')}\n`;
}

const RUNS = 30;
const TOL_PU = 1e-8;

describeWithOpenDss('random radial feeders: lemsim = OpenDSS at every node', () => {
  it(`${RUNS} feeders agree to ${TOL_PU} pu`, () => {
    let worst = 0;
    let nodes = 0;
    let feeders = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 2, maxLength: 9 }), fc.constantFrom(60, 150, 400), (steps, mva) => {
        const text = script(steps, mva);
        const r = compareWithOpenDss(text, { tolerance: 1e-10 });
        expect(r.converged, text).toBe(true);
        expect(r.maxDvPu, `worst node ${r.worst} in\n${text}`).toBeLessThan(TOL_PU);
        worst = Math.max(worst, r.maxDvPu);
        nodes += r.nodes;
        feeders++;
      }),
      { numRuns: RUNS, seed: Number(process.env.LEMSIM_DIFF_SEED ?? 12012026), endOnFailure: true },
    );
    console.log(`differential: ${feeders} feeders, ${nodes} nodes, max |ΔV| ${worst.toExponential(2)} pu`);
    expect(feeders).toBe(RUNS);
  }, 600_000);
});
