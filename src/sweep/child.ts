/**
 * The child process that executes runs for a pool (src/sweep/pool.ts): one run at a time, asked for
 * over IPC, answered with its outcome. When the parent dies (SIGKILL of a `lemsim worker`, or of
 * the sweep) the child notices between periods — its parent id changes — and exits without
 * committing anything, so its run's folder never looks complete and the run goes back to others.
 */
import { type RunJob, executeRun } from './execute.js';

const parent = process.ppid;
const alive = (): boolean => process.ppid === parent && process.connected !== false;

process.on('message', (msg: { job: RunJob; allowPaths?: string[] }) => {
  void executeRun(msg.job, { allowPaths: msg.allowPaths, alive }).then((outcome) => {
    if (!alive()) process.exit(137);
    process.send?.({ id: msg.job.id, outcome });
  });
});
process.on('disconnect', () => process.exit(0));
