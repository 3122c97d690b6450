/**
 * The message engine of one process: frames values into messages, hands them to the
 * transport, matches arrivals against posted receives, runs the eager and rendezvous
 * protocols, counts traffic, and allocates context ids. Communicators are views onto it
 * (a context id plus a group); it knows nothing of sockets.
 *
 * ## Protocols (as MPI libraries do)
 *
 * The transport may read a frame's memory after its `send` resolved (zeromq hands frames
 * over 128 bytes to libzmq without copying), so the engine decides when a sender's
 * buffer is free again:
 *
 * - **Eager** (payload ≤ the eager limit, {@link DEFAULT_EAGER_LIMIT} unless configured):
 *   the payload is copied into the message's single frame before it is handed over, and
 *   the send resolves at once. The receiver buffers it until a receive matches.
 *   A synchronous send (`ssend`) resolves when the receiver's Ack says it matched.
 * - **Rendezvous** (larger payloads): only the envelope travels first (RTS: context,
 *   source, tag, encoding, frame sizes). It takes its place in the matching queues like
 *   any message, so ordering, probe and ERR_TRUNCATE see it. When a receive matches it,
 *   the receiver asks for the data (CTS); the sender hands its frames over without
 *   copying (BULK); the receiver, holding every byte, says so (DONE), and only then does
 *   the send resolve: the buffer is provably the sender's again, and no large payload
 *   ever waits on a receiver that has not asked for it.
 * - **Owned** (collective temporaries the algorithm never touches again): frames are
 *   handed over without copy and without rendezvous; the send resolves at once.
 *
 * A rendezvous send to a rank that finishes without receiving it is refused (REFUSE)
 * and rejects with ERR_NOT_RECEIVED; a matched receive whose sender finished before
 * sending the data is cancelled (CANCEL) and rejects likewise.
 *
 * The receiver copies each BULK chunk into place as it arrives (into the caller's typed
 * array for `Recv`), so the copy overlaps the transfer of the next chunk.
 *
 * Between ranks on one host whose job directory is in RAM (the transport offers
 * `sharedFiles`), a rendezvous payload of at least {@link DEFAULT_SHARED_MIN} bytes
 * travels through a file instead of BULK messages: on CTS the sender writes it, part by
 * part, into a file it keeps for that receiver, and after each part sends a FILE message
 * (the envelope of those bytes); the receiver reads each part straight into place. One
 * copy on each side, where the sockets make three (into the kernel, out of it into
 * libzmq's message, into place). The file is the sender's again at DONE, as the buffer is.
 * A part the file system refuses (full) goes as BULK messages instead, with the rest.
 *
 * **Eager through a file** (same host, files offered): a standard send of at least that
 * size and at most {@link FILE_EAGER_MAX} bytes skips the rendezvous. The sender writes
 * the whole payload into one of its files at once and sends the envelope (FILE_EAGER);
 * the send resolves as an eager one does, the buffer being copied. The receiver reads the
 * file into place when a receive matches and then frees it (FREED). Two one-way trips
 * fewer than the rendezvous, which at 1 MiB are a third of the time. The files not yet
 * read are bounded per rank ({@link FILE_EAGER_CREDIT}): beyond it a send takes the
 * rendezvous, so a flood of large sends still queues only envelopes.
 *
 * The wire format of each kind of message is in wire.ts.
 */
// The module's binding, not the global: Node 20's `globalThis.performance` is a getter, run on every use.
import { performance } from 'node:perf_hooks';
import { bytesOf, decode, encode, Encoding, typedLayout, type AnyTypedArray, type Encoded, type TypedLayout } from '../codec/codec.js';
import { MpiError } from '../errors.js';
import type { SharedFiles } from '../transport/shared-files.js';
import type { Transport } from '../transport/transport.js';
import type { Recorder } from '../trace/recorder.js';
import { RankCounts } from './counts.js';
import { fits, land } from './landing.js';
import { PendingList, type Pending, type WaitsOn } from './pending.js';
import { ANY_SOURCE, ANY_TAG, MatchingEngine, type PostedReceive, type ProbeWaiter } from './matching.js';
import type { Status } from './status.js';
import {
  bulkMessages,
  clockMessage,
  controlMessage,
  eagerMessage,
  eagerTyped,
  Kind,
  fileEagerMessage,
  fileMessage,
  ownedMessage,
  parse,
  pieces,
  rtsMessage,
  type DataEnvelope,
  type Message,
} from './wire.js';

/**
 * Default eager limit in bytes of payload: 64 KiB, Open MPI's TCP eager limit. Below it a
 * copy costs less than the rendezvous' two extra one-way trips (~35 µs each here); it
 * must stay well below 1 MiB so that a flood of 1 MiB sends queues only envelopes.
 * bench/pingpong-rank.ts measures both sides of it (64 KiB eager, 1 MiB rendezvous).
 */
export const DEFAULT_EAGER_LIMIT = 64 * 1024;

/**
 * Smallest payload passed through a shared file (same host, job directory in RAM) rather
 * than over the socket: every payload above the eager limit goes through a file,
 * eagerly up to {@link FILE_EAGER_MAX}. Measured with bench/pingpong-rank.ts (paired with raw
 * zeromq.js in the same processes, 7 rounds, a loaded 2-core machine): 128 KiB took 419 µs
 * eagerly through a file against 533 µs by the socket's rendezvous, 256 KiB 409 against
 * 641 µs, 1 MiB 1.2 against 1.6 ms. Before the eager path, with the rendezvous alone, files
 * won only from 512 KiB (its round trips dominated below).
 */
export const DEFAULT_SHARED_MIN = DEFAULT_EAGER_LIMIT + 1;

/**
 * Largest part of a payload written to a shared file before its FILE message goes: the
 * receiver reads one part while the sender writes the next. Parts of 1, 2 and 4 MiB were
 * within the noise of each other for 16 MiB payloads on this machine; 256 KiB parts were
 * slower (a message and a wake-up per part).
 */
export const FILE_PART_BYTES = 2 * 1024 * 1024;

/**
 * Largest payload sent eagerly through a shared file (FILE_EAGER, see above): larger ones
 * take the rendezvous, whose parts let the receiver read while the sender still writes.
 */
export const FILE_EAGER_MAX = 4 * 1024 * 1024;

/**
 * Most bytes a rank keeps in files sent eagerly and not yet read by their receivers
 * (FREED): a send beyond it takes the rendezvous, so unreceived payloads cannot grow the
 * RAM-backed job directory without bound.
 */
export const FILE_EAGER_CREDIT = 16 * 1024 * 1024;

/** How a message is sent; see the protocols above. */
export type SendMode = 'standard' | 'sync' | 'owned';

