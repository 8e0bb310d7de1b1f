/**
 * The one CSV writer (issue 11, outputs): RFC 4180 quoting, so a name holding a comma or a quote
 * keeps its column, and OWASP's neutralising of formula-leading text cells (=, +, -, @, TAB, CR).
 */
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { CsvTable, csvFile, csvText, parseCsv } from '../../src/io/csv.js';
import { tempDir } from '../helpers/temp.js';

describe('CSV writer', () => {
  it('quotes as RFC 4180 requires and neutralises formula-leading text', () => {
    expect(csvText('plain')).toBe('plain');
    expect(csvText('a,b')).toBe('"a,b"');
    expect(csvText('say "hi"')).toBe('"say ""hi"""');
    expect(csvText('two\nlines')).toBe('"two\nlines"');
    expect(csvText('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    for (const lead of ['=', '+', '-', '@', '\t', '\r']) expect(csvText(`${lead}1`)).toBe(`"'${lead}1"`);
    // number columns keep their sign
    const t = new CsvTable([['name', 'text'], ['v', 'number']]);
    expect(t.line(['-x', '-0.5'])).toBe(`"'-x",-0.5\n`);
    expect(() => t.line(['a'])).toThrow(/1 cells for 2 columns/);
  });

  it('round-trips any text through parseCsv, one field per column (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }), (rows) => {
        const width = rows[0].length;
        const table = rows.map((r) => Array.from({ length: width }, (_, k) => r[k] ?? ''));
        const back = [...parseCsv(csvFile(table[0], table.slice(1)))];
        const neutral = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
        expect(back).toEqual(table.map((r) => r.map(neutral)));
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('a load named a,b or =HYPERLINK(…) keeps every row in its columns (timeseries)', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'q.dss'),
      [
        'New Circuit.small basekv=11 pu=1.02 ISC3=3000 ISC1=2000',
        'New Transformer.tr buses=[sourcebus lv] conns=[delta wye] kVs=[11 0.416] kVAs=[250 250] XHL=4 sub=y',
        'New LineCode.cable nphases=3 r1=0.3 x1=0.08 r0=1.2 x0=0.3 c1=0 c0=0 units=km',
        'New Line.l1 bus1=lv bus2=a linecode=cable length=120 units=m',
        'New "Load.a,b" bus1=a.1 phases=1 kV=0.24 kW=4 pf=0.95',
        'New Load.@evil bus1=a.2 phases=1 kV=0.24 kW=4 pf=0.95',
        'New "Load.=HYPERLINK(x)" bus1=a.3 phases=1 kV=0.24 kW=4 pf=0.95',
        'Set voltagebases=[11 0.416]',
        'Calcvoltagebases',
      ].join('\n'),
    );
    const out = join(dir, 'ts');
    expect(await main(['timeseries', join(dir, 'q.dss'), '--from', '0', '--to', '2', '--out', out], { out: () => undefined, err: () => undefined })).toBe(0);
    const rows = [...parseCsv(readFileSync(join(out, 'load_voltages.csv'), 'utf8'))];
    expect(rows.every((r) => r.length === 6)).toBe(true);
    expect(rows.slice(1, 4).map((r) => r[1])).toEqual(['a,b', "'@evil", "'=hyperlink(x)"]);
  });
});
