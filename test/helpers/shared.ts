/**
 * Tests that need `../shared` data: they skip with a visible reason when it is absent, and fail
 * instead when LEMSIM_REQUIRE_SHARED=1 (CI sets it). DESIGN rule 12.
 */
import { describe, it } from 'vitest';
import { hasShared, sharedPath } from '../../src/shared-data.js';

/** `describe` that runs only when every shared path in `needs` exists. */
export function describeWithShared(name: string, needs: readonly string[], body: () => void): void {
  const missing = needs.filter((p) => !hasShared(p));
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const reason = `shared data missing: ${missing.map((m) => sharedPath(m)).join(', ')} (set LEMSIM_SHARED)`;
  if (process.env.LEMSIM_REQUIRE_SHARED === '1') {
    describe(name, () => {
      it('has the shared data it needs', () => {
        throw new Error(`${reason}; LEMSIM_REQUIRE_SHARED=1 forbids skipping`);
      });
    });
  } else {
    describe.skip(`${name} [skipped: ${reason}]`, body);
  }
}
