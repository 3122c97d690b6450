/**
 * Comm: a communicator — a group of ranks and private contexts for their messages.
 * Names and meanings follow mpi4py; everything that communicates returns a Promise.
 *
 * Guarantees, for every communicator:
 * - Messages from one sender to one receiver on one communicator are received in the
 *   order they were sent (non-overtaking), whatever the tags and wildcards.
 * - A send never waits for the receiver to post its receive: messages are buffered on
 *   the receiving side (eager). `send` resolves once the message is queued for
 *   delivery; the value may then be changed freely. `ssend` resolves only once the
 *   receiver has matched the message.
 * - A message nobody has asked for yet waits, in order, until it is received.
 * - Collectives use a context of their own, so they never match a point-to-point
 *   receive, not even `recv(ANY_SOURCE, ANY_TAG)` posted while they run.
 * - Messages a program sent before it exits are delivered.
 */
import { bytesOf, isTypedArray, type AnyTypedArray } from '../codec/codec.js';
import type { CollPort } from '../collectives/port.js';
import { MpiError } from '../errors.js';
import type { Engine, Message, TrafficStats } from './engine.js';
import { ANY_SOURCE, ANY_TAG } from './matching.js';
import { Request } from './request.js';
import { Status } from './status.js';
import { checkBuffer, checkRank, checkTag } from './validate.js';

/** What a communicator needs from the runtime. */
export interface CommRuntime {
  readonly engine: Engine;
  /** End the whole job with `code` (never returns). */
  readonly abort: (code: number, reason: string) => never;
}

function fill(status: Status | undefined, message: Message, elementBytes: number): void {
  if (status === undefined) return;
  status.source = message.source;
  status.tag = message.tag;
  status.byteLength = message.byteLength;
  status.count = message.encoding === 1 ? message.byteLength / elementBytes : message.byteLength;
}

function elementBytesOf(message: Message): number {
  const sizes = [1, 1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8];
  return message.encoding === 1 ? (sizes[message.typeCode] ?? 1) : 1;
}

