/**
 * Failures are results (issue 11, items 1 and 2): a power flow that does not converge is an event,
 * a count in summary.json, a reason the DSO planner gives, and exit 3 with the results written; an
 * error inside an agent stops the run with a located message and no output folder.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gridOperatorKind } from '../../agents/grid-operator.js';
import { main } from '../../src/cli/main.js';
import { projectDir } from '../../src/shared-data.js';
import { loadScenario } from '../../src/scenario.js';
import { AgentError, Simulation } from '../../src/sim/simulation.js';
import { LemsimError } from '../../src/errors.js';
import { tempDir } from '../helpers/temp.js';

const FEEDER = join(projectDir(), 'scenarios/feeders/example-small.dss');

function capture() {
  const c = { out: '', err: '' };
  return { c, io: { out: (t: string) => void (c.out += t), err: (t: string) => void (c.err += t) } };
}

function scenario(dir: string, body: string): string {
  const p = join(dir, 's.yaml');
  writeFileSync(p, `feeder: ${JSON.stringify(FEEDER)}\n${body}`);
  return p;
}

const realTransition = gridOperatorKind.transition;
afterEach(() => {
  gridOperatorKind.transition = realTransition;
});

describe('non-converged power flows (item 1)', () => {
  // 300 kW of PV at every house of a 0.4 kV feeder at noon: no power-flow solution exists
  const BODY = 'horizon: { from: "12:00", to: "13:00" }\nprosumers: { pv: { every: 1, kw: 300 } }\n';

  it('are counted in summary.json, seen by the DSO planner, written and flagged, exit 3', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const c = capture();
    expect(await main(['run', scenario(dir, BODY), '--out', out, '--log-level', 'silent', '--no-progress'], c.io)).toBe(3);
    expect(c.c.err).toMatch(/60 of 60 power flows did not converge, so violations are unknown/);
    expect(c.c.out).toBe('');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.non_converged_steps).toBe(60);
    expect(summary.grid_solves).toBe(60);
    expect(summary.iterations[0].non_converged_steps).toBe(60);
    expect(summary.final.non_converged_steps).toBe(60);
    expect(summary.final.stopped_because).toMatch(/did not converge at 60 sub-steps: violations unknown/);
    expect(summary.final.stopped_because).not.toBe('no violations');
    // no voltage was measured: null, never a quiet zero
    expect(summary.voltage.average_pu).toBeNull();
    const events = readFileSync(join(out, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const failed = events.filter((e) => e.type === 'power-flow-not-converged');
    expect(failed).toHaveLength(60);
    expect(failed[0].payload).toMatchObject({ period: 0 });
    const completed = events.find((e) => e.type === 'run-completed');
    expect(completed.payload.nonConvergedSteps).toBe(60);
  });

  it('a converging run reports zero of them', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    expect(await main(['run', scenario(dir, 'horizon: { from: "12:00", to: "12:30" }\n'), '--out', out, '--log-level', 'silent', '--no-progress'], capture().io)).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.non_converged_steps).toBe(0);
    expect(summary.grid_solves).toBe(30);
    expect(summary.voltage.average_pu).toBeGreaterThan(0.9);
  });
});

describe('errors inside agents (item 2)', () => {
  const BODY = 'horizon: { from: "12:00", to: "12:30" }\n';

  it('stop the run at the failing event, naming agent, event and time', async () => {
    const dir = tempDir();
    gridOperatorKind.transition = (state, event, world) => {
      if (event.type === 'market-cleared' && event.time >= 12.25 * 3600) throw new LemsimError('power balance violated: injected');
      return realTransition(state, event, world);
    };
    const sim = await Simulation.create(loadScenario(scenario(dir, BODY)));
    let err: unknown;
    try {
      sim.run();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AgentError);
    expect((err as Error).message).toMatch(/^agent 'go' \(grid-operator\) failed on market-cleared at 12:15 \(iteration 0, period 3\): power balance violated: injected$/);
    // the run stopped there: no later period was opened
    expect(sim.summaries).toHaveLength(0);
  });

  it.each([
    ['an input error', () => new LemsimError('power balance violated: injected'), 1],
    ['a bug', () => new TypeError("Cannot read properties of undefined (reading 'x')"), 70],
  ])('reach the CLI as a located message without a stack, no folder committed: %s', async (_n, make, code) => {
    const dir = tempDir();
    gridOperatorKind.transition = (state, event, world) => {
      if (event.type === 'market-cleared') throw make();
      return realTransition(state, event, world);
    };
    const out = join(dir, 'out');
    const c = capture();
    expect(await main(['run', scenario(dir, BODY), '--out', out, '--log-level', 'silent', '--no-progress'], c.io)).toBe(code);
    expect(c.c.err).toMatch(/^lemsim: .*agent 'go' \(grid-operator\) failed on market-cleared at 12:00/);
    expect(c.c.err).not.toMatch(/\n\s+at /);
    expect(c.c.out).toBe('');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('.lemsim-'))).toEqual([]);
  });
});

describe('market failures are counted, successes are not', () => {
  it('an auction day that clears every period reports no market failure', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    expect(await main(['run', scenario(dir, 'horizon: { from: "17:00", to: "18:00" }\n'), '--out', out, '--log-level', 'silent', '--no-progress', '--no-report'], capture().io)).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.iterations[0].market_failures).toBe(0);
  });
});
