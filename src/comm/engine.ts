/**
 * The message engine of one process: frames values into messages, hands them to the
 * transport, matches arrivals against posted receives, acknowledges synchronous sends,
 * counts traffic, and allocates context ids. Communicators are views onto it
 * (a context id plus a group); it knows nothing of sockets.
 *
 * Wire header (frame 0 of every message, little-endian, 24 bytes):
 *   u8 kind (0 data, 1 synchronous data, 2 ack) | u8 encoding | u8 typeCode | u8 flags |
 *   u32 context | u32 source (sender's rank in the communicator) | i32 tag |
 *   u32 seq (synchronous send id) | u32 origin (sender's world rank)
 * followed by the codec's frames. Flags bit 0 set: the codec's first frame is appended to
 * frame 0 instead of travelling as a frame of its own. Small messages are sent this way
 * because each extra zeromq frame costs more CPU than copying a few hundred bytes.
 * Flags bit 1 set: a control block follows the 24 bytes (u32 length, then that many
 * bytes), before any inlined frame. The engine carries it without looking inside; the
 * collectives put their call's identity and error flag there (src/collectives/control.ts),
 * so that nothing internal ever travels inside a user's value.
 */
import { decode, encode, type Encoded } from '../codec/codec.js';
import { MpiError } from '../errors.js';
import type { Transport } from '../transport/transport.js';
import { ANY_SOURCE, ANY_TAG, MatchingEngine, type Envelope, type PostedReceive, type ProbeWaiter } from './matching.js';

const HEADER_BYTES = 24;

const enum Kind {
  Data = 0,
  Sync = 1,
  Ack = 2,
}

/** A received message, before decoding. */
export interface Message extends Envelope {
  readonly kind: number;
  readonly encoding: number;
  readonly typeCode: number;
  readonly seq: number;
  readonly origin: number;
  /** The control block, if the sender attached one (flags bit 1). */
  readonly control: Uint8Array | null;
  readonly frames: Uint8Array[];
  readonly byteLength: number;
}

/** Traffic counters since init: every data message, user and collective, counted once. */
export interface TrafficStats {
  sent: { messages: number; bytes: number };
  received: { messages: number; bytes: number };
}

/** Decides whether a matched message is accepted; returns the error to fail the receive with otherwise. */
export type Acceptor = (message: Message) => MpiError | null;

interface Pending {
  readonly label: string;
  readonly since: number;
  readonly fail: (error: MpiError) => void;
}

/** Largest first payload frame that is copied into frame 0 rather than sent as a frame of its own. */
const INLINE_MAX_BYTES = 2048;
const FLAG_INLINE = 1;
const FLAG_CONTROL = 2;
const CONTROL_LENGTH_BYTES = 4;

function header(
  kind: Kind,
  encoded: Encoded | null,
  context: number,
  source: number,
  tag: number,
  seq: number,
  origin: number,
  control: Uint8Array | null = null,
): Uint8Array[] {
  const first = encoded?.frames[0];
  const inline = first !== undefined && first.byteLength <= INLINE_MAX_BYTES;
  const start = HEADER_BYTES + (control === null ? 0 : CONTROL_LENGTH_BYTES + control.byteLength);
  const bytes = Buffer.allocUnsafe(start + (inline ? first.byteLength : 0));
  bytes.writeUInt8(kind, 0);
  bytes.writeUInt8(encoded?.encoding ?? 0, 1);
  bytes.writeUInt8(encoded?.typeCode ?? 0, 2);
  bytes.writeUInt8((inline ? FLAG_INLINE : 0) | (control === null ? 0 : FLAG_CONTROL), 3);
  bytes.writeUInt32LE(context, 4);
  bytes.writeUInt32LE(source, 8);
  bytes.writeInt32LE(tag, 12);
  bytes.writeUInt32LE(seq, 16);
  bytes.writeUInt32LE(origin, 20);
  if (control !== null) {
    bytes.writeUInt32LE(control.byteLength, HEADER_BYTES);
    bytes.set(control, HEADER_BYTES + CONTROL_LENGTH_BYTES);
  }
  if (!inline) return encoded === null ? [bytes] : [bytes, ...encoded.frames];
  bytes.set(first, start);
  return [bytes, ...(encoded as Encoded).frames.slice(1)];
}