/** Where and how {@link Engine.send} sends a value. */
export interface SendOptions {
  /** World rank of the receiver. */
  readonly dest: number;
  readonly context: number;
  /** The sender's rank in the communicator (what the receiver matches on). */
  readonly source: number;
  readonly tag: number;
  /** Default 'standard'. */
  readonly mode?: SendMode;
  /** The call, for errors and the --timeout report: `send(dest=1, tag=0)`. */
  readonly label: string;
  /** Carried in the header's control block (wire.ts), unread by the engine. */
  readonly control?: Uint8Array | null;
  /** The value's encoding, when the caller has already made it (the value is then not read). */
  readonly encoded?: Encoded;
}

export type { Message };

/** What {@link Engine.receive} receives, and how. */
export interface ReceiveOptions {
  readonly context: number;
  /** The sender's rank in the communicator, or ANY_SOURCE. */
  readonly source: number;
  /** The tag, or ANY_TAG. */
  readonly tag: number;
  /** The call, for errors and the --timeout report: `recv(source=1, tag=0)`. */
  readonly label: string;
  /** May refuse a matched message (it then stays queued, in order) and fail this receive instead. */
  readonly accept?: Acceptor | undefined;
  /** The caller's buffer, where a large typed payload may be assembled directly. */
  readonly into?: Uint8Array | undefined;
  /** Fails this receive once withdrawn (a collective abandoned by every rank). */
  readonly withdrawal?: Withdrawal | undefined;
}

/** Traffic counters since init: every data message, user and collective, counted once. */
export interface TrafficStats {
  sent: { messages: number; bytes: number };
  received: { messages: number; bytes: number };
}

/** A message that was never received, for the end-of-job report. */
export interface Unreceived {
  /** World rank of the sender. */
  readonly origin: number;
  readonly tag: number;
  /** True for a collective's internal message (a collective some rank never completed). */
  readonly collective: boolean;
}

/** Decides whether a matched message is accepted; returns the error to fail the receive with otherwise. */
export type Acceptor = (message: Message) => MpiError | null;

export interface EngineOptions {
  /** Largest payload sent eagerly (copied, buffered by the receiver). */
  readonly eagerLimit?: number;
  /** Smallest payload passed through the transport's shared files when it offers them; default {@link DEFAULT_SHARED_MIN}. */
  readonly sharedMin?: number;
  /** One line of diagnostics (dropped malformed messages); default: stderr. */
  readonly warn?: (line: string) => void;
  /** Records every data message, receive and probe (tracing, src/trace/); none by default. */
  readonly recorder?: Recorder | null;
}

/**
 * One operation this process waits in, for the launcher's deadlock check: `label` as the
 * program wrote the call (`ssend(dest=1, tag=0)`, or a collective's `bcast(root 0)`),
 * and the world ranks whose messages could complete it.
 */
export interface Wait {
  readonly label: string;
  readonly peers: readonly number[];
}

/**
 * Messages of every kind (data and protocol) handed to the transport per destination, and
 * arrived per origin: [world rank, count] pairs.
 */
export interface WireCounts {
  readonly sent: readonly (readonly [number, number])[];
  readonly arrived: readonly (readonly [number, number])[];
}

/** A rendezvous send waiting for its CTS, then its DONE. */
interface Outgoing {
  readonly dest: number;
  readonly frames: readonly Uint8Array[];
  readonly byteLength: number;
  /** The shared file its payload is being written to, once the CTS came (else null). */
  slot: number | null;
  /** False once the file system refused a write to {@link slot}: the file is not kept for reuse. */
  keepSlot: boolean;
  readonly label: string;
  readonly resolve: () => void;
  readonly reject: (error: MpiError) => void;
}

/** A matched rendezvous message whose data is arriving, chunk by chunk, into `into`. */
interface Incoming {
  readonly message: Message;
  /** Where each payload frame is assembled (the caller's buffer, or fresh memory). */
  readonly into: Uint8Array[];
  /** Next frame to fill, and bytes of it filled. */
  frame: number;
  offset: number;
  received: number;
  /** The receive it completes. */
  readonly receive: Receive;
}

/**
 * Where a rendezvous payload is assembled: straight into the caller's buffer for a typed
 * array received with `Recv` (one copy, overlapping the transfer), else fresh memory.
 */
function destination(message: Message, into: Uint8Array | undefined): Uint8Array[] {
  if (
    into !== undefined &&
    message.layout.encoding === Encoding.Typed &&
    message.lengths.length === 1 &&
    into.byteLength >= message.byteLength
  ) {
    return [into.subarray(0, message.byteLength)];
  }
  // allocUnsafeSlow: memory of its own at offset 0, so any element type can view it in place.
  return message.lengths.map((length) => Buffer.allocUnsafeSlow(length));
}

/**
 * The first context id Dup and Split may use: the world communicator holds 0 (its
 * point-to-point traffic) and 1 (its collectives).
 */
export const FIRST_FREE_CONTEXT = 2;

/**
 * Withdraws pending receives on request: a collective call that every rank abandoned (a
 * mismatch found by the agreement round) withdraws the receives its algorithm still has
 * posted, so none of them waits for a message that will never come.
 */
export class Withdrawal {
  private readonly hooks = new Set<(error: MpiError) => void>();
  private reason: MpiError | null = null;

  /** Fail every receive watching this withdrawal, now and from now on, with `error`. Repeatable. */
  withdraw(error: MpiError): void {
    if (this.reason !== null) return;
    this.reason = error;
    for (const hook of [...this.hooks]) hook(error);
    this.hooks.clear();
  }

  /** The error given to {@link withdraw}, or null while it has not been called. */
  get withdrawn(): MpiError | null {
    return this.reason;
  }

  /** Run `hook` on withdrawal; returns the function that stops watching. */
  watch(hook: (error: MpiError) => void): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }
}

function key(origin: number, seq: number): number {
  return origin * 2 ** 32 + seq;
}

/** One number for a (context, tag) pair; tags are 32-bit signed. */
function callKey(context: number, tag: number): number {
  return context * 2 ** 32 + (tag >>> 0);
}

/**
 * One posted receive: its entry in the matching engine's posted queue, in the pending set
 * (deadlock check, --timeout report, finalize) and its promise's settlement, all in one
 * object with no closures of its own (a receive is the hot path).
 */
class Receive implements PostedReceive<Message>, Pending {
  since = 0;
  /** Set once a rendezvous message matched: the key its data arrives under. */
  awaiting: number | null = null;
  release: (() => void) | null = null;
  unwatch: (() => void) | null = null;
  resolve: (value: Message | undefined) => void = ignore;
  reject: (error: MpiError) => void = ignore;
  prev: Pending | null | undefined = undefined;
  next: Pending | null | undefined = undefined;

  constructor(
    private readonly engine: Engine,
    readonly context: number,
    readonly source: number,
    readonly tag: number,
    readonly label: string,
    readonly accept: Acceptor | undefined,
    readonly into: Uint8Array | undefined,
    /** The buffer a buffer receive (`Recv`) lands in; it then resolves with nothing. Undefined: it resolves with the message. */
    readonly buf: AnyTypedArray | undefined,
    readonly status: Status | undefined,
    /** The call, for the errors of a buffer receive (`Recv`). */
    readonly operation: string,
  ) {}

