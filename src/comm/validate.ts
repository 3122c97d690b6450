/**
 * Rank and tag checks at the public boundary: each throws an MpiError naming the operation.
 * Buffers are checked by `checkBuffer` (src/collectives/check.ts), shared with the collectives.
 */
import { describeValue as describe } from '../collectives/check.js';
import { MpiError } from '../errors.js';
import { ANY_SOURCE, ANY_TAG } from './matching.js';

/** Largest tag a user may use (MPI_TAG_UB); tags travel as signed 32-bit integers. */
export const TAG_UB = 2 ** 31 - 1;

/**
 * The null process (MPI_PROC_NULL, the value MPICH uses): a send to it and a receive from
 * it complete at once without communicating. The receive gets `undefined` (a buffer
 * receive leaves the buffer as it was) and its Status says source `PROC_NULL`, tag
 * `ANY_TAG`, count 0. `Cartcomm.Shift` gives it at the open ends of a grid, so a halo
 * exchange needs no special case for the first and last rank.
 */
export const PROC_NULL = -1;

/**
 * Check a rank argument (`dest`, `source`, or a collective's `root`); with `wildcard`,
 * ANY_SOURCE passes too.
 * @throws ERR_ROOT for a root, ERR_RANK otherwise
 */
export function checkRank(operation: string, what: 'dest' | 'source' | 'root', value: unknown, size: number, wildcard = false): number {
  if (wildcard && value === ANY_SOURCE) return ANY_SOURCE;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new MpiError(what === 'root' ? 'ERR_ROOT' : 'ERR_RANK', `${operation}: ${what} must be an integer rank (got ${describe(value)})`);
  }
  if (value < 0 || value >= size) {
    throw new MpiError(
      what === 'root' ? 'ERR_ROOT' : 'ERR_RANK',
      `${operation}: ${what} ${value} is out of range for a communicator of size ${size}` +
        (wildcard ? '; use ANY_SOURCE to receive from anyone' : ''),
    );
  }
  return value;
}

/**
 * Check a tag argument; with `wildcard`, ANY_TAG passes too.
 * @throws ERR_TAG
 */
export function checkTag(operation: string, value: unknown, wildcard = false): number {
  if (wildcard && value === ANY_TAG) return ANY_TAG;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > TAG_UB) {
    throw new MpiError(
      'ERR_TAG',
      `${operation}: tag must be an integer from 0 to ${TAG_UB} (got ${describe(value)})` +
        (wildcard ? '; use ANY_TAG to match any tag' : ''),
    );
  }
  return value;
}
