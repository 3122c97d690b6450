// Exercise (the lesson's "Write an MPI version of word-autocorrelation"): the ACFs of a book's top
// 16 words are shared out among the ranks (acf-exercise.ts does that); write the two functions that
// collect every rank's ACFs on rank 0 and add them up. Replace every `____('...')` with code; each
// one says what belongs there. Then build (`npm run build`) and check your program:
//
//   node dist/examples/exercises/check-acf.js dist/examples/exercises/acf-faded.js
//
// Run it yourself, and time it with different numbers of ranks:
//   time npx tsmpirun -np 4 node dist/examples/exercises/acf-faded.js BOOK.txt BOOK.dat OUT.csv --comm p2p
//
// The solution is acf-mpi.ts: try first.
import type { Comm } from 'tsmpi';
import { addRows } from '../lib/acf.js';
import { main, wordAcf } from './acf-exercise.js';

/** A blank to fill in (using `inputs`). Running it stops the program and shows the hint. */
function ____<T = number>(hint: string, ..._inputs: unknown[]): T {
  throw new Error(`acf-faded: fill in the blank: ${hint}`);
}

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

  if (rank === ____('in aveWordAcfP2p, which rank collects the results?')) {
    // own results first, then every other rank's, in rank order
    const results: Float64Array[][] = [myAcfs];
    for (let sender = 1; sender < ____('in aveWordAcfP2p, up to which rank does rank 0 receive?'); sender++) {
      results.push(
        await ____<Promise<Float64Array[]>>(
          'in aveWordAcfP2p, receive the ACFs of rank `sender`, tag 12 (mpi4py: comm.recv(source=sender, tag=12))',
        ),
      );
    }
    // the total, rank by rank and word by word (the serial order, so the same bits)
    const acfTot = new Float64Array(timesteps);
    for (let i = 0; i < nRanks; i++) addRows(acfTot, results[i] ?? []);
    return acfTot;
  }
  // send data
  await ____<Promise<void>>(
    'in aveWordAcfP2p, send myAcfs to the collecting rank with tag 12 (mpi4py: comm.send(my_acfs, dest=0, tag=12))',
    myAcfs,
  );
  return undefined;
}

/** Collective: one call brings every rank's ACFs to rank 0, in rank order. */
async function aveWordAcfGather(
  comm: Comm,
  myWords: readonly string[],
  text: readonly string[],
  timesteps = 100,
): Promise<Float64Array | undefined> {
  const rank = comm.Get_rank();
  const nRanks = comm.Get_size();
  const myAcfs = myWords.map((word) => wordAcf(word, text, timesteps));

  // collect results on rank 0: a list with one entry per rank there, undefined on the other ranks
  const results = await ____<Promise<Float64Array[][] | undefined>>(
    "in aveWordAcfGather, one collective call that gives rank 0 the list of every rank's myAcfs (mpi4py: comm.gather(my_acfs, root=0))",
    myAcfs,
  );
  if (rank === 0 && results !== undefined) {
    const acfTot = new Float64Array(timesteps);
    for (let i = 0; i < nRanks; i++) addRows(acfTot, results[i] ?? []);
    return acfTot;
  }
  return undefined;
}

await main('acf-faded', { aveWordAcfP2p, aveWordAcfGather });
