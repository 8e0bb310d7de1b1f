import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { main } from '../src/cli/main.js';

function capture() {
  let out = '';
  let err = '';
  return { io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t) }, get out() { return out; }, get err() { return err; } };
}

describe('lemsim CLI', () => {
  it('prints help and exits 0', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    expect(c.out).toContain('Usage: lemsim');
  });
  it('prints its version with --version and -V', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const c = capture();
      expect(await main([flag], c.io)).toBe(0);
      expect(c.out.trim()).toBe(version);
    }
  });
  it('rejects an unknown command with a non-zero exit and no stack trace', async () => {
    const c = capture();
    expect(await main(['no-such-command'], c.io)).not.toBe(0);
    expect(c.err).not.toMatch(/at .*\.ts:\d+/);
  });
});
