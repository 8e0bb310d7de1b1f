/**
 * Reference-result tests on the distribution test circuits that ship with OpenDSS (issue 12).
 *
 * 1. Controls frozen: for every feeder in `reference/opendss-tests/`, the adapted circuit (regulator
 *    taps where OpenDSS's controls left them, capacitors as constant impedances, written by
 *    OpenDSS's `save circuit`; see each ENTRY.txt and adapted/notes.json) is solved to 1e-12 and
 *    every node compared with OpenDSS's solution at tolerance 1e-10: within 1e-7 pu of the node's
 *    base and 1e-5° (the angle 1e-7 pu moves a phasor by is 5.7e-6°). The node sets must be equal.
 * 2. Originals with OpenDSS's final control state: each referenced feeder's unmodified entry file,
 *    with the regulator taps and capacitor states OpenDSS's controls reached
 *    (`opendss_original.json`) applied to the built network as a control would apply them
 *    (`withBranchAdmittances`), solved to 1e-10 and compared with OpenDSS's solution of the original
 *    (tolerance 1e-4): every node within 1e-4 pu (the issue's figure) plus the error OpenDSS's own
 *    1e-4 solution carries, measured on the adapted circuit as the largest difference between its
 *    1e-4 and 1e-10 solutions (1.7e-4 pu on IEEE 8500, below 1e-5 elsewhere). This checks everything
 *    in the original files except the control logic itself.
 * 3. Originals: every entry file of those circuits and of the other standard circuits in
 *    `feeders/opendss-tests/` loads from its unmodified files and its snapshot converges with the
 *    power balance holding. Whatever changes the physics and is not applied yet (regulator and
 *    capacitor controls, generators, PV, storage) must be reported as not applied, by class; where
 *    nothing is reported, the original must match OpenDSS's own solution of it (tolerance 1e-4, as
 *    that reference was solved) to 1e-4 pu.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { expect, it } from 'vitest';
import { type Feeder, loadFeeder, voltageBases } from '../../grid/feeder.js';
import type { CMatrix } from '../../grid/model/complex.js';
import { type CapacitorState, capacitorBranch } from '../../grid/model/elements/capacitor.js';
import type { TransformerState } from '../../grid/model/elements/transformer.js';
import { withBranchAdmittances } from '../../grid/model/network.js';
import { transformerYprimWithTaps } from '../../grid/model/yprim.js';
import { compile } from '../../grid/powerflow/compile.js';
import { checkPowerBalance, powerBalance } from '../../grid/powerflow/result.js';
import { PowerFlowState, newLoadPowers, setLoadPowersAt } from '../../grid/powerflow/solve.js';
import { solveFeeder } from '../../grid/controls/static-control.js';
import { sharedPath } from '../../src/shared-data.js';
import { type OracleNode, compareNodes, describeWithOpenDss, runOpenDss } from '../helpers/oracle.js';
import { describeWithShared } from '../helpers/shared.js';

const REF = 'reference/opendss-tests';
const TESTS = 'feeders/opendss-tests';

/** The feeders with OpenDSS references, and their original entry files. */
const REFERENCED: Readonly<Record<string, string>> = {
  ieee13: 'IEEETestCases/13Bus/IEEE13Nodeckt.dss',
  ieee34: 'IEEETestCases/34Bus/ieee34Mod1.dss',
  ieee37: 'IEEETestCases/37Bus/ieee37.dss',
  ieee123: 'IEEETestCases/123Bus/IEEE123Master.dss',
  ieee8500: 'IEEETestCases/8500-Node/Master.dss',
  lvna342: 'IEEETestCases/LVTestCaseNorthAmerican/Master.dss',
  ckt5: 'EPRITestCircuits/ckt5/Master_ckt5.dss',
  j1: 'EPRITestCircuits/epri_dpv/J1/Master_noPV.dss',
};

