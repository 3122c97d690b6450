/**
 * The given part of the lesson's exercise "Write an MPI version of word-autocorrelation": reading
 * the book, sharing out the words among the ranks (`mpi_acf`), the ACF of one word, and writing the
 * result. A student writes the two functions that collect every rank's ACFs on rank 0, one with
 * point-to-point messages and one with a collective (`acf-faded.ts`; the solution is `acf-mpi.ts`),
 * and checks them with `check-acf.js`.
 *
 *   npx tsmpirun -np 4 node dist/examples/exercises/acf-mpi.js BOOK.txt BOOK.dat OUT.csv [--comm p2p|gather]
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { init, type Comm } from 'tsmpi';
import {
  DEFAULT_NWORDS,
  DEFAULT_TIMESTEPS,
  divide,
  formatAcfCsv,
  occurrences,
  splitRange,
  wordAcf as wordAcfOfPositions,
} from '../lib/acf.js';
import { attempt, UsageError, writeOutput } from '../lib/cli.js';
import { agreeOrExit } from '../lib/parallel.js';
import { generateZipfText } from '../lib/generated-text.js';
import { countWords, readBookWords, readDat, tokenize } from '../lib/words.js';

/**
 * Collects the ACFs of every rank's words on rank 0 and returns their sum there (undefined on the
 * other ranks). Every rank calls it with the words it was given.
 * @param myWords this rank's share of the top words
 * @param text the whole book, one entry per word
 */
export type AveWordAcf = (
  comm: Comm,
  myWords: readonly string[],
  text: readonly string[],
  timesteps?: number,
) => Promise<Float64Array | undefined>;

/** The two functions of the exercise. */
export interface Collectors {
  readonly aveWordAcfP2p: AveWordAcf;
  readonly aveWordAcfGather: AveWordAcf;
}

/**
 * The lesson's `word_acf(word, text, timesteps)`: acf[t] for t = 0..timesteps-1 of one word, the
 * fraction of its occurrences (from the second word of the text on) followed by the same word t
 * words later (`lib/acf.ts` has the exact definition).
 */
export function wordAcf(word: string, text: readonly string[], timesteps: number = DEFAULT_TIMESTEPS): Float64Array {
  return wordAcfOfPositions(occurrences(text, [word])[0] ?? new Int32Array(0), timesteps);
}

/**
 * The lesson's `mpi_acf`: every rank reads the book and the top words, takes its share of the words
 * (the first `nwords % size` ranks get one more), and the chosen function collects the ACFs.
 * Returns the average ACF on rank 0, undefined elsewhere.
 * @param book path of the book; without it, the built-in generated text (acf.js's default input)
 * @param wcBook path of its word counts (`wordcount.js` output); without it, counted from the text
 */
export async function mpiAcfWith(
  comm: Comm,
  collect: AveWordAcf,
  book?: string,
  wcBook?: string,
  nwords = DEFAULT_NWORDS,
  timesteps = DEFAULT_TIMESTEPS,
): Promise<Float64Array | undefined> {
  const rank = comm.Get_rank();
  const nRanks = comm.Get_size();
  const text = book === undefined ? tokenize(generateZipfText()) : readBookWords(book);
  const topWords = (wcBook === undefined ? countWords(text) : readDat(wcBook)).slice(0, nwords).map(({ word }) => word);
  const [first, last] = splitRange(nwords, nRanks, rank);
  const myWords = topWords.slice(first, last);
  process.stderr.write(`My rank number is ${rank} and first, last = ${first}, ${last}\n`);
  const acfTot = await collect(comm, myWords, text, timesteps);
  // Divided by the number of words used (the lesson's MPI script divides by nwords, 16, which
  // differs only for a text with fewer distinct words; see examples/README.md, Q4).
  return rank === 0 && acfTot !== undefined ? divide(acfTot, topWords.length) : undefined;
}

/** The program: `BOOK.txt BOOK.dat OUT.csv [--comm p2p|gather]`, as the lesson's script plus the choice of function. */
export async function main(program: string, collectors: Collectors): Promise<void> {
  const usage = `usage: ${program}.js BOOK.txt BOOK.dat OUT.csv [--comm p2p|gather]`;
  const comm = await init();
  const setup = attempt(() => {
    let parsed;
    try {
      parsed = parseArgs({ options: { comm: { type: 'string' } }, allowPositionals: true });
    } catch (error) {
      throw new UsageError(`${error instanceof Error ? error.message : String(error)}; ${usage}`);
    }
    const [book, wcBook, out, ...extra] = parsed.positionals;
    if (book === undefined || wcBook === undefined || out === undefined || extra.length > 0)
      throw new UsageError(`expected 3 arguments; ${usage}`);
    const mode = parsed.values.comm ?? 'gather';
    if (mode !== 'p2p' && mode !== 'gather') throw new UsageError(`--comm must be 'p2p' or 'gather' (got '${mode}')`);
    return { book, wcBook, out, collect: mode === 'p2p' ? collectors.aveWordAcfP2p : collectors.aveWordAcfGather };
  });
  await agreeOrExit(comm, program, setup.error);
  const { book, wcBook, out, collect } = setup.value as NonNullable<typeof setup.value>;
  const acf = await mpiAcfWith(comm, collect, book, wcBook);
  if (comm.Get_rank() === 0) {
    if (acf === undefined) throw new Error(`${program}: rank 0 got no result back from the collecting function`);
    writeOutput(out, formatAcfCsv(acf), 'ACF file');
  }
}

/**
 * True when the module with this `import.meta` is the program node was started with, false when it
 * was imported (for instance by `cluster.run` on the engines of a Cluster).
 */
export function isMain(meta: ImportMeta): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(meta.url));
  } catch {
    return false;
  }
}
