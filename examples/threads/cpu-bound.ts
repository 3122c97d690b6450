// cpu-bound: tasks that only compute (the lesson's cpu_bound.py). A Node process runs JavaScript on
// one thread, so computing "concurrently" with Promise.all on that thread gains nothing, much as
// Python's threads gain nothing under the GIL. Worker threads run JavaScript in parallel, one
// thread each (each with its own memory; they exchange messages), as Python's processes do.
//
//   node dist/examples/threads/cpu-bound.js [--n N] [--tasks K] [--threads T]
//
// Runs K tasks of cpuBound(N) (default 4 tasks of N = 1,000,000, as in the lesson) one after
// another, with Promise.all on the main thread, and on a pool of T worker threads (default 4, the
// lesson's max_workers), and prints each variant's time, speed-up and results.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { attempt, failAndExit, integerOption, UsageError } from '../lib/cli.js';
import { onWorkerThreads, report } from './run.js';
import { cpuBound } from './tasks.js';

const USAGE = 'usage: cpu-bound.js [--n N] [--tasks K] [--threads T]';

const setup = attempt(() => parseCommandLine(process.argv.slice(2)));
if (setup.error !== null) failAndExit('cpu-bound', setup.error);
const options = setup.value;
if (options === null) {
  process.stdout.write(`${USAGE}\n`);
} else {
  const { n, tasks, threads } = options;
  const inputs = Array.from({ length: tasks }, () => n);
  console.log(`cpu-bound: ${tasks} tasks of cpuBound(${n}) on ${availableParallelism()} cores`);

  // Counts how many tasks are computing at the same moment on the main thread.
  let running = 0;
  let mostAtOnce = 0;
  const counted = async (value: number): Promise<number> => {
    mostAtOnce = Math.max(mostAtOnce, ++running);
    try {
      return cpuBound(value);
    } finally {
      running--;
    }
  };

  const atOnce = (): string => `at most ${mostAtOnce} computing at once`;

  // 1. One after another.
  mostAtOnce = 0;
  const serial = await report(
    'one after another',
    async () => {
      const results: number[] = [];
      for (const value of inputs) results.push(await counted(value));
      return results;
    },
    { atOnce },
  );

  // 2. Promise.all on the main thread: an async function runs to its first `await` before the next
  //    one starts, and computing never awaits, so the tasks still run one after another.
  //    Python: with ThreadPoolExecutor(max_workers=4) as pool: pool.map(func_cpu_bound, [n, n, n, n])
  mostAtOnce = 0;
  await report('Promise.all (one thread)', () => Promise.all(inputs.map(counted)), { baseline: serial, atOnce });

  // 3. A pool of worker threads: each task runs on a thread of its own, in parallel on the cores.
  //    Python: with ProcessPoolExecutor(max_workers=4) as pool: pool.map(func_cpu_bound, [n, n, n, n])
  await report(`worker threads (piscina, ${threads} threads)`, () => onWorkerThreads('cpuBound', inputs, threads), { baseline: serial });
}

/** The options, or null for --help. */
function parseCommandLine(argv: string[]): { n: number; tasks: number; threads: number } | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { n: { type: 'string' }, tasks: { type: 'string' }, threads: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}; ${USAGE}`);
  }
  const { values } = parsed;
  if (values.help === true) return null;
  return {
    n: integerOption('--n', values.n, 1_000_000, 1),
    tasks: integerOption('--tasks', values.tasks, 4, 1),
    threads: integerOption('--threads', values.threads, 4, 1),
  };
}
