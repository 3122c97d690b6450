/**
 * Comm: a communicator — a group of ranks and private contexts for their messages.
 * Names and meanings follow mpi4py; everything that communicates returns a Promise.
 *
 * Guarantees, for every communicator:
 * - Messages from one sender to one receiver on one communicator are received in the
 *   order they were sent (non-overtaking), whatever the tags and wildcards.
 * - When a sending call resolves, the value (and every typed array in it) is the
 *   caller's again: changing it can no longer change what any receiver gets.
 *   Small messages (payload up to the eager limit, 64 KiB by default, `TSMPI_EAGER_LIMIT`)
 *   are copied and the send resolves at once, whether or not the receiver has posted its
 *   receive. Larger ones use a rendezvous: only their envelope travels until the
 *   receiver posts a matching receive, and the send resolves once the receiver holds
 *   the bytes. So a large `send` waits for the matching receive (as MPI's MPI_Send may);
 *   post receives before, or together with, large sends that face each other.
 * - `ssend` resolves only once the receiver has matched the message, whatever its size.
 * - A large send to a rank that finishes without receiving it rejects with
 *   ERR_NOT_RECEIVED instead of waiting forever.
 * - A message nobody has asked for yet waits, in order, until it is received; a large
 *   one waits as its envelope only, on the receiving side.
 * - Collectives use a context of their own, so they never match a point-to-point
 *   receive, not even `recv(ANY_SOURCE, ANY_TAG)` posted while they run.
 * - Every collective call runs an agreement round (src/collectives/agree.ts) alongside
 *   its algorithm: when the ranks are not all in the same call — operation, root, op
 *   and buffer sizes — or some rank's arguments are bad, every rank rejects
 *   (ERR_COLL_MISMATCH naming both sides, or the bad argument's code); never a wrong
 *   value, never a hang. Until the ranks agree, only small messages of the call move,
 *   and a message of another call is never read as data. Internal errors travel in
 *   the message header, never in a user's value.
 * - Messages a program sent before it exits are delivered.
 */
import { bytesOf, isTypedArray, PACKED, type AnyTypedArray } from '../codec/codec.js';
import { allgather } from '../collectives/allgather.js';
import { allreduce } from '../collectives/allreduce.js';
import { alltoall } from '../collectives/alltoall.js';
import { bcast } from '../collectives/bcast.js';
import * as buffers from '../collectives/buffers.js';
import { bytesPart, checkBuffer, checkPerRank, describeCall, opPart, rootPart, typedPart } from '../collectives/check.js';
import { allreduceFuses, bcastDoubling, bcastFuses } from '../collectives/fused.js';
import { gather } from '../collectives/gather.js';
import { agree, contribution, verdict as verdictOf } from '../collectives/agree.js';
import { isInPlace, ownPart, type InPlace } from '../collectives/in-place.js';
import { capture } from '../collectives/marker.js';
import type { CollPort } from '../collectives/port.js';
import { reduce } from '../collectives/reduce.js';
import { scan } from '../collectives/scan.js';
import { scatter } from '../collectives/scatter.js';
import type { Overrides } from '../collectives/select.js';
import { MAX, SUM, type Op } from '../ops/ops.js';
import { MpiError } from '../errors.js';
import { callPorts } from './collective-port.js';
import type { Engine, Message, TrafficStats } from './engine.js';
import { Kind } from './wire.js';
import { ANY_SOURCE, ANY_TAG } from './matching.js';
import { Request } from './request.js';
import { Status } from './status.js';
import { copyInto, fits, setStatus } from './landing.js';
import { checkRank, checkTag, PROC_NULL } from './validate.js';
import type { Cartcomm } from './cart.js';
import { checkShape } from './cart-grid.js';

/** What a communicator needs from the runtime. */
export interface CommRuntime {
  readonly engine: Engine;
  /** End the whole job with `code` (never returns). */
  readonly abort: (code: number, reason: string) => never;
  /** Collective algorithms forced by the environment (`TSMPI_COLL_<NAME>`); none by default. */
  readonly collectives?: Overrides;
}

/**
 * What a receive from PROC_NULL "receives": no value, source PROC_NULL, tag ANY_TAG,
 * count 0 (as in MPI). It never reaches the engine.
 */
const NULL_MESSAGE: Message = {
  kind: Kind.Eager,
  layout: PACKED,
  context: 0,
  source: PROC_NULL,
  tag: ANY_TAG,
  seq: 0,
  origin: PROC_NULL,
  frames: [],
  lengths: [],
  byteLength: 0,
  control: null,
};

/**
 * True for a collective context: every communicator has an even p2p context id (0 for
 * the world, an agreed even base for Dup/Split) and carries its collectives on the next.
 */
export function isCollectiveContext(context: number): boolean {
  return context % 2 === 1;
}

/** The collectives that `TSMPI_COLL=linear` turns into loops at a root (alltoall, scan, exscan and barrier keep theirs). */
const LINEAR_COLLECTIVES = new Set([
  'bcast',
  'Bcast',
  'scatter',
  'Scatter',
  'Scatterv',
  'gather',
  'Gather',
  'Gatherv',
  'reduce',
  'Reduce',
  'allreduce',
  'Allreduce',
  'allgather',
  'Allgather',
  'Allgatherv',
  'Dup',
  'Split',
]);

