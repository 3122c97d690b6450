// acf-all: word counts and ACFs of many books, shared out by a dynamic task farm
// (the lesson's "compute the ACF for all books" exercise).
//
//   npx tsmpirun -np 4 node dist/examples/acf-all.js --out results ../shared/books/*.txt
//
// For every book it writes DIR/<book>.dat (as wordcount.js) and DIR/acf_<book>.csv (as acf.js),
// then DIR/zipf.csv, the zipf.js table of all books (rows in sorted order of the file names).
//
// How the work is shared: rank 0 is the manager. It hands out one book at a time to whichever
// worker is free, largest book first; a worker sends back the book's two files and is given the
// next book. Books differ a lot in size (31 KB to 2 MB here), so a fixed split leaves some ranks
// idle while one finishes a big book; the farm keeps every worker busy until the queue is empty.
// With np = 1 rank 0 does all the work itself. `--schedule static` hands out the books in fixed
// contiguous blocks instead (the rank-remainder rule of acf.js), for comparison.
//
// Options: --out DIR (default: results), --nwords N (16), --timesteps T (100), --zipf N (10),
// --schedule dynamic|static, --progress (also when stderr is not a terminal), --verbose.
import { statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ANY_SOURCE, init, Status, Wtime, type Comm } from 'tsmpi';
import { averageAcf, DEFAULT_NWORDS, DEFAULT_TIMESTEPS, formatAcfCsv, MAX_TIMESTEPS, splitRange } from './lib/acf.js';
import { attempt, integerOption, makeDirectory, UsageError, writeOutput } from './lib/cli.js';
import { agreeOrExit, exitAll } from './lib/parallel.js';
import { countWords, describeFsError, formatDat, InputError, readBookWords } from './lib/words.js';
import { formatZipf } from './lib/zipf.js';

const USAGE =
  'usage: acf-all.js [--out DIR] [--nwords N] [--timesteps T] [--zipf N] [--schedule dynamic|static] [--progress] [--verbose] BOOK...';

/** Manager -> worker: the next book, or stop. */
const TAG_WORK = 1;
/** Worker -> manager: ready for work, a finished book, or a failed one. */
const TAG_RESULT = 2;

type Work = { readonly kind: 'book'; readonly index: number } | { readonly kind: 'stop' };
type Result =
  | { readonly kind: 'ready' }
  | {
      readonly kind: 'done';
      readonly index: number;
      readonly dat: string;
      readonly csv: string;
      readonly top: number[];
      readonly seconds: number;
    }
  | { readonly kind: 'failed'; readonly index: number; readonly message: string };

interface Options {
  readonly help: boolean;
  readonly books: readonly string[];
  /** Output name of each book: the file name without its extension. */
  readonly stems: readonly string[];
  readonly out: string;
  readonly nwords: number;
  readonly timesteps: number;
  readonly zipf: number;
  readonly schedule: 'dynamic' | 'static';
  readonly progress: boolean;
  readonly verbose: boolean;
}

const comm = await init();
// Every rank reads the command line; rank 0 alone checks the books and the output directory.
const setup = attempt(() => prepare(process.argv.slice(2), comm.rank === 0));
await agreeOrExit(comm, 'acf-all', setup.error);
const options = setup.value as Options;
if (options.help) {
  if (comm.rank === 0) process.stdout.write(`${USAGE}\n`);
} else {
  const failure = comm.rank === 0 ? await manage(comm, options) : await work(comm, options);
  // Everyone learns the outcome, so that every rank exits with the same code. Rank 0 prints
  // first: once a rank exits non-zero, tsmpirun stops the others.
  if (failure !== null) process.stderr.write(`acf-all: ${failure}\n`);
  const outcome = await comm.bcast(failure, 0);
  if (outcome !== null) await exitAll(1);
}

