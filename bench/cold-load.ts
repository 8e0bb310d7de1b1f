/**
 * One load + compile of an OpenDSS feeder in this fresh process (JIT-cold: nothing of lemsim has
 * run before), printed as JSON `{ s, cpu_s }` — the load as a user's first command meets it. Run by
 * the powerflow-8500-snapshot benchmark as a child process: `node dist/bench/cold-load.js FILE`.
 */
import { loadFeeder } from '../grid/feeder.js';
import { cpuSecondsSince, secondsSince } from './bench.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node dist/bench/cold-load.js FEEDER.dss\n');
  process.exit(2);
}
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const feeder = loadFeeder(file);
const s = secondsSince(t0);
const cpuS = cpuSecondsSince(c0);
process.stdout.write(`${JSON.stringify({ s, cpu_s: cpuS, nodes: feeder.model.nNodes })}\n`);