/** The other entry files of the standard circuits. */
const OTHERS: readonly string[] = [
  'IEEETestCases/34Bus/ieee34Mod2.dss',
  'IEEETestCases/8500-Node/Master-unbal.dss',
  'IEEETestCases/ieee9500dss/ieee9500_base.dss',
  'IEEETestCases/NEVTestCase/NEVMASTER.DSS',
  'IEEETestCases/SecondaryTestCircuit_modified/Master.DSS',
  'IEEETestCases/4Bus-DY-Bal/4Bus-DY-Bal.DSS',
  'IEEETestCases/4Bus-GrdYD-Bal/4Bus-GrdYD-Bal.DSS',
  'IEEETestCases/4Bus-OYOD-Bal/4Bus-OYOD-Bal.DSS',
  'IEEETestCases/4Bus-OYOD-UnBal/4bus-OYOD-UnBal.dss',
  'IEEETestCases/4Bus-YD-Bal/4Bus-YD-Bal.DSS',
  'IEEETestCases/4Bus-YY-Bal/4Bus-YY-Bal.DSS',
  'IEEETestCases/4Bus-YYD/YYD-Master.DSS',
  'IEEETestCases/4Bus-YYD/YYD-Master-step1.DSS',
  'EPRITestCircuits/ckt7/Master_ckt7.dss',
  'EPRITestCircuits/ckt24/master_ckt24.dss',
  'EPRITestCircuits/epri_dpv/J1/Master_withPV.dss',
  'EPRITestCircuits/epri_dpv/K1/Master_NoPV.dss',
  'EPRITestCircuits/epri_dpv/M1/Master_NoPV.dss',
];

/**
 * Entry files OpenDSS itself does not solve (measured with the oracle, snapshot, its own settings):
 * lemsim must report them as not converged too, with finite voltages, never a quiet result.
 */
const OPENDSS_DOES_NOT_CONVERGE: Readonly<Record<string, string>> = {
  // 1000 iterations, tolerance 1e-4, controls static or off: the two idling Storage elements of the
  // weakly tied microgrid m2001 keep it from converging (with them disabled OpenDSS converges)
  'IEEETestCases/ieee9500dss/ieee9500_base.dss': 'OpenDSS does not converge (its microgrid storage)',
};

/** Classes that change the physics and may be reported as not applied yet (by the other helpers' work). */
// (vsource: a source voltage following a shape, which only time-series modes would apply)
const MAY_BE_NOT_APPLIED = new Set(['regcontrol', 'capcontrol', 'generator', 'pvsystem', 'storage', 'invcontrol', 'storagecontroller', 'swtcontrol', 'vsource']);

function readReference(path: string): Map<string, OracleNode> {
  const map = new Map<string, OracleNode>();
  for (const line of readFileSync(sharedPath(path), 'utf8').trim().split('\n').slice(1)) {
    const [bus, node, v, deg, pu] = line.split(',');
    map.set(`${bus.toLowerCase()}.${node}`, { volts: Number(v), deg: Number(deg), pu: Number(pu) });
  }
  return map;
}

function snapshot(feeder: Feeder, tolerance: number) {
  const powers = newLoadPowers(feeder.model);
  setLoadPowersAt(feeder.model, 0, 'snapshot', powers);
  const state = new PowerFlowState(feeder.model);
  const status = state.solve(powers, { tolerance, maxIterations: 1000 });
  return { status, state, powers };
}

/** The taps and capacitor states OpenDSS's controls left (opendss_original.json), as branch admittances. */
function finalControlState(feeder: Feeder, id: string): Map<string, CMatrix> {
  const info = JSON.parse(readFileSync(sharedPath(`${REF}/${id}/opendss_original.json`), 'utf8')) as {
    taps_changed: Record<string, number[]>;
    capacitors: { name: string; states: string[] }[];
  };
  const objects = feeder.network.circuit.objects;
  const changes = new Map<string, CMatrix>();
  for (const [name, taps] of Object.entries(info.taps_changed)) {
    const t = objects.get('transformer')?.get(name.toLowerCase()) as TransformerState | undefined;
    if (!t) throw new Error(`${id}: transformer ${name} of opendss_original.json is not in the model`);
    changes.set(`transformer.${t.name}`, transformerYprimWithTaps(t, taps));
  }
  for (const c of info.capacitors) {
    const s = objects.get('capacitor')?.get(c.name.toLowerCase()) as CapacitorState | undefined;
    if (!s) throw new Error(`${id}: capacitor ${c.name} of opendss_original.json is not in the model`);
    if (s.enabled) changes.set(`capacitor.${s.name}`, capacitorBranch(s, feeder.network.baseFrequencyHz, c.states.map(Number)).y);
  }
  return changes;
}

const adaptedNeeds = Object.keys(REFERENCED).flatMap((id) => [`${REF}/${id}/adapted/Master.dss`, `${REF}/${id}/opendss_adapted_tol1e-10.csv`]);