  /** Whom it waits for: a communicator rank (or ANY_SOURCE) of its context. */
  get on(): WaitsOn {
    return this;
  }

  /** Offered a matching message by the matching engine; false declines it. */
  take(message: Message): boolean {
    return this.engine.offer(this, message);
  }

  /** The whole message is here. */
  succeed(message: Message): void {
    this.settle();
    if (this.buf === undefined) return this.resolve(message);
    land(this.buf, this.status, message, this.into);
    this.resolve(undefined);
  }

  /** Failed after it left the posted queue (refused, or its rendezvous data failed). */
  refuse(error: MpiError): void {
    this.settle();
    this.reject(error);
  }

  /** Failed from outside (finalize, a transport failure, a withdrawal): withdraw it first. */
  fail(error: MpiError): void {
    this.engine.withdraw(this);
    this.refuse(error);
  }

  private settle(): void {
    this.release?.();
    this.release = null;
    this.unwatch?.();
    this.unwatch = null;
    this.engine.settled(this);
  }
}

function ignore(): void {}

export class Engine {
  readonly rank: number;
  readonly size: number;
  /** Largest payload sent eagerly. */
  readonly eagerLimit: number;
  /** Smallest payload passed through shared files. */
  readonly sharedMin: number;
  /** The trace recorder, or null when tracing is off (then nothing is recorded and nothing costs). */
  readonly recorder: Recorder | null;
  /** Receives CLOCK messages while a clock measurement runs (src/comm/clock.ts). */
  clockHandler: ((message: Message) => void) | null = null;
  private readonly matching = new MatchingEngine<Message>();
  private readonly acks = new Map<number, () => void>();
  private readonly outgoing = new Map<number, Outgoing>();
  private readonly incoming = new Map<number, Incoming>();
  /** Files written by eager sends and not yet read, by slot: their receiver and size. */
  private readonly eagerFiles = new Map<number, { readonly dest: number; readonly bytes: number }>();
  private eagerFileBytes = 0;
  private readonly pending = new PendingList();
  /** World rank of each communicator rank, per p2p context (registered by each Comm). */
  private readonly groups = new Map<number, readonly number[]>();
  /** Every message (data or protocol) handed to the transport per destination / arrived per origin: the deadlock check compares these. */
  private readonly wireSent: RankCounts;
  private readonly wireArrived: RankCounts;
  private readonly warn: (line: string) => void;
  private nextSeq = 1;
  private nextContextId = FIRST_FREE_CONTEXT;
  private closed = false;
  private finished = false;
  private readonly counters: TrafficStats = { sent: { messages: 0, bytes: 0 }, received: { messages: 0, bytes: 0 } };
  /** Data messages (eager or RTS) sent to / arrived from each world rank: the end-of-job drain compares these. */
  private readonly sentTo: RankCounts;
  /** {@link sendFailed}'s functions, by destination. */
  private readonly failedTo: (() => void)[] = [];
  private readonly arrivedFrom: RankCounts;
  private drained: { readonly expect: ReadonlyMap<number, number>; readonly resolve: () => void } | null = null;
  /** (context, tag) pairs of calls abandoned by every rank ({@link abandon}): their messages are dropped on arrival. */
  private readonly abandoned = new Set<number>();
  /** Data sends handed to the transport and not yet settled; `quiet` wakes finish() when none are left. */
  private inflight = 0;
  private quiet: (() => void) | null = null;

  constructor(
    private readonly transport: Transport,
    options: EngineOptions = {},
  ) {
    this.rank = transport.rank;
    this.size = transport.size;
    this.wireSent = new RankCounts(this.size);
    this.wireArrived = new RankCounts(this.size);
    this.sentTo = new RankCounts(this.size);
    this.arrivedFrom = new RankCounts(this.size);
    this.eagerLimit = options.eagerLimit ?? DEFAULT_EAGER_LIMIT;
    this.sharedMin = options.sharedMin ?? DEFAULT_SHARED_MIN;
    this.warn = options.warn ?? ((line) => process.stderr.write(`${line}\n`));
    this.recorder = options.recorder ?? null;
    transport.setHandler(
      (frames) => this.arrive(frames),
      (error) => this.fault(error),
    );
  }

  /** The lowest context id this process has not used; communicator creation agrees on a maximum of these. */
  get freeContextId(): number {
    return this.nextContextId;
  }

  /** Claim the pair of context ids starting at `base` (p2p = base, collective = base + 1). */
  claimContexts(base: number): void {
    if (!Number.isInteger(base) || base < FIRST_FREE_CONTEXT) throw new MpiError('ERR_INTERN', `context: invalid context base ${base}`);
    this.nextContextId = Math.max(this.nextContextId, base + 2);
  }

  stats(): TrafficStats {
    return {
      sent: { ...this.counters.sent },
      received: { ...this.counters.received },
    };
  }

  /**
   * Send `value` to world rank `options.dest`. Resolves when the sender's memory is its
   * own again: at once for an eager or owned message, once the receiver holds every byte
   * for a rendezvous one; with mode 'sync', also not before the receiver has matched the
   * message (MPI_Ssend).
   * @throws ERR_COMM_CLOSED, ERR_CODEC; rejects with ERR_NOT_RECEIVED, ERR_TRANSPORT
   */
  send(value: unknown, options: SendOptions): Promise<void> {
    const recorder = this.recorder;
    if (recorder === null) return this.transmit(value, options);
    const { dest, context, tag, label, control = null } = options;
    return this.traced(recorder, dest, context, tag, label, control, () => this.transmit(value, options));
  }

  /** Record the send that `start` hands over (tracing on). */
  private traced(
    recorder: Recorder,
    dest: number,
    context: number,
    tag: number,
    label: string,
    control: Uint8Array | null,
    start: () => Promise<void>,
  ): Promise<void> {
    const t0 = recorder.now();
    const [before, bytes] = [this.sentTo.get(dest), this.counters.sent.bytes];
    // A send hands the message over before its first await: its number is known now.
    const sent = start();
    const n = this.sentTo.get(dest);
    return recorder.sent(sent, t0, dest, n === before ? 0 : n, context, tag, this.counters.sent.bytes - bytes, label, control);
  }

  /**
   * {@link send} in standard mode, with the arguments one by one (no options object): the
   * hot path of a point-to-point send. A small typed array goes as one frame of header and
   * a copy of its bytes, made without the codec's intermediate objects.
   */
  sendStandard(value: unknown, dest: number, context: number, source: number, tag: number, label: string): Promise<void> {
    const layout = typedLayout(value);
    if (layout === null || (value as AnyTypedArray).byteLength > this.eagerLimit)
      return this.send(value, { dest, context, source, tag, label });
    const recorder = this.recorder;
    if (recorder === null) return this.sendTyped(value as AnyTypedArray, layout, dest, context, source, tag, label);
    return this.traced(recorder, dest, context, tag, label, null, () =>
      this.sendTyped(value as AnyTypedArray, layout, dest, context, source, tag, label),
    );
  }

