/**
 * The terminal stepper (src/debugger.ts) driven from a pipe, as a script would, on
 * scenarios/example-small.yaml: stepping back and `goto` rebuild exactly the state first seen (the
 * run is deterministic), `pending` is the event `next` dispatches, predicate breakpoints stop only on
 * events that satisfy them, `why` and `book` explain and mark the clearing, and tab completion.
 */
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { completeLine, parseCondition } from '../../src/debugger.js';
import { projectDir } from '../../src/shared-data.js';

const EXAMPLE = join(projectDir(), 'scenarios/example-small.yaml');

async function debug(lines: readonly string[]): Promise<string[]> {
  const c = { out: '', err: '' };
  const io = { out: (t: string) => void (c.out += t), err: (t: string) => void (c.err += t), input: Readable.from([`${lines.join('\n')}\nquit\n`]) };
  expect(await main(['debug', EXAMPLE], io)).toBe(0);
  expect(c.err).toBe('');
  return c.out.split('\n');
}

const eventLines = (out: readonly string[]) => out.filter((l) => /^#\d+ it\d /.test(l));

describe('lemsim debug from a pipe', () => {
  it('back replays to exactly the previous event, and next then dispatches the same event again', async () => {
    const out = await debug(['next', 'next', 'next', 'next', 'next', 'agent mo', 'back', 'back', 'next', 'next', 'agent mo']);
    const first = eventLines(out);
    // five events, then the fourth and fifth again after stepping back twice
    expect(first).toHaveLength(7);
    expect(first[5]).toBe(first[3]);
    expect(first[6]).toBe(first[4]);
    const at = out.filter((l) => l.startsWith('at #'));
    expect(at).toEqual([`at ${first[3]}`, `at ${first[2]}`]);
    // the market operator's state after replay equals the state first seen
    const agentDump = (from: number) => out.slice(from, out.findIndex((l, k) => k > from && l === '}') + 1).join('\n');
    const dumps = out.flatMap((l, k) => (l.startsWith('mo (market-operator)') ? [agentDump(k)] : []));
    expect(dumps).toHaveLength(2);
    expect(dumps[1]).toBe(dumps[0]);
  });

  it('pending shows the event next dispatches, including clock events', async () => {
    const out = await debug(['pending', 'next', 'next', 'pending', 'next']);
    const pend = out.filter((l) => l.startsWith('pending: ')).map((l) => l.slice('pending: '.length));
    const ev = eventLines(out).filter((l) => !l.startsWith('pending'));
    expect(pend[0]).toMatch(/iteration-started/);
    expect(pend[0]).toBe(ev[0]);
    expect(pend[1]).toBe(ev[2]);
  });

  it('goto a time stops before its first event; goto an event number stops right after it; both are exact replays', async () => {
    const out = await debug(['goto 17:30', 'pending', 'goto #3', 'agent p-h1', 'goto it0#60', 'goto #3', 'agent p-h1']);
    const pend = out.filter((l) => l.startsWith('pending: '));
    // the first event at 17:30 is the close of the 17:15 period
    expect(pend[1]).toMatch(/^pending: #\d+ it0 17:30 period-closed period=1/);
    const at = out.filter((l) => l.startsWith('at #'));
    expect(at[1]).toMatch(/^at #3 it0 17:00 /);
    expect(at[2]).toMatch(/^at #60 it0 /);
    expect(at[3]).toBe(at[1]);
    const dumps = out.flatMap((l, k) => (l.startsWith('p-h1 (prosumer)') ? [out.slice(k, out.findIndex((x, j) => j > k && x === '}') + 1).join('\n')] : []));
    expect(dumps).toHaveLength(2);
    expect(dumps[1]).toBe(dumps[0]);
  });

  it('predicate breakpoints stop only where the predicate holds', async () => {
    const out = await debug(['break violation-detected v_pu<0.895', 'continue', 'clear', 'break market-cleared price>0.1005', 'continue', 'continue', 'continue', 'clear', 'break dispatched agent=p-h7 time>=18:00', 'continue']);
    const hits = out.filter((l) => l.startsWith('breakpoint 1 before'));
    expect(hits.length).toBe(5);
    expect(hits[0]).toMatch(/violation-detected .*kind=undervoltage/);
    expect(Number(/ value=([\d.]+)/.exec(hits[0])![1])).toBeLessThan(0.895);
    const cleared = hits.slice(1, 4);
    for (const h of cleared) expect(Number(/ price\.market=([\d.]+)$/.exec(h)![1])).toBeGreaterThan(0.1005);
    // from the 17:30 violation on: example-small clears periods 3-5 at or below 0.1, passed over
    expect(cleared.map((h) => /market-cleared period=(\d+)/.exec(h)![1])).toEqual(['6', '7', '8']);
    // already past 18:00 (at 19:00): the next dispatch to p-h7
    expect(hits[4]).toMatch(/^breakpoint 1 before #\d+ it0 19:00 dispatched .*agent=p-h7 /);
  });

  it('rejects malformed breakpoints with a reason', async () => {
    const out = await debug(['break market-cleared price>cheap', 'break market-cleared price~1', 'break nosuch', 'breaks']);
    expect(out).toContain("condition 'price>cheap': > needs a number");
    expect(out.some((l) => l.startsWith("condition 'price~1' is not key=value"))).toBe(true);
    expect(out.some((l) => l.startsWith("unknown event type 'nosuch'"))).toBe(true);
    expect(out).toContain('no breakpoints');
  });

  it('why names the rule and the marginal side; book marks accepted, rejected and marginal blocks and the grid offers', async () => {
    const out = await debug(['why', 'book', 'break market-cleared', 'continue', 'next', 'why', 'book']);
    expect(out).toContain('no clearing yet');
    const why = out.find((l) => l.startsWith('period 17:00: midpoint rule, price 0.103333 EUR/kWh = (0.1 + 0.106667) / 2'));
    expect(why, out.join('\n')).toBeDefined();
    expect(why).toContain('marginal producer: the grid selling at its import price 0.1 EUR/kWh');
    expect(why).toContain('marginal consumer: 2 blocks p-h1-d4 (p-h1, 0.5 kW), p-h4-d4 (p-h4, 0.5 kW), accepted at 0.106667 EUR/kWh');
    expect(out).toContain('price_set_by: midpoint: grid import @0.1 | demand p-h1-d4 (p-h1) @0.106667 +1 tied');
    const book = out.slice(out.indexOf('period 17:00, cleared at 0.103333 EUR/kWh'));
    expect(book.some((l) => / p-h1 p-h1-d4  accepted MARGINAL$/.test(l))).toBe(true);
    expect(book.some((l) => / p-h3 p-h3-d5  rejected$/.test(l))).toBe(true);
    expect(book.some((l) => / p-h1 p-h1-s1  accepted$/.test(l))).toBe(true);
    expect(book).toContain('  import: the grid sells at 0.1 EUR/kWh, unlimited, used 15.14 kW MARGINAL');
    expect(book).toContain('  export: the grid buys at 0.05 EUR/kWh, unlimited, used 0 kW');
  });
});

describe('completion and conditions', () => {
  it('completes commands, event types after break, agent ids after agent', () => {
    expect(completeLine('pe', [])).toEqual([['pending'], 'pe']);
    expect(completeLine('b', [])[0]).toEqual(['back', 'break', 'breaks', 'book']);
    expect(completeLine('break market', [])).toEqual([['market-cleared'], 'market']);
    expect(completeLine('agent p-h', ['mo', 'p-h1', 'p-h2'])).toEqual([['p-h1', 'p-h2'], 'p-h']);
    expect(completeLine('step p', [])).toEqual([['period'], 'p']);
    expect(completeLine('zz', [])).toEqual([[], 'zz']);
  });

  it('parses key<op>value conditions', () => {
    expect(parseCondition('v_pu<0.94')).toEqual({ key: 'v_pu', op: '<', value: '0.94' });
    expect(parseCondition('price>=0.09')).toEqual({ key: 'price', op: '>=', value: '0.09' });
    expect(parseCondition('bus=w2')).toEqual({ key: 'bus', op: '=', value: 'w2' });
    expect(parseCondition('time>=18:00')).toEqual({ key: 'time', op: '>=', value: '18:00' });
    expect(typeof parseCondition('v_pu')).toBe('string');
  });
});
