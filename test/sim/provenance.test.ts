/** Every summary.json says where it came from (issue 13): version, commit, seed, resolved scenario. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { gitCommit } from '../../src/sim/provenance.js';
import { projectDir } from '../../src/shared-data.js';
import { tempDir } from '../helpers/temp.js';

describe('provenance', () => {
  it('summary.json records version, commit, seed and the scenario with its defaults', async () => {
    const out = join(tempDir(), 'out');
    const quiet = { out: () => {}, err: () => {} };
    expect(await main(['run', join(projectDir(), 'scenarios/example-small.yaml'), '--out', out, '--no-progress', '--log-level', 'silent'], quiet)).toBe(0);
    const p = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).provenance;
    const pkg = JSON.parse(readFileSync(join(projectDir(), 'package.json'), 'utf8'));
    expect(p.lemsim_version).toBe(pkg.version);
    expect(p.seed).toBe(7);
    // resolved: defaults the file never wrote are there
    expect(p.scenario.name).toBe('example-small');
    expect(p.scenario.power_flow.tolerance).toBeGreaterThan(0);
    expect(p.scenario.batteries.unit.capacity_kwh).toBe(10.24);
    if (existsSync(join(projectDir(), '.git'))) {
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: projectDir(), encoding: 'utf8' }).trim();
      expect(p.git_commit).toBe(head);
      expect(gitCommit()).toBe(head);
    } else expect(p.git_commit).toBeUndefined();
  });
  it('no commit outside a checkout', () => {
    expect(gitCommit(tempDir())).toBeUndefined();
  });
});
