/** The OpenDSS script reader: tokens, values, includes, property semantics and located errors. */
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDssCircuit } from '../../../grid/dss/interpreter.js';
import { stripComment, tokenize } from '../../../grid/dss/lexer.js';
import { parseDssFile } from '../../../grid/dss/parser.js';
import { parseMatrix, parseNumberArray } from '../../../grid/dss/values.js';
import { DssError } from '../../../src/errors.js';
import { feederFromText, tempScripts } from '../../helpers/dss.js';

const loc = { file: 'x.dss', line: 7 };

describe('lexer', () => {
  it('splits names, values, groups and positionals', () => {
    const t = tokenize('Line.l1 bus1=a.1.2 , length = 3  mult=(file=x.txt col=2) kvs=[11 .416] "quoted value" \'q2\'', loc);
    expect(t).toEqual([
      { name: undefined, value: 'Line.l1', group: '' },
      { name: 'bus1', value: 'a.1.2', group: '' },
      { name: 'length', value: '3', group: '' },
      { name: 'mult', value: 'file=x.txt col=2', group: '(' },
      { name: 'kvs', value: '11 .416', group: '[' },
      { name: undefined, value: 'quoted value', group: '"' },
      { name: undefined, value: 'q2', group: "'" },
    ]);
  });
  it('strips ! and // comments outside groups only', () => {
    expect(stripComment('New Line.a bus1=x ! comment')).toBe('New Line.a bus1=x ');
    expect(stripComment('geometry=1F/2AAC length=3 // note')).toBe('geometry=1F/2AAC length=3 ');
    expect(stripComment('mult=(file=a!b.txt) x')).toBe('mult=(file=a!b.txt) x');
  });
  it('reports an unclosed group at its line', () => {
    expect(() => tokenize('kvs=[11 0.4', loc)).toThrow(/x\.dss:7: unclosed \[/);
  });
  it('round-trips any list of numbers written with blanks or commas (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }), { minLength: 1, maxLength: 20 }), fc.constantFrom(' ', ',', ' , ', '\t'), (xs, sep) => {
        const text = xs.map((x) => String(x)).join(sep);
        expect(parseNumberArray(text, loc, 'p')).toEqual(xs.map((x) => Number(String(x))));
        const toks = tokenize(`p=[${text}]`, loc);
        expect(toks).toHaveLength(1);
        expect(parseNumberArray(toks[0].value, loc, 'p')).toEqual(xs.map((x) => Number(String(x))));
      }),
    );
  });
});

describe('values', () => {
  it('reads lower-triangular and full matrices', () => {
    expect([...parseMatrix('1 | 2 3', loc, 'm').values]).toEqual([1, 2, 2, 3]);
    expect([...parseMatrix('1 2 | 3 4', loc, 'm').values]).toEqual([1, 2, 3, 4]);
    expect(() => parseMatrix('1 2 | 3', loc, 'm')).toThrow(/x\.dss:7: m: expected a full or lower-triangular matrix/);
  });
  it('names file and line for a malformed number', () => {
    expect(() => parseNumberArray('1 2 x3', loc, 'kvs')).toThrow(/x\.dss:7: kvs: expected a number, got 'x3'/);
  });
});

