/** The OpenDSS script reader: tokens, values, includes, property semantics and located errors. */
import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDssCircuit } from '../../../grid/dss/interpreter.js';
import { stripComment, tokenize } from '../../../grid/dss/lexer.js';
import { parseDssFile } from '../../../grid/dss/parser.js';
import { parseMatrix, parseNumberArray } from '../../../grid/dss/values.js';
import { DssError } from '../../../src/errors.js';
import { tempScripts } from '../../helpers/dss.js';

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
    const d1 = tempScripts({ 'm.dss': 'New Circuit.t\nNew Storage.s1 bus1=a\n' });
    expect(() => loadDssCircuit(join(d1, 'm.dss'))).toThrow(/m\.dss:2: unsupported OpenDSS class 'storage'/);
    const d2 = tempScripts({ 'm.dss': 'New Circuit.t\nNew Load.x bus1=a kW=1.2.3\n' });
    expect(() => loadDssCircuit(join(d2, 'm.dss'))).toThrow(/m\.dss:2: kW: expected a number, got '1\.2\.3'/);
    // a stray positional value lands on the next property in OpenDSS order, and is checked there
    const d3 = tempScripts({ 'm.dss': 'New Circuit.t\nNew Load.x bus1=a kW=1,5x\n' });
    expect(() => loadDssCircuit(join(d3, 'm.dss'))).toThrow(/m\.dss:2: pf: expected a number, got '5x'/);
  });
  it('records display and meter commands once as ignored', () => {
    const dir = tempScripts({ 'm.dss': 'New Circuit.t\nNew Monitor.m1 element=line.x\nsolve\nsolve\nshow voltages\nSet maxcontroliter=5\n' });
    const c = loadDssCircuit(join(dir, 'm.dss'));
    expect(c.ignored.map((i) => i.what)).toEqual(['New monitor', 'command solve', 'command show', 'Set maxcontroliter']);
  });
});

describe('property semantics', () => {
  const load = (body: string) => loadDssCircuit(join(tempScripts({ 'm.dss': `New Circuit.t\n${body}` }), 'm.dss'));
  it('a later property overrides an earlier one (kvar after PF, PF after kvar)', () => {
    const c = load('New Load.a bus1=x kW=10 pf=0.9 kvar=2\nNew Load.b bus1=x kW=10 kvar=2 pf=0.8\n');
    expect(c.objects.get('load')!.get('a').spec).toBe('kW-kvar');
    expect(c.objects.get('load')!.get('b').spec).toBe('kW-PF');
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
