/** Argument checks shared by the collectives' public forms. */
import { bufferProblem, isTypedArray, type AnyTypedArray } from '../codec/codec.js';
import { MpiError } from '../errors.js';
import { checkOp, ReduceOp } from '../ops/ops.js';
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

/**
 * The description of a collective call, `name(part, part)`: what every rank's call must
 * equal (see src/collectives/agree.ts), and how a mismatch names each side.
 */
export function describeCall(name: string, ...parts: string[]): string {
  return `${name}(${parts.join(', ')})`;
}

/**
 * `root N`, for a call's description.
 * @throws ERR_ROOT
 */
export function rootPart(where: string, root: unknown, size: number): string {
  return `root ${checkRoot(where, root, size)}`;
}

/**
 * The op's name (`SUM`, or `user op` for a function), for a call's description.
 * @throws ERR_OP
 */
export function opPart(where: string, op: unknown): string {
  return checkOp(where, op) instanceof ReduceOp ? (op as ReduceOp).name : 'user op';
}

/**
 * A buffer's size as data movement sees it (`32 bytes`): element types are the caller's
 * business there, as in the buffer forms' copies.
 * @throws ERR_BUFFER
 */
export function bytesPart(where: string, name: string, buf: unknown): string {
  return `${checkTyped(where, name, buf).byteLength} bytes`;
}

/**
 * A buffer's element type and count (`Float64Array(4)`): reductions combine elements, so
 * both must agree.
 * @throws ERR_BUFFER
 */
export function typedPart(where: string, name: string, buf: unknown): string {
  const typed = checkTyped(where, name, buf);
  // A Buffer is a Uint8Array to the reduction.
  return `${Buffer.isBuffer(typed) ? 'Uint8Array' : typed.constructor.name}(${typed.length})`;
}