describeWithShared('OpenDSS test circuits with controls frozen: every node within 1e-7 pu of OpenDSS', adaptedNeeds, () => {
  for (const id of Object.keys(REFERENCED)) {
    it(`${id} (adapted)`, () => {
      const feeder = loadFeeder(sharedPath(`${REF}/${id}/adapted/Master.dss`));
      const { status, state, powers } = snapshot(feeder, 1e-12);
      expect(status.converged).toBe(true);
      checkPowerBalance(powerBalance(feeder.model, state.vRe, state.vIm, powers), 1e-12);
      const ref = readReference(`${REF}/${id}/opendss_adapted_tol1e-10.csv`);
      const r = compareNodes(feeder, state.vRe, state.vIm, ref, status.converged);
      console.log(`${id} adapted: ${r.nodes} nodes, max |ΔV| ${r.maxDvPu.toExponential(2)} pu (at ${r.worst}), max |Δθ| ${r.maxDdeg.toExponential(2)}°, ${status.iterations} iterations`);
      expect(r.nodes).toBe(ref.size);
      expect(r.maxDvPu, `worst node ${r.worst}`).toBeLessThan(1e-7);
      expect(r.maxDdeg).toBeLessThan(1e-5);
    }, 120_000);
  }
});

/** Largest |V(1e-4) − V(1e-10)| of OpenDSS's two solutions of the adapted circuit, pu. */
function convergenceError(id: string): number {
  const loose = readReference(`${REF}/${id}/opendss_adapted_tol1e-4.csv`);
  const tight = readReference(`${REF}/${id}/opendss_adapted_tol1e-10.csv`);
  let mx = 0;
  for (const [key, t] of tight) {
    const l = loose.get(key);
    if (!l) throw new Error(`${id}: node ${key} missing from opendss_adapted_tol1e-4.csv`);
    if (t.pu > 0) mx = Math.max(mx, Math.abs(l.volts - t.volts) / (t.volts / t.pu));
  }
  return mx;
}

const originalNeeds = Object.entries(REFERENCED).flatMap(([id, f]) => [`${TESTS}/${f}`, `${REF}/${id}/opendss_original.csv`, `${REF}/${id}/opendss_original.json`, `${REF}/${id}/opendss_adapted_tol1e-4.csv`]);

describeWithShared("OpenDSS test circuits, original files with OpenDSS's final taps and capacitor states: every node within 1e-4 pu", originalNeeds, () => {
  for (const [id, entry] of Object.entries(REFERENCED)) {
    it(`${id} (${entry})`, () => {
      const loaded = loadFeeder(sharedPath(`${TESTS}/${entry}`));
      const network = withBranchAdmittances(loaded.network, finalControlState(loaded, id));
      const model = compile(network);
      const feeder: Feeder = { network, model, busKvBaseLn: voltageBases(network, model) };
      const { status, state, powers } = snapshot(feeder, 1e-10);
      expect(status.converged).toBe(true);
      checkPowerBalance(powerBalance(model, state.vRe, state.vIm, powers), 1e-10);
      const ref = readReference(`${REF}/${id}/opendss_original.csv`);
      const r = compareNodes(feeder, state.vRe, state.vIm, ref, status.converged);
      const refError = convergenceError(id);
      console.log(`${id} original, OpenDSS's final control state: ${r.nodes} nodes, max |ΔV| ${r.maxDvPu.toExponential(2)} pu (at ${r.worst}), max |Δθ| ${r.maxDdeg.toExponential(2)}°; OpenDSS's own 1e-4 error ${refError.toExponential(2)} pu`);
      expect(r.nodes).toBe(ref.size);
      expect(r.maxDvPu, `worst node ${r.worst}`).toBeLessThan(1e-4 + refError);
    }, 120_000);
  }
});

