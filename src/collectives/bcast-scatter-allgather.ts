import { MpiError } from '../errors.js';
import { exchange } from './exchange.js';
import { errorOf, isMarker, post, type ErrorMarker } from './marker.js';
import { writePiece } from './pieces.js';
import type { CollPort } from './port.js';
import { blockRange, mod } from './segments.js';
import { absolute, binomialChildren, relative, subtreeSize } from './tree.js';

/**
 * What a scatter-allgather broadcast's first message carries: the byte length of the
 * whole broadcast and the bytes of the receiver's subtree. Its shape (an array, where the
 * binomial broadcast sends a typed array) is how a non-root learns which algorithm the
 * root chose.
 */
export type ScatterRun = [byteLength: number, bytes: Uint8Array];

/** True if a broadcast's first message is a {@link ScatterRun}. */
export function isScatterRun(value: unknown): value is ScatterRun {
  return Array.isArray(value) && value.length === 2 && Number.isInteger(value[0]) && value[1] instanceof Uint8Array;
}

/**
 * Scatter-allgather broadcast (van de Geijn): the root's bytes are cut into `size` blocks
 * (block v for the rank v places after the root); a binomial scatter gives each rank its
 * block (a rank forwards its children's blocks in one message each), then a ring allgather
 * passes the blocks round in size - 1 steps, skipping the root, which has them all. The
 * root sends about the vector once instead of ⌈log2 size⌉ times.
 *
 * The root calls it with its `bytes`; every other rank with the {@link ScatterRun} it
 * received from its binomial parent and `into`: its own buffer's bytes if they have the
 * root's length, else a scratch array (the caller then reports the mismatch), so that every
 * rank still passes on what the others need.
 */
export async function bcastScatterAllgather(port: CollPort, root: number, bytes: Uint8Array, first: ScatterRun | null): Promise<void> {
  const { rank, size } = port;
  const vrank = relative(rank, root, size);
  const byteLength = first === null ? bytes.byteLength : first[0];
  const block = (index: number): { lo: number; hi: number } => blockRange(index, size, byteLength);
  /** Bytes of the blocks of vranks [from, from + count). */
  const run = (from: number, count: number): { lo: number; hi: number } => ({ lo: block(from).lo, hi: block(from + count - 1).hi });
  let failure: ErrorMarker | null = null;
  if (first !== null) {
    const mine = run(vrank, subtreeSize(vrank, size));
    failure = writePiece(bytes, mine.lo, first[1], mine.hi - mine.lo, 'Bcast');
  }
  for (const child of binomialChildren(vrank, size).reverse()) {
    const { lo, hi } = run(child, subtreeSize(child, size));
    await post(port, failure ?? ([byteLength, bytes.subarray(lo, hi)] satisfies ScatterRun), absolute(child, root, size));
  }
  const right = absolute(mod(vrank + 1, size), root, size);
  const left = absolute(mod(vrank - 1, size), root, size);
  for (let step = 0; step < size - 1; step++) {
    const send = block(mod(vrank - step, size));
    const payload = failure ?? bytes.subarray(send.lo, send.hi);
    // The block arriving lands at its place in `bytes` (not the block being sent): no copy after.
    const next = block(mod(vrank - step - 1, size));
    const landing = failure === null ? bytes.subarray(next.lo, next.hi) : undefined;
    if (vrank === 0) {
      await post(port, payload, right); // the root has every block: it only sends
    } else if (vrank === size - 1) {
      const received = await port.recv(left, landing); // nothing to send back to the root
      failure ??= store(bytes, next, received);
    } else {
      const { received } = await exchange(port, payload, right, left, undefined, landing);
      failure ??= store(bytes, next, received);
    }
  }
  if (failure !== null) throw errorOf(failure);
}

function store(bytes: Uint8Array, { lo, hi }: { lo: number; hi: number }, received: unknown): ErrorMarker | null {
  if (isMarker(received)) return received;
  return writePiece(bytes, lo, received, hi - lo, 'Bcast');
}

/** The error for a non-root whose buffer does not hold the root's byte length. */
export function lengthMismatch(root: number, sent: number, expected: number): MpiError {
  return new MpiError(
    'ERR_BUFFER',
    `Bcast: the root (rank ${root}) sent ${sent} bytes but the receive buffer holds ${expected}; make the counts agree`,
  );
}
