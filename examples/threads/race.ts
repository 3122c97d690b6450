// race: the lesson's race-condition exercise (race.py, race_lock.py, race_dup.py) with worker
// threads. Four threads add 1 to one counter in shared memory (a SharedArrayBuffer) n/4 times each:
// with a plain read-then-write, additions are lost when two threads interleave; Atomics.add (the
// lesson's lock) and one counter per thread, summed at the end (its duplication), give n.
//
//   node dist/examples/threads/race.js [--n N] [--threads T]      (default: 4,000,000 additions, 4 threads)
//
// The lesson sends each of n increments to the pool as a task of its own; here each thread gets one
// task of n/T increments, because a task costs a message between threads (about the same effect on
// the counter, and a thousand times faster). JavaScript on one thread cannot race like this: only
// memory shared between threads (SharedArrayBuffer) can. tsmpi's ranks and Pool workers share none.
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import { attempt, failAndExit, integerOption, UsageError } from '../lib/cli.js';

const USAGE = 'usage: race.js [--n N] [--threads T]';

const setup = attempt(() => parseCommandLine(process.argv.slice(2)));
if (setup.error !== null) failAndExit('race', setup.error);
const options = setup.value;
if (options === null) {
  process.stdout.write(`${USAGE}\n`);
} else {
  const { n, threads } = options;
  const counts = Array.from({ length: threads }, (_, index) => Math.floor(n / threads) + (index < n % threads ? 1 : 0));
  console.log(`race: ${threads} threads add 1 to a shared counter, ${n} times in all`);
  const pool = new Piscina({ filename: new URL('./tasks.js', import.meta.url).href, minThreads: threads, maxThreads: threads });
  try {
    const racy = new Int32Array(new SharedArrayBuffer(4));
    await Promise.all(counts.map((count) => pool.run({ shared: racy, count }, { name: 'racyIncrement' })));
    console.log(`read-then-write (race.py):            ${racy[0]} (${n - (racy[0] ?? 0)} additions lost)`);

    const atomic = new Int32Array(new SharedArrayBuffer(4));
    await Promise.all(counts.map((count) => pool.run({ shared: atomic, count }, { name: 'atomicIncrement' })));
    console.log(`Atomics.add (race_lock.py):           ${atomic[0]}`);

    const slots = new Int32Array(new SharedArrayBuffer(4 * threads));
    await Promise.all(counts.map((count, slot) => pool.run({ shared: slots, count, slot }, { name: 'ownSlotIncrement' })));
    const sum = slots.reduce((total, value) => total + value, 0);
    console.log(`one counter per thread (race_dup.py): ${sum} = ${Array.from(slots).join(' + ')}`);
  } finally {
    await pool.destroy();
  }
}

/** The options, or null for --help. */
function parseCommandLine(argv: string[]): { n: number; threads: number } | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { n: { type: 'string' }, threads: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}; ${USAGE}`);
  }
  const { values } = parsed;
  if (values.help === true) return null;
  return { n: integerOption('--n', values.n, 4_000_000, 1), threads: integerOption('--threads', values.threads, 4, 1) };
}