  /** An eager standard send of a small typed array: its bytes copied behind the header, in one frame. */
  private sendTyped(
    value: AnyTypedArray,
    layout: TypedLayout,
    dest: number,
    context: number,
    source: number,
    tag: number,
    label: string,
  ): Promise<void> {
    let bytes: Uint8Array;
    try {
      this.ensureOpen(label);
      bytes = bytesOf(value);
    } catch (error) {
      return Promise.reject(error);
    }
    this.counters.sent.messages++;
    this.counters.sent.bytes += bytes.byteLength;
    return this.dataSend(dest, eagerTyped(layout, bytes, context, source, tag, this.rank));
  }

  /** Hand the message over (synchronously, before any await) and return how its send settles. */
  private transmit(value: unknown, options: SendOptions): Promise<void> {
    const { dest, context, source, tag, mode = 'standard', label, control = null } = options;
    let body: Encoded;
    try {
      this.ensureOpen(label);
      body = options.encoded ?? encode(value, label);
    } catch (error) {
      return Promise.reject(error);
    }
    this.counters.sent.messages++;
    this.counters.sent.bytes += body.byteLength;
    if (mode === 'owned') return this.dataSend(dest, ownedMessage(body, { context, source, tag, seq: 0, origin: this.rank, control }));
    if (body.byteLength > this.eagerLimit) {
      const throughFile =
        mode === 'standard' ? this.eagerFile(body, dest, { context, source, tag, seq: 0, origin: this.rank, control }) : null;
      return throughFile ?? this.rendezvous(body, dest, { context, source, tag, seq: this.nextSeq++, origin: this.rank, control }, label);
    }
    // The common case, a small standard send, is one frame handed over: no async frame of its own.
    if (mode !== 'sync')
      return this.dataSend(dest, eagerMessage(false, body, { context, source, tag, seq: 0, origin: this.rank, control }));
    return this.syncSend(body, dest, { context, source, tag, seq: this.nextSeq++, origin: this.rank, control }, label);
  }

  /** An eager synchronous send (ssend): resolves once the receiver's Ack says it matched. */
  private async syncSend(body: Encoded, dest: number, envelope: DataEnvelope, label: string): Promise<void> {
    const { context, seq } = envelope;
    const frames = eagerMessage(true, body, envelope);
    const acked = new Promise<void>((resolve, reject) => {
      const release = this.transport.keepReceiving();
      const entry: Pending = {
        label,
        since: performance.now(),
        on: { world: dest, context },
        fail: (error) => {
          this.acks.delete(seq);
          release();
          reject(error);
        },
      };
      this.pending.add(entry);
      this.acks.set(seq, () => {
        this.pending.delete(entry);
        release();
        resolve();
      });
    });
    await this.dataSend(dest, frames);
    await acked;
  }

  /**
   * Receive the next message matching (context, source, tag). `options.accept` may refuse a
   * matched message (it then stays queued, in order) and fail this receive instead.
   * Resolves once the whole message is here (for a rendezvous message, after its data).
   */
  receive(options: ReceiveOptions): Promise<Message> {
    const { context, source, tag, label, accept, into, withdrawal } = options;
    const recorder = this.recorder;
    const received = this.match(new Receive(this, context, source, tag, label, accept, into, undefined, undefined, label), withdrawal);
    if (recorder === null) return received as Promise<Message>;
    return recorder.received(received as Promise<Message>, recorder.now(), context, tag, label);
  }

  /**
   * A buffer receive (`Recv`): {@link receive} a typed payload that fits `buf` into it and
   * record it in `status`; resolves once it is there, with nothing. The arguments come
   * one by one (no options object): this is the hot path of a receive.
   * @throws ERR_COMM_CLOSED; rejects with ERR_BUFFER (not a typed array), ERR_TRUNCATE (too large), ERR_NOT_RECEIVED
   */
  receiveInto(
    context: number,
    source: number,
    tag: number,
    label: string,
    operation: string,
    buf: AnyTypedArray,
    status: Status | undefined,
  ): Promise<void> {
    const recorder = this.recorder;
    // Landed as it matches: the caller's await resumes one promise step after the arrival.
    if (recorder === null)
      return this.match(new Receive(this, context, source, tag, label, undefined, bytesOf(buf), buf, status, operation)) as Promise<void>;
    const accept = (message: Message): MpiError | null => fits(operation, message, buf);
    return this.receive({ context, source, tag, label, accept, into: bytesOf(buf) }).then((message) => land(buf, status, message));
  }

  /** Post a receive; a buffer receive resolves with nothing, any other with the message. */
  private match(receive: Receive, withdrawal?: Withdrawal): Promise<Message | undefined> {
    this.ensureOpen(receive.label);
    if (withdrawal?.withdrawn) return Promise.reject(withdrawal.withdrawn);
    const promise = new Promise<Message | undefined>((resolve, reject) => {
      receive.resolve = resolve;
      receive.reject = reject;
    });
    const outcome = this.matching.post(receive.context, receive);
    // Settled already: an unexpected message matched (and, unless it is a rendezvous
    // envelope whose data is still to come, completed it), or it was refused.
    if (outcome === 'declined' || (outcome === 'matched' && receive.awaiting === null)) return promise;
    receive.release = this.transport.keepReceiving();
    receive.since = performance.now();
    this.pending.add(receive);
    if (withdrawal !== undefined) receive.unwatch = withdrawal.watch((error) => receive.fail(error));
    return promise;
  }

  /**
   * A posted receive matched `message` (from {@link Receive.take}): accept it (or decline
   * it, failing the receive), count it, and complete the receive or, for a rendezvous
   * envelope, ask for the data. Returns false when declined.
   */
  offer(receive: Receive, message: Message): boolean {
    const buf = receive.buf;
    const refusal = buf !== undefined ? fits(receive.operation, message, buf) : (receive.accept?.(message) ?? null);
    if (refusal !== null) {
      receive.refuse(refusal);
      return false;
    }
    this.counters.received.messages++;
    this.counters.received.bytes += message.byteLength;
    if (message.kind === Kind.FileEager) {
      const failure = this.readEagerFile(message, receive.into);
      if (failure === null) receive.succeed(message);
      else receive.refuse(failure);
      return true;
    }
    if (message.kind !== Kind.Rts) {
      this.taken(message);
      receive.succeed(message);
      return true;
    }
    // Rendezvous: ask for the data and keep reading until it is here.
    const awaiting = key(message.origin, message.seq);
    receive.awaiting = awaiting;
    this.incoming.set(awaiting, { message, into: destination(message, receive.into), frame: 0, offset: 0, received: 0, receive });
    this.control(message.origin, Kind.Cts, message.seq, receive.label);
    return true;
  }

