/**
 * What the two thread examples share: running the tasks of `tasks.ts` on a pool of worker threads,
 * and printing one line per way of running them.
 */
import { Piscina } from 'piscina';

/**
 * Runs `task` (an export of tasks.ts) once per input on a pool of `threads` worker threads and
 * returns the results in input order. The pool is started here and closed at the end, so the time
 * includes starting the threads, as the lesson's ProcessPoolExecutor time includes starting processes.
 */
export async function onWorkerThreads(task: 'cpuBound' | 'ioBound', inputs: readonly number[], threads: number): Promise<number[]> {
  const pool = new Piscina({ filename: new URL('./tasks.js', import.meta.url).href, minThreads: 0, maxThreads: threads });
  try {
    return (await Promise.all(inputs.map((input) => pool.run(input, { name: task })))) as number[];
  } finally {
    await pool.destroy();
  }
}

/**
 * Times `run` and prints `name: seconds[, speed-up][; at most N <doing> at once]; results [...]`.
 * `atOnce` reads the count of tasks found running together (undefined: not counted). Returns the seconds.
 */
export async function report(
  name: string,
  run: () => Promise<number[]>,
  options: { baseline?: number; atOnce?: () => string },
): Promise<number> {
  const start = performance.now();
  const results = await run();
  const seconds = (performance.now() - start) / 1000;
  const speedUp = options.baseline === undefined ? '' : `, speed-up ${(options.baseline / seconds).toFixed(2)}`;
  const atOnce = options.atOnce === undefined ? '' : `; ${options.atOnce()}`;
  console.log(`${`${name}:`.padEnd(42)} ${seconds.toFixed(3)} s${speedUp}${atOnce}; results ${JSON.stringify(results)}`);
  return seconds;
}
