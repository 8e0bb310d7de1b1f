/**
 * Many machines (issue 15): runs travel through BullMQ on Redis; lemsim writes no scheduler of its
 * own. `lemsim sweep --queue URL` adds one job per run still to do (job id: a hash of the results
 * folder and the run id, so a run is enqueued once however often the sweep is submitted) and
 * follows them; `lemsim worker --queue URL` takes jobs and executes each in a child process
 * (src/sweep/pool.ts), so its event loop keeps renewing the job's lock while the run computes. A
 * worker that dies loses its lock; BullMQ's stalled-job check moves the job back to the queue and
 * another worker runs it (and finds the folder complete if the dead worker had finished it). The
 * outcome — status, figures, periods — travels back as the job's return value, so the submitting
 * machine's tables are complete even when it cannot see the workers' folders. Tables are keyed by
 * run id: a run is never counted twice.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { LemsimError, UsageError, excerpt } from '../errors.js';
import { isAllowed } from '../scenario.js';
import type { RunJob, RunOutcome } from './execute.js';
import { RunPool } from './pool.js';

/** The one queue every lemsim worker of a Redis database serves. */
export const QUEUE_NAME = 'lemsim-runs';

/** What a queue job carries: the run and the results folder it belongs to. */
export interface QueueJobData {
  readonly job: RunJob;
  /** the sweep's results folder as the submitting machine names it */
  readonly root: string;
}

/** Checks a `--queue` URL (redis://HOST:PORT/DB or rediss://…) and returns the BullMQ connection. */
export function redisConnection(url: string): { url: string; maxRetriesPerRequest: null } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--queue expects redis://HOST:PORT/DB, got '${excerpt(url, 80)}'`);
  }
  if ((u.protocol !== 'redis:' && u.protocol !== 'rediss:') || !u.hostname) throw new UsageError(`--queue expects redis://HOST:PORT/DB, got '${excerpt(url, 80)}'`);
  if (u.pathname && u.pathname !== '/' && !/^\/\d{1,2}$/.test(u.pathname)) throw new UsageError(`--queue: the database is a number (redis://HOST:PORT/0), got '${excerpt(u.pathname, 20)}'`);
  return { url, maxRetriesPerRequest: null };
}

/**
 * Checks that Redis answers at `url` before BullMQ is started (BullMQ's connections retry forever,
 * which would leave a mistyped URL hanging): one connection, no retry, a PING.
 */
export async function reachable(url: string, timeoutMs = 10_000): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new LemsimError(`--queue ${excerpt(url, 80)}: Redis does not answer (${excerpt((err as Error).message, 80)}); is redis-server running there?`);
  } finally {
    probe.disconnect();
  }
}

/** The job id of a run of the results folder `root`. */
export function queueJobId(root: string, runId: string): string {
  return `${createHash('sha256').update(resolve(root)).digest('hex').slice(0, 12)}-${runId}`;
}

/** What became of the runs still pending when the submitter was interrupted. */
export interface QueueStop {
  /** jobs taken back out of the queue before any worker started them */
  readonly withdrawn: number;
  /** jobs a worker had already started (they finish there; a later sweep collects them) */
  readonly inFlight: number;
  /** jobs left waiting in the queue (`leaveQueued`) */
  readonly leftQueued: number;
}

/** Options of `enqueueAndFollow`. */
export interface FollowOptions {
  readonly signal?: AbortSignal;
  /** on abort, leave the waiting jobs in the queue instead of withdrawing them */
  readonly leaveQueued?: boolean;
  /** called once every job is in the queue */
  readonly onQueued?: (count: number) => void;
}

/**
 * Enqueues `jobs` and resolves when every one has an outcome; `onOutcome` is called once per run,
 * in the order they finish. A job that BullMQ itself gives up on (stalled too often) is a failed
 * outcome naming BullMQ's reason. When `signal` aborts (SIGINT of `lemsim sweep --queue`), the
 * runs no worker has started are withdrawn from the queue — nothing of a stopped sweep runs later —
 * unless `leaveQueued`; runs already started finish on their workers. Resolves with what became of
 * the pending runs, or undefined when all finished.
 */
