/**
 * Transformer overloads (grid/powerflow/branch-flows.ts `transformerOverloads`, the grid operator's
 * check): a transformer's loading is OpenDSS's %Normal — its largest phase current at terminal 1
 * over NormAmps, NormAmps from NormHkVA (110 % of winding 1's kVA unless set), EmergAmps from
 * EmergHkVA (150 %). On a circuit built here, the set of overloaded transformers and their %Normal
 * and %Emergency must be those of OpenDSS's own `Export Overloads` (which prints one decimal), and
 * NormAmps/EmergAmps OpenDSS's to 1e-9.
 *
 *   src ══ t3 (Δ-Y 12.47/0.416 kV, 150 kVA) ══ lv    load 190 kW + 40 kvar  → about 121 % of NormHkVA
 *    ├── ct (1-ph centre tap, 7.2/0.12/0.12 kV, 25 kVA) ══ ct   load 34 kW across ct.1.2 → about 127 %
 *    ├── nh (as t3 with normhkva=250) ══ lv3                  load 190 kW → under its own NormHkVA
 *    └── ok (Δ-Y, 500 kVA) ══ lv2                              load 100 kW → about 18 %
 *
 * Then through a run (the grid operator): the overloaded service transformer of a small feeder is
 * always in violations.csv (element kind `transformer`, its %Normal); under the default
 * `limits.transformer_overloads: report` it is not counted (summary `uncounted_violations`) and the
 * planner does not answer it; under `reinforce` it is counted and its secondary bus is reinforced.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFeeder } from '../../../grid/feeder.js';
import { branchFlows, loadingPct, transformerOverloads } from '../../../grid/powerflow/branch-flows.js';
import { main } from '../../../src/cli/main.js';
import { parseCsv } from '../../../src/io/csv.js';
import { projectDir } from '../../../src/shared-data.js';
import { solveSnapshot, tempScripts } from '../../helpers/dss.js';
import { openDssCommands } from '../../helpers/opendss-oracle.js';
import { describeWithOpenDss } from '../../helpers/oracle.js';
import { tempDir } from '../../helpers/temp.js';

const CIRCUIT = `Clear
New Circuit.ov basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=180
New Transformer.t3 phases=3 windings=2 buses=[src lv] conns=[delta wye] kvs=[12.47 0.416] kvas=[150 150] xhl=4 %loadloss=1
New Transformer.ct phases=1 windings=3 buses=[src.1 ct.1.0 ct.0.2] kvs=[7.2 0.12 0.12] kvas=[25 25 25] xhl=2 xht=2 xlt=1.6
New Transformer.nh phases=3 windings=2 buses=[src lv3] conns=[delta wye] kvs=[12.47 0.416] kvas=[150 150] xhl=4 %loadloss=1 normhkva=250
New Transformer.ok phases=3 windings=2 buses=[src lv2] conns=[delta wye] kvs=[12.47 0.416] kvas=[500 500] xhl=4
New Load.big bus1=lv phases=3 kv=0.416 kw=190 kvar=40 model=1
New Load.big3 bus1=lv3 phases=3 kv=0.416 kw=190 kvar=40 model=1
New Load.h bus1=ct.1.2 phases=1 kv=0.24 kw=34 kvar=6 model=1
New Load.small bus1=lv2 phases=3 kv=0.416 kw=100 kvar=20
Set voltagebases=[12.47 0.416 0.24]
Calcvoltagebases
`;

/** OpenDSS's `Export Overloads` rows: element (lower case) → %Normal, %Emergency. */
function openDssOverloads(dir: string): Map<string, { normalPct: number; emergencyPct: number }> {
  const file = join(dir, '__overloads.csv');
  openDssCommands(dir, 'master.dss', ['solve', `export overloads ${file}`], ['--tolerance', '1e-12', '--maxiter', '1000']);
  const out = new Map<string, { normalPct: number; emergencyPct: number }>();
  // OpenDSS pads its fields with blanks outside the quotes: split and strip
  const [head, ...rows] = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(',').map((c) => c.trim().replace(/^"|"$/g, '')));
  const col = (name: string) => head.indexOf(name);
  for (const r of rows) out.set(r[0].toLowerCase(), { normalPct: Number(r[col('%Normal')]), emergencyPct: Number(r[col('%Emergency')]) });
  return out;
}

