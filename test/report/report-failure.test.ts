/**
 * A report that cannot be drawn never loses the run (issue 11 item 3: a Vega RangeError used to
 * end the run with exit 70 and no result files). The result files are committed, report.html is
 * absent, report_error.txt says why, and the exit code is 4 with a one-line message and no stack.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { tempDir } from '../helpers/temp.js';

vi.mock('../../src/report/report.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/report/report.js')>();
  return {
    ...real,
    reportFiles: async () => {
      throw new RangeError('Maximum call stack size exceeded');
    },
  };
});

describe('lemsim run when the report fails', () => {
  it('writes the result files, exits 4 and says why, without a stack trace', async () => {
    const out = join(tempDir(), 'run');
    let err = '';
    let stdout = '';
    const code = await main(['run', 'scenarios/example-small.yaml', '--out', out, '--log-level', 'silent', '--no-progress'], { out: (t) => void (stdout += t), err: (t) => void (err += t) });
    expect(code).toBe(4);
    for (const f of ['summary.json', 'market.csv', 'violations.csv', 'voltages.csv', 'events.jsonl', 'timing.json']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
    expect(readFileSync(join(out, 'report_error.txt'), 'utf8')).toMatch(/RangeError: Maximum call stack size exceeded/);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toBeTypeOf('object');
    expect(stdout).toMatch(/iteration\(s\)/);
    expect(err).toMatch(/^lemsim: the report could not be drawn \(RangeError: Maximum call stack size exceeded\); the result files in .* are complete/);
    expect(err).not.toMatch(/\n\s+at /);
  }, 120_000);
});