describe('includes and commands', () => {
  it('redirects relative to the including file, with \\ separators and an implied .dss', () => {
    const dir = tempScripts({
      'master.dss': 'clear\nNew Circuit.t basekv=0.4\nRedirect lib\\codes\nRedirect lines.dss\n',
      'lib/codes.dss': 'New LineCode.c1 nphases=3 r1=1 x1=1 units=km\n',
      'lines.dss': 'New Line.l1 bus1=sourcebus bus2=b linecode=c1 length=100 units=m\n~ normamps=123\n',
    });
    const c = loadDssCircuit(join(dir, 'master.dss'));
    const line = c.objects.get('line')!.get('l1');
    expect(line.linecode).toBe('c1');
    expect(line.length).toBe(100);
    expect(line.normAmps).toBe(123);
  });
  it('detects a redirect cycle', () => {
    const dir = tempScripts({ 'a.dss': 'Redirect b.dss\n', 'b.dss': 'Redirect a.dss\n' });
    expect(() => parseDssFile(join(dir, 'a.dss'))).toThrow(/b\.dss:1: Redirect cycle: a\.dss → b\.dss → a\.dss/);
  });
  it('names the file and line of a missing include', () => {
    const dir = tempScripts({ 'm.dss': '\n\nRedirect nothere.dss\n' });
    expect(() => parseDssFile(join(dir, 'm.dss'))).toThrow(/m\.dss:3: redirect: cannot find file 'nothere\.dss'/);
  });
  it('rejects an unknown property of a known class with file:line', () => {
    const dir = tempScripts({ 'm.dss': 'New Circuit.t\nNew Line.l1 bus1=a bus2=b lenght=3\n' });
    try {
      loadDssCircuit(join(dir, 'm.dss'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DssError);
      expect((err as DssError).message).toMatch(/m\.dss:2: unknown property 'lenght' of class line/);
    }
  });
  it('rejects an unsupported class and a malformed number', () => {
    const d1 = tempScripts({ 'm.dss': 'New Circuit.t\nNew GICline.s1 bus1=a\n' });
    expect(() => loadDssCircuit(join(d1, 'm.dss'))).toThrow(/m\.dss:2: unsupported OpenDSS class 'gicline'/);
    const d2 = tempScripts({ 'm.dss': 'New Circuit.t\nNew Load.x bus1=a kW=1.2.3\n' });
    expect(() => loadDssCircuit(join(d2, 'm.dss'))).toThrow(/m\.dss:2: kW: expected a number, got '1\.2\.3'/);
    // a stray positional value lands on the next property in OpenDSS order, and is checked there
    const d3 = tempScripts({ 'm.dss': 'New Circuit.t\nNew Load.x bus1=a kW=1,5x\n' });
    expect(() => loadDssCircuit(join(d3, 'm.dss'))).toThrow(/m\.dss:2: pf: expected a number, got '5x'/);
  });
  it('records display and meter commands once as ignored; counts solves', () => {
    const dir = tempScripts({ 'm.dss': 'New Circuit.t\nNew Monitor.m1 element=line.x\nsolve\nsolve\nshow voltages\nSet maxcontroliter=5\n' });
    const c = loadDssCircuit(join(dir, 'm.dss'));
    // solve and maxcontroliter are not ignored: scripts' solves run their controls (grid/controls)
    expect(c.ignored.map((i) => i.what)).toEqual(['New monitor (observes only)', 'command show']);
    expect(c.solveCount).toBe(2);
    expect(c.options.get('maxcontroliter')).toBe('5');
  });
});

describe('property semantics', () => {
  const load = (body: string) => loadDssCircuit(join(tempScripts({ 'm.dss': `New Circuit.t\n${body}` }), 'm.dss'));
  it('kvar after PF decides; a PF after kvar does not (OpenDSS keeps kW/kvar and derives the PF)', () => {
    const c = load('New Load.a bus1=x kW=10 pf=0.9 kvar=2\nNew Load.b bus1=x kW=10 kvar=2 pf=0.8\nNew Load.c bus1=x kvar=2 kW=10\n');
    expect(c.objects.get('load')!.get('a').spec).toBe('kW-kvar');
    expect(c.objects.get('load')!.get('b').spec).toBe('kW-kvar');
    expect(c.objects.get('load')!.get('b').kvar).toBe(2);
    // kW after kvar: kW with the PF in force (the default 0.88)
    expect(c.objects.get('load')!.get('c').spec).toBe('kW-PF');
  });
  it('like= copies another object and later properties override', () => {
    const c = load('New Load.a bus1=x.1 kW=10 phases=1 kV=0.23\nNew Load.b like=a kW=3\n');
    const b = c.objects.get('load')!.get('b');
    expect(b.name).toBe('b');
    expect(b.kW).toBe(3);
    expect(b.phases).toBe(1);
    expect(b.bus1).toEqual({ bus: 'x', nodes: [1] });
  });
  it('batchedit applies to every object whose name matches', () => {
    const c = load('New Load.l1 bus1=a\nNew Load.l2 bus1=a\nNew Load.x bus1=a\nbatchedit load.l.* kW=7\n');
    const loads = c.objects.get('load')!;
    expect([loads.get('l1').kW, loads.get('l2').kW, loads.get('x').kW]).toEqual([7, 7, 10]);
  });
  it('positional values follow the class property order', () => {
    const c = load('New Line.l1 a b\n');
    const l = c.objects.get('line')!.get('l1');
    expect([l.bus1.bus, l.bus2.bus]).toEqual(['a', 'b']);
  });
  it('windings= re-creates the winding list, keeping connected buses and naming new terminals', () => {
    const c = load('New Transformer.t buses=[h m x] conns=[wye wye]\n~ windings=3 kvs=[138 34.5 13.8]\n');
    const t = c.objects.get('transformer')!.get('t');
    expect(t.windings.map((w: { bus: { bus: string } }) => w.bus.bus)).toEqual(['h', 'm', 't_3']);
    expect(t.windings.map((w: { kV: number }) => w.kV)).toEqual([138, 34.5, 13.8]);
  });
  it('units: linecode in km, line length in m', () => {
    const c = load('New LineCode.c nphases=3 r1=1 x1=0 r0=1 x0=0 c1=0 c0=0 units=km\nNew Line.l bus1=sourcebus bus2=b linecode=c length=250 units=m\n');
    expect(c.objects.get('line')!.get('l').units).toBe('km');
    expect(c.objects.get('line')!.get('l').lengthUnits).toBe('m');
  });
});

describe('OpenDSS language as the standard test circuits write it (issue 12)', () => {
  const load = (body: string, extra: Record<string, string> = {}) => loadDssCircuit(join(tempScripts({ 'm.dss': `New Circuit.t\n${body}`, ...extra }), 'm.dss'));
  it('evaluates in-line RPN arithmetic in numeric values, trigonometry in degrees as OpenDSS', () => {
    const c = load('New LineCode.c nphases=3 emergamps=(580 1.25 *) normamps=(10 4 -)\nNew Load.a bus1=x kW=(30 sin 100 *) kvar=(2 sqrt)\nNew Load.b bus1=x kW=(3 2 ^) kvar=(1 atan)\n');
    expect(c.objects.get('linecode')!.get('c').emergAmps).toBe(725);
    expect(c.objects.get('linecode')!.get('c').normAmps).toBe(6);
    expect(c.objects.get('load')!.get('a').kW).toBeCloseTo(50, 12);
    expect(c.objects.get('load')!.get('a').kvar).toBeCloseTo(Math.SQRT2, 14);
    expect(c.objects.get('load')!.get('b').kW).toBe(9);
    expect(c.objects.get('load')!.get('b').kvar).toBeCloseTo(45, 12);
  });
  it('names the line and the problem of a malformed expression', () => {
    expect(() => load('New Load.a bus1=x kW=(3 *)\n')).toThrow(/m\.dss:2: kW: operator '\*' needs two operands/);
    expect(() => load('New Load.a bus1=x kW=(3 foo +)\n')).toThrow(/m\.dss:2: kW: unknown item 'foo'/);
    expect(() => load('New Load.a bus1=x kW=(1 0 /)\n')).toThrow(/non-finite/);
  });
  it('resolves abbreviated commands as OpenDSS does (first command in its table that starts so)', () => {
    const c = load('Set voltagebases=[12.47]\ncalcv\nredir more.dss\n', { 'more.dss': 'New Load.z bus1=q\n' });
    expect(c.calcVoltageBases).toBe(true);
    expect(c.objects.get('load')!.has('z')).toBe(true);
  });
  it('Class.name.property=value edits that object; a bare property=value continues the last one', () => {
    const c = load('New Load.s860 bus1=x kW=5\nLoad.s860.vminpu=.85 daily=default\nNew LoadShape.default npts=2 mult=[1 2]\nNew Load.y bus1=x\nkW=3\n');
    const l = c.objects.get('load')!.get('s860');
    expect(l.vminpu).toBe(0.85);
    expect(l.daily).toBe('default');
    expect(c.objects.get('load')!.get('y').kW).toBe(3);
    expect(() => load('Load.nothere.kW=3\n')).toThrow(/m\.dss:2: Edit: load\.nothere is not defined/);
  });
  it('reads bus coordinates with // and ! comment lines', () => {
    const c = load('Buscoords xy.csv\n', { 'xy.csv': '// bus x y\na, 1, 2\n! note\nb 3 4 // trailing\n' });
    expect([...c.busCoords.entries()]).toEqual([['a', { x: 1, y: 2 }], ['b', { x: 3, y: 4 }]]);
  });
  it('keeps ignored classes (with their continuation lines) and reports not-yet-applied ones per object', () => {
    const c = load('New Line.l bus1=a bus2=b\nNew Fuse.f1 monitoredobj=line.l\n~ fusecurve=tlink\nNew SwtControl.r1 switchedobj=line.l\n~ delay=2 normal=closed\nEdit SwtControl.r1 action=open\nNew Isource.i bus1=b amps=5\n');
    expect(c.ignored.map((i) => i.what)).toContain('New fuse (protection: acts only in fault and dynamic studies)');
    expect(c.notApplied.map((i) => i.what)).toEqual([
      'swtcontrol.r1: switch control not applied: switches stay in their written states',
      'isource.i: current source not applied: its current is missing from the power flow',
    ]);
    expect(c.notApplied[0].loc.line).toBe(5);
    expect(c.objects.get('swtcontrol')!.get('r1').props.get('action')).toBe('open');
    // a disabled control changes nothing and is not reported by the network
    const d = feederFromText('New Circuit.t\nNew Transformer.t buses=[sourcebus x]\nNew Load.l bus1=x kv=12.47\nNew SwtControl.r1 switchedobj=transformer.t\nDisable SwtControl.r1\n');
    expect(d.network.notApplied).toEqual([]);
  });
  it('rejects commands that would change the circuit in ways lemsim does not reproduce', () => {
    expect(() => load('AllocateLoads\n')).toThrow(/m\.dss:2: OpenDSS command 'allocateloads' changes the circuit/);
    expect(() => load('makeposseq\n')).toThrow(/m\.dss:2: OpenDSS command 'makeposseq'/);
  });
  it('Disable and Enable set an element out of and back into the circuit', () => {
    const c = load('New Line.a bus1=x bus2=y\nNew Line.b bus1=x bus2=y\nDisable Line.a\nDisable Line.b\nEnable Line.b\n');
    expect(c.objects.get('line')!.get('a').enabled).toBe(false);
    expect(c.objects.get('line')!.get('b').enabled).toBe(true);
  });
  it('Open and Close record conductor actions in order, with terminal and conductor', () => {
    const c = load('New Line.sw bus1=x bus2=y switch=yes\nopen Line.sw 1\nclose Line.sw term=1 cond=2\nOpen object=line.sw term=2\n');
    expect(c.switches.map((s) => [s.element, s.terminal, s.conductor, s.open])).toEqual([
      ['line.sw', 1, 0, true],
      ['line.sw', 1, 2, false],
      ['line.sw', 2, 0, true],
    ]);
    expect(() => load('open Line.nothere 1\n')).toThrow(/m\.dss:2: open: line\.nothere is not defined/);
  });
  it('keeps shapes and codes defined before New Circuit (general objects in OpenDSS)', () => {
    const c = loadDssCircuit(join(tempScripts({ 'm.dss': 'Clear\nNew LoadShape.early npts=2 interval=1 mult=[1 2]\nNew LineCode.lc r1=1\nNew Circuit.t\nNew Load.l bus1=x yearly=early\n' }), 'm.dss'));
    expect(c.objects.get('loadshape')!.has('early')).toBe(true);
    expect(c.objects.get('linecode')!.has('lc')).toBe(true);
  });
  it('LoadShape action=normalize divides Pmult and Qmult by their largest magnitude, as OpenDSS', () => {
    const c = load('New LoadShape.n npts=4 interval=1 mult=[2 -4 1 3] qmult=[1 2 0.5 1] action=normalize\n');
    const sh = c.objects.get('loadshape')!.get('n');
    expect(sh.pmult).toEqual([0.5, -1, 0.25, 0.75]);
    expect(sh.qmult).toEqual([0.5, 1, 0.25, 0.5]);
  });
  it('reads binary sngfile (float32) and dblfile (float64) shape data', () => {
    const f32 = Buffer.from(new Float32Array([0.5, 1.25, 2]).buffer);
    const f64 = Buffer.from(new Float64Array([0.1, 0.2]).buffer);
    const dir = tempScripts({ 'm.dss': 'New Circuit.t\nNew LoadShape.s npts=3 interval=1 mult=(sngfile=p\\a.sng)\nNew LoadShape.d npts=2 interval=1 Pmult=[dblfile=b.dbl]\n' });
    mkdirSync(join(dir, 'p'));
    writeFileSync(join(dir, 'p', 'a.sng'), f32);
    writeFileSync(join(dir, 'b.dbl'), f64);
    const c = loadDssCircuit(join(dir, 'm.dss'));
    expect(c.objects.get('loadshape')!.get('s').pmult).toEqual([0.5, 1.25, 2]);
    expect(c.objects.get('loadshape')!.get('d').pmult).toEqual([0.1, 0.2]);
    writeFileSync(join(dir, 'b.dbl'), Buffer.from([1, 2, 3]));
    expect(() => loadDssCircuit(join(dir, 'm.dss'))).toThrow(/m\.dss:3: Pmult: b\.dbl has 3 bytes/);
  });
});
