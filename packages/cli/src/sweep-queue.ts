import { sha256 } from '@kd/core';
import { Queue, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { UsageError } from './cli-error';
import type { SweepCell } from './grid';
import type { Selection } from './results-table';
import { collectSweepResults } from './sweep-results';

/** The BullMQ queue every `kd sweep --queue` adds to and every `kd worker` takes from. */
export const sweepQueueName = 'kd-sweep';

/** A queued sweep: what a worker on any machine needs to run any of its cells. */
export interface QueuedSweep {
  /** The sweep folder, on a file system every worker sees at this same path. */
  dir: string;
  /** The whole grid, so that the worker that finishes its last cell writes the table. */
  cells: readonly SweepCell[];
  /** The base experiment config. */
  config: unknown;
  /** The folder the config's relative paths start from. */
  baseDir: string;
  backend: string | undefined;
  selection: Selection;
}

/** One job: a cell of a queued sweep. */
export interface SweepJob extends QueuedSweep {
  cell: SweepCell;
}

/**
 * Checks `--queue`: `redis://host:port` (a database number may follow, `/2`), returned as given.
 * Nothing is connected yet.
 */
export function parseQueueUrl(text: string, command?: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const port = url?.port === '' ? 6379 : Number(url?.port);
  if (url?.protocol !== 'redis:' || url.hostname === '' || !/^(\/\d*)?$/.test(url.pathname) || !(port > 0)) {
    throw new UsageError(`option '--queue' must be a Redis address redis://host:port (e.g. redis://127.0.0.1:6379), got '${text}'`, command);
  }
  return text;
}

/**
 * The job id of a cell: the same for every `kd sweep --queue` of the same folder, so queueing a
 * sweep twice adds each cell once (BullMQ ignores an id it holds). Ids may not hold `:`.
 */
function jobId(dir: string, cell: SweepCell): string {
  return `${sha256().update(dir).digest().slice(0, 16)}-${cell.id}`;
}

/**
 * Connects to the Redis server at `url`, or fails at once with an Error naming it: ioredis would
 * otherwise retry for ever while the command seems to hang.
 */
async function connect(url: string, { longLived }: { longLived: boolean }): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    // BullMQ's workers need commands that wait for the connection to come back, however long.
    maxRetriesPerRequest: null,
    ...(longLived ? {} : { retryStrategy: () => null }),
  });
  // A failure to connect is reported below; later ones are retried (a worker) or end the command.
  let failure: Error | undefined;
  redis.on('error', (error: Error) => (failure ??= error));
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    // connect() rejects with 'Connection is closed.'; the 'error' event says why.
    throw new Error(`cannot reach the queue at ${url}: ${(failure ?? (error as Error)).message}`, { cause: error });
  }
  return redis;
}

async function withQueue<T>(url: string, use: (queue: Queue) => Promise<T>): Promise<T> {
  const redis = await connect(url, { longLived: false });
  const queue = new Queue(sweepQueueName, { connection: redis });
  try {
    return await use(queue);
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/**
 * Queues every unfinished cell of `sweep` on the Redis server at `url`. A cell already queued or
 * running is left as it is; one whose job failed every attempt is retried. Jobs get 5 attempts,
 * and a job whose worker died is handed to another worker by BullMQ's stalled-job check.
 */
export async function enqueueSweep(url: string, sweep: QueuedSweep): Promise<{ queued: number; finished: number }> {
  const { missing } = await collectSweepResults(sweep.dir, sweep.cells);
  await withQueue(url, async (queue) => {
    for (const cell of missing) {
      const id = jobId(sweep.dir, cell);
      const job = await queue.getJob(id);
      const state = job ? await job.getState() : undefined;
      if (job && state === 'failed') await job.retry('failed');
      else if (job && state === 'completed') await job.remove();
      if (!job || state === 'completed') {
        const data: SweepJob = { ...sweep, cell };
        await queue.add(cell.id, data, {
          jobId: id,
          attempts: 5,
          backoff: { type: 'exponential', delay: 5000 },
          removeOnComplete: true,
        });
      }
    }
  });
  return { queued: missing.length, finished: sweep.cells.length - missing.length };
}

/** What the queue at `url` says of each cell's job: `waiting`, `active`, `failed after 5 attempts: ...`. */
export async function sweepJobStates(url: string, dir: string, cells: readonly SweepCell[]): Promise<Map<string, string>> {
  return withQueue(url, async (queue) => {
    const states = new Map<string, string>();
    for (const cell of cells) {
      const job = await queue.getJob(jobId(dir, cell));
      if (!job) continue;
      const state = await job.getState();
      const attempts = job.attemptsMade > 0 ? ` after ${job.attemptsMade} attempt${job.attemptsMade === 1 ? '' : 's'}` : '';
      states.set(cell.id, state === 'failed' || (state === 'delayed' && job.failedReason) ? `${state}${attempts}: ${job.failedReason}` : state);
    }
    return states;
  });
}

/** Options of {@link serveSweepQueue}. */
export interface ServeOptions {
  /** Cells this worker runs at the same time. */
  parallel: number;
  /**
   * Seconds after which the job of a worker that stopped answering (killed, its machine gone) is
   * given to another worker. The worker's own process only waits on its cells' processes, so its
   * lock is renewed on time however long a cell trains.
   */
  stalledAfterSeconds: number;
  /** Runs one cell; resolves once its `result.json` is written. */
  run: (job: SweepJob) => Promise<unknown>;
  onFailed: (job: SweepJob, error: Error) => void;
}

/** A running worker: `close()` stops taking jobs and waits for the cells it runs. */
export interface ServingWorker {
  close(): Promise<void>;
}

/** Takes cells from the queue at `url` and runs them until closed (a BullMQ `Worker`). */
export async function serveSweepQueue(url: string, options: ServeOptions): Promise<ServingWorker> {
  const connection = await connect(url, { longLived: true });
  const lockDuration = options.stalledAfterSeconds * 1000;
  const worker = new Worker<SweepJob>(sweepQueueName, async (job: Job<SweepJob>) => options.run(job.data), {
    connection,
    concurrency: options.parallel,
    lockDuration,
    stalledInterval: lockDuration,
    // A cell that keeps killing its worker fails after this many hand-overs instead of circling.
    maxStalledCount: 5,
  });
  worker.on('failed', (job, error) => {
    if (job) options.onFailed(job.data, error);
  });
  // Connection trouble: ioredis reconnects; the worker goes on once Redis answers again.
  worker.on('error', () => undefined);
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
