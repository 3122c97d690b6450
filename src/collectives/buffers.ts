/**
 * The buffer forms (capitalised, mpi4py's `Bcast`, `Scatter`, ...): typed arrays in, the
 * caller's typed arrays filled. Built on the object algorithms; typed arrays travel out
 * of band, so nothing is copied into msgpack. Bytes are copied as they are: like MPI,
 * element types are the caller's business, but sizes are checked.
 *
 * Bad buffers and size mismatches that only some ranks can see travel as error markers,
 * so every rank that would otherwise wait rejects (ERR_BUFFER / ERR_COUNT) instead of
 * hanging; a rank with a bad buffer still passes on what others need from it.
 */
import { bytesOf, isTypedArray, type AnyTypedArray } from '../codec/codec.js';
import { MpiError } from '../errors.js';
import { ReduceOp, type Op } from '../ops/ops.js';
import { allgather } from './allgather.js';
import { allreduce } from './allreduce.js';
import { allreduceRabenseifner } from './allreduce-rabenseifner.js';
import { allreduceRing } from './allreduce-ring.js';
import { alltoall } from './alltoall.js';
import { bcast } from './bcast.js';
import { bcastScatterAllgather, isScatterRun, lengthMismatch } from './bcast-scatter-allgather.js';
import { checkBuffer } from './check.js';
import { bcastDoubling } from './fused.js';
import { gather } from './gather.js';
import { capture, isMarker, marker, type ErrorMarker } from './marker.js';
import { isAt } from './pieces.js';
import type { CollPort } from './port.js';
import { reduce } from './reduce.js';
import { scatter } from './scatter.js';
import { allreduceAlgorithm, chooseBcast, type Overrides } from './select.js';
import { absolute, relative, treeOf } from './tree.js';

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
    throw bufferError(
      where,
      `${who} sent ${from.byteLength} bytes but the receive buffer expects ${count * width} (${count} elements); make the counts agree`,
    );
  }
  // Already there when the algorithm received and combined into the caller's buffer.
  if (!isAt(from, bytesOf(into), at * width)) bytesOf(into).set(bytesOf(from), at * width);
}

/** True when two typed arrays share bytes (a sendbuf that is also the recvbuf, which MPI forbids but tsmpi tolerates). */
function overlap(a: AnyTypedArray, b: AnyTypedArray): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** Split `buf` into the `size` equal parts sent to each rank. */
function equalParts(where: string, buf: AnyTypedArray, size: number, expected: number, name: string): AnyTypedArray[] {
  if (buf.length !== expected * size) {
    throw bufferError(
      where,
      `${name} holds ${buf.length} elements but ${size} ranks × ${expected} elements are needed (${expected * size})`,
    );
  }
  return Array.from({ length: size }, (_, rank) => buf.subarray(rank * expected, (rank + 1) * expected));
}

/** Resolve counts and displacements of a VBuffer for `size` ranks. */
function layout(where: string, spec: VBuffer, size: number): { buf: AnyTypedArray; counts: readonly number[]; displs: readonly number[] } {
  const [buf, counts, given] = spec;
  checkBuffer(where, 'buffer', buf);
  if (!Array.isArray(counts) || counts.length !== size || !counts.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new MpiError('ERR_COUNT', `${where}: counts must be ${size} non-negative integers, one per rank (got ${JSON.stringify(counts)})`);
  }
  let running = 0;
  const displs = given ?? counts.map((count) => ((running += count), running - count));
  if (displs.length !== size || !displs.every((d, i) => Number.isInteger(d) && d >= 0 && d + (counts[i] ?? 0) <= buf.length)) {
    throw new MpiError(
      'ERR_COUNT',
      `${where}: displacements must be ${size} offsets that keep each part inside the buffer of ${buf.length} elements (got ${JSON.stringify(displs)})`,
    );
  }
  return { buf, counts, displs };
}

