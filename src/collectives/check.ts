/** Argument checks shared by the collectives' public forms. */
import { bufferProblem, isTypedArray, type AnyTypedArray } from '../codec/codec.js';
import { MpiError } from '../errors.js';
import { isInPlace } from './in-place.js';

/**
 * Check a root rank.
 * @throws ERR_ROOT
 */
export function checkRoot(where: string, root: unknown, size: number): number {
  if (typeof root !== 'number' || !Number.isInteger(root) || root < 0 || root >= size) {
    throw new MpiError('ERR_ROOT', `${where}: root ${String(root)} is out of range for a communicator of size ${size}`);
  }
  return root;
}

/**
 * Check a typed-array argument.
 * @throws ERR_BUFFER
 */
export function checkTyped(where: string, name: string, buf: unknown): AnyTypedArray {
  if (isInPlace(buf)) {
    throw new MpiError(
      'ERR_BUFFER',
      `${where}: ${name} cannot be IN_PLACE on this rank; IN_PLACE is for every rank's sendbuf of Allreduce/Allgather, the root's sendbuf of Reduce/Gather and the root's recvbuf of Scatter`,
    );
  }
  if (!isTypedArray(buf)) {
    throw new MpiError('ERR_BUFFER', `${where}: ${name} must be a typed array (got ${buf === null ? 'null' : typeof buf})`);
  }
  const problem = bufferProblem(buf);
  if (problem !== null) throw new MpiError('ERR_BUFFER', `${where}: ${name}: ${problem}`);
  return buf;
}

/**
 * Check that `values` holds one value per rank (scatter, alltoall).
 * @throws ERR_COUNT
 */
export function checkPerRank(where: string, values: unknown, size: number): unknown[] {
  if (!Array.isArray(values) || values.length !== size) {
    const got = Array.isArray(values) ? `${values.length} values` : values === null ? 'null' : typeof values;
    throw new MpiError('ERR_COUNT', `${where}: needs an array of ${size} values, one per rank (got ${got})`);
  }
  return values;
}
