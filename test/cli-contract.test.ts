/**
 * The CLI contract of issue 11: every input error listed there is a located message with exit 1
 * or 2 and no stack trace; clocks are parsed, multi-day horizons run, ranges are validated, the
 * output location is checked before simulating, messages never echo a file or an environment
 * variable, and --allow-path confines what a scenario reads.
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { projectDir } from '../src/shared-data.js';
import { tempDir } from './helpers/temp.js';

const FEEDER = join(projectDir(), 'scenarios/feeders/example-small.dss');
const EXAMPLE = join(projectDir(), 'scenarios/example-small.yaml');

async function cli(args: string[]) {
  const c = { out: '', err: '' };
  const code = await main(args, { out: (t) => void (c.out += t), err: (t) => void (c.err += t) });
  return { code, ...c };
}

/** Runs `lemsim run` on a scenario body (feeder prepended unless the body names one). */
async function runBody(body: string, extra: string[] = []) {
  const dir = tempDir();
  const p = join(dir, 's.yaml');
  writeFileSync(p, /^feeder:/m.test(body) ? body : `feeder: ${JSON.stringify(FEEDER)}\n${body}`);
  const out = join(dir, 'out');
  const r = await cli(['run', p, '--out', out, '--log-level', 'silent', '--no-progress', ...extra]);
  return { ...r, out, dir };
}

function jsonFile(value: unknown): string {
  const p = join(tempDir(), 'input.json');
  writeFileSync(p, JSON.stringify(value));
  return p;
}

function expectLocated(r: { code: number; err: string }, message: RegExp, codes = [1]) {
  expect(codes, r.err).toContain(r.code);
  expect(r.err).toMatch(message);
  expect(r.err).not.toMatch(/internal error|\n\s+at |RangeError|TypeError/);
}

