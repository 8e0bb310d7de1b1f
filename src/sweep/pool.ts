/**
 * A pool of child processes executing runs (`--workers N`, `--concurrency N`): each child runs one
 * simulation at a time, so N runs proceed in parallel on N cores and the parent's event loop stays
 * free (a queue worker keeps renewing its BullMQ locks while its runs compute). A child that dies
 * mid-run yields a failed outcome naming its exit and is replaced; `kill` ends every child at once
 * (SIGINT of a sweep), leaving their runs' folders incomplete, as the atomic output set guarantees.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectDir } from '../shared-data.js';
import type { RunJob, RunOutcome } from './execute.js';

/** The compiled child entry (tests that import the TypeScript sources use the build in dist/). */
function childEntry(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(here, '..', 'child.js');
  const built = join(projectDir(), 'dist', 'src', 'sweep', 'child.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build`);
  return built;
}

interface Slot {
  child: ChildProcess;
  busy?: { job: RunJob; resolve: (o: RunOutcome) => void };
}

export class RunPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: { job: RunJob; resolve: (o: RunOutcome) => void }[] = [];
  private closed = false;

  constructor(
    readonly size: number,
    private readonly allowPaths: readonly string[] = [],
  ) {
    for (let k = 0; k < size; k++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const child = fork(childEntry(), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
    const slot: Slot = { child };
    child.on('message', (msg: { id: string; outcome: RunOutcome }) => {
      const b = slot.busy;
      if (!b || b.job.id !== msg.id) return;
      slot.busy = undefined;
      b.resolve(msg.outcome);
      this.next();
    });
    child.on('exit', (code, signal) => {
      const b = slot.busy;
      slot.busy = undefined;
      if (this.closed) return;
      const k = this.slots.indexOf(slot);
      if (k >= 0) this.slots[k] = this.spawn();
      if (b) b.resolve({ id: b.job.id, status: 'failed', error: `the run's process exited (${signal ?? `code ${code}`})`, reused: false, figures: {}, periods: [] });
      this.next();
    });
    return slot;
  }

  private next(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.busy || !slot.child.connected) continue;
      const w = this.waiting.shift()!;
      slot.busy = w;
      slot.child.send({ job: w.job, allowPaths: this.allowPaths });
    }
  }

  /** Runs `job` on the next free child. */
  run(job: RunJob): Promise<RunOutcome> {
    if (this.closed) return Promise.reject(new Error('run pool closed'));
    return new Promise((resolve) => {
      this.waiting.push({ job, resolve });
      this.next();
    });
  }

  /** Kills every child at once (runs in flight are lost, their folders stay incomplete). */
  kill(): void {
    this.closed = true;
    for (const s of this.slots) s.child.kill('SIGKILL');
  }

  /** Ends the children once idle. */
  close(): void {
    this.closed = true;
    for (const s of this.slots) s.child.disconnect();
  }
}
