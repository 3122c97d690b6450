// acf: the average word autocorrelation of a book's 16 most frequent words, computed in parallel
// (the lesson's autocorrelation.py and autocorrelation_mpi.py in one program).
//
//   npx tsmpirun -np 4 node dist/examples/acf.js                    (built-in generated text)
//   npx tsmpirun -np 4 node dist/examples/acf.js BOOK.txt [BOOK.dat] [OUT.csv]
//   node dist/examples/acf.js BOOK.txt                              (np = 1: the serial program)
//
// Options: --comm gather|p2p (how rank 0 collects the results; the same bytes either way),
// --nwords N (16), --timesteps T (100), --out FILE, --plot FILE.svg, --verbose (each rank
// reports its words), --divide-by-nwords (the lesson's MPI script: always divide by N),
// --kernel positions|scan (scan: the lesson's slow loop over the whole text, same bytes).
//
// The steps, as in the lesson:
//   1. every rank reads the whole book and its word counts (nothing is broadcast);
//   2. the top N words are split among the ranks by the rank-remainder rule;
//   3. each rank computes the ACF of its words;
//   4. rank 0 collects every rank's rows, in rank order, sums them and divides by the number of words;
//   5. rank 0 writes the CSV (stdout when no OUT is given) and its timing on stderr.
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { init, Wtime, type Comm } from 'tsmpi';
import {
  addRows,
  checkTopWords,
  DEFAULT_NWORDS,
  DEFAULT_TIMESTEPS,
  MAX_TIMESTEPS,
  divide,
  formatAcfCsv,
  maskOf,
  occurrences,
  scanAcf,
  splitRange,
  wordAcf,
} from './lib/acf.js';
import { attempt, checkWritable, integerOption, UsageError, writeOutput } from './lib/cli.js';
import { GENERATED_NAME, generateZipfText } from './lib/generated-text.js';
import { agreeOrExit } from './lib/parallel.js';
import { lineChart } from './lib/svg.js';
import { countWords, InputError, readBookWords, readDat, tokenize, type WordCount } from './lib/words.js';

const USAGE =
  'usage: acf.js [BOOK.txt [BOOK.dat] [OUT.csv]] [--comm gather|p2p] [--nwords N] [--timesteps T] [--out FILE] [--plot FILE.svg] [--verbose] [--divide-by-nwords] [--kernel positions|scan]';

/** The tag the lesson's p2p variant uses for the results. */
const RESULT_TAG = 12;

interface Job {
  readonly help: boolean;
  readonly name: string;
  readonly comm: 'gather' | 'p2p';
  readonly timesteps: number;
  readonly nwords: number;
  readonly out: string | undefined;
  readonly plot: string | undefined;
  readonly verbose: boolean;
  readonly divideByNwords: boolean;
  readonly kernel: 'positions' | 'scan';
  /** Number of words in the text (N). */
  readonly length: number;
  /** The top words (at most nwords), most frequent first. */
  readonly top: readonly WordCount[];
  /** Occurrence positions of each top word in the text. */
  readonly positions: readonly Int32Array[];
}

const comm = await init();
const setup = attempt(() => prepare(process.argv.slice(2), comm.rank === 0));
await agreeOrExit(comm, 'acf', setup.error);
const job = setup.value as Job;
if (job.help) {
  if (comm.rank === 0) process.stdout.write(`${USAGE}\n`);
} else {
  await run(comm, job);
}

/** Steps 1 and 2 of every rank: read the command line, the book and the word counts, and check them. */
function prepare(argv: string[], writer: boolean): Job {
  const { values, positionals } = parseCommandLine(argv);
  const [book, dat, outPositional, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`too many arguments; ${USAGE}`);
  if (outPositional !== undefined && values.out !== undefined)
    throw new UsageError('give the output file either as the third argument or with --out, not both');
  if (values.comm !== undefined && values.comm !== 'gather' && values.comm !== 'p2p') {
    throw new UsageError(`--comm must be 'gather' or 'p2p' (got '${values.comm}')`);
  }
  if (values.kernel !== undefined && values.kernel !== 'positions' && values.kernel !== 'scan') {
    throw new UsageError(`--kernel must be 'positions' or 'scan' (got '${values.kernel}')`);
  }
  const nwords = integerOption('--nwords', values.nwords, DEFAULT_NWORDS, 1);
  const timesteps = integerOption('--timesteps', values.timesteps, DEFAULT_TIMESTEPS, 1, MAX_TIMESTEPS);
  const common = {
    comm: values.comm === 'p2p' ? ('p2p' as const) : ('gather' as const),
    timesteps,
    nwords,
    out: outPositional ?? values.out,
    plot: values.plot,
    verbose: values.verbose === true,
    divideByNwords: values['divide-by-nwords'] === true,
    kernel: values.kernel === 'scan' ? ('scan' as const) : ('positions' as const),
  };
  if (values.help) return { help: true, name: '', top: [], positions: [], length: 0, ...common };
  // Rank 0 writes the results: find out now, not after the work, if it cannot.
  if (writer && common.out !== undefined) checkWritable(common.out, 'ACF file');
  if (writer && common.plot !== undefined) checkWritable(common.plot, 'plot');

  // Without a book: a generated Zipf-distributed text, the same on every machine.
  const words = book === undefined ? tokenize(generateZipfText()) : readBookWords(book);
  const name = book === undefined ? GENERATED_NAME : basename(book).replace(/\.txt$/, '');
  if (words.length === 0) throw new InputError(`'${book ?? name}' contains no words`);
  // Without a .dat file the counts come from the text, by the same rules as wordcount.js.
  const counts = dat === undefined ? countWords(words) : readDat(dat);
  if (counts.length === 0) throw new InputError(`'${dat ?? name}' lists no words`);
  const top = counts.slice(0, nwords);
  const positions = occurrences(
    words,
    top.map(({ word }) => word),
  );
  if (dat !== undefined) checkTopWords(top, positions, dat, book ?? name);
  return { help: false, name, top, positions, length: words.length, ...common };
}