describe('input errors are located, exit 1 or 2, no stack', () => {
  it.each([
    ['an unknown load', 'prosumers: { loads: [h1, nosuchload] }\n', /prosumers\.loads\[1\]: 'nosuchload' is not a load of the feeder/],
    ['an unknown load in a group', 'prosumers: { groups: [{ loads: [ghost], supply: { name: srmc } }] }\n', /prosumers\.groups\[0\]\.loads\[0\]: 'ghost' is not a load/],
    ['strategy constructor', 'prosumers: { strategy: { supply: { name: constructor } } }\n', /prosumers\.strategy\.supply\.name: unknown strategy 'constructor'/],
    ['strategy toString', 'prosumers: { strategy: { demand: { name: toString } } }\n', /prosumers\.strategy\.demand\.name: unknown strategy 'toString'/],
    ['strategy __proto__', 'batteries: { strategy: { name: __proto__ } }\n', /batteries\.strategy\.name: unknown strategy '__proto__'/],
    ['a strategy parameter named constructor', 'prosumers: { strategy: { supply: { name: srmc, params: { constructor: 1 } } } }\n', /params\.constructor: unknown parameter/],
    ['a horizon with no periods (17:00–17:10, 15-minute periods)', 'horizon: { from: "17:00", to: "17:10" }\nmarket: { period_min: 15 }\n', /market\.period_min: 15-minute periods do not fit in the horizon 17:00–17:10/],
    ['period_min: 500 in a 3-hour horizon', 'horizon: { from: "17:00", to: "20:00" }\nmarket: { period_min: 500 }\n', /market\.period_min: 500-minute periods do not fit/],
    ['a reversed horizon', 'horizon: { from: "20:00", to: "17:00" }\n', /horizon\.to: 17:00 is not after horizon\.from \(20:00\)/],
    ['08:77', 'horizon: { from: "08:77", to: "10:00" }\n', /horizon\.from: '08:77': minutes must be 00–59/],
    ['25:00', 'horizon: { from: "08:00", to: "25:00" }\n', /horizon\.to: '25:00': hours must be 00–24/],
    ['a time that is not one', 'horizon: { from: "8h", to: "10:00" }\n', /horizon\.from: '8h' is not a time/],
    ['the date 2019-13-45', 'solar: { date: "2019-13-45" }\n', /solar\.date: '2019-13-45': month must be 01–12/],
    ['the date 2019-02-29', 'solar: { date: "2019-02-29" }\n', /solar\.date: '2019-02-29': day must be 01–28/],
    ['utc_offset_h: 1e9', 'solar: { utc_offset_h: 1e9 }\n', /solar\.utc_offset_h:/],
    ['pv.offset ≥ every', 'prosumers: { pv: { every: 4, offset: 4 } }\n', /prosumers\.pv\.offset: 4 must be below pv\.every \(4\)/],
    ['power_flow.step_s: 0.001', 'power_flow: { step_s: 0.001 }\n', /power_flow\.step_s:/],
    ['a step longer than a period', 'power_flow: { step_s: 3600 }\n', /power_flow\.step_s: 3600 s is longer than a 5-minute period/],
    ['more power flows than the work bound', 'horizon: { from: "00:00", to: "30+00:00" }\nmarket: { period_min: 60 }\npower_flow: { step_s: 1 }\n', /power_flow\.step_s: 1 s over 00:00–30\+00:00 asks for 2592000 power flows per iteration; at most 2000000/],
    ['tolerance 0', 'power_flow: { tolerance: 0 }\n', /power_flow\.tolerance:/],
    ['tolerance -1', 'power_flow: { tolerance: -1 }\n', /power_flow\.tolerance:/],
    ['tolerance 0.1 (no longer a power flow)', 'power_flow: { tolerance: 0.1 }\n', /power_flow\.tolerance:/],
    ['export_price above import_price', 'market: { import_price: 0.1, export_price: 0.2 }\n', /market\.export_price: 0\.2 EUR\/kWh is above import_price \(0\.1\)/],
    ['an absurd price (1e296)', 'market: { import_price: 1e296 }\n', /market\.import_price:/],
    ['an absurd PV size (1e296)', 'prosumers: { pv: { kw: 1e296 } }\n', /prosumers\.pv\.kw:/],
    ['an absurd seed (1e296)', 'seed: 1e296\n', /seed:/],
    ['v_min above v_max', 'limits: { v_min_pu: 1.1, v_max_pu: 0.9 }\n', /limits\.v_min_pu: 1\.1 is not below v_max_pu/],
  ])('%s', async (_name, body, message) => {
    const r = await runBody(`horizon: { from: "17:00", to: "18:00" }\n${body}`.replace(/^horizon: \{ from: "17:00", to: "18:00" \}\n(?=[\s\S]*^horizon:)/m, ''));
    expectLocated(r, message);
    expect(existsSync(r.out)).toBe(false);
  });

  it('a YAML alias bomb', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let k = 0; k < 8; k++) lines.push(`${String.fromCharCode(98 + k)}: &${String.fromCharCode(98 + k)} [${Array(9).fill(`*${String.fromCharCode(97 + k)}`).join(',')}]`);
    lines.push('name: *i');
    const r = await runBody(`${lines.join('\n')}\n`);
    expectLocated(r, /s\.yaml: YAML: .*alias/i);
  });

  it('redirects nested 3,000 deep', async () => {
    const dir = tempDir();
    for (let k = 0; k < 3000; k++) writeFileSync(join(dir, `r${k}.dss`), k === 2999 ? 'New Circuit.c basekv=11\n' : `Redirect r${k + 1}.dss\n`);
    const r = await cli(['powerflow', join(dir, 'r0.dss'), '--out', join(dir, 'out')]);
    expectLocated(r, /r63\.dss:1: Redirect nested deeper than 64 files/);
  });

  it('compare on a truncated summary.json', async () => {
    const dir = tempDir();
    const a = join(dir, 'a');
    expect((await cli(['run', EXAMPLE, '--out', a, '--log-level', 'silent', '--no-progress'])).code).toBe(0);
    const b = join(dir, 'b');
    expect((await cli(['run', EXAMPLE, '--out', b, '--log-level', 'silent', '--no-progress'])).code).toBe(0);
    const text = readFileSync(join(b, 'summary.json'), 'utf8');
    writeFileSync(join(b, 'summary.json'), text.slice(0, Math.floor(text.length / 2)));
    expectLocated(await cli(['compare', a, b, '--out', join(dir, 'cmp')]), /b\/summary\.json: not valid JSON \(truncated\?\)/);
    writeFileSync(join(b, 'summary.json'), JSON.stringify({ scenario: 'x', energy_balance_kwh: {}, voltage: {}, final: {} }));
    expectLocated(await cli(['compare', a, b, '--out', join(dir, 'cmp')]), /b\/summary\.json: energy_balance_kwh\.consumption: expected a finite number/);
  });

  it.each([
    [['--step-min', '1e-7'], /--step-min must be at least 1\/60/],
    [['--to', '1e8'], /asks for 100000001 steps; at most 1000000/],
    [['--tolerance', '0'], /--tolerance must be between 1e-14 and 0\.01/],
    [['--tolerance', '-1'], /--tolerance must be between/],
  ])('timeseries %j is refused with why', async (flags, message) => {
    const dir = tempDir();
    const args = ['timeseries', FEEDER, '--from', '0', '--to', '10', '--out', join(dir, 'o')];
    for (let k = 0; k < flags.length; k += 2) {
      const i = args.indexOf(flags[k]);
      if (i >= 0) args.splice(i, 2);
      args.push(flags[k], flags[k + 1]);
    }
    expectLocated(await cli(args), message, [2]);
  });
});