describeWithOpenDss('transformer overloads against OpenDSS (Export Overloads)', () => {
  it('the same transformers overloaded, with OpenDSS’s %Normal and %Emergency', () => {
    const dir = tempScripts({ 'master.dss': CIRCUIT });
    const feeder = loadFeeder(join(dir, 'master.dss'));
    const { state, status } = solveSnapshot(feeder);
    expect(status.converged).toBe(true);
    const flows = branchFlows(feeder.model, state.vRe, state.vIm);
    const mine = new Map(transformerOverloads(flows).map((o) => [feeder.network.branches[o.branch].name, o]));
    const ref = openDssOverloads(dir);
    const refTransformers = [...ref.keys()].filter((k) => k.startsWith('transformer.')).sort();
    expect(refTransformers).toEqual(['transformer.ct', 'transformer.t3']);
    expect([...mine.keys()].sort()).toEqual(refTransformers);
    for (const name of refTransformers) {
      const o = mine.get(name)!;
      const r = ref.get(name)!;
      console.log(`${name}: lemsim ${o.loadingPct.toFixed(4)} % of NormAmps, ${o.emergencyPct.toFixed(4)} % of EmergAmps; OpenDSS ${r.normalPct} %, ${r.emergencyPct} %`);
      // OpenDSS prints one decimal
      expect(Math.abs(o.loadingPct - r.normalPct)).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(Math.abs(o.emergencyPct - r.emergencyPct)).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(o.loadingPct).toBe(loadingPct(flows.terminalOneAmps[o.branch], o.normAmps));
    }
    // the ratings themselves, full precision
    const names = ['t3', 'ct', 'nh', 'ok'];
    const answers = openDssCommands(dir, 'master.dss', names.flatMap((n) => [`? transformer.${n}.normamps`, `? transformer.${n}.emergamps`]));
    names.forEach((n, k) => {
      const br = feeder.network.branches.find((b) => b.name === `transformer.${n}`)!;
      expect(br.normAmps, `${n} NormAmps`).toBeCloseTo(Number(answers[2 * k]), 9);
      expect(br.emergAmps, `${n} EmergAmps`).toBeCloseTo(Number(answers[2 * k + 1]), 9);
    });
  });
});

/** example-small with its service transformer cut to 30 kVA: overloaded (NormHkVA 33 kVA) at the evening peak. */
function smallFeederWithWeakTransformer(dir: string): string {
  const src = join(projectDir(), 'scenarios/feeders');
  const text = readFileSync(join(src, 'example-small.dss'), 'utf8')
    .replace('kVAs=[250 250]', 'kVAs=[30 30]')
    .replace('Buscoords example-small-coords.csv', `Buscoords ${JSON.stringify(join(src, 'example-small-coords.csv'))}`);
  const p = join(dir, 'weak.dss');
  writeFileSync(p, text);
  return p;
}

async function runWith(dir: string, policy: 'report' | 'reinforce' | undefined) {
  const feeder = smallFeederWithWeakTransformer(dir);
  const limits = policy === undefined ? '{ v_min_pu: 0.8, v_max_pu: 1.1 }' : `{ v_min_pu: 0.8, v_max_pu: 1.1, transformer_overloads: ${policy} }`;
  const scenario = join(dir, 's.yaml');
  writeFileSync(scenario, `feeder: ${JSON.stringify(feeder)}\nhorizon: { from: "18:00", to: "19:00" }\npower_flow: { step_s: 300 }\nlimits: ${limits}\nreinforcement: { max_iterations: 2, unit_steps: [1] }\n`);
  const out = join(dir, 'out');
  let err = '';
  const io = { out: () => {}, err: (t: string) => void (err += t) };
  const code = await main(['run', scenario, '--out', out, '--log-level', 'silent', '--no-progress'], io);
  if (code !== 0) throw new Error(`lemsim run exited ${code}: ${err}`);
  const [head, ...rows] = [...parseCsv(readFileSync(join(out, 'violations.csv'), 'utf8'))].filter((r) => r.length > 1);
  const violations = rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
  return { code, violations, summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) };
}

describe('transformer overloads through a run (grid operator)', () => {
  it('are always reported; counted and answered only under transformer_overloads: reinforce', async () => {
    const reported = await runWith(tempDir(), undefined);
    const xf = reported.violations.filter((v) => v.element === 'transformer.tr');
    expect(xf.length).toBeGreaterThan(0);
    for (const v of xf) {
      expect(v.element_kind).toBe('transformer');
      expect(v.kind).toBe('overcurrent');
      expect(v.bus).toBe('lv');
      expect(v.counted).toBe('false');
      // %Normal over NormAmps 33 kVA / 3 / (11 kV/√3)
      expect(Number(v.limit)).toBeCloseTo(33 / 3 / (11 / Math.sqrt(3)), 5);
      expect(Number(v.loading_pct)).toBeGreaterThan(100);
      expect(Math.abs(Number(v.loading_pct) - (100 * Number(v.value)) / Number(v.limit))).toBeLessThan(1e-3);
    }
    const it0 = reported.summary.iterations[0];
    const rows0 = reported.violations.filter((v) => v.iteration === '0');
    expect(it0.uncounted_violations).toBe(rows0.filter((v) => v.counted === 'false').length);
    expect(it0.violations).toBe(rows0.filter((v) => v.counted === 'true').length);
    expect(it0.violating_buses).not.toContain('lv');

    const enforced = await runWith(tempDir(), 'reinforce');
    const e0 = enforced.summary.iterations[0];
    const enforcedRows0 = enforced.violations.filter((v) => v.iteration === '0');
    expect(enforcedRows0.filter((v) => v.element === 'transformer.tr' && v.counted === 'true').length).toBe(xf.filter((v) => v.iteration === '0').length);
    expect(e0.uncounted_violations).toBe(0);
    expect(e0.violations).toBe(it0.violations + it0.uncounted_violations);
    expect(e0.violating_buses).toContain('lv');
    // the planner answered it: a battery at the transformer's secondary bus in the next iteration
    expect(enforced.summary.iterations[1]?.batteries.map((b: { bus: string }) => b.bus)).toContain('lv');
  });
});