/** Steps 3 to 5. */
async function run(comm: Comm, job: Job): Promise<void> {
  const { rank, size } = comm;
  const [first, last] = splitRange(job.nwords, size, rank);
  const mine = job.positions.slice(first, last); // clipped when there are fewer words; may be empty
  if (job.verbose) {
    const words = job.top.slice(first, last).map(({ word }) => JSON.stringify(word));
    process.stderr.write(`My rank number is ${rank} and first, last = ${first}, ${last}: ${words.join(' ') || '(no words)'}\n`);
  }

  const start = Wtime();
  // This rank's rows, one per word, flattened into one array (the lesson sends a 2-D numpy array).
  const rows = new Float64Array(mine.length * job.timesteps);
  mine.forEach((positions, index) => {
    const acf = job.kernel === 'scan' ? scanAcf(maskOf(positions, job.length), job.timesteps) : wordAcf(positions, job.timesteps);
    rows.set(acf, index * job.timesteps);
  });

  let collected: unknown[] | null = null;
  if (job.comm === 'gather') {
    // Gather variant (the lesson's): rank 0 receives a list of every rank's rows, in rank order.
    //   mpi4py: acfs = comm.gather(acf_local, root=0)
    collected = (await comm.gather(rows, 0)) ?? null;
  } else if (rank !== 0) {
    // p2p variant: every other rank sends its rows to rank 0 with tag 12 ...
    //   mpi4py: comm.send(acf_local, dest=0, tag=12)
    await comm.send(rows, 0, RESULT_TAG);
  } else {
    // ... and rank 0 keeps its own rows first, then receives from ranks 1, 2, ... in that order.
    //   mpi4py: for i in range(1, size): acfs.append(comm.recv(source=i, tag=12))
    collected = [rows];
    for (let source = 1; source < size; source++) collected.push(await comm.recv(source, RESULT_TAG));
  }
  if (rank !== 0 || collected === null) return;

  // Sum rank by rank and, within a rank, word by word: the serial order, so the same bits.
  const total = new Float64Array(job.timesteps);
  for (const [source, part] of collected.entries()) addRows(total, splitRows(part, job.timesteps, source));
  // The lesson's MPI script divides by 16 even when fewer words exist; we divide by the number
  // of words used, as its serial script does (identical on every real book).
  const acf = divide(total, job.divideByNwords ? job.nwords : job.top.length);
  const seconds = Wtime() - start;

  const csv = formatAcfCsv(acf);
  if (job.out === undefined) process.stdout.write(csv);
  else writeOutput(job.out, csv, 'ACF file');
  if (job.plot !== undefined) writeOutput(job.plot, acfChart(job, acf), 'plot');
  process.stderr.write(
    `acf: ${job.name}: ${job.top.length} words on ${size} rank${size === 1 ? '' : 's'} (${job.comm}): ` +
      `ACF and collection ${seconds.toFixed(4)} s, whole run ${(performance.now() / 1000).toFixed(3)} s\n`,
  );
}

/** A rank's flat array back into rows of `timesteps` values. */
function splitRows(part: unknown, timesteps: number, source: number): Float64Array[] {
  if (!(part instanceof Float64Array) || part.length % timesteps !== 0) {
    throw new Error(`acf: rank ${source} sent ${Object.prototype.toString.call(part)} instead of rows of ${timesteps} doubles`);
  }
  return Array.from({ length: part.length / timesteps }, (_, index) => part.subarray(index * timesteps, (index + 1) * timesteps));
}

/** The ACF against the lag. Lag 0 (about 1) is left out when there are other lags: it would flatten the rest. */
function acfChart(job: Job, acf: Float64Array): string {
  const from = acf.length > 1 ? 1 : 0;
  const points = Array.from(acf, (value, lag) => [lag, value] as const).slice(from);
  return lineChart({
    title: `Word autocorrelation of ${job.name} (average over its top ${job.top.length} words${from === 1 ? `; lag 0 = ${(acf[0] ?? 0).toFixed(4)} not drawn` : ''})`,
    xLabel: 'lag (words)',
    yLabel: 'average ACF',
    series: [{ name: job.name, points }],
  });
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        comm: { type: 'string' },
        nwords: { type: 'string' },
        timesteps: { type: 'string' },
        out: { type: 'string', short: 'o' },
        plot: { type: 'string' },
        verbose: { type: 'boolean' },
        'divide-by-nwords': { type: 'boolean' },
        kernel: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}; ${USAGE}`);
  }
}
