/**
 * `npm run bench`: runs every benchmark and prints one JSON line per benchmark, each with a `bench`
 * field naming it. Benchmarks are not tests: they print figures and assert nothing about time.
 * `npm run bench -- NAME…` runs only the named ones.
 */
import { benchmarks } from './index.js';

const only = process.argv.slice(2);
for (const b of benchmarks) {
  if (only.length > 0 && !only.some((o) => b.name.startsWith(o))) continue;
  try {
    const figures = await b.run();
    process.stdout.write(`${JSON.stringify({ bench: b.name, ...figures })}\n`);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ bench: b.name, error: (err as Error).message })}\n`);
  }
}