export class Comm {
  /** This process's rank in the communicator. */
  readonly rank: number;
  /** Number of ranks in the communicator. */
  readonly size: number;
  private collectiveSeq = 0;
  private freed = false;

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
  }

  Get_rank(): number {
    return this.rank;
  }

  Get_size(): number {
    return this.size;
  }

  /**
   * Send `value` to `dest`. Resolves once the message is queued (the receiver need not
   * have posted a receive); the value may be reused at once.
   * @throws ERR_RANK, ERR_TAG, ERR_CODEC (function, symbol...), ERR_COMM_CLOSED
   * @example await comm.send({ step: 1 }, 1, 7);
   */
  async send(value: unknown, dest: number, tag = 0): Promise<void> {
    return this.post('send', value, dest, tag, false);
  }

  /** Synchronous send: resolves only once `dest` has matched the message (MPI_Ssend). */
  async ssend(value: unknown, dest: number, tag = 0): Promise<void> {
    return this.post('ssend', value, dest, tag, true);
  }

  /**
   * Receive a value from `source` (default ANY_SOURCE) with `tag` (default ANY_TAG).
   * Fills `status` with the sender, tag and size.
   * @throws ERR_RANK, ERR_TAG, ERR_COMM_CLOSED
   * @example const data = await comm.recv(0, 11);
   */
  async recv(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<unknown> {
    const message = await this.match('recv', source, tag);
    fill(status, message, elementBytesOf(message));
    return this.runtime.engine.value(message);
  }

  /** Non-blocking send; the Request resolves as `send` would. */
  isend(value: unknown, dest: number, tag = 0): Request<void> {
    const sent = this.post('isend', value, dest, tag, false);
    return new Request(() => sent);
  }

  /** Non-blocking synchronous send. */
  issend(value: unknown, dest: number, tag = 0): Request<void> {
    const sent = this.post('issend', value, dest, tag, true);
    return new Request(() => sent);
  }

  /** Non-blocking receive; `await request.wait(status)` gives the value. */
  irecv(source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<unknown> {
    const matched = this.match('irecv', source, tag);
    return new Request(async (status) => {
      const message = await matched;
      fill(status, message, elementBytesOf(message));
      return this.runtime.engine.value(message);
    });
  }

  /** Send to `dest` and receive from `source` at once (never deadlocks on a ring). */
  async sendrecv(
    value: unknown,
    dest: number,
    sendtag = 0,
    source: number = ANY_SOURCE,
    recvtag: number = ANY_TAG,
    status?: Status,
  ): Promise<unknown> {
    const received = this.match('sendrecv', source, recvtag);
    const sent = this.post('sendrecv', value, dest, sendtag, false);
    const [message] = await Promise.all([received, sent]);
    fill(status, message, elementBytesOf(message));
    return this.runtime.engine.value(message);
  }

  /** Wait until a matching message can be received, without receiving it; fills `status`. */
  async probe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<void> {
    this.checkOpen('probe');
    source = checkRank('probe', 'source', source, this.size, true);
    tag = checkTag('probe', tag, true);
    const message = await this.runtime.engine.probe(this.context, source, tag, `probe(source=${label(source)}, tag=${label(tag)})`);
    fill(status, message, elementBytesOf(message));
  }

  /** True if a matching message has arrived (without receiving it); fills `status` when true. */
  async iprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<boolean> {
    this.checkOpen('iprobe');
    source = checkRank('iprobe', 'source', source, this.size, true);
    tag = checkTag('iprobe', tag, true);
    const message = await this.runtime.engine.iprobe(this.context, source, tag, 'iprobe');
    if (message === undefined) return false;
    fill(status, message, elementBytesOf(message));
    return true;
  }

  /**
   * Send the contents of a typed array (buffer form). Its bytes travel as one frame
   * without being copied into msgpack; the element type is kept.
   * @throws ERR_BUFFER if `buf` is not a typed array, ERR_RANK, ERR_TAG
   */
  async Send(buf: AnyTypedArray, dest: number, tag = 0): Promise<void> {
    checkBuffer('Send', 'buf', buf);
    return this.post('Send', buf, dest, tag, false);
  }

  /**
   * Receive into the caller's typed array. A message larger than `buf` fails with
   * ERR_TRUNCATE and is not lost: a later receive with a big enough buffer gets it.
   * Bytes are copied as they are (like MPI, element types are the caller's business).
   * @throws ERR_BUFFER, ERR_TRUNCATE, ERR_RANK, ERR_TAG
   */
  async Recv(buf: AnyTypedArray, source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<void> {
    checkBuffer('Recv', 'buf', buf);
    const message = await this.match('Recv', source, tag, (candidate) => fits('Recv', candidate, buf));
    copyInto(buf, message);
    fill(status, message, buf.BYTES_PER_ELEMENT);
  }

  /** Non-blocking buffer send. */
  Isend(buf: AnyTypedArray, dest: number, tag = 0): Request<void> {
    checkBuffer('Isend', 'buf', buf);
    const sent = this.post('Isend', buf, dest, tag, false);
    return new Request(() => sent);
  }

  /** Non-blocking buffer receive into `buf`. */
  Irecv(buf: AnyTypedArray, source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<void> {
    checkBuffer('Irecv', 'buf', buf);
    const matched = this.match('Irecv', source, tag, (candidate) => fits('Irecv', candidate, buf));
    return new Request(async (status) => {
      const message = await matched;
      copyInto(buf, message);
      fill(status, message, buf.BYTES_PER_ELEMENT);
    });
  }

  /** End the whole job with exit code `code` (MPI_Abort). Never returns. */
  Abort(code = 1): never {
    return this.runtime.abort(Number.isInteger(code) ? code : 1, `rank ${this.rank} called Abort(${code})`);
  }

  /** Messages and bytes this process has sent and received so far, all traffic included. */
  stats(): TrafficStats {
    return this.runtime.engine.stats();
  }

  /**
   * Run one collective on a fresh port bound to this communicator's collective context
   * and a tag of its own, so concurrent collectives never take each other's messages.
   * Every rank must call collectives in the same order (as in MPI).
   */
  protected collective<T>(name: string, run: (port: CollPort) => Promise<T>): Promise<T> {
    this.checkOpen(name);
    const engine = this.runtime.engine;
    const context = this.context + 1;
    const tag = this.collectiveSeq;
    this.collectiveSeq = (this.collectiveSeq + 1) % 2 ** 31;
    const port: CollPort = {
      rank: this.rank,
      size: this.size,
      send: (value, dest) => engine.send(value, null, this.worldRank(dest), context, this.rank, tag, false, name),
      recv: async (source) => engine.value(await engine.receive(context, source, tag, `${name} (waiting for rank ${source})`)),
    };
    return run(port);
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

  private post(operation: string, value: unknown, dest: number, tag: number, sync: boolean): Promise<void> {
    try {
      this.checkOpen(operation);
      dest = checkRank(operation, 'dest', dest, this.size);
      tag = checkTag(operation, tag);
      const engine = this.runtime.engine;
      return engine.send(value, null, this.worldRank(dest), this.context, this.rank, tag, sync, `${operation}(dest=${dest}, tag=${tag})`);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private match(operation: string, source: number, tag: number, accept?: (message: Message) => MpiError | null): Promise<Message> {
    try {
      this.checkOpen(operation);
      source = checkRank(operation, 'source', source, this.size, true);
      tag = checkTag(operation, tag, true);
      const description = `${operation}(source=${label(source)}, tag=${label(tag)})`;
      return this.runtime.engine.receive(this.context, source, tag, description, accept);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

function label(value: number): string {
  if (value === ANY_SOURCE) return 'ANY_SOURCE';
  if (value === ANY_TAG) return 'ANY_TAG';
  return String(value);
}

function fits(operation: string, message: Message, buf: AnyTypedArray): MpiError | null {
  if (message.encoding !== 1) {
    return new MpiError('ERR_BUFFER', `${operation}: the message from rank ${message.source} (tag ${message.tag}) is not a typed array; receive it with recv()`);
  }
  if (message.byteLength > buf.byteLength) {
    return new MpiError(
      'ERR_TRUNCATE',
      `${operation}: message from rank ${message.source} (tag ${message.tag}) has ${message.byteLength} bytes but the buffer holds ${buf.byteLength}; the message is kept for a larger receive`,
    );
  }
  return null;
}

function copyInto(buf: AnyTypedArray, message: Message): void {
  const frame = message.frames[0];
  if (frame !== undefined) bytesOf(buf).set(frame);
}

export { isTypedArray };