/** `Split` color for a rank that joins no new communicator (it gets `null`). */
export const UNDEFINED = -32766;

export class Comm {
  /** This process's rank in the communicator. */
  readonly rank: number;
  /** Number of ranks in the communicator. */
  readonly size: number;
  private collectiveSeq = 0;
  private freed = false;
  private readonly sendLabels = new CallLabels();
  private readonly receiveLabels = new CallLabels();
  /** Cache of {@link oneHost}. */
  private allOnOneHost: boolean | undefined;

  /**
   * @param runtime the process's engine and abort hook
   * @param context the communicator's p2p context id; `context + 1` carries its collectives
   * @param group world rank of each communicator rank
   */
  constructor(
    protected readonly runtime: CommRuntime,
    protected readonly context: number,
    protected readonly group: readonly number[],
  ) {
    const me = group.indexOf(runtime.engine.rank);
    if (me < 0) throw new MpiError('ERR_INTERN', 'comm: this process is not in the group');
    this.rank = me;
    this.size = group.length;
    runtime.engine.registerGroup(context, group);
  }

  Get_rank(): number {
    return this.rank;
  }

  Get_size(): number {
    return this.size;
  }

  /**
   * Send `value` to `dest`. Once it resolves, `value` may be changed or reused freely.
   * A small message (encoded payload up to the eager limit, 64 KiB by default) is copied
   * and resolves at once; a larger one resolves once `dest` has received it (so it waits
   * for the matching receive, as MPI_Send may).
   * @throws ERR_RANK, ERR_TAG, ERR_CODEC (function, symbol...), ERR_COMM_CLOSED,
   *   ERR_NOT_RECEIVED (large message, `dest` finished without receiving it)
   * @example await comm.send({ step: 1 }, 1, 7);
   */
  send(value: unknown, dest: number, tag = 0): Promise<void> {
    return this.startSend('send', value, dest, tag, false);
  }

  /**
   * Synchronous send: resolves only once `dest` has matched the message (MPI_Ssend),
   * whatever its size; `value` may then be reused.
   * @throws as {@link Comm.send}
   */
  async ssend(value: unknown, dest: number, tag = 0): Promise<void> {
    return this.startSend('ssend', value, dest, tag, true);
  }

  /**
   * Receive a value from `source` (default ANY_SOURCE) with `tag` (default ANY_TAG).
   * Fills `status` with the sender, tag and size.
   * @throws ERR_RANK, ERR_TAG, ERR_COMM_CLOSED
   * @example const data = await comm.recv(0, 11);
   */
  async recv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<T> {
    const message = await this.postReceive('recv', source, tag);
    setStatus(status, message);
    return this.valueOf(message) as T;
  }

  /**
   * Non-blocking send; the Request completes as `send` would resolve. Do not change
   * `value` until `wait()` has resolved (it may still be read until then).
   */
  isend(value: unknown, dest: number, tag = 0): Request<void> {
    const sent = this.startSend('isend', value, dest, tag, false);
    return new Request(() => sent);
  }

  /** Non-blocking synchronous send; the Request completes as `ssend` would. Do not change `value` until then. */
  issend(value: unknown, dest: number, tag = 0): Request<void> {
    const sent = this.startSend('issend', value, dest, tag, true);
    return new Request(() => sent);
  }

  /** Non-blocking receive; `await request.wait(status)` gives the value. */
  irecv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<T> {
    const matched = this.postReceive('irecv', source, tag);
    return new Request(async (status) => {
      const message = await matched;
      setStatus(status, message);
      return this.valueOf(message) as T;
    });
  }

  /**
   * Send to `dest` and receive from `source` at once, the receive posted first (never
   * deadlocks on a ring, whatever the sizes). Resolves with the received value once both
   * are done; `value` may then be reused.
   */
  async sendrecv<T = unknown>(
    value: unknown,
    dest: number,
    sendtag = 0,
    source: number = ANY_SOURCE,
    recvtag: number = ANY_TAG,
    status?: Status,
  ): Promise<T> {
    const received = this.postReceive('sendrecv', source, recvtag);
    const sent = this.startSend('sendrecv', value, dest, sendtag, false);
    const [message] = await Promise.all([received, sent]);
    setStatus(status, message);
    return this.valueOf(message) as T;
  }

  /**
   * Buffer form of sendrecv (mpi4py's `Sendrecv`): send the typed array `sendbuf` to `dest`
   * and receive into `recvbuf` from `source` at once, so a ring or a halo exchange never
   * deadlocks. Either side may be PROC_NULL (that half completes at once and `recvbuf`
   * is left as it was). `sendbuf` and `recvbuf` must be different arrays. Resolves once
   * both halves are done; `sendbuf` may then be overwritten.
   * @throws ERR_BUFFER, ERR_TRUNCATE, ERR_RANK, ERR_TAG, ERR_NOT_RECEIVED
   * @example const [left, right] = cart.Shift(0, 1);
   * await cart.Sendrecv(u.subarray(n, n + 1), right, 0, ghost, left, 0); // pass the last cell right
   */
  async Sendrecv(
    sendbuf: AnyTypedArray,
    dest: number,
    sendtag = 0,
    recvbuf: AnyTypedArray,
    source: number = ANY_SOURCE,
    recvtag: number = ANY_TAG,
    status?: Status,
  ): Promise<void> {
    checkBuffer('Sendrecv', 'sendbuf', sendbuf);
    checkBuffer('Sendrecv', 'recvbuf', recvbuf);
    const received = this.postReceive('Sendrecv', source, recvtag, (candidate) => fits('Sendrecv', candidate, recvbuf), bytesOf(recvbuf));
    const sent = this.startSend('Sendrecv', sendbuf, dest, sendtag, false);
    const [message] = await Promise.all([received, sent]);
    copyInto(recvbuf, message);
    setStatus(status, message, recvbuf);
  }

