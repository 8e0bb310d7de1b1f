/**
 * The package as users meet it: `npm pack` → install the tarball into an empty folder → the `lemsim`
 * command and `import … from 'lemsim'` (JavaScript at run time, TypeScript at type-check time).
 * Dependencies come from npm's cache (`--prefer-offline`): the test's own traffic stays local
 * whenever `npm ci` has run before it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
let dir = '';
let user = '';

function sh(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
}

describe('the packed tarball, installed into an empty project', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lemsim-pack-'));
    sh('npm', ['pack', '--silent', '--pack-destination', dir], root);
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack wrote no tarball');
    user = join(dir, 'user-project');
    sh('mkdir', ['-p', user], dir);
    writeFileSync(join(user, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
    // a Node.js TypeScript project has Node's types; the version the project itself builds with comes from npm's cache
    const typesNode = (JSON.parse(readFileSync(join(root, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }).version;
    sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', join(dir, tgz), `@types/node@${typesNode}`], user);
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the compiled code with declarations and no test or source files', () => {
    const list = sh('tar', ['-tzf', join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!)], dir).split('\n');
    expect(list).toContain('package/dist/index.js');
    expect(list).toContain('package/dist/index.d.ts');
    expect(list.some((f) => f.startsWith('package/dist/test/'))).toBe(false);
    expect(list.some((f) => /^package\/(src|grid|agents|markets)\/.*\.ts$/.test(f))).toBe(false);
  });

  it('`npx lemsim --version` prints the package version', () => {
    expect(sh('npx', ['--no-install', 'lemsim', '--version'], user).trim()).toBe(pkg.version);
  });

  it('`npx lemsim run` runs the embedded demonstration scenario', () => {
    sh('npx', ['--no-install', 'lemsim', 'run', '--out', 'out', '--no-progress', '--log-level', 'silent'], user);
    const summary = JSON.parse(readFileSync(join(user, 'out', 'summary.json'), 'utf8')) as { iterations: unknown[] };
    expect(summary.iterations.length).toBeGreaterThan(0);
  }, 120_000);

  it('JavaScript imports the API from "lemsim" and runs a scenario in memory', () => {
    writeFileSync(
      join(user, 'run.mjs'),
      `import { LEMSIM_VERSION, loadScenario, Simulation, BUILTINS, grid, auction, community } from 'lemsim';
import { createRequire } from 'node:module';
const scen = new URL('./node_modules/lemsim/scenarios/example-small.yaml', import.meta.url).pathname;
const sim = await Simulation.create(loadScenario(scen));
const summaries = sim.run();
console.log(JSON.stringify({ v: LEMSIM_VERSION, n: summaries.length, welfare: summaries[0].welfareEur,
  strategies: Object.keys(BUILTINS.strategies).length, grid: typeof grid.loadFeeder, auction: typeof auction.clear, community: typeof community.clearCommunityFast }));
`,
    );
    const out = JSON.parse(sh('node', ['run.mjs'], user)) as Record<string, unknown>;
    expect(out).toMatchObject({ v: pkg.version, grid: 'function', auction: 'function', community: 'function' });
    expect(out.n as number).toBeGreaterThan(0);
    expect(Number.isFinite(out.welfare)).toBe(true);
  }, 120_000);

  it('runs the example plugin project (JavaScript and TypeScript plugins) without touching lemsim', () => {
    cpSync(join(root, 'examples'), join(user, 'examples'), { recursive: true });
    sh('npx', ['--no-install', 'lemsim', 'run', 'examples/scenarios/street-plugins.yaml', '--out', 'out-plugins', '--no-progress', '--log-level', 'silent'], user);
    const summary = JSON.parse(readFileSync(join(user, 'out-plugins', 'summary.json'), 'utf8')) as { iterations: { welfare_eur: number }[] };
    expect(summary.iterations).toHaveLength(1);
    expect(Number.isFinite(summary.iterations[0].welfare_eur)).toBe(true);
    const market = readFileSync(join(user, 'out-plugins', 'market.csv'), 'utf8');
    // the battery at h12 bid through the TypeScript plugin and traded
    expect(market).toMatch(/,bat-h12,/);
  }, 180_000);

  it('TypeScript resolves the API types from "lemsim"', () => {
    writeFileSync(join(user, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] } }));
    writeFileSync(
      join(user, 'check.ts'),
      `import { type Strategy, type Scenario, Simulation, loadScenario, NO_OFFER, defineStrategy } from 'lemsim';
const mine: Strategy<{ k: number }, { n: number }> = defineStrategy<{ k: number }, { n: number }>({
  name: 'mine', sides: ['supply'], defaults: { k: 1 }, initialState: { n: 0 },
  offer: (ctx, state) => ({ offer: ctx.clock.periodIndex >= 0 ? NO_OFFER : NO_OFFER, state: { n: state.n + ctx.params.k } }),
});
const load: (p: string) => ReturnType<typeof loadScenario> = loadScenario;
export const used: [Strategy<{ k: number }, { n: number }>, typeof Simulation, typeof load, Scenario | undefined] = [mine, Simulation, load, undefined];
// @ts-expect-error a strategy needs its offer function
export const broken: Strategy = { name: 'x', sides: [], defaults: {}, initialState: null };
`,
    );
    // the project's own TypeScript compiler checks the user's file, and the example TypeScript
    // plugin, against the installed declarations
    cpSync(join(root, 'examples', 'plugins', 'peak-aware-battery.ts'), join(user, 'peak-aware-battery.ts'));
    sh(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(user, 'tsconfig.json')], user);
  }, 120_000);
});