function prepare(argv: string[], checkFiles: boolean): Options {
  const { values, positionals: books } = parseCommandLine(argv);
  if (values.schedule !== undefined && values.schedule !== 'dynamic' && values.schedule !== 'static') {
    throw new UsageError(`--schedule must be 'dynamic' or 'static' (got '${values.schedule}')`);
  }
  const options: Options = {
    help: values.help === true,
    books,
    stems: books.map((book) => basename(book, extname(book))),
    out: values.out ?? 'results',
    nwords: integerOption('--nwords', values.nwords, DEFAULT_NWORDS, 1),
    timesteps: integerOption('--timesteps', values.timesteps, DEFAULT_TIMESTEPS, 1, MAX_TIMESTEPS),
    zipf: integerOption('--zipf', values.zipf, 10, 0),
    schedule: values.schedule === 'static' ? 'static' : 'dynamic',
    // tsmpirun sets TSMPI_STDERR_TTY=1 when its own stderr is a terminal (ranks write to pipes).
    progress: values.progress === true || process.stderr.isTTY === true || process.env.TSMPI_STDERR_TTY === '1',
    verbose: values.verbose === true,
  };
  if (options.help) return options;
  if (books.length === 0) throw new UsageError(`no books given; ${USAGE}`);
  const seen = new Map<string, string>();
  for (const [index, stem] of options.stems.entries()) {
    const other = seen.get(stem);
    if (other !== undefined) throw new UsageError(`'${other}' and '${books[index]}' would both write ${stem}.dat`);
    seen.set(stem, books[index] ?? '');
  }
  if (checkFiles) {
    for (const book of books) {
      try {
        if (!statSync(book).isFile()) throw new InputError(`cannot read book '${book}': it is not a file`);
      } catch (error) {
        if (error instanceof InputError) throw error;
        throw new InputError(`cannot read book '${book}': ${describeFsError(error)}`);
      }
    }
    makeDirectory(options.out, 'the output directory');
  }
  return options;
}

/** One book's two files (the word counts and the ACF of its top words) and its zipf row. */
function processBook(book: string, options: Options): { dat: string; csv: string; top: number[] } {
  const words = readBookWords(book);
  if (words.length === 0) throw new InputError(`'${book}' contains no words`);
  const counts = countWords(words);
  const top = counts.slice(0, options.nwords).map(({ word }) => word);
  return {
    dat: formatDat(counts),
    csv: formatAcfCsv(averageAcf(words, top, options.timesteps)),
    top: counts.slice(0, options.zipf).map(({ count }) => count),
  };
}

/** A worker: ask for work, do it, send the files back, until told to stop. */
async function work(comm: Comm, options: Options): Promise<null> {
  await comm.send({ kind: 'ready' } satisfies Result, 0, TAG_RESULT);
  for (;;) {
    const message = (await comm.recv(0, TAG_WORK)) as Work;
    if (message.kind === 'stop') return null;
    const start = Wtime();
    const book = options.books[message.index] ?? '';
    const outcome = attempt(() => processBook(book, options));
    const result: Result =
      outcome.error === null
        ? { kind: 'done', index: message.index, ...outcome.value, seconds: Wtime() - start }
        : { kind: 'failed', index: message.index, message: outcome.error.message };
    await comm.send(result, 0, TAG_RESULT);
  }
}