/** Check `buf` locally, as a marker to contribute when it is bad (so nobody waits for this rank in vain). */
function typedOrMarker(where: string, name: string, buf: unknown): AnyTypedArray | ErrorMarker {
  return capture(() => checkBuffer(where, name, buf));
}

/**
 * Broadcast the root's `buf` into every rank's `buf` (same byte length everywhere). The
 * root chooses the algorithm (select.ts) from the size, its byte length and whether the
 * ranks share one host (`oneHost`); the others learn it from the shape of the first
 * message, so ranks whose buffers disagree still pass on what the others need and only
 * they reject.
 */
export async function Bcast(port: CollPort, buf: unknown, root: number, overrides: Overrides = {}, oneHost = true): Promise<void> {
  if (port.rank === root) {
    const mine = typedOrMarker('Bcast', 'buf', buf);
    const algorithm = chooseBcast({ size: port.size, byteLength: isMarker(mine) ? null : mine.byteLength, oneHost }, overrides);
    port.chose?.(algorithm);
    if (algorithm === 'scatter-allgather' && !isMarker(mine)) return bcastScatterAllgather(port, root, bytesOf(mine), null);
    await bcast(port, mine, root);
    return;
  }
  // A binomial tree's value arrives straight in `buf` (a scatter-allgather's first message is its small header).
  const landing = isTypedArray(buf) ? bytesOf(buf) : undefined;
  const first = await port.recv(absolute(treeOf(port).parent(relative(port.rank, root, port.size)), root, port.size), landing);
  if (isScatterRun(first)) {
    const [byteLength] = first;
    const own = isTypedArray(buf) && buf.byteLength === byteLength ? bytesOf(buf) : null;
    await bcastScatterAllgather(port, root, own ?? new Uint8Array(byteLength), first);
    const into = checkBuffer('Bcast', 'buf', buf);
    if (own === null) throw lengthMismatch(root, byteLength, into.byteLength);
    return;
  }
  const value = await bcast(port, null, root, { value: first });
  const into = checkBuffer('Bcast', 'buf', buf);
  place('Bcast', into, 0, value, into.length, `the root (rank ${root})`);
}

/**
 * Bcast run fused with its agreement round (fused.ts, when {@link bcastFuses} says so on
 * every rank of a matching call): the value travels by {@link bcastDoubling}.
 */
export async function BcastFused(port: CollPort, buf: unknown, root: number): Promise<void> {
  port.chose?.('binomial');
  const landing = port.rank !== root && isTypedArray(buf) ? bytesOf(buf) : undefined;
  const value = await bcastDoubling(port, port.rank === root ? typedOrMarker('Bcast', 'buf', buf) : null, root, landing);
  if (port.rank === root) return;
  const into = checkBuffer('Bcast', 'buf', buf);
  place('Bcast', into, 0, value, into.length, `the root (rank ${root})`);
}

/** Scatter equal parts of the root's `sendbuf` (size × recvbuf.length elements) into each `recvbuf`. */
export async function Scatter(port: CollPort, sendbuf: unknown, recvbuf: unknown, root: number): Promise<void> {
  const parts =
    port.rank === root
      ? capture(() =>
          equalParts(
            'Scatter',
            checkBuffer('Scatter', 'sendbuf', sendbuf),
            port.size,
            checkBuffer('Scatter', 'recvbuf', recvbuf).length,
            'sendbuf',
          ),
        )
      : null;
  const part = await scatter(port, parts, root);
  const into = checkBuffer('Scatter', 'recvbuf', recvbuf);
  place('Scatter', into, 0, part, into.length, `the root (rank ${root})`);
}

