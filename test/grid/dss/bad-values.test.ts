/**
 * DSS inputs that used to give silent nonsense (issue 11 item 7), each now a DssError at the
 * file:line of the statement that wrote it, and electrical errors (disconnected bus, undefined
 * load shape, singular impedance, floating node) naming the element and the file:line where it
 * was defined — not a made-up `master.dss:1`. The base circuit, line by line:
 *
 *   1 New Circuit.c basekv=0.4 bus1=src pu=1.0 phases=3
 *   2 New Line.l1 bus1=src bus2=b phases=3 r1=0.1 x1=0.1 r0=0.3 x0=0.3 c1=0 c0=0 length=1 units=km
 *   3 New Load.h bus1=b phases=3 kV=0.4 kW=10 pf=0.95
 *   4 Set voltagebases=[0.4]
 *   5 Calcvoltagebases
 *   6+ the case under test
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFeeder } from '../../../grid/feeder.js';
import { main } from '../../../src/cli/main.js';
import { DssError } from '../../../src/errors.js';
import { tempScripts } from '../../helpers/dss.js';

const BASE = [
  'New Circuit.c basekv=0.4 bus1=src pu=1.0 phases=3',
  'New Line.l1 bus1=src bus2=b phases=3 r1=0.1 x1=0.1 r0=0.3 x0=0.3 c1=0 c0=0 length=1 units=km',
  'New Load.h bus1=b phases=3 kV=0.4 kW=10 pf=0.95',
  'Set voltagebases=[0.4]',
  'Calcvoltagebases',
];

/** Loads BASE with `lines` replacing or following it; returns the DssError thrown (or fails). */
function errorOf(text: string): DssError {
  const dir = tempScripts({ 'master.dss': text });
  try {
    loadFeeder(join(dir, 'master.dss'));
  } catch (err) {
    expect(err).toBeInstanceOf(DssError);
    return err as DssError;
  }
  throw new Error(`accepted: ${text}`);
}

const withBase = (...extra: string[]) => [...BASE, ...extra].join('\n');
const replacing = (k: number, line: string, ...extra: string[]) => [...BASE.slice(0, k), line, ...BASE.slice(k + 1), ...extra].join('\n');