describe('clock and horizons', () => {
  it('accepts 9:00 → 10:00 (the clock is parsed, not compared as a string)', async () => {
    const r = await runBody('horizon: { from: "9:00", to: "10:00" }\nmarket: { period_min: 30 }\npower_flow: { step_s: 900 }\n');
    expect(r.code, r.err).toBe(0);
    const market = readFileSync(join(r.out, 'market.csv'), 'utf8');
    expect(market).toContain(',09:00,540,');
    expect(market).toContain(',09:30,570,');
  });

  it('runs a multi-day horizon written with day offsets (D+HH:MM), periods labelled by day', async () => {
    const r = await runBody('horizon: { from: "18:00", to: "2+06:00" }\nmarket: { period_min: 360 }\npower_flow: { step_s: 3600 }\nreinforcement: { enabled: false }\n');
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(readFileSync(join(r.out, 'summary.json'), 'utf8'));
    expect(summary.periods).toBe(6);
    expect(summary.grid_solves).toBe(36);
    const labels = [...new Set(readFileSync(join(r.out, 'market.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[1]))];
    expect(labels).toEqual(['18:00', '1+00:00', '1+06:00', '1+12:00', '1+18:00', '2+00:00']);
  });
});

describe('the output location is checked before simulating and never hangs', () => {
  it.each([
    ['run', (out: string) => ['run', EXAMPLE, '--out', out, '--log-level', 'silent', '--no-progress']],
    ['powerflow', (out: string) => ['powerflow', FEEDER, '--out', out]],
    ['timeseries', (out: string) => ['timeseries', FEEDER, '--from', '0', '--to', '5', '--out', out]],
    ['clear-auction', (out: string) => ['clear-auction', jsonFile({ period_hours: 1, grid: { import_price: 0.1, export_price: 0.05 }, periods: [] }), '--out', out]],
    ['clear-community', (out: string) => ['clear-community', jsonFile({ period_hours: 1, grid: { import_price: 0.1, export_price: 0.05 }, communities: [{ id: 'c1' }], agents: [] }), '--out', out]],
  ])('%s --out /proc/x', async (name, args) => {
    const t0 = Date.now();
    const r = await cli(args('/proc/lemsim-x/y'));
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/\/proc\/lemsim-x\/y: cannot create folder '\/proc\/lemsim-x'/);
    expect(r.err).not.toMatch(/\n\s+at /);
    // no simulation ran before the check (the example takes seconds)
    if (name === 'run') expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('messages never echo a file or the environment', () => {
  it('bus_coords pointing at /etc/shadow or /proc/self/environ name the line and field only', async () => {
    process.env.LEMSIM_TEST_SECRET = 'do-not-print-this-secret';
    try {
      for (const path of ['/proc/self/environ', '/etc/shadow', '/etc/passwd']) {
        if (!existsSync(path)) continue;
        const r = await runBody(`bus_coords: [${JSON.stringify(path)}]\n`);
        if (r.code === 0) continue; // a file that happens to parse as coordinates
        expectLocated(r, new RegExp(`${path.replace(/\//g, '\\/')}:1: bus coordinates: (x \\(field 2\\) is not a number|expected 'bus, x, y', got \\d+ fields?)`));
        expect(r.err).not.toContain('do-not-print-this-secret');
        expect(r.err).not.toMatch(/root:|PATH=|HOME=/);
        expect(r.err.length).toBeLessThan(300);
      }
    } finally {
      delete process.env.LEMSIM_TEST_SECRET;
    }
  });

  it('a ${VAR} in a missing path is not printed expanded', async () => {
    process.env.LEMSIM_TEST_SECRET = 'do-not-print-this-secret';
    try {
      const r = await runBody('feeder: "${LEMSIM_TEST_SECRET}/feeder.dss"\n');
      expectLocated(r, /feeder: feeder file '\$\{LEMSIM_TEST_SECRET\}\/feeder\.dss' \(variables expanded\) does not exist/);
      expect(r.err).not.toContain('do-not-print-this-secret');
      const path = await runBody('feeder: "${PATH}/x.dss"\n');
      expect(path.err).not.toContain(process.env.PATH!);
    } finally {
      delete process.env.LEMSIM_TEST_SECRET;
    }
  });
});

describe('--allow-path confines what a scenario reads', () => {
  const setUp = () => {
    const root = tempDir();
    const inside = join(root, 'inside');
    mkdirSync(inside);
    writeFileSync(join(inside, 'feeder.dss'), readFileSync(FEEDER, 'utf8'));
    writeFileSync(join(inside, 'example-small-coords.csv'), readFileSync(join(projectDir(), 'scenarios/feeders/example-small-coords.csv'), 'utf8'));
    writeFileSync(join(root, 'outside.dss'), readFileSync(FEEDER, 'utf8'));
    writeFileSync(join(inside, 'escape.dss'), 'Redirect ../outside.dss\n');
    const scenario = (feeder: string, name = 's.yaml') => {
      const p = join(inside, name);
      writeFileSync(p, `feeder: ${feeder}\nhorizon: { from: "17:00", to: "17:30" }\nmarket: { period_min: 15 }\npower_flow: { step_s: 900 }\n`);
      return p;
    };
    return { root, inside, scenario };
  };
  const run = (p: string, allow: string, out: string) => cli(['run', p, '--out', out, '--log-level', 'silent', '--no-progress', '--allow-path', allow]);

  it('runs a scenario whose files are all inside', async () => {
    const { inside, root, scenario } = setUp();
    const r = await run(scenario('feeder.dss'), inside, join(root, 'o'));
    expect(r.code, r.err).toBe(0);
  });

  it.each([
    ['a feeder outside', '../outside.dss', /s\.yaml: feeder: '.*outside\.dss' is outside the allowed paths/],
    ['an absolute feeder outside', FEEDER, /feeder: '.*example-small\.dss' is outside the allowed paths/],
    ['a Redirect that escapes', 'escape.dss', /escape\.dss:1: '.*outside\.dss' is outside the allowed paths/],
  ])('refuses %s', async (_n, feeder, message) => {
    const { inside, root, scenario } = setUp();
    const r = await run(scenario(feeder), inside, join(root, 'o'));
    expectLocated(r, message);
  });

  it('refuses a scenario file outside', async () => {
    const { inside, root } = setUp();
    const r = await run(EXAMPLE, inside, join(root, 'o'));
    expectLocated(r, /example-small\.yaml: '.*' is outside the allowed paths/);
  });
});

describe('absurd magnitudes in order books are refused at input', () => {
  it('clear-auction with a 1e296 price is exit 1 at the field, not welfare_eur: null', async () => {
    const dir = tempDir();
    const p = join(dir, 'orders.json');
    writeFileSync(p, JSON.stringify({ period_hours: 1, grid: { import_price: 0.1, export_price: 0.05 }, periods: [{ id: 'p', supply: [{ id: 's', agent: 'a', kw: 1, price: 1e296 }], demand: [] }] }));
    const r = await cli(['clear-auction', p, '--out', join(dir, 'r.json')]);
    expectLocated(r, /periods\[0\]\.supply\[0\]\.price/);
    expect(existsSync(join(dir, 'r.json'))).toBe(false);
  });
});

describe('a feeder or data file that is not a script is not echoed', () => {
  it('feeder: /etc/shadow-like text and a LoadShape mult file of secrets quote at most a capped token', async () => {
    const dir = tempDir();
    const secret = 'root:$y$j9T$SECRETSECRETSECRETSECRETSECRET:19000:0:99999:7:::';
    writeFileSync(join(dir, 'shadow'), `${secret}\ndaemon:*:19000:0:99999:7:::\n`);
    let r = await cli(['powerflow', join(dir, 'shadow'), '--out', join(dir, 'o')]);
    expectLocated(r, /shadow:1: /);
    expect(r.err).not.toContain('SECRETSECRET');
    writeFileSync(join(dir, 'm.dss'), `New Circuit.c basekv=11\nNew LoadShape.s npts=2 interval=1 mult=(file=shadow)\n`);
    r = await cli(['powerflow', join(dir, 'm.dss'), '--out', join(dir, 'o')]);
    expectLocated(r, /shadow:1: expected a number in column 1 \(for mult at .*m\.dss:2\), got text/);
    expect(r.err).not.toContain('SECRET');
  });
});