function parse(frames: Uint8Array[]): Message {
  const head = frames[0];
  if (head === undefined || head.byteLength < HEADER_BYTES) throw new MpiError('ERR_CODEC', 'receive: message without a valid header');
  const view = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const flags = view.readUInt8(3);
  let start = HEADER_BYTES;
  let control: Uint8Array | null = null;
  if ((flags & FLAG_CONTROL) !== 0) {
    const length = head.byteLength >= start + CONTROL_LENGTH_BYTES ? view.readUInt32LE(start) : -1;
    if (length < 0 || start + CONTROL_LENGTH_BYTES + length > head.byteLength) {
      throw new MpiError('ERR_CODEC', 'receive: message with a truncated control block');
    }
    control = view.subarray(start + CONTROL_LENGTH_BYTES, start + CONTROL_LENGTH_BYTES + length);
    start += CONTROL_LENGTH_BYTES + length;
  }
  const payload = frames.slice(1);
  if ((flags & FLAG_INLINE) !== 0) payload.unshift(view.subarray(start));
  let byteLength = 0;
  for (const frame of payload) byteLength += frame.byteLength;
  return {
    kind: view.readUInt8(0),
    encoding: view.readUInt8(1),
    typeCode: view.readUInt8(2),
    context: view.readUInt32LE(4),
    source: view.readUInt32LE(8),
    tag: view.readInt32LE(12),
    seq: view.readUInt32LE(16),
    origin: view.readUInt32LE(20),
    control,
    frames: payload,
    byteLength,
  };
}

export class Engine {
  readonly rank: number;
  readonly size: number;
  private readonly matching = new MatchingEngine<Message>();
  private readonly acks = new Map<number, { resolve: () => void; release: () => void }>();
  private readonly pending = new Set<Pending>();
  private nextSeq = 1;
  private nextContextId = 2;
  private closed = false;
  private readonly counters: TrafficStats = { sent: { messages: 0, bytes: 0 }, received: { messages: 0, bytes: 0 } };

  constructor(private readonly transport: Transport) {
    this.rank = transport.rank;
    this.size = transport.size;
    transport.setHandler((frames) => this.arrive(frames));
  }

  /** The lowest context id this process has not used; communicator creation agrees on a maximum of these. */
  get freeContextId(): number {
    return this.nextContextId;
  }

  /** Claim the pair of context ids starting at `base` (p2p = base, collective = base + 1). */
  claimContexts(base: number): void {
    if (!Number.isInteger(base) || base < 2) throw new MpiError('ERR_INTERN', `context: invalid context base ${base}`);
    this.nextContextId = Math.max(this.nextContextId, base + 2);
  }

  stats(): TrafficStats {
    return {
      sent: { ...this.counters.sent },
      received: { ...this.counters.received },
    };
  }

  /**
   * Send `value` to world rank `destWorld`. With `sync`, resolves only once the receiver
   * has matched the message (MPI_Ssend); otherwise once the message is queued for delivery.
   * `control` travels in the header's control block (see the wire header above).
   */
  async send(
    value: unknown,
    encoded: Encoded | null,
    destWorld: number,
    context: number,
    source: number,
    tag: number,
    sync: boolean,
    label: string,
    control: Uint8Array | null = null,
  ): Promise<void> {
    this.ensureOpen(label);
    const body = encoded ?? encode(value, label);
    const seq = sync ? this.nextSeq++ : 0;
    const frames = header(sync ? Kind.Sync : Kind.Data, body, context, source, tag, seq, this.rank, control);
    this.counters.sent.messages++;
    this.counters.sent.bytes += body.byteLength;
    if (!sync) {
      await this.transport.send(destWorld, frames);
      return;
    }
    const acked = new Promise<void>((resolve, reject) => {
      const release = this.transport.hold();
      const entry: Pending = {
        label,
        since: performance.now(),
        fail: (error) => {
          this.acks.delete(seq);
          release();
          reject(error);
        },
      };
      this.pending.add(entry);
      this.acks.set(seq, {
        resolve: () => {
          this.pending.delete(entry);
          resolve();
        },
        release,
      });
    });
    await this.transport.send(destWorld, frames);
    await acked;
  }