export async function enqueueAndFollow(url: string, root: string, jobs: readonly RunJob[], onOutcome: (o: RunOutcome) => void, opts: FollowOptions = {}): Promise<QueueStop | undefined> {
  const signal = opts.signal;
  const connection = redisConnection(url);
  await reachable(url);
  const queue = new Queue<QueueJobData, RunOutcome>(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  // connection errors are retried by ioredis; `reachable` reports a Redis that never answers
  queue.on('error', () => undefined);
  events.on('error', () => undefined);
  const pending = new Map<string, RunJob>();
  for (const j of jobs) pending.set(queueJobId(root, j.id), j);
  let finish!: () => void;
  const allDone = new Promise<void>((r) => (finish = r));
  const settle = (jobId: string, outcome: RunOutcome | undefined, failedReason?: string): void => {
    const j = pending.get(jobId);
    if (!j) return;
    pending.delete(jobId);
    onOutcome(outcome ?? { id: j.id, status: 'failed', error: `queue: ${failedReason ?? 'job failed'}`, reused: false, figures: {}, periods: [] });
    if (pending.size === 0) finish();
  };
  /** looks a job up and settles it when it has finished */
  const check = async (jobId: string): Promise<void> => {
    const job = await Job.fromId<QueueJobData, RunOutcome>(queue, jobId);
    if (!job) return;
    if (job.finishedOn && job.returnvalue) settle(jobId, job.returnvalue);
    else if (job.finishedOn && job.failedReason) settle(jobId, undefined, job.failedReason);
  };
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    events.on('completed', ({ jobId }) => void check(jobId));
    events.on('failed', ({ jobId }) => void check(jobId));
    for (const [jobId, j] of pending) {
      const old = await Job.fromId<QueueJobData, RunOutcome>(queue, jobId);
      // a run that failed in an earlier submission is tried again; one that finished is reused
      if (old && old.finishedOn && (old.failedReason || old.returnvalue?.status === 'failed')) await old.remove();
      await queue.add('run', { job: j, root: resolve(root) }, { jobId, attempts: 1, removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } });
    }
    for (const jobId of [...pending.keys()]) await check(jobId);
    // events can be missed across a Redis reconnect: look again now and then
    const poll = setInterval(() => {
      for (const jobId of [...pending.keys()]) void check(jobId).catch(() => undefined);
    }, 5000);
    opts.onQueued?.(pending.size);
    const aborted = new Promise<void>((r) => signal?.addEventListener('abort', () => r(), { once: true }));
    try {
      if (pending.size > 0) await Promise.race([allDone, aborted]);
    } finally {
      clearInterval(poll);
    }
    if (!signal?.aborted || pending.size === 0) return undefined;
    let withdrawn = 0;
    let inFlight = 0;
    let leftQueued = 0;
    for (const jobId of [...pending.keys()]) {
      const job = await Job.fromId<QueueJobData, RunOutcome>(queue, jobId);
      if (!job) continue;
      const state = await job.getState();
      if (state === 'active') inFlight++;
      else if (state === 'completed' || state === 'failed') continue;
      else if (opts.leaveQueued) leftQueued++;
      else {
        // a worker may take the job between the two calls: BullMQ refuses to remove a locked job
        try {
          await job.remove();
          withdrawn++;
        } catch {
          inFlight++;
        }
      }
    }
    return { withdrawn, inFlight, leftQueued };
  } finally {
    await closeWithin([events.close(), queue.close()]);
  }
}

/** Closes BullMQ connections, not waiting past `ms` (a Redis that never answered never closes cleanly). */
async function closeWithin(closing: Promise<unknown>[], ms = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(closing), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

export interface WorkerOptions {
  readonly concurrency: number;
  readonly allowPaths: readonly string[];
  /** where this worker writes run folders, when it does not see the submitter's folder (default: the job's own path) */
  readonly results?: string;
  /** lock duration, ms: a worker silent this long is taken for dead and its job runs elsewhere */
  readonly lockMs: number;
  readonly log: (line: string) => void;
}

/** Runs a worker until `signal` aborts; resolves when it has closed. */
export async function runWorker(url: string, opts: WorkerOptions, signal: AbortSignal): Promise<void> {
  const connection = redisConnection(url);
  await reachable(url);
  const pool = new RunPool(opts.concurrency, opts.allowPaths);
  const worker = new Worker<QueueJobData, RunOutcome>(
    QUEUE_NAME,
    async (job) => {
      const data = job.data;
      const root = opts.results ? resolve(opts.results) : data.root;
      const dir = join(root, 'runs', data.job.id);
      if (!isAllowed(root, opts.allowPaths)) {
        return { id: data.job.id, status: 'failed', error: `results folder '${excerpt(root, 200)}' is outside the allowed paths (--allow-path ${opts.allowPaths.join(', ')})`, reused: false, figures: {}, periods: [] };
      }
      opts.log(`started ${data.job.id}`);
      const outcome = await pool.run({ ...data.job, dir });
      opts.log(`${outcome.reused ? 'reused' : 'ran'} ${data.job.id} ${outcome.status}`);
      return outcome;
    },
    { connection, concurrency: opts.concurrency, lockDuration: opts.lockMs, stalledInterval: opts.lockMs, maxStalledCount: 2, autorun: true },
  );
  let lastError = '';
  worker.on('error', (err) => {
    // one line per distinct error, not one per reconnection attempt
    if (err.message !== lastError) opts.log(`queue error: ${excerpt(err.message, 200)}`);
    lastError = err.message;
  });
  await worker.waitUntilReady();
  opts.log(`worker ready on ${QUEUE_NAME} (concurrency ${opts.concurrency})`);
  await new Promise<void>((r) => {
    if (signal.aborted) r();
    else signal.addEventListener('abort', () => r(), { once: true });
  });
  // runs in flight are killed; their jobs stall and go back to the queue
  pool.kill();
  await closeWithin([worker.close(true)], 10_000);
}
