/**
 * The buffer forms (capitalised, mpi4py's `Bcast`, `Scatter`, ...): typed arrays in, the
 * caller's typed arrays filled. Built on the object algorithms; typed arrays travel out
 * of band, so nothing is copied into msgpack. Bytes are copied as they are: like MPI,
 * element types are the caller's business, but sizes are checked.
 *
 * Size mismatches that only some ranks can see travel as error markers, so every rank
 * that would otherwise wait rejects (ERR_BUFFER / ERR_COUNT) instead of hanging.
 */
import { bytesOf, isTypedArray, type AnyTypedArray } from '../codec/codec.js';
import { MpiError } from '../errors.js';
import type { Op } from '../ops/ops.js';
import { allgather } from './allgather.js';
import { allreduce } from './allreduce.js';
import { alltoall } from './alltoall.js';
import { bcast } from './bcast.js';
import { checkTyped } from './check.js';
import { gather } from './gather.js';
import { capture, marker } from './marker.js';
import type { CollPort } from './port.js';
import { reduce } from './reduce.js';
import { scatter } from './scatter.js';

/**
 * A buffer with per-rank counts and displacements (in elements), as mpi4py's
 * `[buf, counts, displs]`; displacements default to the running sum of counts.
 */
export type VBuffer = readonly [AnyTypedArray, readonly number[], (readonly number[])?];

function bufferError(where: string, what: string): MpiError {
  return new MpiError('ERR_BUFFER', `${where}: ${what}`);
}

/** Copy the bytes of `from` into `into` at element offset `at`, checking they fit exactly `count` elements. */
function place(where: string, into: AnyTypedArray, at: number, from: unknown, count: number, who: string): void {
  if (!isTypedArray(from)) throw bufferError(where, `${who} did not send a typed array`);
  const width = into.BYTES_PER_ELEMENT;
  if (from.byteLength !== count * width) {
    throw bufferError(where, `${who} sent ${from.byteLength} bytes but the receive buffer expects ${count * width} (${count} elements); make the counts agree`);
  }
  bytesOf(into).set(bytesOf(from), at * width);
}

/** Split `buf` into the `size` equal parts sent to each rank. */
function equalParts(where: string, buf: AnyTypedArray, size: number, expected: number, name: string): AnyTypedArray[] {
  if (buf.length !== expected * size) {
    throw bufferError(where, `${name} holds ${buf.length} elements but ${size} ranks × ${expected} elements are needed (${expected * size})`);
  }
  return Array.from({ length: size }, (_, rank) => buf.subarray(rank * expected, (rank + 1) * expected));
}

/** Resolve counts and displacements of a VBuffer for `size` ranks. */
function layout(where: string, spec: VBuffer, size: number): { buf: AnyTypedArray; counts: readonly number[]; displs: readonly number[] } {
  const [buf, counts, given] = spec;
  checkTyped(where, 'buffer', buf);
  if (!Array.isArray(counts) || counts.length !== size || !counts.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new MpiError('ERR_COUNT', `${where}: counts must be ${size} non-negative integers, one per rank (got ${JSON.stringify(counts)})`);
  }
  let running = 0;
  const displs = given ?? counts.map((count) => ((running += count), running - count));
  if (displs.length !== size || !displs.every((d, i) => Number.isInteger(d) && d >= 0 && d + (counts[i] ?? 0) <= buf.length)) {
    throw new MpiError('ERR_COUNT', `${where}: displacements must be ${size} offsets that keep each part inside the buffer of ${buf.length} elements (got ${JSON.stringify(displs)})`);
  }
  return { buf, counts, displs };
}

/** Broadcast the root's `buf` into every rank's `buf` (same byte length everywhere). */
export async function Bcast(port: CollPort, buf: AnyTypedArray, root: number): Promise<void> {
  const value = await bcast(port, port.rank === root ? buf : null, root);
  if (port.rank !== root) place('Bcast', buf, 0, value, buf.length, `the root (rank ${root})`);
}

/** Scatter equal parts of the root's `sendbuf` (size × recvbuf.length elements) into each `recvbuf`. */
export async function Scatter(port: CollPort, sendbuf: AnyTypedArray | null, recvbuf: AnyTypedArray, root: number): Promise<void> {
  const parts = port.rank === root ? capture(() => equalParts('Scatter', checkTyped('Scatter', 'sendbuf', sendbuf), port.size, recvbuf.length, 'sendbuf')) : null;
  place('Scatter', recvbuf, 0, await scatter(port, parts, root), recvbuf.length, `the root (rank ${root})`);
}

/** Scatter parts of varying size: the root passes `[sendbuf, counts, displs?]`; rank i receives counts[i] elements. */
export async function Scatterv(port: CollPort, send: VBuffer | null, recvbuf: AnyTypedArray, root: number): Promise<void> {
  const parts =
    port.rank === root
      ? capture(() => {
          if (send === null || !Array.isArray(send)) throw new MpiError('ERR_ARG', 'Scatterv: the root must pass [sendbuf, counts, displs?]');
          const { buf, counts, displs } = layout('Scatterv', send, port.size);
          return counts.map((count, rank) => buf.subarray(displs[rank] ?? 0, (displs[rank] ?? 0) + count));
        })
      : null;
  const part = await scatter(port, parts, root);
  if (!isTypedArray(part) || part.byteLength > recvbuf.byteLength) {
    throw bufferError('Scatterv', `received ${isTypedArray(part) ? part.byteLength : 0} bytes but recvbuf holds ${recvbuf.byteLength}`);
  }
  bytesOf(recvbuf).set(bytesOf(part));
}