describe('DSS values that gave silent nonsense are located errors', () => {
  const cases: [string, string, number, RegExp][] = [
    ['Vsource phases=0 (all voltages 0, "converged")', replacing(0, 'New Circuit.c basekv=0.4 bus1=src pu=1.0 phases=0'), 1, /phases: expected a whole number from 1 to 100, got 0/],
    ['Vsource pu=1e6 (25 GW of load)', replacing(0, 'New Circuit.c basekv=0.4 bus1=src pu=1e6'), 1, /pu: expected a per-unit source voltage in \(0, 2\], got 1000000/],
    ['Vsource pu=0', replacing(0, 'New Circuit.c basekv=0.4 bus1=src pu=0'), 1, /pu: expected/],
    ['Vsource basekv=-0.4', replacing(0, 'New Circuit.c basekv=-0.4 bus1=src'), 1, /basekv: expected a positive voltage/],
    ['Load kV=0 (NaN)', replacing(2, 'New Load.h bus1=b phases=3 kV=0 kW=10 pf=0.95'), 3, /kV: expected a positive rated voltage in kV, got 0/],
    ['Load kV=-0.4', replacing(2, 'New Load.h bus1=b phases=3 kV=-0.4 kW=10 pf=0.95'), 3, /kV: expected a positive rated voltage in kV, got -0.4/],
    ['LoadShape interval=-1', withBase('New LoadShape.s npts=2 interval=-1 mult=[1 2]'), 6, /interval: expected a positive interval/],
    ['LoadShape minterval=-15', withBase('New LoadShape.s npts=2 minterval=-15 mult=[1 2]'), 6, /minterval: expected a positive interval/],
    ['LoadShape interval=0 without hour= (NaN)', withBase('New LoadShape.s npts=2 interval=0 mult=[1 2]'), 6, /interval=0 needs hour= with 2 increasing hours, got 0/],
    ['LoadShape interval=0 with hours that do not increase', withBase('New LoadShape.s npts=2 interval=0 mult=[1 2] hour=[3 1]'), 6, /hour= must increase/],
    ['negative voltagebases', replacing(3, 'Set voltagebases=[0.4 -11]'), 4, /voltagebases: expected positive line-to-line voltages in kV, got -11/],
    ['a line before any New Circuit', ['New Line.l1 bus1=src bus2=b r1=0.1 x1=0.1 length=1', ...BASE].join('\n'), 1, /no circuit yet \(write New Circuit\.<name> before any line\)/],
    ['a Vsource instead of New Circuit', 'New Vsource.v bus1=src basekv=0.4\nNew Line.l1 bus1=src bus2=b r1=0.1 x1=0.1 length=1\n', 1, /no circuit yet/],
    ['extra kVs values', withBase('New Transformer.t phases=3 windings=2 buses=[b c] kVs=[0.4 0.23 0.11] kVAs=[100 100] xhl=4'), 6, /kVs: 3 values for 2 windings/],
    ['extra kVAs values', withBase('New Transformer.t phases=3 windings=2 buses=[b c] kVs=[0.4 0.23] kVAs=[100 100 50] xhl=4'), 6, /kVAs: 3 values for 2 windings/],
    ['Line phases=1e6 (a 10^12-entry matrix: hung, found by the fuzz test)', replacing(1, 'New Line.l1 bus1=src bus2=b phases=1e6 r1=0.1 x1=0.1 length=1'), 2, /phases: expected a whole number from 1 to 100, got 1000000/],
    ['Load phases=1e6', replacing(2, 'New Load.h bus1=b phases=1e6 kV=0.4 kW=10'), 3, /phases: expected a whole number from 1 to 100/],
    ['Transformer windings=1e6', withBase('New Transformer.t phases=3 windings=1e6'), 6, /windings: expected a whole number from 2 to 100/],
    ['LineSpacing nconds=0', withBase('New LineSpacing.sp nconds=0'), 6, /nconds: expected a whole number from 1 to 100, got 0/],
    ['a line that opens with = (TypeError in the parser; found by the fuzz test)', withBase('=New Load.x bus1=b kV=0.4 kW=1'), 6, /expected a command, got '=New Load/],
    ['transformer kV=0', withBase('New Transformer.t phases=3 windings=2 buses=[b c] kVs=[0.4 0] xhl=4'), 6, /kVs: expected positive winding voltages/],
  ];
  for (const [what, text, line, message] of cases) {
    it(what, () => {
      const e = errorOf(text);
      expect(e.location?.line).toBe(line);
      expect(e.location?.file).toMatch(/master\.dss$/);
      expect(e.message).toMatch(message);
    });
  }

  it('a script with no circuit at all names the file and says so', () => {
    const e = errorOf('New LineCode.c nphases=3 r1=0.1 x1=0.1\n');
    expect(e.message).toMatch(/master\.dss: the script defines no circuit/);
  });
});

describe('electrical errors name the element and where it was defined', () => {
  it('a bus no source reaches: the line that brings it in', () => {
    const e = errorOf(withBase('New Line.island bus1=x bus2=y phases=3 r1=0.1 x1=0.1 length=1 units=km'));
    expect(e.location?.line).toBe(6);
    expect(e.message).toMatch(/line\.island is on bus x, which no source reaches \(buses not connected to any source: x, y\)/);
  });
  it('an undefined load shape: the load that names it', () => {
    const e = errorOf(withBase('New Load.late bus1=b phases=1 kV=0.23 kW=1 daily=nosuch'));
    expect(e.location?.line).toBe(6);
    expect(e.message).toMatch(/Load\.late: daily load shape 'nosuch' is not defined/);
  });
  it('a singular line impedance: the line', () => {
    const e = errorOf(withBase('New Line.zero bus1=b bus2=c phases=3 r1=0 x1=0 r0=0 x0=0 c1=0 c0=0 length=1'));
    expect(e.location?.line).toBe(6);
    expect(e.message).toMatch(/Line\.zero: its impedance matrix is singular/);
  });
  it('a singular transformer impedance: the transformer', () => {
    const e = errorOf(withBase('New Transformer.t phases=3 windings=2 buses=[b c] kVs=[0.4 0.23] kVAs=[100 100] xhl=0 %loadloss=0'));
    expect(e.location?.line).toBe(6);
    expect(e.message).toMatch(/Transformer\.t: singular/);
  });
  it('a floating node: an element at its bus', () => {
    // b2 is reached on node 1 only; the load also uses node 2 of b2, which nothing ties to ground or source
    const e = errorOf(withBase('New Line.one bus1=b.1 bus2=b2.1 phases=1 r1=0.1 x1=0.1 r0=0.1 x0=0.1 c1=0 c0=0 length=1 units=km', 'New Load.two bus1=b2.1.2 phases=1 kV=0.4 kW=1 conn=delta'));
    expect(e.location?.line).toBeGreaterThanOrEqual(6);
    expect(e.message).toMatch(/(line\.one|load\.two): node b2\.2 has no path to ground or source.*floating node/);
  });
});

describe('through the CLI', () => {
  it('lemsim powerflow on Load kV=0 exits 1 with file:line and no stack trace', async () => {
    const dir = tempScripts({ 'master.dss': replacing(2, 'New Load.h bus1=b phases=3 kV=0 kW=10 pf=0.95') });
    let err = '';
    const code = await main(['powerflow', join(dir, 'master.dss'), '--out', join(dir, 'out')], { out: () => {}, err: (t) => void (err += t) });
    expect(code).toBe(1);
    expect(err).toMatch(/master\.dss:3: kV: expected a positive rated voltage/);
    expect(err).not.toMatch(/\n\s+at /);
  });
});