  /** Withdraw a receive that will not complete: from the posted queue, or its awaited rendezvous data. */
  withdraw(receive: Receive): void {
    if (receive.awaiting !== null) this.incoming.delete(receive.awaiting);
    else this.matching.cancel(receive.context, receive);
  }

  /** A receive has settled: no longer pending. */
  settled(receive: Receive): void {
    this.pending.delete(receive);
  }

  /**
   * Abandon a call that every rank has rejected (a collective mismatch): its messages
   * already here are withdrawn from the unexpected queue and later ones are dropped as
   * they arrive (still counted for the end-of-job drain), so they are neither matched
   * nor reported as unreceived. A rendezvous envelope among them is refused, so its
   * sender does not wait.
   */
  abandon(context: number, tag: number): void {
    this.abandoned.add(callKey(context, tag));
    for (const message of this.matching.withdraw(context, tag)) this.letGo(message);
  }

  /** Wait until a matching message can be received, without receiving it. */
  probe(context: number, source: number, tag: number, label: string): Promise<Message> {
    const recorder = this.recorder;
    if (recorder === null) return this.watch(context, source, tag, label);
    return recorder.probed(this.watch(context, source, tag, label), recorder.now(), context, source, tag, label);
  }

  private watch(context: number, source: number, tag: number, label: string): Promise<Message> {
    this.ensureOpen(label);
    return this.waitFor<Message>(label, { source, context }, (resolve) => {
      let seen = false;
      const waiter: ProbeWaiter<Message> = {
        source,
        tag,
        seen: (message) => {
          seen = true;
          resolve(message);
        },
      };
      this.matching.watch(context, waiter);
      return seen ? null : () => this.matching.unwatch(context, waiter);
    });
  }