  /**
   * Receive the next message matching (context, source, tag). `accept` may refuse a
   * matched message (it then stays queued, in order) and fail this receive instead.
   */
  receive(context: number, source: number, tag: number, label: string, accept?: Acceptor): Promise<Message> {
    this.ensureOpen(label);
    return new Promise<Message>((resolve, reject) => {
      let release: (() => void) | null = null;
      let entry: Pending | null = null;
      const done = (): void => {
        release?.();
        if (entry !== null) this.pending.delete(entry);
      };
      const posted: PostedReceive<Message> = {
        source,
        tag,
        take: (message) => {
          const refusal = accept?.(message) ?? null;
          done();
          if (refusal !== null) {
            reject(refusal);
            return false;
          }
          this.taken(message);
          resolve(message);
          return true;
        },
      };
      if (this.matching.post(context, posted) !== 'posted') return;
      release = this.transport.hold();
      entry = {
        label,
        since: performance.now(),
        fail: (error) => {
          this.matching.cancel(context, posted);
          done();
          reject(error);
        },
      };
      this.pending.add(entry);
    });
  }

  /** Wait until a matching message can be received, without receiving it. */
  probe(context: number, source: number, tag: number, label: string): Promise<Message> {
    this.ensureOpen(label);
    return new Promise<Message>((resolve, reject) => {
      let release: (() => void) | null = null;
      let entry: Pending | null = null;
      let fired = false;
      const waiter: ProbeWaiter<Message> = {
        source,
        tag,
        seen: (message) => {
          fired = true;
          release?.();
          if (entry !== null) this.pending.delete(entry);
          resolve(message);
        },
      };
      this.matching.watch(context, waiter);
      if (fired) return;
      release = this.transport.hold();
      entry = {
        label,
        since: performance.now(),
        fail: (error) => {
          this.matching.unwatch(context, waiter);
          release?.();
          reject(error);
        },
      };
      this.pending.add(entry);
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
    return decode(message.encoding, message.typeCode, message.frames);
  }

  /** Register a long operation (e.g. a collective) for the "where is each rank waiting" report. */
  track(label: string, fail: (error: MpiError) => void): () => void {
    const entry: Pending = { label, since: performance.now(), fail };
    this.pending.add(entry);
    return () => this.pending.delete(entry);
  }

  /** What this process is waiting in, oldest first: `recv(source=0, tag=12) for 3.2 s`. */
  waitingReport(): string[] {
    const now = performance.now();
    return [...this.pending].map((entry) => `${entry.label} for ${((now - entry.since) / 1000).toFixed(1)} s`);
  }

  /** Fail everything pending with `error` and refuse new operations. Repeatable. */
  async close(error: MpiError): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const entry of [...this.pending]) entry.fail(error);
    this.pending.clear();
    await this.transport.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private ensureOpen(label: string): void {
    if (this.closed) throw new MpiError('ERR_COMM_CLOSED', `${label}: tsmpi has been finalized`);
  }

  private arrive(frames: Uint8Array[]): void {
    const message = parse(frames);
    if (message.kind === Kind.Ack) {
      const ack = this.acks.get(message.seq);
      if (ack === undefined) return;
      this.acks.delete(message.seq);
      ack.release();
      ack.resolve();
      return;
    }
    this.counters.received.messages++;
    this.counters.received.bytes += message.byteLength;
    this.matching.arrive(message);
  }

  /** A message has been received: acknowledge it if its sender waits for that (ssend). */
  private taken(message: Message): void {
    if (message.kind !== Kind.Sync || this.closed) return;
    const ack = header(Kind.Ack, null, message.context, 0, 0, message.seq, this.rank);
    this.transport.send(message.origin, ack).catch(() => {});
  }
}

export { ANY_SOURCE, ANY_TAG };
