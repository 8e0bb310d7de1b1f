/**
 * Where a run's results come from (issue 13): the lemsim version, the git commit of the checkout it
 * ran from (read from .git, without running git; absent for an installed package), the seed and the
 * fully resolved scenario (every default filled in, paths as the scenario wrote them, so the record
 * is the same wherever the run was started).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../../scenarios/schema.js';
import { projectDir } from '../shared-data.js';
import { LEMSIM_VERSION } from '../version.js';

export interface Provenance {
  readonly lemsim_version: string;
  readonly git_commit?: string;
  readonly seed: number;
  readonly scenario: Scenario;
}

/** The commit of the checkout lemsim runs from, or undefined when it is not a git checkout. */
export function gitCommit(root = projectDir()): string | undefined {
  try {
    let gitDir = join(root, '.git');
    if (!existsSync(gitDir)) return undefined;
    // a worktree's .git is a file naming the real folder
    if (statSync(gitDir).isFile()) gitDir = readFileSync(gitDir, 'utf8').replace(/^gitdir:\s*/, '').trim();
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = head.replace(/^ref:\s*/, '');
    const common = existsSync(join(gitDir, 'commondir')) ? join(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim()) : gitDir;
    for (const dir of [gitDir, common]) {
      const loose = join(dir, ref);
      if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
    }
    const packed = join(common, 'packed-refs');
    if (existsSync(packed)) {
      for (const line of readFileSync(packed, 'utf8').split('\n')) {
        const [hash, name] = line.trim().split(' ');
        if (name === ref && /^[0-9a-f]{40}$/.test(hash)) return hash;
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

export function provenance(scenario: Scenario): Provenance {
  const commit = gitCommit();
  return { lemsim_version: LEMSIM_VERSION, ...(commit ? { git_commit: commit } : {}), seed: scenario.seed, scenario };
}
