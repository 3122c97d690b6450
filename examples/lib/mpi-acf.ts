/**
 * The lesson's MPI word-autocorrelation as one function for engines (`Cluster.run`): the
 * ipyparallel exercise "use the MPI version of word-autocorrelation with ipyparallel".
 *
 *   const acfs = await cluster.run('dist/examples/lib/mpi-acf.js', 'mpiAcf', 'book.txt');
 *   const acf = acfs[0];   // rank 0's result; the other engines return null
 *
 * Every engine reads the book and its counts, computes the ACF of its share of the top words
 * (the rank-remainder split), and rank 0 gathers the rows and averages them: the same steps,
 * and the same bytes, as `acf.js` (gather variant).
 */
import { init } from 'tsmpi';
import { addRows, DEFAULT_NWORDS, DEFAULT_TIMESTEPS, divide, occurrences, splitRange, wordAcf } from './acf.js';
import { generateZipfText } from './generated-text.js';
import { countWords, readBookWords, readDat, tokenize } from './words.js';

/**
 * The average ACF of the book's top `nwords` words, computed by all engines together.
 * @param book path of the book (text); without it, the built-in generated text
 * @param dat path of its word counts (`wordcount.js` output); without it, counted from the text
 * @returns on rank 0 the ACF (`timesteps` values); null on the other ranks
 */
export async function mpiAcf(book?: string, dat?: string, nwords = DEFAULT_NWORDS, timesteps = DEFAULT_TIMESTEPS): Promise<Float64Array | null> {
  const comm = await init();
  const words = book === undefined ? tokenize(generateZipfText()) : readBookWords(book);
  const counts = dat === undefined ? countWords(words) : readDat(dat);
  const top = counts.slice(0, nwords).map(({ word }) => word);
  const [first, last] = splitRange(nwords, comm.size, comm.rank);
  const mine = occurrences(words, top.slice(first, last));
  const rows = new Float64Array(mine.length * timesteps);
  mine.forEach((positions, index) => rows.set(wordAcf(positions, timesteps), index * timesteps));
  const gathered = await comm.gather(rows, 0);
  if (gathered === undefined) return null;
  const total = new Float64Array(timesteps);
  for (const part of gathered as Float64Array[]) {
    for (let row = 0; row < part.length / timesteps; row++) addRows(total, [part.subarray(row * timesteps, (row + 1) * timesteps)]);
  }
  return divide(total, top.length);
}
