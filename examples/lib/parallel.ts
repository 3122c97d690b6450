/**
 * Ending a parallel example cleanly: every rank learns about a bad input found on any rank.
 */
import { finalize, type Comm } from 'tsmpi';
import { UsageError } from './cli.js';
import type { InputError } from './words.js';

/** An error as it travels between ranks. */
interface WireError {
  readonly message: string;
  readonly usage: boolean;
}

/**
 * Every rank calls this after its own checks, with its error or null. If any rank failed, rank 0
 * prints one line for the lowest failing rank and every rank exits with the same non-zero code;
 * otherwise it returns and the ranks go on together. Built from `gather` + `bcast`, so no rank can
 * be left waiting for a rank that has already given up.
 */
export async function agreeOrExit(comm: Comm, program: string, error: InputError | null): Promise<void> {
  const mine: WireError | null = error === null ? null : { message: error.message, usage: error instanceof UsageError };
  const all = await comm.gather(mine, 0); // the list on rank 0, undefined elsewhere
  let first: { rank: number; error: WireError } | null = null;
  if (comm.rank === 0) {
    for (const [rank, candidate] of (all ?? []).entries()) {
      if (candidate !== null) {
        first = { rank, error: candidate };
        break;
      }
    }
  }
  // Rank 0 prints before it tells the others: once any rank exits non-zero, tsmpirun stops the
  // job, and the line must already be on its way by then.
  if (first !== null) {
    const where = first.rank === 0 ? '' : `rank ${first.rank}: `;
    process.stderr.write(`${program}: ${where}${first.error.message}\n`);
  }
  first = await comm.bcast(first, 0);
  if (first === null) return;
  await exitAll(first.error.usage ? 2 : 1);
}

/** Leave the job with `code` once pending messages are delivered. */
export async function exitAll(code: number): Promise<never> {
  await finalize();
  process.exit(code);
}
