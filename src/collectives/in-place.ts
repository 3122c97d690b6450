/**
 * `IN_PLACE` (MPI_IN_PLACE) for the buffer-form collectives: the data a rank contributes
 * is already where its result goes, so one buffer serves as both.
 *
 * | call | who may pass IN_PLACE | meaning |
 * |---|---|---|
 * | `Allreduce(IN_PLACE, buf, op)` | every rank | `buf` is the input and receives the result |
 * | `Reduce(IN_PLACE, buf, op, root)` | the root, as sendbuf | the root's `buf` is its input and receives the result |
 * | `Gather(IN_PLACE, buf, root)` | the root, as sendbuf | the root's own part is already at its place in `buf` |
 * | `Allgather(IN_PLACE, buf)` | every rank | each rank's part is already at its place in `buf` |
 * | `Scatter(buf, IN_PLACE, root)` | the root, as recvbuf | the root keeps its part where it is in `buf` |
 *
 * A rank that passes IN_PLACE where MPI does not allow it gets ERR_BUFFER, on every rank
 * that would otherwise wait. The contribution is copied before it is sent: a sent buffer
 * may still be read by the transport after the send resolved, while the result is written.
 */
import { isTypedArray, type AnyTypedArray } from '../codec/codec.js';

/** The type of {@link IN_PLACE}. */
export interface InPlace {
  readonly inPlace: true;
}

/** Pass as the send buffer (or as Scatter's receive buffer at the root): see the table above. */
export const IN_PLACE: InPlace = Object.freeze({ inPlace: true as const, toString: () => 'IN_PLACE' });

/** True if `value` is IN_PLACE. */
export function isInPlace(value: unknown): value is InPlace {
  return value === IN_PLACE;
}

/**
 * The buffer a rank contributes when it passed IN_PLACE: a copy of `part` (the slice of
 * `buf` that holds its own data, elements `[start, start + count)`, or all of `buf`).
 * Anything that is not a typed array is passed on unchanged, for the collective's own
 * checks to reject on every rank.
 */
export function ownPart(buf: unknown, rank = 0, parts = 1): unknown {
  if (!isTypedArray(buf)) return buf;
  const count = Math.floor(buf.length / parts);
  return (buf.subarray(rank * count, (rank + 1) * count) as AnyTypedArray).slice();
}