describeWithShared('OpenDSS test circuits: every original entry file loads from its unmodified files', [TESTS], () => {
  const entries: [string, string | undefined][] = [...Object.entries(REFERENCED).map(([id, f]) => [f, id] as [string, string]), ...OTHERS.map((f) => [f, undefined] as [string, undefined])];
  for (const [entry, id] of entries) {
    it(entry, () => {
      const feeder = loadFeeder(sharedPath(`${TESTS}/${entry}`));
      // OpenDSS's own tolerance for these runs; regulators and capacitor controls in static mode (grid/controls)
      const powers = newLoadPowers(feeder.model);
      setLoadPowersAt(feeder.model, 0, 'snapshot', powers);
      const state = solveFeeder(feeder, powers, { hour: 0, sec: 0 }, { tolerance: 1e-4, maxIterations: 1000 });
      const { status } = state;
      for (let k = 0; k < state.model.nNodes; k++) expect(Number.isFinite(state.vRe[k]) && Number.isFinite(state.vIm[k])).toBe(true);
      if (OPENDSS_DOES_NOT_CONVERGE[entry]) {
        expect(status.converged, OPENDSS_DOES_NOT_CONVERGE[entry]).toBe(false);
        console.log(`${entry}: not converged, as in OpenDSS (${OPENDSS_DOES_NOT_CONVERGE[entry]})`);
        return;
      }
      expect(status.converged).toBe(true);
      checkPowerBalance(powerBalance(state.model, state.vRe, state.vIm, powers), 1e-4);
      const classes = [...new Set(feeder.network.notApplied.map((i) => i.what.slice(0, i.what.indexOf('.'))))];
      for (const c of classes) expect(MAY_BE_NOT_APPLIED.has(c), `${c} is reported as not applied`).toBe(true);
      let line = `${entry}: ${feeder.model.nNodes} nodes, ${feeder.network.loads.length} loads, converged in ${status.iterations}`;
      if (classes.length > 0) line += `; NOT APPLIED: ${classes.map((c) => `${feeder.network.notApplied.filter((i) => i.what.startsWith(`${c}.`)).length} ${c}`).join(', ')}`;
      if (id) {
        const r = compareNodes(state.feeder, state.vRe, state.vIm, readReference(`${REF}/${id}/opendss_original.csv`), status.converged);
        line += `; vs OpenDSS's original solution: max |ΔV| ${r.maxDvPu.toExponential(2)} pu, max |Δθ| ${r.maxDdeg.toExponential(2)}°`;
        // feeders with controls are held to the reference in opendss-controls.test.ts (taps, capacitor
        // states, and the reference's own convergence error where the 1e-4 solution is further off)
        if (classes.length === 0 && state.controls === undefined) expect(r.maxDvPu).toBeLessThan(1e-4);
      }
      console.log(line);
    }, 120_000);
  }
});

/*
 * 4. Originals against OpenDSS itself with its controls off (`--controlmode off`, tolerance 1e-10):
 *    the circuits whose scripts run no solve of their own before the end, so that OpenDSS's taps
 *    stay where the files put them, exactly as in lemsim, which applies no control. This checks the
 *    whole original input — allocation by xfkVA and AllocationFactor (ckt7's 867 service loads
 *    written at 0.0001 kW; ckt24's 3,891 loads), CVR loads, partial node lists and jumpers (ckt24),
 *    `Class.name.prop=value` edits and the built-in default shape (IEEE 34 Mod 2), the neutral
 *    grounding of the NEV circuit — at every node.
 */
const CONTROLS_OFF = [
  'EPRITestCircuits/ckt7/Master_ckt7.dss',
  'EPRITestCircuits/ckt24/master_ckt24.dss',
  'IEEETestCases/34Bus/ieee34Mod2.dss',
  'IEEETestCases/NEVTestCase/NEVMASTER.DSS',
];

describeWithOpenDss('OpenDSS test circuits, original files, OpenDSS with its controls off: every node within 1e-7 pu', () => {
  for (const entry of CONTROLS_OFF) {
    it(entry, () => {
      const path = sharedPath(`${TESTS}/${entry}`);
      const ref = runOpenDss(dirname(path), basename(path), { tolerance: 1e-10, controlMode: 'off' });
      const feeder = loadFeeder(path);
      const { status, state } = snapshot(feeder, 1e-12);
      const r = compareNodes(feeder, state.vRe, state.vIm, ref, status.converged);
      console.log(`${entry} vs OpenDSS (controls off): ${r.nodes} nodes, max |ΔV| ${r.maxDvPu.toExponential(2)} pu (at ${r.worst}), max |Δθ| ${r.maxDdeg.toExponential(2)}°`);
      expect(status.converged).toBe(true);
      expect(r.maxDvPu, `worst node ${r.worst}`).toBeLessThan(1e-7);
    }, 180_000);
  }
});