/** Scatter parts of varying size: the root passes `[sendbuf, counts, displs?]`; rank i receives counts[i] elements. */
export async function Scatterv(port: CollPort, send: VBuffer | null, recvbuf: unknown, root: number): Promise<void> {
  const parts =
    port.rank === root
      ? capture(() => {
          if (send === null || !Array.isArray(send))
            throw new MpiError('ERR_ARG', 'Scatterv: the root must pass [sendbuf, counts, displs?]');
          const { buf, counts, displs } = layout('Scatterv', send, port.size);
          return counts.map((count, rank) => buf.subarray(displs[rank] ?? 0, (displs[rank] ?? 0) + count));
        })
      : null;
  const part = await scatter(port, parts, root);
  const into = checkBuffer('Scatterv', 'recvbuf', recvbuf);
  if (!isTypedArray(part) || part.byteLength > into.byteLength) {
    throw bufferError('Scatterv', `received ${isTypedArray(part) ? part.byteLength : 0} bytes but recvbuf holds ${into.byteLength}`);
  }
  bytesOf(into).set(bytesOf(part));
}

/** Gather every rank's `sendbuf` (equal sizes) into the root's `recvbuf`, in rank order. */
export async function Gather(port: CollPort, sendbuf: unknown, recvbuf: unknown, root: number): Promise<void> {
  const parts = await gather(port, typedOrMarker('Gather', 'sendbuf', sendbuf), root);
  if (parts === undefined) return;
  const buf = checkBuffer('Gather', 'recvbuf', recvbuf);
  if (buf.length % port.size !== 0)
    throw bufferError('Gather', `recvbuf holds ${buf.length} elements, not a multiple of the ${port.size} ranks`);
  const each = buf.length / port.size;
  parts.forEach((part, rank) => place('Gather', buf, rank * each, part, each, `rank ${rank}`));
}

/** Gather parts of varying size: the root passes `[recvbuf, counts, displs?]`. */
export async function Gatherv(port: CollPort, sendbuf: unknown, recv: VBuffer | null, root: number): Promise<void> {
  const parts = await gather(port, typedOrMarker('Gatherv', 'sendbuf', sendbuf), root);
  if (parts === undefined) return;
  if (recv === null || !Array.isArray(recv)) throw new MpiError('ERR_ARG', 'Gatherv: the root must pass [recvbuf, counts, displs?]');
  const { buf, counts, displs } = layout('Gatherv', recv, port.size);
  parts.forEach((part, rank) => place('Gatherv', buf, displs[rank] ?? 0, part, counts[rank] ?? 0, `rank ${rank}`));
}

/** Every rank's `sendbuf` (equal sizes) into every rank's `recvbuf`, in rank order. */
export async function Allgather(port: CollPort, sendbuf: unknown, recvbuf: unknown): Promise<void> {
  const parts = await allgather(port, typedOrMarker('Allgather', 'sendbuf', sendbuf));
  const into = checkBuffer('Allgather', 'recvbuf', recvbuf);
  if (into.length % port.size !== 0)
    throw bufferError('Allgather', `recvbuf holds ${into.length} elements, not a multiple of the ${port.size} ranks`);
  const each = into.length / port.size;
  parts.forEach((part, rank) => place('Allgather', into, rank * each, part, each, `rank ${rank}`));
}

/** Allgather of parts of varying size into `[recvbuf, counts, displs?]` on every rank. */
export async function Allgatherv(port: CollPort, sendbuf: unknown, recv: VBuffer): Promise<void> {
  const spec = capture(() => {
    checkBuffer('Allgatherv', 'sendbuf', sendbuf);
    return layout('Allgatherv', recv, port.size);
  });
  const parts = await allgather(port, isMarker(spec) ? spec : sendbuf);
  if (isMarker(spec)) return; // unreachable: allgather rejected with the marker
  parts.forEach((part, rank) => place('Allgatherv', spec.buf, spec.displs[rank] ?? 0, part, spec.counts[rank] ?? 0, `rank ${rank}`));
}