  /** Wait until a matching message can be received, without receiving it; fills `status`. */
  async probe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<void> {
    this.checkOpen('probe');
    tag = checkTag('probe', tag, true);
    if (source === PROC_NULL) return setStatus(status, NULL_MESSAGE);
    source = checkRank('probe', 'source', source, this.size, true);
    const message = await this.runtime.engine.probe(this.context, source, tag, `probe(source=${label(source)}, tag=${label(tag)})`);
    setStatus(status, message);
  }

  /** True if a matching message has arrived (without receiving it); fills `status` when true. */
  async iprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<boolean> {
    this.checkOpen('iprobe');
    tag = checkTag('iprobe', tag, true);
    if (source === PROC_NULL) {
      setStatus(status, NULL_MESSAGE);
      return true;
    }
    source = checkRank('iprobe', 'source', source, this.size, true);
    const message = await this.runtime.engine.iprobe(this.context, source, tag, 'iprobe');
    if (message === undefined) return false;
    setStatus(status, message);
    return true;
  }

  /**
   * Send the contents of a typed array (buffer form); the element type is kept. Once it
   * resolves, `buf` may be overwritten. Up to the eager limit (64 KiB by default) its bytes
   * are copied and the send resolves at once; above, they travel straight from `buf`
   * once `dest` posts the matching receive, and the send resolves when `dest` holds them.
   * @throws ERR_BUFFER if `buf` is not a typed array, ERR_RANK, ERR_TAG, ERR_NOT_RECEIVED
   */
  Send(buf: AnyTypedArray, dest: number, tag = 0): Promise<void> {
    // Not async: the engine's promise is handed back as it is (a send is the hot path).
    try {
      checkBuffer('Send', 'buf', buf);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.startSend('Send', buf, dest, tag, false);
  }

  /**
   * Receive into the caller's typed array. A message larger than `buf` fails with
   * ERR_TRUNCATE and is not lost: a later receive with a big enough buffer gets it.
   * Bytes are copied as they are (like MPI, element types are the caller's business).
   * @throws ERR_BUFFER, ERR_TRUNCATE, ERR_RANK, ERR_TAG
   */
  Recv(buf: AnyTypedArray, source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<void> {
    // Not async: the engine lands the message in `buf` as it matches and resolves this
    // promise itself (a receive is the hot path).
    try {
      checkBuffer('Recv', 'buf', buf);
      const label = this.receiveLabel('Recv', source, tag);
      if (label === null) {
        setStatus(status, NULL_MESSAGE, buf);
        return Promise.resolve();
      }
      return this.runtime.engine.receiveInto(this.context, source, tag, label, 'Recv', buf, status);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Non-blocking buffer send; do not write into `buf` until `wait()` has resolved (as
   * `Send`). Like every non-blocking call it never throws: a bad argument rejects the
   * Request's `wait()`, as with `isend`.
   */
  Isend(buf: AnyTypedArray, dest: number, tag = 0): Request<void> {
    const sent = rejecting(() => {
      checkBuffer('Isend', 'buf', buf);
      return this.startSend('Isend', buf, dest, tag, false);
    });
    return new Request(() => sent);
  }

  /** Non-blocking buffer receive into `buf`. */
  Irecv(buf: AnyTypedArray, source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<void> {
    const matched = rejecting(() => {
      checkBuffer('Irecv', 'buf', buf);
      return this.postReceive('Irecv', source, tag, (candidate) => fits('Irecv', candidate, buf), bytesOf(buf));
    });
    return new Request(async (status) => {
      const message = await matched;
      copyInto(buf, message);
      setStatus(status, message, buf);
    });
  }

  /**
   * End the whole job (MPI_Abort): every rank of the job is stopped, whatever `code` is.
   * The job's exit status is `code & 255`, or 1 when that is 0 for a non-zero code
   * (256, 1e10); `Abort(0)` stops every rank and exits 0. Never returns.
   */
  Abort(code = 1): never {
    return this.runtime.abort(Number.isInteger(code) ? code : 1, `rank ${this.rank} called Abort(${code})`);
  }

  // Collectives. Every rank of the communicator must call the same collectives in the
  // same order (as in MPI); a call that does not match on every rank rejects on every
  // rank with ERR_COLL_MISMATCH, and the next calls go on normally. A blocking call and
  // its i-form (bcast, ibcast) are the same call. When a collective resolves, every buffer
  // and value passed to it is the caller's again (it may be overwritten). They run on the
  // communicator's collective context, so they never match a point-to-point receive, and
  // each call has a tag of its own, so non-blocking collectives may overlap. Algorithms:
  // src/collectives/ (agreement round, binomial trees, recursive doubling; ring,
  // Rabenseifner and scatter-allgather for large typed arrays, chosen by select.ts); ops and their
  // ordering guarantees: src/ops/ops.ts.

  /** Wait until every rank has entered the barrier (the agreement round: dissemination, ⌈log2 size⌉ rounds). @throws ERR_COLL_MISMATCH */
  async barrier(): Promise<void> {
    return this.collective(
      'barrier',
      () => describeCall('barrier'),
      async () => undefined,
    );
  }

  /** mpi4py's spelling of {@link Comm.barrier} (MPI_Barrier). */
  async Barrier(): Promise<void> {
    return this.barrier();
  }

  /**
   * Broadcast `value` from `root`; resolves with the root's value on every rank.
   * @throws ERR_ROOT, ERR_CODEC (on every rank), ERR_COLL_MISMATCH
   * @example const n = await comm.bcast(comm.rank === 0 ? 1000 : null, 0);
   */
  async bcast<T>(value: T | null | undefined, root = 0): Promise<T> {
    const fuses = bcastFuses(this.size, null, this.overrides, this.oneHost);
    return this.collective(
      'bcast',
      () => describeCall('bcast', this.rootOf('bcast', root)),
      (port) => (fuses ? bcastDoubling(port, value, root) : bcast(port, value, root)) as Promise<T>,
      () => fuses,
    );
  }

  /**
   * Root passes one value per rank (others pass null); each rank resolves with its own.
   * @throws ERR_ROOT; ERR_COUNT on every rank when the root's array is not `size` long; ERR_COLL_MISMATCH
   * @example const mine = await comm.scatter(comm.rank === 0 ? [1, 2, 3, 4] : null);
   */
  async scatter<T>(values: readonly T[] | null | undefined, root = 0): Promise<T> {
    return this.collective(
      'scatter',
      () => describeCall('scatter', this.rootOf('scatter', root)),
      (port) => {
        const mine = port.rank === root ? capture(() => checkPerRank('scatter', values, port.size)) : null;
        return scatter(port, mine, root) as Promise<T>;
      },
    );
  }

  /**
   * Gather every rank's value to `root`: an array in rank order there, `undefined` elsewhere.
   * @throws ERR_ROOT, ERR_COLL_MISMATCH
   */
  async gather<T>(value: T, root = 0): Promise<T[] | undefined> {
    return this.collective(
      'gather',
      () => describeCall('gather', this.rootOf('gather', root)),
      (port) => gather(port, value, root) as Promise<T[] | undefined>,
    );
  }

  /** Every rank's value, in rank order, on every rank. @throws ERR_COLL_MISMATCH */
  async allgather<T>(value: T): Promise<T[]> {
    return this.collective(
      'allgather',
      () => describeCall('allgather'),
      (port) => allgather(port, value) as Promise<T[]>,
    );
  }

  /**
   * Each rank passes one value per rank; rank j resolves with `[values_0[j], values_1[j], ...]`.
   * @throws ERR_COUNT on every rank when any rank's array is not `size` long; ERR_COLL_MISMATCH
   */
  async alltoall<T>(values: readonly T[]): Promise<T[]> {
    return this.collective(
      'alltoall',
      () => describeCall('alltoall'),
      (port) =>
        alltoall(
          port,
          capture(() => checkPerRank('alltoall', values, port.size)),
        ) as Promise<T[]>,
    );
  }

  /**
   * Combine every rank's value with `op` (default SUM) in rank order; the result on `root`,
   * `undefined` elsewhere. Same bits on every run (see src/ops/ops.ts).
   * @throws ERR_ROOT; ERR_OP on the root (and the rank that found it) for values the op rejects; ERR_COLL_MISMATCH
   * @example const total = await comm.reduce(partial, SUM, 0);
   */
  async reduce<T>(value: T, op: Op = SUM, root = 0): Promise<T | undefined> {
    return this.collective(
      'reduce',
      () => describeCall('reduce', opPart('reduce', op), this.rootOf('reduce', root)),
      (port) => reduce(port, value, op, root) as Promise<T | undefined>,
    );
  }

  /**
   * Combine every rank's value with `op` (default SUM); every rank resolves with the same bits.
   * A large typed array with a predefined op goes by a segmented algorithm, as `Allreduce`
   * (see src/collectives/select.ts); anything else by recursive doubling.
   * @throws ERR_OP on every rank for values the op rejects; ERR_COLL_MISMATCH
   */
  async allreduce<T>(value: T, op: Op = SUM): Promise<T> {
    // A typed array's type and length are part of the call: they choose the algorithm.
    const parts = (): string[] => [...(isTypedArray(value) ? [typedPart('allreduce', 'value', value)] : []), opPart('allreduce', op)];
    return this.collective(
      'allreduce',
      () => describeCall('allreduce', ...parts()),
      async (port) => {
        if (isTypedArray(value)) {
          const out = new (value.constructor as new (length: number) => AnyTypedArray)(value.length);
          if (await buffers.allreduceSegmented(port, value, value, op, out, 'allreduce', this.overrides, true)) return out as T;
        }
        return allreduce(port, value, op) as Promise<T>;
      },
      () => allreduceFuses(this.size, value, op, this.overrides),
    );
  }

  /** Inclusive prefix: rank i resolves with op(value_0, ..., value_i). @throws ERR_OP, ERR_COLL_MISMATCH */
  async scan<T>(value: T, op: Op = SUM): Promise<T> {
    return this.collective(
      'scan',
      () => describeCall('scan', opPart('scan', op)),
      (port) => scan(port, value, op, false) as Promise<T>,
    );
  }

  /** Exclusive prefix: rank i resolves with op(value_0, ..., value_{i-1}); `undefined` on rank 0. @throws ERR_OP, ERR_COLL_MISMATCH */
  async exscan<T>(value: T, op: Op = SUM): Promise<T | undefined> {
    return this.collective(
      'exscan',
      () => describeCall('exscan', opPart('exscan', op)),
      (port) => scan(port, value, op, true) as Promise<T | undefined>,
    );
  }

  /** Broadcast the root's typed array into `buf` on every rank. @throws ERR_ROOT, ERR_BUFFER, ERR_COLL_MISMATCH */
  async Bcast(buf: AnyTypedArray, root = 0): Promise<void> {
    const fuses = bcastFuses(this.size, isTypedArray(buf) ? buf.byteLength : null, this.overrides, this.oneHost);
    return this.collective(
      'Bcast',
      () => describeCall('Bcast', bytesPart('Bcast', 'buf', buf), this.rootOf('Bcast', root)),
      (port) => (fuses ? buffers.BcastFused(port, buf, root) : buffers.Bcast(port, buf, root, this.overrides, this.oneHost)),
      () => fuses,
    );
  }

  /**
   * Scatter equal parts of the root's `sendbuf` into each `recvbuf`. The root may pass
   * IN_PLACE as `recvbuf`: its own part stays where it is in `sendbuf`.
   * @throws ERR_ROOT, ERR_BUFFER, ERR_COLL_MISMATCH
   */
  async Scatter(sendbuf: AnyTypedArray | null, recvbuf: AnyTypedArray | InPlace, root = 0): Promise<void> {
    const into = isInPlace(recvbuf) && this.rank === root ? ownPart(sendbuf, root, this.size) : recvbuf;
    return this.collective(
      'Scatter',
      () => describeCall('Scatter', bytesPart('Scatter', 'recvbuf', into), this.rootOf('Scatter', root)),
      (port) => buffers.Scatter(port, sendbuf, into, root),
    );
  }

  /**
   * Scatter parts of varying size: the root passes `[sendbuf, counts, displs?]`.
   * @throws ERR_ROOT, ERR_COUNT, ERR_BUFFER, ERR_COLL_MISMATCH
   */
  async Scatterv(sendbuf: buffers.VBuffer | null, recvbuf: AnyTypedArray, root = 0): Promise<void> {
    return this.collective(
      'Scatterv',
      () => describeCall('Scatterv', this.rootOf('Scatterv', root)),
      (port) => buffers.Scatterv(port, sendbuf, recvbuf, root),
    );
  }

  /**
   * Gather equal `sendbuf`s into the root's `recvbuf` in rank order. The root may pass
   * IN_PLACE as `sendbuf` when its own part is already at its place in `recvbuf`.
   * @throws ERR_ROOT, ERR_BUFFER, ERR_COLL_MISMATCH
   */
  async Gather(sendbuf: AnyTypedArray | InPlace, recvbuf: AnyTypedArray | null, root = 0): Promise<void> {
    const mine = isInPlace(sendbuf) && this.rank === root ? ownPart(recvbuf, root, this.size) : sendbuf;
    return this.collective(
      'Gather',
      () => describeCall('Gather', bytesPart('Gather', 'sendbuf', mine), this.rootOf('Gather', root)),
      (port) => buffers.Gather(port, mine, recvbuf, root),
    );
  }

  /**
   * Gather parts of varying size into the root's `[recvbuf, counts, displs?]`.
   * @throws ERR_ROOT, ERR_COUNT, ERR_BUFFER, ERR_COLL_MISMATCH
   */
  async Gatherv(sendbuf: AnyTypedArray, recvbuf: buffers.VBuffer | null, root = 0): Promise<void> {
    return this.collective(
      'Gatherv',
      () => describeCall('Gatherv', this.rootOf('Gatherv', root)),
      (port) => buffers.Gatherv(port, sendbuf, recvbuf, root),
    );
  }

  /**
   * Every rank's equal `sendbuf` into every `recvbuf` in rank order. With IN_PLACE as
   * `sendbuf`, each rank's part is already at its place in `recvbuf`.
   * @throws ERR_BUFFER, ERR_COLL_MISMATCH
   */
  async Allgather(sendbuf: AnyTypedArray | InPlace, recvbuf: AnyTypedArray): Promise<void> {
    const mine = isInPlace(sendbuf) ? ownPart(recvbuf, this.rank, this.size) : sendbuf;
    return this.collective(
      'Allgather',
      () => describeCall('Allgather', bytesPart('Allgather', 'sendbuf', mine)),
      (port) => buffers.Allgather(port, mine, recvbuf),
    );
  }

  /** Allgather of parts of varying size into `[recvbuf, counts, displs?]`. @throws ERR_COUNT, ERR_BUFFER, ERR_COLL_MISMATCH */
  async Allgatherv(sendbuf: AnyTypedArray, recvbuf: buffers.VBuffer): Promise<void> {
    return this.collective(
      'Allgatherv',
      () => describeCall('Allgatherv'),
      (port) => buffers.Allgatherv(port, sendbuf, recvbuf),
    );
  }

  /** Part i of `sendbuf` to rank i, part j of `recvbuf` from rank j. @throws ERR_BUFFER, ERR_COLL_MISMATCH */
  async Alltoall(sendbuf: AnyTypedArray, recvbuf: AnyTypedArray): Promise<void> {
    return this.collective(
      'Alltoall',
      () => describeCall('Alltoall', bytesPart('Alltoall', 'sendbuf', sendbuf)),
      (port) => buffers.Alltoall(port, sendbuf, recvbuf),
    );
  }

  /**
   * Elementwise reduction into the root's `recvbuf`. The root may pass IN_PLACE as
   * `sendbuf`: its `recvbuf` is then its input and receives the result.
   * @throws ERR_ROOT, ERR_OP, ERR_BUFFER, ERR_COLL_MISMATCH
   */
  async Reduce(sendbuf: AnyTypedArray | InPlace, recvbuf: AnyTypedArray | null, op: Op = SUM, root = 0): Promise<void> {
    const mine = isInPlace(sendbuf) && this.rank === root ? ownPart(recvbuf) : sendbuf;
    return this.collective(
      'Reduce',
      () => describeCall('Reduce', typedPart('Reduce', 'sendbuf', mine), opPart('Reduce', op), this.rootOf('Reduce', root)),
      (port) => buffers.Reduce(port, mine, recvbuf, op, root),
    );
  }

  /**
   * Elementwise reduction into every rank's `recvbuf`, same bits everywhere. With IN_PLACE
   * as `sendbuf`, `recvbuf` is the input and receives the result.
   * @throws ERR_OP, ERR_BUFFER, ERR_COLL_MISMATCH
   * @example await comm.Allreduce(IN_PLACE, sums, SUM);
   */
  async Allreduce(sendbuf: AnyTypedArray | InPlace, recvbuf: AnyTypedArray, op: Op = SUM): Promise<void> {
    const mine = isInPlace(sendbuf) ? ownPart(recvbuf) : sendbuf;
    return this.collective(
      'Allreduce',
      () => describeCall('Allreduce', typedPart('Allreduce', 'sendbuf', mine), opPart('Allreduce', op)),
      (port) => buffers.Allreduce(port, mine, recvbuf, op, this.overrides),
      () => allreduceFuses(this.size, mine, op, this.overrides),
    );
  }

  /** Non-blocking barrier: the Request completes once every rank has entered it. */
  ibarrier(): Request<void> {
    const done = this.barrier();
    return new Request(() => done);
  }

  /** Non-blocking bcast; `await request.wait()` gives the value. */
  ibcast<T>(value: T, root = 0): Request<T> {
    const done = this.bcast(value, root);
    return new Request(() => done);
  }

  /** Non-blocking reduce; `wait()` gives the result on the root, `undefined` elsewhere. */
  ireduce<T>(value: T, op: Op = SUM, root = 0): Request<T | undefined> {
    const done = this.reduce(value, op, root);
    return new Request(() => done);
  }

  /** Non-blocking allreduce; `wait()` gives the result. */
  iallreduce<T>(value: T, op: Op = SUM): Request<T> {
    const done = this.allreduce(value, op);
    return new Request(() => done);
  }

  /**
   * A new communicator with the same group and fresh contexts (collective): it never sees
   * this communicator's traffic. Ranks agree on the context by allreduce-MAX of each
   * process's next free context id.
   * @throws ERR_COLL_MISMATCH
   */
  async Dup(): Promise<Comm> {
    const engine = this.runtime.engine;
    const base = await this.collective(
      'Dup',
      () => describeCall('Dup'),
      (port) => allreduce(port, engine.freeContextId, MAX, 'Dup'),
    );
    if (typeof base !== 'number') throw new MpiError('ERR_INTERN', 'Dup: no context id agreed');
    engine.claimContexts(base);
    return new Comm(this.runtime, base, this.group);
  }

  /**
   * Split into disjoint communicators, one per `color` (collective). Ranks are ordered by
   * `key`, then by rank here. `color = UNDEFINED` gives `null` on that rank.
   * @throws ERR_ARG for a color or key that is not an integer (color ≥ 0 or UNDEFINED); ERR_COLL_MISMATCH
   */
  async Split(color: number, key = 0): Promise<Comm | null> {
    const engine = this.runtime.engine;
    const entries = await this.collective(
      'Split',
      () => describeCall('Split'),
      (port) => {
        const mine = capture(() => {
          if (!Number.isInteger(color) || (color < 0 && color !== UNDEFINED))
            throw new MpiError('ERR_ARG', `Split: color must be a non-negative integer or UNDEFINED (got ${color})`);
          if (!Number.isInteger(key)) throw new MpiError('ERR_ARG', `Split: key must be an integer (got ${key})`);
          return [color, key, engine.freeContextId];
        });
        return allgather(port, mine);
      },
    );
    const rows = entries as [number, number, number][];
    const base = Math.max(...rows.map((row) => row[2]));
    engine.claimContexts(base);
    if (color === UNDEFINED) return null;
    const members = rows
      .map(([c, k], rank) => ({ c, k, rank }))
      .filter((row) => row.c === color)
      .sort((a, b) => a.k - b.k || a.rank - b.rank)
      .map((row) => this.worldRank(row.rank));
    return new Comm(this.runtime, base, members);
  }

  /**
   * A communicator whose ranks sit on a Cartesian grid of `dims` (collective; mpi4py's
   * `Create_cart`). Ranks are numbered row-major over the grid, in the order they have
   * here (`reorder` is accepted and ignored, as MPI allows). `periods[d]` makes dimension
   * `d` a ring; by default every dimension has two open ends, where `Shift` gives
   * PROC_NULL. Ranks beyond the grid's size get `null`.
   * @throws ERR_ARG for dims that are not positive integers, periods of another length, or a grid larger than the communicator
   * @example const cart = await comm.Create_cart([comm.size]); const [left, right] = cart!.Shift(0, 1);
   */
  async Create_cart(dims: readonly number[], periods?: readonly boolean[] | null, reorder = false): Promise<Cartcomm | null> {
    this.checkOpen('Create_cart');
    const shape = checkShape('Create_cart', dims, periods, this.size);
    if (typeof reorder !== 'boolean') throw new MpiError('ERR_ARG', `Create_cart: reorder must be a boolean (got ${String(reorder)})`);
    const cells = shape.dims.reduce((a, b) => a * b, 1);
    const grid = await this.Split(this.rank < cells ? 0 : UNDEFINED, this.rank);
    if (grid === null) return null;
    // Loaded here, not at the top: cart.ts extends Comm, so it can only load after this module.
    const { Cartcomm } = await import('./cart.js');
    return new Cartcomm(this.runtime, grid.context, grid.group, shape);
  }

  /** Release the communicator: later operations on it fail with ERR_COMM_CLOSED. Local; may be called repeatedly. */
  async Free(): Promise<void> {
    this.markFreed();
  }

  /** Messages and bytes this process has sent and received so far, all traffic included. */
  stats(): TrafficStats {
    return this.runtime.engine.stats();
  }

  /**
   * Run one collective call: describe it (`describe` also checks this rank's arguments
   * and may throw), and, at once, agree with every rank that all are in the same call
   * (src/collectives/agree.ts) and run the algorithm on a port of its own — the
   * communicator's collective context and a tag per call (the call's sequence number), so
   * concurrent collectives never take each other's messages. Every rank must call
   * collectives in the same order (as in MPI); when they do not, or when any rank's
   * arguments are bad, every rank rejects with the same error and no result is returned.
   */
  protected async collective<T>(
    name: string,
    describe: () => string,
    run: (port: CollPort) => Promise<T>,
    fuse?: () => boolean,
  ): Promise<T> {
    this.checkOpen(name);
    const seq = this.collectiveSeq;
    // Below 2³⁰: the agreement round's tag is derived from it (collective-port.ts).
    this.collectiveSeq = (this.collectiveSeq + 1) % 2 ** 30;
    let call = describeCall(name, '?');
    let local: MpiError | null = null;
    try {
      call = describe();
    } catch (error) {
      local = asMpiError(name, error);
    }
    const { port, link, conclude, fused } = callPorts({
      engine: this.runtime.engine,
      context: this.context + 1,
      seq,
      rank: this.rank,
      size: this.size,
      worldRank: (rank) => this.worldRank(rank),
      name,
      call,
    });
    const mine = contribution(this.rank, call, local);
    // A fused call (src/collectives/fused.ts): the algorithm's messages are the round's, and
    // the verdict comes from the state they gathered. Decided from what a matching call
    // shares on every rank; a rank with bad arguments runs the round alone (same pattern).
    const fusing = local === null && fuse !== undefined && fuse();
    const runFused = async (on: CollPort): Promise<T> => {
      const carrier = fused(mine);
      const running = await run(on.chose === undefined ? carrier.port : { ...carrier.port, chose: on.chose }).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      const verdict = verdictOf(carrier.state(), name, seq);
      conclude(verdict);
      if (verdict !== null) throw verdict;
      if ('error' in running) throw running.error;
      return running.value;
    };
    // Otherwise the round and the algorithm run at once: the call costs one latency, not
    // two. The algorithm's result is kept until the round has agreed; on a mismatch every
    // rank rejects with the round's verdict, whatever its algorithm did (see collective-port.ts).
    const runAgreed = async (on: CollPort): Promise<T> => {
      const agreed = agree(link, this.rank, this.size, mine, name, seq).then(
        () => null,
        (error: unknown) => asMpiError(name, error),
      );
      if (local !== null) {
        const verdict = (await agreed) ?? local;
        conclude(verdict);
        throw verdict;
      }
      const running = run(on).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      const verdict = await agreed;
      conclude(verdict);
      if (verdict !== null) throw verdict;
      const outcome = await running;
      if ('error' in outcome) throw outcome.error;
      return outcome.value;
    };
    // The whole call is one wait for the deadlock check (its messages are its parts).
    const untrack = this.runtime.engine.track(call, this.context + 1);
    const linear = this.overrides.linear === true;
    const ported: CollPort = linear ? { ...port, linear } : port;
    const recorder = this.runtime.engine.recorder;
    const t0 = recorder?.now() ?? 0;
    let algorithm: string | null = linear && LINEAR_COLLECTIVES.has(name) ? 'linear' : null;
    try {
      const on = recorder === null ? ported : { ...ported, chose: (chosen: string) => (algorithm = linear ? algorithm : chosen) };
      return await (fusing ? runFused(on) : runAgreed(on));
    } finally {
      untrack();
      recorder?.collective(t0, this.context + 1, seq, name, call, algorithm, this.traceName(), fusing);
    }
  }

  /** The `root N` part of a rooted collective's description, once `root` is checked. @throws ERR_ROOT */
  private rootOf(operation: string, root: unknown): string {
    return rootPart(checkRank(operation, 'root', root, this.size));
  }

  /** The communicator as a trace names it: `world`, or `comm <context> {world ranks}`. */
  private traceName(): string {
    if (this.context === 0) return 'world';
    const ranks = this.group.length <= 8 ? this.group.join(',') : `${this.group.slice(0, 4).join(',')},… ${this.group.length} ranks`;
    return `comm ${this.context} {${ranks}}`;
  }

  /** Algorithms forced by the environment. */
  private get overrides(): Overrides {
    return this.runtime.collectives ?? {};
  }

  /** Every rank of this communicator runs on one host (alike on every rank: from the launcher's table). */
  private get oneHost(): boolean {
    this.allOnOneHost ??= this.runtime.engine.onOneHost(this.group);
    return this.allOnOneHost;
  }

  /** World rank of communicator rank `rank`. */
  protected worldRank(rank: number): number {
    const world = this.group[rank];
    if (world === undefined) throw new MpiError('ERR_RANK', `comm: rank ${rank} is not in this communicator`);
    return world;
  }

  /** Mark freed: later operations fail with ERR_COMM_CLOSED. */
  protected markFreed(): void {
    this.freed = true;
  }

  protected checkOpen(operation: string): void {
    if (this.freed) throw new MpiError('ERR_COMM_CLOSED', `${operation}: the communicator has been freed`);
  }

  /** The value a received message carries (`undefined` from PROC_NULL). */
  private valueOf(message: Message): unknown {
    return message === NULL_MESSAGE ? undefined : this.runtime.engine.value(message);
  }

  /** Check a send's arguments and hand it to the engine; a bad argument rejects (never throws). */
  private startSend(operation: string, value: unknown, dest: number, tag: number, sync: boolean): Promise<void> {
    try {
      this.checkOpen(operation);
      tag = checkTag(operation, tag);
      if (dest === PROC_NULL) return Promise.resolve();
      dest = checkRank(operation, 'dest', dest, this.size);
      const label = this.sendLabels.label(operation, 'dest', dest, tag);
      if (!sync) return this.runtime.engine.sendStandard(value, this.worldRank(dest), this.context, this.rank, tag, label);
      return this.runtime.engine.send(value, {
        dest: this.worldRank(dest),
        context: this.context,
        source: this.rank,
        tag,
        mode: 'sync',
        label,
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Post a receive; `into` is the caller's buffer, where a large typed payload may be assembled directly. */
  private postReceive(
    operation: string,
    source: number,
    tag: number,
    accept?: (message: Message) => MpiError | null,
    into?: Uint8Array,
  ): Promise<Message> {
    try {
      const label = this.receiveLabel(operation, source, tag);
      if (label === null) return Promise.resolve(NULL_MESSAGE);
      return this.runtime.engine.receive({ context: this.context, source, tag, label, accept, into });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Check a receive's arguments: its label for errors and reports, or null for a receive
   * from PROC_NULL. @throws ERR_COMM_CLOSED, ERR_TAG, ERR_RANK
   */
  private receiveLabel(operation: string, source: number, tag: number): string | null {
    this.checkOpen(operation);
    checkTag(operation, tag, true);
    if (source === PROC_NULL) return null;
    checkRank(operation, 'source', source, this.size, true);
    return this.receiveLabels.label(operation, 'source', source, tag);
  }
}

/** Run `start`, turning a synchronous throw into a rejected promise (non-blocking calls never throw). */
function rejecting<T>(start: () => Promise<T>): Promise<T> {
  try {
    return start();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `error` as the MpiError a collective call `name` rejects with: itself, or ERR_INTERN wrapping it. */
function asMpiError(name: string, error: unknown): MpiError {
  return error instanceof MpiError ? error : new MpiError('ERR_INTERN', `${name}: ${String(error)}`, { cause: error });
}

function label(value: number): string {
  if (value === ANY_SOURCE) return 'ANY_SOURCE';
  if (value === ANY_TAG) return 'ANY_TAG';
  return String(value);
}

/**
 * A call's label for errors and reports, `Recv(source=1, tag=ANY_TAG)`: the last one made
 * is kept and given again while a loop repeats the same call, since building it costs
 * more than much of a small message's own work.
 */
class CallLabels {
  private operation = '';
  private peer = Number.NaN;
  private tag = Number.NaN;
  private text = '';

  label(operation: string, word: 'dest' | 'source', peer: number, tag: number): string {
    if (operation !== this.operation || peer !== this.peer || tag !== this.tag) {
      this.operation = operation;
      this.peer = peer;
      this.tag = tag;
      this.text = `${operation}(${word}=${label(peer)}, tag=${label(tag)})`;
    }
    return this.text;
  }
}

export { isTypedArray };
