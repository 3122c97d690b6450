// io-bound: tasks that mostly wait (the lesson's io_bound.py, where `sleep` stands for a disk or a
// network). Waiting needs no thread of its own in Node: one thread starts every wait, and the event
// loop resumes each task when its wait ends. `Promise.all` is the ThreadPoolExecutor of I/O.
//
//   node dist/examples/threads/io-bound.js [SECONDS...]      (default: 0.1 0.3 0.1 0.7)
//
// Prints, for each way of running the tasks, the time taken, how many tasks were waiting at once
// and the results (each task returns its argument, in input order).
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { attempt, failAndExit, UsageError } from '../lib/cli.js';
import { onWorkerThreads, report } from './run.js';
import { ioBound } from './tasks.js';

const USAGE = "usage: io-bound.js [SECONDS...]   (default: 0.1 0.3 0.1 0.7, the lesson's sleep(1), sleep(3), sleep(1), sleep(7) in tenths)";

const setup = attempt(() => parseCommandLine(process.argv.slice(2)));
if (setup.error !== null) failAndExit('io-bound', setup.error);
const waits = setup.value;
if (waits === null) {
  process.stdout.write(`${USAGE}\n`);
} else {
  const total = waits.reduce((sum, seconds) => sum + seconds, 0);
  console.log(
    `io-bound: ${waits.length} tasks that wait ${waits.join(', ')} s (${total.toFixed(2)} s in all; longest ${Math.max(...waits)} s)`,
  );

  // Counts how many tasks are waiting at the same moment.
  let waiting = 0;
  let mostAtOnce = 0;
  const counted = async (seconds: number): Promise<number> => {
    mostAtOnce = Math.max(mostAtOnce, ++waiting);
    try {
      return await ioBound(seconds);
    } finally {
      waiting--;
    }
  };

  const atOnce = (): string => `at most ${mostAtOnce} waiting at once`;

  // 1. One after another: each wait starts when the previous one has ended.
  mostAtOnce = 0;
  await report(
    'one after another (await in a loop)',
    async () => {
      const results: number[] = [];
      for (const seconds of waits) results.push(await counted(seconds));
      return results;
    },
    { atOnce },
  );

  // 2. All at once on the one JavaScript thread: start every wait, then wait for all of them.
  //    Python: with ThreadPoolExecutor(max_workers=4) as pool: pool.map(func_io_bound, [1, 3, 1, 7])
  mostAtOnce = 0;
  await report('Promise.all (one thread, the event loop)', () => Promise.all(waits.map(counted)), { atOnce });

  // 3. A pool of worker threads works too, but buys nothing for waiting: it only adds the cost of
  //    starting the threads.
  await report(`worker threads (piscina, ${waits.length} threads)`, () => onWorkerThreads('ioBound', waits, waits.length), {});
  console.log(`(${availableParallelism()} cores; waiting takes no core, so the number of cores does not matter here)`);
}

/** The waits in seconds, or null for --help. */
function parseCommandLine(argv: string[]): number[] | null {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}; ${USAGE}`);
  }
  if (parsed.values.help === true) return null;
  if (parsed.positionals.length === 0) return [0.1, 0.3, 0.1, 0.7];
  return parsed.positionals.map((text) => {
    const seconds = Number(text);
    if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 60) {
      throw new UsageError(`each wait must be a number of seconds from 0 to 60 (got '${text}')`);
    }
    return seconds;
  });
}