/** Gather every rank's `sendbuf` (equal sizes) into the root's `recvbuf`, in rank order. */
export async function Gather(port: CollPort, sendbuf: AnyTypedArray, recvbuf: AnyTypedArray | null, root: number): Promise<void> {
  const parts = await gather(port, sendbuf, root);
  if (parts === undefined) return;
  const buf = checkTyped('Gather', 'recvbuf', recvbuf);
  if (buf.length % port.size !== 0) throw bufferError('Gather', `recvbuf holds ${buf.length} elements, not a multiple of the ${port.size} ranks`);
  const each = buf.length / port.size;
  parts.forEach((part, rank) => place('Gather', buf, rank * each, part, each, `rank ${rank}`));
}

/** Gather parts of varying size: the root passes `[recvbuf, counts, displs?]`. */
export async function Gatherv(port: CollPort, sendbuf: AnyTypedArray, recv: VBuffer | null, root: number): Promise<void> {
  const parts = await gather(port, sendbuf, root);
  if (parts === undefined) return;
  if (recv === null || !Array.isArray(recv)) throw new MpiError('ERR_ARG', 'Gatherv: the root must pass [recvbuf, counts, displs?]');
  const { buf, counts, displs } = layout('Gatherv', recv, port.size);
  parts.forEach((part, rank) => place('Gatherv', buf, displs[rank] ?? 0, part, counts[rank] ?? 0, `rank ${rank}`));
}

/** Every rank's `sendbuf` (equal sizes) into every rank's `recvbuf`, in rank order. */
export async function Allgather(port: CollPort, sendbuf: AnyTypedArray, recvbuf: AnyTypedArray): Promise<void> {
  const parts = await allgather(port, sendbuf);
  if (recvbuf.length % port.size !== 0) throw bufferError('Allgather', `recvbuf holds ${recvbuf.length} elements, not a multiple of the ${port.size} ranks`);
  const each = recvbuf.length / port.size;
  parts.forEach((part, rank) => place('Allgather', recvbuf, rank * each, part, each, `rank ${rank}`));
}

/** Allgather of parts of varying size into `[recvbuf, counts, displs?]` on every rank. */
export async function Allgatherv(port: CollPort, sendbuf: AnyTypedArray, recv: VBuffer): Promise<void> {
  const spec = capture(() => layout('Allgatherv', recv, port.size));
  const parts = await allgather(port, 'buf' in spec ? sendbuf : spec);
  if (!('buf' in spec)) return; // unreachable: allgather rejected with the marker
  parts.forEach((part, rank) => place('Allgatherv', spec.buf, spec.displs[rank] ?? 0, part, spec.counts[rank] ?? 0, `rank ${rank}`));
}

/** Part i of `sendbuf` goes to rank i; part j of `recvbuf` comes from rank j (equal parts). */
export async function Alltoall(port: CollPort, sendbuf: AnyTypedArray, recvbuf: AnyTypedArray): Promise<void> {
  const parts = capture(() => {
    if (recvbuf.length % port.size !== 0) throw bufferError('Alltoall', `recvbuf holds ${recvbuf.length} elements, not a multiple of the ${port.size} ranks`);
    return equalParts('Alltoall', sendbuf, port.size, recvbuf.length / port.size, 'sendbuf');
  });
  const got = await alltoall(port, parts);
  const each = recvbuf.length / port.size;
  got.forEach((part, rank) => place('Alltoall', recvbuf, rank * each, part, each, `rank ${rank}`));
}

/** Elementwise reduction of every rank's `sendbuf` into the root's `recvbuf`. */
export async function Reduce(port: CollPort, sendbuf: AnyTypedArray, recvbuf: AnyTypedArray | null, op: Op, root: number): Promise<void> {
  const result = await reduce(port, sendbuf, op, root, 'Reduce');
  if (port.rank !== root) return;
  const buf = checkTyped('Reduce', 'recvbuf', recvbuf);
  place('Reduce', buf, 0, result, buf.length, 'the reduction');
}

/** Elementwise reduction of every rank's `sendbuf` into every rank's `recvbuf`. */
export async function Allreduce(port: CollPort, sendbuf: AnyTypedArray, recvbuf: AnyTypedArray, op: Op): Promise<void> {
  const mine = sendbuf.byteLength === recvbuf.byteLength ? sendbuf : marker(bufferError('Allreduce', `sendbuf has ${sendbuf.byteLength} bytes but recvbuf ${recvbuf.byteLength}; they must be the same size on every rank`));
  place('Allreduce', recvbuf, 0, await allreduce(port, mine, op, 'Allreduce'), recvbuf.length, 'the reduction');
}
