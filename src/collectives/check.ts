/** Argument checks of the buffer forms (point-to-point and collective) and the parts of a collective call's description. */
import { bufferProblem, isTypedArray, type AnyTypedArray } from '../codec/codec.js';
import { MpiError } from '../errors.js';
import { checkOp, ReduceOp } from '../ops/ops.js';
import { isInPlace } from './in-place.js';

/** A value as an error message shows it: a string quoted, an object by its class. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object';
  return String(value);
}

/**
 * Check a typed-array argument (point-to-point and collective buffer forms); IN_PLACE is
 * refused here, where the collective allows it the caller has replaced it first.
 * @throws ERR_BUFFER
 */
export function checkBuffer(where: string, name: string, buf: unknown): AnyTypedArray {
  if (isInPlace(buf)) {
    throw new MpiError(
      'ERR_BUFFER',
      `${where}: ${name} cannot be IN_PLACE on this rank; IN_PLACE is for every rank's sendbuf of Allreduce/Allgather, the root's sendbuf of Reduce/Gather and the root's recvbuf of Scatter`,
    );
  }
  if (!isTypedArray(buf)) {
    throw new MpiError(
      'ERR_BUFFER',
      `${where}: ${name} must be a typed array such as Float64Array (got ${describeValue(buf)}); use the lower-case form for other values`,
    );
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

/** `root N`, for a call's description; `root` is already checked (checkRank in comm/validate.ts). */
export function rootPart(root: number): string {
  return `root ${root}`;
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
  return `${checkBuffer(where, name, buf).byteLength} bytes`;
}

/**
 * A buffer's element type and count (`Float64Array(4)`): reductions combine elements, so
 * both must agree.
 * @throws ERR_BUFFER
 */
export function typedPart(where: string, name: string, buf: unknown): string {
  const typed = checkBuffer(where, name, buf);
  // A Buffer is a Uint8Array to the reduction.
  return `${Buffer.isBuffer(typed) ? 'Uint8Array' : typed.constructor.name}(${typed.length})`;
}