/** Rank 0: hand out the books, write what comes back, then the zipf table. Returns an error message or null. */
async function manage(comm: Comm, options: Options): Promise<string | null> {
  const start = Wtime();
  const total = options.books.length;
  const tops: (number[] | undefined)[] = new Array<number[] | undefined>(total);
  const busy = new Map<number, { books: number; seconds: number }>();
  let failure: string | null = null;

  const record = (index: number, dat: string, csv: string, top: number[], rank: number, seconds: number): void => {
    const stem = options.stems[index] ?? '';
    const written = attempt(() => {
      writeOutput(join(options.out, `${stem}.dat`), dat, 'word-count file');
      writeOutput(join(options.out, `acf_${stem}.csv`), csv, 'ACF file');
    });
    if (written.error !== null) failure ??= written.error.message;
    tops[index] = top;
    const tally = busy.get(rank) ?? { books: 0, seconds: 0 };
    busy.set(rank, { books: tally.books + 1, seconds: tally.seconds + seconds });
    const done = tops.filter((entry) => entry !== undefined).length;
    if (options.progress) showProgress(done, total, Wtime() - start, stem);
  };

  if (comm.size === 1) {
    for (const [index, book] of options.books.entries()) {
      const bookStart = Wtime();
      const outcome = attempt(() => processBook(book, options));
      if (outcome.error !== null) return outcome.error.message;
      record(index, outcome.value.dat, outcome.value.csv, outcome.value.top, 0, Wtime() - bookStart);
      if (failure !== null) return failure;
    }
  } else {
    const queues = schedule(comm.size - 1, options);
    let active = comm.size - 1;
    while (active > 0) {
      // Whoever answers first gets the next book: receive from any source, reply to that one.
      const status = new Status();
      const result = (await comm.recv(ANY_SOURCE, TAG_RESULT, status)) as Result;
      const worker = status.Get_source();
      if (result.kind === 'done') record(result.index, result.dat, result.csv, result.top, worker, result.seconds);
      else if (result.kind === 'failed') failure ??= result.message;
      const next = failure === null ? queues(worker) : undefined;
      if (next !== undefined) {
        await comm.send({ kind: 'book', index: next } satisfies Work, worker, TAG_WORK);
      } else {
        await comm.send({ kind: 'stop' } satisfies Work, worker, TAG_WORK);
        active--;
      }
    }
  }
  if (options.progress && process.stderr.isTTY) process.stderr.write('\n');
  if (failure !== null) return failure;

  // The zipf table of all books, rows in sorted order of the .dat file names.
  const order = options.stems.map((stem, index) => ({ stem, index })).sort((a, b) => (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0));
  const rows = order.map(({ stem, index }) => ({ book: stem, counts: (tops[index] ?? []).map((count) => ({ word: '', count })) }));
  const zipf = attempt(() => writeOutput(join(options.out, 'zipf.csv'), formatZipf(options.zipf, rows), 'zipf table'));
  if (zipf.error !== null) return zipf.error.message;

  const seconds = Wtime() - start;
  const workers = Math.max(1, comm.size - 1);
  process.stderr.write(
    `acf-all: ${total} book${total === 1 ? '' : 's'} on ${comm.size} rank${comm.size === 1 ? '' : 's'} ` +
      `(${comm.size === 1 ? 'serial' : `${workers} worker${workers === 1 ? '' : 's'}, ${options.schedule}`}) in ${seconds.toFixed(3)} s; files in ${options.out}/\n`,
  );
  if (options.verbose) {
    for (const [rank, { books, seconds: working }] of [...busy].sort(([a], [b]) => a - b)) {
      process.stderr.write(`acf-all: rank ${rank}: ${books} books, busy ${working.toFixed(3)} s\n`);
    }
  }
  return null;
}

/**
 * Which book a free worker gets next (undefined: none left for it). Dynamic: one shared queue,
 * largest book first, so that the long jobs start early and the short ones fill the gaps.
 * Static: fixed contiguous blocks of the books in the order given, by the rank-remainder rule.
 */
function schedule(workers: number, options: Options): (worker: number) => number | undefined {
  if (options.schedule === 'static') {
    const queues = Array.from({ length: workers }, (_, index) => {
      const [first, last] = splitRange(options.books.length, workers, index);
      return Array.from({ length: last - first }, (_, offset) => first + offset);
    });
    return (worker) => queues[worker - 1]?.shift();
  }
  const sizes = options.books.map((book) => statSync(book).size);
  const queue = options.books.map((_, index) => index).sort((a, b) => (sizes[b] ?? 0) - (sizes[a] ?? 0));
  return () => queue.shift();
}

function showProgress(done: number, total: number, seconds: number, stem: string): void {
  const text = `acf-all: ${done}/${total} books done, ${seconds.toFixed(1)} s elapsed (last: ${stem})`;
  // On a terminal, rewrite one line; otherwise (e.g. through tsmpirun's pipes) one line per book.
  process.stderr.write(process.stderr.isTTY ? `\r${text}\x1b[K` : `${text}\n`);
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        out: { type: 'string', short: 'o' },
        nwords: { type: 'string' },
        timesteps: { type: 'string' },
        zipf: { type: 'string' },
        schedule: { type: 'string' },
        progress: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}; ${USAGE}`);
  }
}
