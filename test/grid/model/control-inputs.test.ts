/**
 * The inputs a control changes between solves (issue 12, for RegControl and CapControl): a
 * transformer's taps and a capacitor's step states, applied to a built network without reading the
 * script again. Changing them this way must give exactly the solution of the script that writes
 * the new tap or states, with the same node numbering (so voltages carry over as a warm start).
 */
import { expect, it } from 'vitest';
import { type Feeder, voltageBases } from '../../../grid/feeder.js';
import { capacitorBranch, type CapacitorState } from '../../../grid/model/elements/capacitor.js';
import type { TransformerState } from '../../../grid/model/elements/transformer.js';
import { withBranchAdmittances } from '../../../grid/model/network.js';
import { transformerYprimWithTaps } from '../../../grid/model/yprim.js';
import { compile } from '../../../grid/powerflow/compile.js';
import { feederFromText, solveSnapshot } from '../../helpers/dss.js';

const TEXT = (tap: number, states: string) => `
  Clear
  New Circuit.c basekv=12.47 pu=1.0 phases=3 bus1=src
  New Transformer.reg phases=1 windings=2 buses=[src.1 r.1] kvs=[7.2 7.2] kvas=[2000 2000] xhl=0.01 %loadloss=0.01
  ~ wdg=2 tap=${tap}
  New Line.l1 bus1=src bus2=a r1=0.3 x1=0.6 r0=0.9 x0=1.8 length=3 units=km
  New Line.l2 bus1=r.1 bus2=a1.1 phases=1 r1=0.3 x1=0.6 r0=0.9 x0=1.8 length=2 units=km
  New Load.a bus1=a kV=12.47 kW=1200 kvar=500
  New Load.a1 bus1=a1.1 phases=1 kV=7.2 kW=400 kvar=150
  New Capacitor.c bus1=a kv=12.47 kvar=[300 300 300] numsteps=3 states=[${states}]
`;

function sameSolution(a: Feeder, b: Feeder): number {
  const sa = solveSnapshot(a).state;
  const sb = solveSnapshot(b).state;
  expect(a.model.nNodes).toBe(b.model.nNodes);
  let mx = 0;
  for (let k = 0; k < a.model.nNodes; k++) {
    expect(a.model.nodeBus[k]).toBe(b.model.nodeBus[k]);
    mx = Math.max(mx, Math.hypot(sa.vRe[k] - sb.vRe[k], sa.vIm[k] - sb.vIm[k]));
  }
  return mx;
}

it('a tap step and a capacitor switching applied to the built network equal the script that writes them', () => {
  const base = feederFromText(TEXT(1.0, '1 0 0'));
  const target = feederFromText(TEXT(1.05, '1 1 0'));
  const circuit = base.network.circuit;
  const reg = circuit.objects.get('transformer')!.get('reg') as TransformerState;
  const cap = circuit.objects.get('capacitor')!.get('c') as CapacitorState;
  const changes = new Map([
    ['transformer.reg', transformerYprimWithTaps(reg, [1.0, 1.05])],
    ['capacitor.c', capacitorBranch(cap, base.network.baseFrequencyHz, [1, 1, 0]).y],
  ]);
  const network = withBranchAdmittances(base.network, changes);
  const model = compile(network);
  const changed: Feeder = { network, model, busKvBaseLn: voltageBases(network, model) };
  // volts: identical up to rounding
  expect(sameSolution(changed, target)).toBeLessThan(1e-9);
  // and different from where it started (the change did something)
  expect(sameSolution(base, target)).toBeGreaterThan(1);
  // the input network is not modified
  expect(base.network.branches.find((b) => b.name === 'transformer.reg')!.y).not.toBe(network.branches.find((b) => b.name === 'transformer.reg')!.y);
  expect(() => withBranchAdmittances(base.network, new Map([['line.l1', changes.get('capacitor.c')!]]))).toThrow(/is a line/);
});