  /**
   * The scaffolding shared by every operation that waits for arrivals (receive, probe):
   * `start` registers with the matching engine and returns null when it already settled,
   * or how to withdraw the registration. While it waits, the operation keeps the
   * transport receiving and is listed in {@link waitingReport}; once settled (resolved,
   * rejected, or failed by finish/fault through its withdrawal) it is neither.
   */
  private waitFor<T>(
    label: string,
    on: WaitsOn,
    start: (resolve: (value: T) => void, reject: (error: MpiError) => void) => (() => void) | null,
    withdrawal?: Withdrawal,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let release: (() => void) | null = null;
      let entry: Pending | null = null;
      let unwatch: (() => void) | null = null;
      const settled = (): void => {
        release?.();
        release = null;
        unwatch?.();
        if (entry !== null) this.pending.delete(entry);
      };
      const withdraw = start(
        (value) => {
          settled();
          resolve(value);
        },
        (error) => {
          settled();
          reject(error);
        },
      );
      if (withdraw === null) return;
      release = this.transport.keepReceiving();
      entry = {
        label,
        since: performance.now(),
        on,
        fail: (error) => {
          withdraw();
          settled();
          reject(error);
        },
      };
      this.pending.add(entry);
      const pending = entry;
      if (withdrawal !== undefined) unwatch = withdrawal.watch((error) => pending.fail(error));
    });
  }

  /** The matching message if one has already arrived, else undefined. Never waits for one. */
  async iprobe(context: number, source: number, tag: number, label: string): Promise<Message | undefined> {
    this.ensureOpen(label);
    const found = this.matching.peek(context, source, tag);
    if (found !== undefined) return found;
    await this.transport.poll();
    return this.matching.peek(context, source, tag);
  }

  /** Decode a received message's value. */
  value(message: Message): unknown {
    return decode(message.layout, message.frames);
  }

  /** Send a CLOCK message (src/comm/clock.ts): `reply` false for a ping, true for the answer carrying `timeMs`. */
  sendClock(dest: number, seq: number, reply: boolean, timeMs: number): Promise<void> {
    return this.toWire(dest, clockMessage(seq, this.rank, reply, timeMs));
  }

  /** Keep reading incoming messages until the returned function is called (a clock measurement's server). */
  keepReceiving(): () => void {
    return this.transport.keepReceiving();
  }

  /**
   * Register a long operation (a collective) for the "where is each rank waiting" report
   * and the deadlock check: the operations pending on `context` are its parts, shown
   * ({@link waits}) as this one call. Returns the function that ends it.
   */
  track(label: string, context: number): () => void {
    const entry: Pending = { label, since: performance.now(), fail: () => {}, on: { source: ANY_SOURCE, context }, tracked: true };
    this.pending.add(entry);
    return () => this.pending.delete(entry);
  }

  /**
   * True when the world ranks `group` all run on one host, as the launcher's table says (the
   * same answer on every rank); an in-process job is one host.
   */
  onOneHost(group: readonly number[]): boolean {
    const hostOf = this.transport.hostOf?.bind(this.transport);
    if (hostOf === undefined) return true;
    const first = hostOf(group[0] ?? this.rank);
    return group.every((rank) => hostOf(rank) === first);
  }

  /** Record the world rank of each rank of the communicator whose p2p context is `context` (for {@link waits}). */
  registerGroup(context: number, group: readonly number[]): void {
    this.groups.set(context, group);
  }

  /**
   * What this process waits in, for the deadlock check: every pending operation with the
   * world ranks that could complete it. The parts of a tracked call (its context's
   * operations) are folded into it: `bcast(root 0)` waiting for the ranks its parts wait for.
   */
  waits(): Wait[] {
    const entries = [...this.pending];
    const tracked = new Map<number, { label: string; peers: Set<number> }>();
    const out: { label: string; peers: Set<number> }[] = [];
    for (const entry of entries) {
      if (entry.on === undefined || entry.tracked !== true) continue;
      const call = { label: entry.label + this.commSuffix(entry.on.context), peers: new Set<number>() };
      tracked.set(entry.on.context, call);
      out.push(call);
    }
    for (const entry of entries) {
      const on = entry.on;
      if (on === undefined || entry.tracked === true) continue;
      const peers = 'world' in on ? [on.world] : this.worldRanks(on.context, on.source);
      const call = tracked.get(on.context);
      if (call !== undefined) for (const peer of peers) call.peers.add(peer);
      else out.push({ label: entry.label + this.commSuffix(on.context), peers: new Set(peers) });
    }
    return out.map(({ label, peers }) => ({ label, peers: [...peers].sort((a, b) => a - b) }));
  }

  /** Messages of every kind handed to the transport and arrived, per world rank (for the deadlock check). */
  wireCounts(): WireCounts {
    return { sent: this.wireSent.entries(), arrived: this.wireArrived.entries() };
  }

  /** `` for the world, else ` on comm 2 {0,2,4}` (its p2p context and world ranks): a call's ranks are the communicator's. */
  private commSuffix(context: number): string {
    const base = context - (context % 2);
    if (base === 0) return '';
    const group = this.groups.get(base);
    if (group === undefined) return ` on comm ${base}`;
    return ` on comm ${base} {${group.length <= 8 ? group.join(',') : `${group.slice(0, 4).join(',')},… ${group.length} ranks`}}`;
  }

  /** World ranks that a wait on (`context`, communicator rank `source`) may hear from: all of the communicator for ANY_SOURCE. */
  private worldRanks(context: number, source: number): number[] {
    // A communicator's collectives run on context + 1 (an odd id), over the same group.
    const group = this.groups.get(context - (context % 2));
    if (source === ANY_SOURCE) return group === undefined ? [...Array(this.size).keys()] : [...group];
    if (group === undefined) return [];
    const world = group[source];
    return world === undefined ? [] : [world];
  }

  /** True once {@link finish} has run: the program is done with communication. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** What this process is waiting in, oldest first: `recv(source=0, tag=12) for 3.2 s`. */
  waitingReport(): string[] {
    const now = performance.now();
    return [...this.pending].map((entry) => `${entry.label} for ${((now - entry.since) / 1000).toFixed(1)} s`);
  }

  /**
   * The program is done with communication (finalize): fail everything pending with
   * `error`, refuse new operations, refuse every rendezvous message not yet received
   * (their senders reject with ERR_NOT_RECEIVED instead of waiting), and keep reading
   * so that messages still on their way are counted by {@link drain}. Returns the data
   * messages sent to each world rank, for the launcher's drain. Repeatable.
   */
  async finish(error: MpiError): Promise<ReadonlyMap<number, number>> {
    if (!this.finished) {
      this.finished = true;
      this.closed = true;
      for (const entry of [...this.pending]) entry.fail(error);
      this.pending.clear();
      for (const incoming of [...this.incoming.values()]) incoming.receive.refuse(error);
      this.incoming.clear();
      for (const [seq, outgoing] of [...this.outgoing]) {
        this.forget(seq);
        outgoing.reject(error);
        this.control(outgoing.dest, Kind.Cancel, seq, 'finalize');
      }
      for (const message of this.matching.unexpected()) if (message.kind === Kind.Rts) this.refuse(message);
      this.transport.keepReceiving();
    }
    // Sends still being handed to the transport may yet fail: count only what was handed over.
    while (this.inflight > 0) await new Promise<void>((resolve) => (this.quiet = resolve));
    return new Map(this.sentTo.entries());
  }

  /**
   * Resolve once every data message the other ranks sent here has arrived (`expect`:
   * world rank → messages it sent to this rank, as their own {@link finish} reported).
   */
  drain(expect: ReadonlyMap<number, number>): Promise<void> {
    return new Promise((resolve) => {
      this.drained = { expect, resolve };
      this.checkDrained();
    });
  }

  /** The data messages that arrived and were never received, oldest first. */
  unreceived(collectiveContexts: (context: number) => boolean): Unreceived[] {
    return [...this.matching.unexpected()].map((message) => ({
      origin: message.origin,
      tag: message.tag,
      collective: collectiveContexts(message.context),
    }));
  }

  /**
   * Fail everything pending with `error` and close the transport. With `delivered`,
   * every message this rank sent is known to have arrived (the launcher's drain), so the
   * transport discards what it still holds instead of lingering. Repeatable.
   */
  async close(error: MpiError, options: { readonly delivered?: boolean } = {}): Promise<void> {
    await this.finish(error);
    await this.transport.close(options);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private ensureOpen(label: string): void {
    if (this.closed) throw new MpiError('ERR_COMM_CLOSED', `${label}: tsmpi has been finalized`);
  }

  private rendezvous(body: Encoded, dest: number, envelope: DataEnvelope, label: string): Promise<void> {
    const seq = envelope.seq;
    return new Promise<void>((resolve, reject) => {
      const release = this.transport.keepReceiving();
      const entry: Pending = {
        label,
        since: performance.now(),
        on: { world: dest, context: envelope.context },
        fail: (error) => {
          if (this.forget(seq) !== undefined) this.control(dest, Kind.Cancel, seq, label);
          release();
          reject(error);
        },
      };
      this.pending.add(entry);
      const settle = (): void => {
        this.pending.delete(entry);
        release();
      };
      this.outgoing.set(seq, {
        dest,
        frames: body.frames,
        byteLength: body.byteLength,
        slot: null,
        keepSlot: true,
        label,
        resolve: () => {
          settle();
          resolve();
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      this.dataSend(dest, rtsMessage(body, envelope)).catch((error: unknown) => {
        this.outgoing.delete(seq);
        settle();
        reject(error);
      });
    });
  }

  /** A data send has settled (one closure for all of them: a send is the hot path). */
  private readonly sendSettled = (): void => {
    this.inflight--;
    if (this.inflight === 0) this.quiet?.();
  };

  /** Hand a data message (eager, owned or RTS) to the transport, counted for the end-of-job drain. */
  private dataSend(dest: number, frames: Uint8Array[]): Promise<void> {
    this.sentTo.add(dest);
    this.inflight++;
    let sent: Promise<void>;
    try {
      sent = this.toWire(dest, frames);
    } catch (error) {
      sent = Promise.reject(error);
    }
    // The caller gets the transport's own promise (no promise step of ours before its
    // await resumes); the bookkeeping reaction is registered first, so it runs first.
    sent.then(this.sendSettled, this.sendFailed(dest));
    return sent;
  }

  /** What a failed data send to `dest` does: it was not handed over after all. One function per destination, made once. */
  private sendFailed(dest: number): () => void {
    let failed = this.failedTo[dest];
    if (failed === undefined) {
      failed = () => {
        this.sentTo.add(dest, -1);
        this.sendSettled();
      };
      this.failedTo[dest] = failed;
    }
    return failed;
  }

  private arrive(frames: Uint8Array[]): void {
    let message: Message;
    try {
      message = parse(frames);
    } catch (error) {
      this.drop(error instanceof Error ? error.message : String(error));
      return;
    }
    this.wireArrived.add(message.origin);
    switch (message.kind) {
      case Kind.Eager:
      case Kind.EagerSync:
      case Kind.Rts:
      case Kind.FileEager:
        return this.data(message);
      case Kind.Freed: {
        const sent = this.eagerFiles.get(message.seq);
        if (sent === undefined || sent.dest !== message.origin)
          return this.drop(`a file release from rank ${message.origin} for unknown file ${message.seq}`);
        this.releaseEagerFile(message.seq, true);
        return;
      }
      case Kind.Ack: {
        const ack = this.acks.get(message.seq);
        if (ack === undefined) return this.drop(`an ssend acknowledgement from rank ${message.origin} for unknown message ${message.seq}`);
        this.acks.delete(message.seq);
        ack();
        return;
      }
      case Kind.Cts: {
        const outgoing = this.outgoing.get(message.seq);
        if (outgoing === undefined || outgoing.dest !== message.origin) {
          // A send cancelled meanwhile (finalize): tell the receiver rather than leave it waiting.
          if (outgoing === undefined) this.control(message.origin, Kind.Cancel, message.seq, 'rendezvous');
          else this.drop(`a clear-to-send from rank ${message.origin} for a message to rank ${outgoing.dest}`);
          return;
        }
        void this.stream(outgoing, message.seq);
        return;
      }
      case Kind.Bulk: {
        const incoming = this.incoming.get(key(message.origin, message.seq));
        if (incoming === undefined) return this.drop(`data from rank ${message.origin} for unknown message ${message.seq}`);
        const parts = message.frames;
        const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
        let part = 0;
        let skip = 0;
        // Parts and positions advance together: each call copies the next bytes of the chunk.
        const copied = this.assemble(incoming, total, (into) => {
          for (let at = 0; at < into.byteLength;) {
            const from = parts[part] as Uint8Array;
            const take = Math.min(from.byteLength - skip, into.byteLength - at);
            into.set(take === from.byteLength ? from : from.subarray(skip, skip + take), at);
            at += take;
            skip += take;
            if (skip === from.byteLength) {
              part++;
              skip = 0;
            }
          }
        });
        if (copied) this.complete(incoming);
        return;
      }
      case Kind.File: {
        const incoming = this.incoming.get(key(message.origin, message.seq));
        if (incoming === undefined) return this.drop(`a file part from rank ${message.origin} for unknown message ${message.seq}`);
        const files = this.transport.sharedFiles?.(message.origin) ?? null;
        if (files === null) return this.drop(`a file part from rank ${message.origin}, which shares no files with this rank`);
        let copied: boolean;
        try {
          // The part's bytes sit at the same offset of the file as in the payload.
          let offset = incoming.received;
          copied = this.assemble(incoming, message.source, (into) => {
            files.read(message.origin, message.context, offset, into);
            offset += into.byteLength;
          });
        } catch (error) {
          // Nothing more will be read: the sender may stop (DONE) and this receive fails.
          this.incoming.delete(key(message.origin, message.seq));
          this.control(message.origin, Kind.Done, message.seq, 'rendezvous');
          incoming.receive.refuse(this.transportError(`receive from rank ${message.origin}`, error));
          return;
        }
        if (copied) this.complete(incoming);
        return;
      }
      case Kind.Done: {
        const outgoing = this.outgoing.get(message.seq);
        if (outgoing === undefined || outgoing.dest !== message.origin)
          return this.drop(`a completion from rank ${message.origin} for unknown message ${message.seq}`);
        this.outgoing.delete(message.seq);
        if (outgoing.slot !== null) this.transport.sharedFiles?.(outgoing.dest)?.release(outgoing.slot, outgoing.keepSlot);
        outgoing.resolve();
        return;
      }
      case Kind.Refuse: {
        const outgoing = this.outgoing.get(message.seq);
        if (outgoing === undefined || outgoing.dest !== message.origin)
          return this.drop(`a refusal from rank ${message.origin} for unknown message ${message.seq}`);
        this.forget(message.seq);
        outgoing.reject(
          new MpiError(
            'ERR_NOT_RECEIVED',
            `${outgoing.label}: rank ${message.origin} finished without receiving this message; post the matching receive before it ends`,
          ),
        );
        return;
      }
      case Kind.Cancel: {
        const incoming = this.incoming.get(key(message.origin, message.seq));
        if (incoming === undefined) return; // nothing matched it yet: the RTS stays as an unreceived message
        this.incoming.delete(key(message.origin, message.seq));
        incoming.receive.refuse(
          new MpiError(
            'ERR_NOT_RECEIVED',
            `receive: rank ${message.origin} finished before sending the data of the matched message (tag ${incoming.message.tag})`,
          ),
        );
        return;
      }
      case Kind.Clock:
        if (this.clockHandler === null) return this.drop(`a clock message from rank ${message.origin} while no clock measurement runs`);
        this.clockHandler(message);
        return;
      default:
        return this.drop(`unknown message kind ${message.kind} from rank ${message.origin}`);
    }
  }

  /**
   * Put the next `byteCount` bytes of a rendezvous payload into place: `copy` is called
   * with each stretch of the destination they cover, in order, and fills it. Returns true
   * once the whole payload is there; drops (with a warning) a part that would overrun what
   * the envelope announced.
   */
  private assemble(incoming: Incoming, byteCount: number, copy: (into: Uint8Array) => void): boolean {
    const total = incoming.message.byteLength;
    if (incoming.received + byteCount > total) {
      this.drop(`data from rank ${incoming.message.origin} beyond the ${total} bytes announced`);
      return false;
    }
    let left = byteCount;
    while (left > 0) {
      // Skip frames already full (or empty); the check above guarantees room further on.
      while ((incoming.into[incoming.frame] as Uint8Array).byteLength === incoming.offset) {
        incoming.frame++;
        incoming.offset = 0;
      }
      const into = incoming.into[incoming.frame] as Uint8Array;
      const take = Math.min(into.byteLength - incoming.offset, left);
      copy(into.subarray(incoming.offset, incoming.offset + take));
      incoming.offset += take;
      incoming.received += take;
      left -= take;
    }
    return incoming.received === total;
  }

  /** Every byte of a rendezvous payload is here: free the sender's buffer (DONE) and complete the receive. */
  private complete(incoming: Incoming): void {
    const { message } = incoming;
    this.incoming.delete(key(message.origin, message.seq));
    this.control(message.origin, Kind.Done, message.seq, 'rendezvous');
    message.frames = incoming.into;
    incoming.receive.succeed(message);
  }

  /**
   * Send the payload of a rendezvous message whose CTS came: through a shared file in
   * parts when the transport offers one for its receiver and the payload is large enough,
   * else (and for whatever the file system refused) as BULK chunks, views of the sender's
   * memory without a copy. The transport keeps their order.
   */
  private async stream(outgoing: Outgoing, seq: number): Promise<void> {
    const { dest } = outgoing;
    const files = outgoing.byteLength >= this.sharedMin ? (this.transport.sharedFiles?.(dest) ?? null) : null;
    let sent = 0;
    const slot = files?.acquire(dest) ?? null;
    if (files !== null && slot !== null) {
      outgoing.slot = slot;
      try {
        for (const part of pieces(outgoing.frames, FILE_PART_BYTES)) {
          // Written before its FILE message leaves, so the receiver never reads ahead of the writes.
          // Refused (full, say): the rest goes as BULK; the file is dropped once the receiver is done with it.
          if (!files.write(slot, part, sent)) {
            outgoing.keepSlot = false;
            break;
          }
          const byteCount = part.reduce((sum, view) => sum + view.byteLength, 0);
          // Awaited (a queued send settles at once): the FILE message leaves now, while the next part is written.
          await this.toWire(dest, fileMessage(seq, this.rank, slot, byteCount));
          sent += byteCount;
          // Cancelled meanwhile (finalize, a failure): the receiver is told; stop writing.
          if (this.outgoing.get(seq) !== outgoing) return;
        }
      } catch (error) {
        if (this.forget(seq) !== undefined) outgoing.reject(this.transportError(outgoing.label, error));
        return;
      }
    }
    if (sent === outgoing.byteLength) return;
    for (const chunk of bulkMessages(outgoing.frames, seq, this.rank, sent)) {
      this.toWire(dest, chunk).catch((error: unknown) => {
        if (this.forget(seq) !== undefined) outgoing.reject(this.transportError(outgoing.label, error));
      });
    }
  }

  /**
   * Withdraw a rendezvous send that will not complete. Its shared file (if any) stays busy
   * until the transport closes: the receiver may still read the parts already announced
   * (before the CANCEL that follows them), so it must neither vanish nor be reused.
   */
  private forget(seq: number): Outgoing | undefined {
    const outgoing = this.outgoing.get(seq);
    if (outgoing !== undefined) this.outgoing.delete(seq);
    return outgoing;
  }

  private data(message: Message): void {
    if (message.origin >= this.size) return this.drop(`a message claiming to come from rank ${message.origin} in a job of ${this.size}`);
    const arrived = this.arrivedFrom.add(message.origin);
    this.recorder?.arrived(message, arrived);
    if (this.abandoned.size > 0 && this.abandoned.has(callKey(message.context, message.tag))) {
      this.letGo(message);
      this.checkDrained();
      return;
    }
    if (this.finished && message.kind === Kind.Rts) this.refuse(message);
    this.matching.arrive(message);
    this.checkDrained();
  }

  private checkDrained(): void {
    const drained = this.drained;
    if (drained === null) return;
    for (const [origin, count] of drained.expect) if (this.arrivedFrom.get(origin) < count) return;
    this.drained = null;
    drained.resolve();
  }

  /** A message of an abandoned call will never be received: let its sender go (rendezvous) or have its file back (eager file). */
  private letGo(message: Message): void {
    if (message.kind === Kind.Rts) this.refuse(message);
    else if (message.kind === Kind.FileEager) this.control(message.origin, Kind.Freed, message.seq, 'abandoned collective');
  }

  /**
   * Send `body` eagerly through a shared file if it may go that way (see FILE_EAGER above):
   * written whole now, so the send settles once its envelope is handed over. Null when it
   * may not, or the file system refused the write: the caller takes the rendezvous.
   */
  private eagerFile(body: Encoded, dest: number, envelope: DataEnvelope): Promise<void> | null {
    const bytes = body.byteLength;
    const files = this.fileEagerTo(dest, bytes);
    const slot = files?.acquire(dest) ?? null;
    if (files === null || slot === null) return null;
    if (!files.write(slot, body.frames, 0)) {
      files.release(slot, false);
      return null;
    }
    this.eagerFiles.set(slot, { dest, bytes });
    this.eagerFileBytes += bytes;
    return this.dataSend(dest, fileEagerMessage(body, { ...envelope, seq: slot })).catch((error: unknown) => {
      this.releaseEagerFile(slot, false);
      throw error;
    });
  }

  /** The shared files a payload of `bytes` to `dest` may be sent eagerly through, or null. */
  private fileEagerTo(dest: number, bytes: number): SharedFiles | null {
    if (bytes < this.sharedMin || bytes > FILE_EAGER_MAX || this.eagerFileBytes + bytes > FILE_EAGER_CREDIT) return null;
    return this.transport.sharedFiles?.(dest) ?? null;
  }

  /**
   * True when a standard send of `byteLength` payload bytes to world rank `dest`, made
   * now, would wait for its receiver (rendezvous) rather than go at once (eager, or eager
   * through a file). Collectives ask before the ranks have agreed on the call.
   */
  waitsForReceiver(dest: number, byteLength: number): boolean {
    return byteLength > this.eagerLimit && this.fileEagerTo(dest, byteLength) === null;
  }

  /** An eagerly sent file is read (`keep`: kept for reuse) or will never be: its bytes leave the credit. */
  private releaseEagerFile(slot: number, keep: boolean): void {
    const sent = this.eagerFiles.get(slot);
    if (sent === undefined) return;
    this.eagerFiles.delete(slot);
    this.eagerFileBytes -= sent.bytes;
    this.transport.sharedFiles?.(sent.dest)?.release(slot, keep);
  }

  /**
   * Read a FILE_EAGER message's payload from its sender's file into place (the caller's
   * buffer when it fits, as for a rendezvous), and free the file (FREED) whatever happens.
   * Returns the error to fail the receive with, or null.
   */
  private readEagerFile(message: Message, into: Uint8Array | undefined): MpiError | null {
    const frames = destination(message, into);
    try {
      const files = this.transport.sharedFiles?.(message.origin) ?? null;
      if (files === null) throw new Error(`rank ${message.origin} shares no files with this rank`);
      let offset = 0;
      for (const frame of frames) {
        files.read(message.origin, message.seq, offset, frame);
        offset += frame.byteLength;
      }
    } catch (error) {
      return this.transportError(`receive from rank ${message.origin}`, error);
    } finally {
      this.control(message.origin, Kind.Freed, message.seq, 'receive');
    }
    message.frames = frames;
    return null;
  }

  /** A finished rank will never receive this rendezvous message: let its sender go. */
  private refuse(message: Message): void {
    this.control(message.origin, Kind.Refuse, message.seq, 'finalize');
  }

  /** A message has been received: acknowledge it if its sender waits for that (ssend). */
  private taken(message: Message): void {
    if (message.kind === Kind.EagerSync) this.control(message.origin, Kind.Ack, message.seq, 'ssend acknowledgement');
  }

  /** Send a control message; a transport failure there fails everything pending (never silently lost). */
  private control(dest: number, kind: Kind, seq: number, label: string): void {
    this.toWire(dest, controlMessage(kind, seq, this.rank)).catch((error: unknown) => this.fault(this.transportError(label, error)));
  }

  /** Hand any message to the transport, counted for the deadlock check. */
  private toWire(dest: number, frames: Uint8Array[]): Promise<void> {
    this.wireSent.add(dest);
    return this.transport.send(dest, frames);
  }

  private transportError(label: string, error: unknown): MpiError {
    if (error instanceof MpiError) return error;
    return new MpiError('ERR_TRANSPORT', `${label}: the transport failed (${error instanceof Error ? error.message : String(error)})`, {
      cause: error,
    });
  }

  /** The transport cannot go on: every pending operation rejects with the reason. */
  private fault(error: unknown): void {
    const failure = this.transportError('transport', error);
    this.warn(`tsmpi: rank ${this.rank}: ${failure.message}`);
    for (const entry of [...this.pending]) entry.fail(failure);
    this.pending.clear();
    for (const incoming of [...this.incoming.values()]) incoming.receive.refuse(failure);
    this.incoming.clear();
  }

  private drop(reason: string): void {
    this.warn(`tsmpi: rank ${this.rank}: dropped a malformed message: ${reason}`);
  }
}

export { ANY_SOURCE, ANY_TAG };