/** Part i of `sendbuf` goes to rank i; part j of `recvbuf` comes from rank j (equal parts). */
export async function Alltoall(port: CollPort, sendbuf: unknown, recvbuf: unknown): Promise<void> {
  const parts = capture(() => {
    const into = checkBuffer('Alltoall', 'recvbuf', recvbuf);
    if (into.length % port.size !== 0)
      throw bufferError('Alltoall', `recvbuf holds ${into.length} elements, not a multiple of the ${port.size} ranks`);
    return equalParts('Alltoall', checkBuffer('Alltoall', 'sendbuf', sendbuf), port.size, into.length / port.size, 'sendbuf');
  });
  const got = await alltoall(port, parts);
  const into = checkBuffer('Alltoall', 'recvbuf', recvbuf);
  const each = into.length / port.size;
  got.forEach((part, rank) => place('Alltoall', into, rank * each, part, each, `rank ${rank}`));
}

/** Elementwise reduction of every rank's `sendbuf` into the root's `recvbuf`. */
export async function Reduce(port: CollPort, sendbuf: unknown, recvbuf: unknown, op: Op, root: number): Promise<void> {
  const result = await reduce(port, typedOrMarker('Reduce', 'sendbuf', sendbuf), op, root, 'Reduce');
  if (port.rank !== root) return;
  const buf = checkBuffer('Reduce', 'recvbuf', recvbuf);
  place('Reduce', buf, 0, result, buf.length, 'the reduction');
}

/** Elementwise reduction of every rank's `sendbuf` into every rank's `recvbuf`, by the algorithm select.ts chooses. */
export async function Allreduce(port: CollPort, sendbuf: unknown, recvbuf: unknown, op: Op, overrides: Overrides = {}): Promise<void> {
  const mine = capture(() => {
    const send = checkBuffer('Allreduce', 'sendbuf', sendbuf);
    const into = checkBuffer('Allreduce', 'recvbuf', recvbuf);
    if (send.byteLength !== into.byteLength) {
      throw bufferError(
        'Allreduce',
        `sendbuf has ${send.byteLength} bytes but recvbuf ${into.byteLength}; they must be the same size on every rank`,
      );
    }
    return send;
  });
  // A rank whose buffers are bad still chooses by their length, as the others do.
  const like = isMarker(mine) ? (isTypedArray(sendbuf) ? sendbuf : isTypedArray(recvbuf) ? recvbuf : null) : mine;
  const out = isMarker(mine) ? new Uint8Array(0) : (recvbuf as AnyTypedArray);
  // The algorithms receive and combine into recvbuf where they can, unless it is also the input.
  const apart = isMarker(mine) || !overlap(mine, out);
  if (await allreduceSegmented(port, mine, like, op, out, 'Allreduce', overrides, apart)) return;
  const result = await allreduce(port, mine, op, 'Allreduce', apart ? bytesOf(out) : undefined);
  const into = checkBuffer('Allreduce', 'recvbuf', recvbuf);
  place('Allreduce', into, 0, result, into.length, 'the reduction');
}

/**
 * Run a segmented allreduce (ring or Rabenseifner) into `out` if select.ts chooses one for
 * a vector like `like` (this rank's typed array, or null); resolves false, having sent
 * nothing, when recursive doubling is the choice. `apart`: `out` shares no bytes with
 * `mine`, so the algorithm may receive into it.
 */
export async function allreduceSegmented(
  port: CollPort,
  mine: unknown,
  like: AnyTypedArray | null,
  op: Op,
  out: AnyTypedArray,
  where: string,
  overrides: Overrides,
  apart = false,
): Promise<boolean> {
  const builtin = op instanceof ReduceOp;
  const algorithm = allreduceAlgorithm(port.size, like, builtin, overrides);
  port.chose?.(algorithm);
  // A user op always takes recursive doubling (select.ts); `!builtin` narrows `op` for the rest.
  if (algorithm === 'recursive-doubling' || !builtin) return false;
  const piece = isMarker(mine) || isTypedArray(mine) ? mine : marker(bufferError(where, 'not a typed array'));
  if (algorithm === 'ring') await allreduceRing(port, piece, op, out, where);
  else await allreduceRabenseifner(port, piece, op, out, where, apart);
  return true;
}
