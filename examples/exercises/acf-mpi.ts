// The solution of the lesson's exercise "Write an MPI version of word-autocorrelation": the two ways
// of collecting every rank's ACFs on rank 0 (acf-faded.ts is the exercise; acf-exercise.ts the rest
// of the program).
//
//   npx tsmpirun -np 4 node dist/examples/exercises/acf-mpi.js BOOK.txt BOOK.dat OUT.csv [--comm p2p|gather]
//   node dist/examples/exercises/check-acf.js dist/examples/exercises/acf-mpi.js
//
// Imported instead of run (as the lesson's ipyparallel exercise imports mpi_acf on every engine),
// it exports mpiAcf(book, wcBook): `await cluster.run('dist/examples/exercises/acf-mpi.js', 'mpiAcf', book, dat)`
// (the notebook examples/notebooks/acf.ipynb does this; without arguments, the built-in generated text).
import { init, type Comm } from 'tsmpi';
import { addRows } from '../lib/acf.js';
import { isMain, main, mpiAcfWith, wordAcf } from './acf-exercise.js';

/** Point-to-point: every other rank sends its ACFs to rank 0, which receives them in rank order. */
async function aveWordAcfP2p(
  comm: Comm,
  myWords: readonly string[],
  text: readonly string[],
  timesteps = 100,
): Promise<Float64Array | undefined> {
  const rank = comm.Get_rank();
  const nRanks = comm.Get_size();
  // each rank computes its own set of ACFs, one row per word
  const myAcfs = myWords.map((word) => wordAcf(word, text, timesteps));

  if (rank === 0) {
    // own results first, then every other rank's, in rank order
    const results: Float64Array[][] = [myAcfs];
    for (let sender = 1; sender < nRanks; sender++) {
      results.push((await comm.recv(sender, 12)) as Float64Array[]);
    }
    // the total, rank by rank and word by word (the serial order, so the same bits)
    const acfTot = new Float64Array(timesteps);
    for (let i = 0; i < nRanks; i++) addRows(acfTot, results[i] ?? []);
    return acfTot;
  }
  // send data
  await comm.send(myAcfs, 0, 12);
  return undefined;
}

/** Collective: one gather brings every rank's ACFs to rank 0, in rank order. */
async function aveWordAcfGather(
  comm: Comm,
  myWords: readonly string[],
  text: readonly string[],
  timesteps = 100,
): Promise<Float64Array | undefined> {
  const rank = comm.Get_rank();
  const nRanks = comm.Get_size();
  const myAcfs = myWords.map((word) => wordAcf(word, text, timesteps));

  // gather results on rank 0: a list with one entry per rank there, undefined on the other ranks
  const results = await comm.gather(myAcfs, 0);
  if (rank === 0 && results !== undefined) {
    const acfTot = new Float64Array(timesteps);
    for (let i = 0; i < nRanks; i++) addRows(acfTot, results[i] ?? []);
    return acfTot;
  }
  return undefined;
}

/**
 * The lesson's `mpi_acf(book, wc_book, nwords, timesteps)` with the gather variant, for a rank
 * that imports this module: the average ACF on rank 0, undefined on the other ranks. Every
 * rank of the communicator calls it (on a Cluster: `cluster.run(thisModule, 'mpiAcf', book, dat)`).
 * @param book path of the book; without it, the built-in generated text
 * @param wcBook path of its word counts; without it, counted from the text
 */
export async function mpiAcf(book?: string, wcBook?: string, nwords = 16, timesteps = 100): Promise<Float64Array | undefined> {
  return mpiAcfWith(await init(), aveWordAcfGather, book, wcBook, nwords, timesteps);
}

if (isMain(import.meta)) await main('acf-mpi', { aveWordAcfP2p, aveWordAcfGather });
