import { bytesOf, type AnyTypedArray } from '../codec/codec.js';
import type { ReduceOp } from '../ops/ops.js';
import { combineOrMarker } from './combine.js';
import { exchange } from './exchange.js';
import { errorOf, isMarker, post, type ErrorMarker } from './marker.js';
import { asPiece, slice, writePiece, type Piece } from './pieces.js';
import type { CollPort } from './port.js';
import { halvingSteps } from './segments.js';
import { foldIn } from './tree.js';

/**
 * Rabenseifner's allreduce of a typed array with a predefined op: a reduce-scatter by
 * recursive halving (each step sends half of what a rank holds to its partner and combines
 * the other half with the partner's), then an allgather by recursive doubling that runs
 * the same steps backwards. 2 ⌈log2 p⌉ messages per rank and about twice the vector's
 * bytes, whatever p: fewer messages than the ring, as few bytes. A size that is not a
 * power of two first folds pairs of ranks into one (as recursive doubling does), which
 * costs two whole-vector messages for those pairs.
 *
 * Order: the halving distance grows (1, 2, 4, ...), so a rank's partial result always
 * covers a contiguous block of ranks and every combination is `op(lower block, higher
 * block)`: the rank-order result, as recursive doubling gives. Each element is reduced at
 * one rank and copied to the others: the same bits on every rank and every run.
 *
 * `mine` is this rank's vector (or a marker for a local error); the result is written
 * into `out` (same byte length). A marker or op error anywhere reaches every rank.
 */
export async function allreduceRabenseifner(port: CollPort, mine: Piece, op: ReduceOp, out: AnyTypedArray, where: string): Promise<void> {
  const bytes = bytesOf(out);
  const width = isMarker(mine) ? 1 : mine.BYTES_PER_ELEMENT;
  const count = isMarker(mine) ? 0 : mine.length;
  const role = foldIn(port.rank, port.size);
  if (role.role === 'folded') {
    // No exchange: the partner only answers once every active rank has finished.
    await post(port, mine, role.partner);
    const failure = writePiece(bytes, 0, await port.recv(role.partner), count * width, where);
    if (failure !== null) throw errorOf(failure);
    return;
  }
  let held: Piece = mine;
  if (role.partner >= 0) {
    // The folded rank is the lower one; its vector is fresh from the network: the combination is written into it.
    const lower = await port.recv(role.partner);
    held = asPiece(combineOrMarker(op, lower, held, where, lower), where);
  }
  const steps = halvingSteps(role.active, role.pof2, count);
  let lo = 0;
  for (const step of steps) {
    const keep = slice(held, step.keep.lo - lo, step.keep.hi - lo);
    const { received } = await exchange(port, slice(held, step.give.lo - lo, step.give.hi - lo), role.original(step.peer));
    // The received half is fresh from the network: the combination is written into it.
    held = asPiece(
      step.lower ? combineOrMarker(op, keep, received, where, received) : combineOrMarker(op, received, keep, where, received),
      where,
    );
    lo = step.keep.lo;
  }
  let failure: ErrorMarker | null = isMarker(held) ? held : writePiece(bytes, lo * width, held, held.byteLength, where);
  for (const step of [...steps].reverse()) {
    const { keep, give } = step;
    const { received } = await exchange(port, failure ?? bytes.subarray(keep.lo * width, keep.hi * width), role.original(step.peer));
    failure ??= writePiece(bytes, give.lo * width, received, (give.hi - give.lo) * width, where);
  }
  if (role.partner >= 0) await post(port, failure ?? bytes, role.partner);
  if (failure !== null) throw errorOf(failure);
}
