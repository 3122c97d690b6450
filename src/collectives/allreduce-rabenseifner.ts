import { bytesOf, type AnyTypedArray } from '../codec/codec.js';
import type { ReduceOp } from '../ops/ops.js';
import { combineOrMarker } from './combine.js';
import { exchange } from './exchange.js';
import { errorOf, isMarker, post, type ErrorMarker } from './marker.js';
import { asPiece, isWithin, slice, writePiece, type Piece } from './pieces.js';
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
 * Fused with the call's agreement round (fused.ts, when the port has `disagrees`), its
 * messages carry the round's state, and the reduce-scatter's steps are the round's: the
 * allgather runs only once they show every rank in this call.
 *
 * `mine` is this rank's vector (or a marker for a local error); the result is written
 * into `out` (same byte length). A marker or op error anywhere reaches every rank.
 * `apart`: `out` shares no bytes with `mine`, so halves are received and combined straight
 * into it (no copy at the end, and no fresh memory where the partner's half lands in place).
 */
export async function allreduceRabenseifner(
  port: CollPort,
  mine: Piece,
  op: ReduceOp,
  out: AnyTypedArray,
  where: string,
  apart = false,
): Promise<void> {
  const bytes = bytesOf(out);
  const width = isMarker(mine) ? 1 : mine.BYTES_PER_ELEMENT;
  const count = isMarker(mine) ? 0 : mine.length;
  const role = foldIn(port.rank, port.size);
  const region = (lo: number, hi: number): Uint8Array | undefined => (apart ? bytes.subarray(lo * width, hi * width) : undefined);
  if (role.role === 'folded') {
    // No exchange: the partner only answers once every active rank has finished.
    await post(port, mine, role.partner);
    const failure = writePiece(bytes, 0, await port.recv(role.partner, region(0, count)), count * width, where);
    if (failure !== null) throw errorOf(failure);
    return;
  }
  let held: Piece = mine;
  if (role.partner >= 0) {
    // The folded rank is the lower one; its vector is fresh from the network: the combination is written into it.
    const lower = await port.recv(role.partner, region(0, count));
    held = asPiece(combineOrMarker(op, lower, held, where, lower), where);
  }
  const steps = halvingSteps(role.active, role.pof2, count);
  let lo = 0;
  for (const step of steps) {
    const keep = slice(held, step.keep.lo - lo, step.keep.hi - lo);
    // Once the partial result lives in `out`, the half being sent is there too: the partner's half goes to fresh memory.
    const inOut = apart && isWithin(held, bytes);
    const peer = role.original(step.peer);
    const give = slice(held, step.give.lo - lo, step.give.hi - lo);
    const { received } = await exchange(port, give, peer, peer, undefined, inOut ? undefined : region(step.keep.lo, step.keep.hi));
    // The combination is written into the kept half when it lives in `out`, else into the received half (fresh
    // from the network, or in `out` already): either way not into the caller's vector.
    const scratch = inOut ? keep : received;
    held = asPiece(
      step.lower ? combineOrMarker(op, keep, received, where, scratch) : combineOrMarker(op, received, keep, where, scratch),
      where,
    );
    lo = step.keep.lo;
  }
  let failure: ErrorMarker | null = isMarker(held) ? held : writePiece(bytes, lo * width, held, held.byteLength, where);
  // Fused with the agreement round (fused.ts), the reduce-scatter was the round's exchanges:
  // every rank now holds every rank's call. When they differ, no rank starts the allgather
  // (a rank in another call would never answer it); the verdict replaces the result.
  const stop = port.disagrees?.() === true;
  for (const step of stop ? [] : [...steps].reverse()) {
    const { keep, give } = step;
    const peer = role.original(step.peer);
    const { received } = await exchange(
      port,
      failure ?? bytes.subarray(keep.lo * width, keep.hi * width),
      peer,
      peer,
      undefined,
      region(give.lo, give.hi),
    );
    failure ??= writePiece(bytes, give.lo * width, received, (give.hi - give.lo) * width, where);
  }
  if (role.partner >= 0) await post(port, failure ?? bytes, role.partner);
  if (failure !== null) throw errorOf(failure);
}
