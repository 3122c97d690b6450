import { bytesOf, type AnyTypedArray } from '../codec/codec.js';
import type { ReduceOp } from '../ops/ops.js';
import { combineOrMarker } from './combine.js';
import { exchange } from './exchange.js';
import { errorOf, isMarker, type ErrorMarker } from './marker.js';
import { asPiece, slice, writePiece, type Piece } from './pieces.js';
import type { CollPort } from './port.js';
import { blockRange, mod, ringSchedule } from './segments.js';

/**
 * Ring allreduce of a typed array with a predefined op: the vector is cut into `size`
 * blocks; in size - 1 reduce-scatter steps each rank passes one block to its right
 * neighbour and combines the block arriving from its left, so that every block has
 * gathered every rank's contribution at one rank; size - 1 allgather steps then pass the
 * reduced blocks round. Each rank sends and receives 2 (size - 1) / size of the vector,
 * whatever the size, in 2 (size - 1) messages: the bandwidth-optimal choice for large
 * vectors at any communicator size.
 *
 * Order: block b is combined starting from rank b round the ring, so the order of the
 * ranks is rotated per block: only for commutative ops (the predefined ones). The
 * grouping is fixed by (size, count), and each block is reduced at one rank and copied to
 * the others, so every rank and every run gets the same bits.
 *
 * `mine` is this rank's vector (or a marker for a local error); the result is written
 * into `out` (same byte length). A marker or op error anywhere reaches every rank, which
 * rejects with its code.
 */
export async function allreduceRing(port: CollPort, mine: Piece, op: ReduceOp, out: AnyTypedArray, where: string): Promise<void> {
  const { rank, size } = port;
  const count = isMarker(mine) ? 0 : mine.length;
  const range = (index: number): { lo: number; hi: number } => blockRange(index, size, count);
  const blocks: Piece[] = Array.from({ length: size }, (_, index) => slice(mine, range(index).lo, range(index).hi));
  const right = mod(rank + 1, size);
  const left = mod(rank - 1, size);
  const { reduceScatter, allgather } = ringSchedule(rank, size);
  for (const { send, recv } of reduceScatter) {
    const { received } = await exchange(port, blocks[send], right, left);
    // The received block is fresh from the network: the combination is written into it.
    blocks[recv] = asPiece(combineOrMarker(op, received, blocks[recv], where, received), where);
  }
  for (const { send, recv } of allgather) {
    const { received } = await exchange(port, blocks[send], right, left);
    blocks[recv] = asPiece(received, where);
  }
  // Every rank holds the same blocks now, so every rank picks the same error.
  const failure = blocks.find(isMarker) as ErrorMarker | undefined;
  if (failure !== undefined) throw errorOf(failure);
  const bytes = bytesOf(out);
  const width = isMarker(mine) ? 1 : mine.BYTES_PER_ELEMENT;
  blocks.forEach((block, index) => {
    const { lo, hi } = range(index);
    const wrong = writePiece(bytes, lo * width, block, (hi - lo) * width, where);
    if (wrong !== null) throw errorOf(wrong);
  });
}
