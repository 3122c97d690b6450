/**
 * The engine's wire format (the one place it is documented): what each message of the
 * protocols in engine.ts looks like as transport frames. Pure: no I/O.
 *
 * Frame 0 of every message starts with a 24-byte header, little-endian:
 *   u8 kind | u8 encoding | u8 typeCode | u8 flags |    (encoding, typeCode: the codec's Layout)
 *   u32 context | u32 source (sender's rank in the communicator) | i32 tag |
 *   u32 seq (the sender's id of a synchronous or rendezvous message) | u32 origin (sender's world rank)
 * Kinds: 0 EAGER, 1 EAGER_SYNC, 2 ACK, 3 RTS, 4 CTS, 5 BULK, 6 DONE, 7 REFUSE, 8 CANCEL, 9 CLOCK, 10 FILE,
 * 11 FILE_EAGER, 12 FREED.
 *
 * EAGER, EAGER_SYNC, RTS and FILE_EAGER may continue (flags bit 1, CONTROL) with a control block the
 * engine carries without looking inside (the collectives put their call's identity and
 * error flag there, src/collectives/control.ts, so nothing internal travels inside a
 * user's value):
 *   u32 length | that many bytes | zero padding to a multiple of 8
 * then with the payload's frame table:
 *   u32 frameCount | f64 byteLength × frameCount | zero padding to a multiple of 8
 * EAGER and EAGER_SYNC then carry the payload frames inside frame 0 itself, each padded
 * to a multiple of 8 bytes (a received Float64Array is viewed in place, not copied),
 * unless flags bit 0 (OWNED) is set: the payload frames then follow as frames of their own.
 * RTS is the header and table alone (the envelope of a rendezvous message).
 * FILE_EAGER (between ranks on one host) is the header and table alone too: the whole
 * payload is already in the sender's file number `seq` to this receiver, from byte 0.
 * FREED (the header alone) tells that sender the receiver has read file `seq`.
 * BULK is the header followed by the next part of a rendezvous payload (the payload's
 * bytes in order, cut into chunks of at most {@link CHUNK_BYTES}, several frames per
 * chunk where the payload has several); seq and origin name the message.
 * FILE (between ranks on one host, src/transport/shared-files.ts) is the header alone and
 * stands for the next `source` bytes of a rendezvous payload, which the sender has written
 * at the same offset of its file number `context` to this receiver; seq and origin name
 * the message. A payload's FILE parts come first, then (if the file system refused a
 * write) BULK messages carry the rest.
 * ACK, CTS, DONE, REFUSE and CANCEL are the header alone; seq names the message
 * (the ssend's or rendezvous sender's id), origin is who sends the control message.
 * CLOCK (tracing's clock measurement, src/comm/clock.ts) is the header — seq numbers the
 * ping, tag is 0 for a ping and 1 for its answer — and a second frame of 8 bytes, the
 * sender's wall-clock time in milliseconds (f64, little-endian).
 */
import { Encoding, layoutOf, PACKED, type Encoded, type Layout } from '../codec/codec.js';
import { MpiError } from '../errors.js';
import type { Envelope } from './matching.js';

export const HEADER_BYTES = 24;

export const enum Kind {
  Eager = 0,
  EagerSync = 1,
  Ack = 2,
  Rts = 3,
  Cts = 4,
  Bulk = 5,
  Done = 6,
  Refuse = 7,
  Cancel = 8,
  Clock = 9,
  File = 10,
  FileEager = 11,
  Freed = 12,
}

const FLAG_OWNED = 1;
const FLAG_CONTROL = 2;

/**
 * Largest BULK chunk. Smaller chunks let the receiver copy one part into place while
 * the next is still in flight, and libzmq streams 1 MiB messages faster than 16 MiB ones
 * (each received message is a fresh allocation: ~5.7 against ~3.5 GB/s on this machine).
 */
export const CHUNK_BYTES = 1 << 20;

/** A received message (or a rendezvous envelope whose data has not arrived yet). */
export interface Message extends Envelope {
  readonly kind: Kind;
  /** How the payload reads back (the codec's descriptor). */
  readonly layout: Layout;
  readonly seq: number;
  readonly origin: number;
  /** Payload frames; empty until a rendezvous message's data has arrived. */
  frames: Uint8Array[];
  /** The control block, if the sender attached one. */
  readonly control: Uint8Array | null;
  /** Byte length of each payload frame (from the frame table). */
  readonly lengths: readonly number[];
  /** Payload bytes (known from the envelope, before a rendezvous message's data arrives). */
  readonly byteLength: number;
}

function align8(bytes: number): number {
  return (bytes + 7) & ~7;
}

/** Zero `bytes[from, to)`: padding of at most a few bytes, where Buffer#fill's argument checks cost more than the stores. */
function zero(bytes: Uint8Array, from: number, to: number): void {
  for (let at = from; at < to; at++) bytes[at] = 0;
}

function tableBytes(frames: number): number {
  return align8(4 + 8 * frames);
}

function writeHeader(
  bytes: Uint8Array,
  kind: Kind,
  layout: Layout,
  flags: number,
  context: number,
  source: number,
  tag: number,
  seq: number,
  origin: number,
): void {
  // Byte stores rather than Buffer#write*: these run for every message, and the header's
  // fields are in range by construction (Buffer's checks cost more than the stores).
  bytes[0] = kind;
  bytes[1] = layout.encoding;
  bytes[2] = layout.typeCode;
  bytes[3] = flags;
  putU32(bytes, 4, context);
  putU32(bytes, 8, source);
  putU32(bytes, 12, tag >>> 0);
  putU32(bytes, 16, seq);
  putU32(bytes, 20, origin);
}

/** Store `value` (0 ≤ value < 2³²) little-endian at `at`. */
function putU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = value >>> 24;
}

/** The unsigned 32-bit little-endian number at `at` (the caller has checked the bounds). */
function getU32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16)) + (bytes[at + 3] as number) * 0x1000000
  );
}

/** What a data message's header carries besides the payload. */
export interface DataEnvelope {
  readonly context: number;
  readonly source: number;
  readonly tag: number;
  readonly seq: number;
  readonly origin: number;
  readonly control: Uint8Array | null;
}

/** Header, control block and frame table of a data message, plus `extra` bytes after them. Returns the buffer and where `extra` starts. */
function dataHead(kind: Kind, body: Encoded, flags: number, extra: number, envelope: DataEnvelope): [Buffer, number] {
  const { context, source, tag, seq, origin, control } = envelope;
  const table = HEADER_BYTES + (control === null ? 0 : align8(4 + control.byteLength));
  const start = table + tableBytes(body.frames.length);
  const bytes = Buffer.allocUnsafe(start + extra);
  writeHeader(bytes, kind, body.layout, flags | (control === null ? 0 : FLAG_CONTROL), context, source, tag, seq, origin);
  if (control !== null) {
    bytes.writeUInt32LE(control.byteLength, HEADER_BYTES);
    bytes.set(control, HEADER_BYTES + 4);
    zero(bytes, HEADER_BYTES + 4 + control.byteLength, table);
  }
  bytes.writeUInt32LE(body.frames.length, table);
  let at = table + 4;
  for (const frame of body.frames) {
    bytes.writeDoubleLE(frame.byteLength, at);
    at += 8;
  }
  zero(bytes, at, start);
  return [bytes, start];
}

/** An EAGER or EAGER_SYNC message: one frame holding a copy of the payload (the sender's memory is free at once). */
export function eagerMessage(sync: boolean, body: Encoded, envelope: DataEnvelope): Uint8Array[] {
  let extra = 0;
  for (const frame of body.frames) extra = align8(extra + frame.byteLength);
  const [bytes, start] = dataHead(sync ? Kind.EagerSync : Kind.Eager, body, 0, extra, envelope);
  let at = start;
  for (const frame of body.frames) {
    bytes.set(frame, at);
    const end = at + frame.byteLength;
    at = align8(end);
    zero(bytes, end, at);
  }
  return [bytes];
}

/** Converts a frame table's f64 lengths without Buffer's checked accessors (in the platform's byte order). */
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Memory for small outgoing frames, carved in order from slabs as Node's Buffer pool does,
 * but as plain Uint8Array views: making a Buffer (a Uint8Array subclass) costs more. Bytes
 * are never handed out twice: a frame the transport still holds keeps its slab alive.
 */
const SLAB_BYTES = 64 * 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/** `size` bytes (a multiple of 8) for an outgoing frame; their contents are not cleared. */
function frameBytes(size: number): Uint8Array {
  if (size > SLAB_BYTES / 16) return Buffer.allocUnsafeSlow(size);
  if (slabUsed + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const bytes = new Uint8Array(slab, slabUsed, size);
  slabUsed += size;
  return bytes;
}

/** Where a one-frame data message without a control block carries its payload: header, then the table of one length. */
const SINGLE_START = HEADER_BYTES + 16;

/**
 * An EAGER message of one typed array, without a control block: the same bytes as
 * {@link eagerMessage} makes for it, built without the codec's intermediate objects (the
 * common small `Send`).
 */
export function eagerTyped(
  layout: Layout,
  payload: Uint8Array,
  context: number,
  source: number,
  tag: number,
  origin: number,
): Uint8Array[] {
  const length = payload.byteLength;
  const end = SINGLE_START + length;
  const bytes = frameBytes(align8(end));
  writeHeader(bytes, Kind.Eager, layout, 0, context, source, tag, 0, origin);
  putU32(bytes, HEADER_BYTES, 1);
  F64[0] = length;
  for (let index = 0; index < 8; index++) bytes[HEADER_BYTES + 4 + index] = F64_BYTES[LITTLE_ENDIAN ? index : 7 - index] as number;
  zero(bytes, HEADER_BYTES + 12, SINGLE_START);
  copyBytes(bytes, payload, SINGLE_START);
  zero(bytes, end, bytes.byteLength);
  return [bytes];
}

/**
 * Copy `from` into `into` at `at`. A few bytes go by a loop: `TypedArray#set` costs more
 * than the stores it saves (the 8-byte messages of a ping-pong).
 */
export function copyBytes(into: Uint8Array, from: Uint8Array, at: number): void {
  const length = from.byteLength;
  if (length > 64) return into.set(from, at);
  for (let index = 0; index < length; index++) into[at + index] = from[index] as number;
}

/** The f64 (little-endian, as this machine's) at `at` (the caller has checked the bounds). */
function getF64(bytes: Uint8Array, at: number): number {
  for (let index = 0; index < 8; index++) F64_BYTES[LITTLE_ENDIAN ? index : 7 - index] = bytes[at + index] as number;
  return F64[0] as number;
}

/** An OWNED eager message: the payload frames handed over as they are, without a copy. */
export function ownedMessage(body: Encoded, envelope: DataEnvelope): Uint8Array[] {
  const [head] = dataHead(Kind.Eager, body, FLAG_OWNED, 0, envelope);
  return [head, ...body.frames];
}

/** The RTS envelope of a rendezvous message. */
export function rtsMessage(body: Encoded, envelope: DataEnvelope): Uint8Array[] {
  return [dataHead(Kind.Rts, body, 0, 0, envelope)[0]];
}

/** The FILE_EAGER envelope of a payload written whole to the sender's file `envelope.seq`. */
export function fileEagerMessage(body: Encoded, envelope: DataEnvelope): Uint8Array[] {
  return [dataHead(Kind.FileEager, body, 0, 0, envelope)[0]];
}

/** A control message (ACK, CTS, DONE, REFUSE, CANCEL, FREED): the header alone. */
export function controlMessage(kind: Kind, seq: number, origin: number): Uint8Array[] {
  const bytes = Buffer.alloc(HEADER_BYTES);
  writeHeader(bytes, kind, PACKED, 0, 0, 0, 0, seq, origin);
  return [bytes];
}

/** A CLOCK message: a ping (`reply` false) or its answer, carrying `timeMs`. */
export function clockMessage(seq: number, origin: number, reply: boolean, timeMs: number): Uint8Array[] {
  const bytes = Buffer.alloc(HEADER_BYTES);
  writeHeader(bytes, Kind.Clock, PACKED, 0, 0, 0, reply ? 1 : 0, seq, origin);
  const time = Buffer.alloc(8);
  time.writeDoubleLE(timeMs, 0);
  return [bytes, time];
}

/** The time a CLOCK message carries, or null when its second frame is not 8 bytes. */
export function clockTime(message: Message): number | null {
  const frame = message.frames[0];
  if (frame === undefined || frame.byteLength !== 8) return null;
  return Buffer.from(frame.buffer, frame.byteOffset, 8).readDoubleLE(0);
}

/**
 * The bytes of `frames` from byte `from` on, cut into pieces of at most `chunkBytes` bytes
 * each (several views where a piece spans frames): views of the frames' memory, in order.
 */
export function pieces(frames: readonly Uint8Array[], chunkBytes: number, from = 0): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let room = chunkBytes;
  let skip = from;
  for (const frame of frames) {
    let at = Math.min(skip, frame.byteLength);
    skip -= at;
    while (at < frame.byteLength) {
      const take = Math.min(room, frame.byteLength - at);
      current.push(frame.subarray(at, at + take));
      at += take;
      room -= take;
      if (room === 0) {
        out.push(current);
        current = [];
        room = chunkBytes;
      }
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The BULK messages carrying `frames` from byte `from` on (views of the sender's memory, not copies), in order. */
export function bulkMessages(frames: readonly Uint8Array[], seq: number, origin: number, from = 0): Uint8Array[][] {
  return pieces(frames, CHUNK_BYTES, from).map((piece) => [...controlMessage(Kind.Bulk, seq, origin), ...piece]);
}

/** A FILE message: the next `byteCount` bytes of rendezvous message `seq` are in the sender's file `slot`. */
export function fileMessage(seq: number, origin: number, slot: number, byteCount: number): Uint8Array[] {
  const bytes = Buffer.alloc(HEADER_BYTES);
  writeHeader(bytes, Kind.File, PACKED, 0, slot, byteCount, 0, seq, origin);
  return [bytes];
}

/**
 * The parsed message, built as one object literal: in Node 20, `{ ...base, more }` with an
 * object made just before costs ~10 µs (measured), which was most of an 8-byte message's
 * receive cost.
 */
function message(
  view: Uint8Array,
  kind: Kind,
  control: Uint8Array | null,
  frames: Uint8Array[],
  lengths: readonly number[],
  byteLength: number,
): Message {
  return {
    kind,
    layout: layoutOf(view[1] as number, view[2] as number),
    context: getU32(view, 4),
    source: getU32(view, 8),
    tag: getU32(view, 12) | 0,
    seq: getU32(view, 16),
    origin: getU32(view, 20),
    control,
    frames,
    lengths,
    byteLength,
  };
}

/** Parse a message's header and frame table. Throws ERR_CODEC for a malformed message. */
export function parse(frames: Uint8Array[]): Message {
  const head = frames[0];
  if (head === undefined || head.byteLength < HEADER_BYTES)
    throw new MpiError('ERR_CODEC', `a ${head?.byteLength ?? 0}-byte frame is too short for a tsmpi header`);
  const view = head;
  const kind = view[0] as Kind;
  if (kind > Kind.Freed) throw new MpiError('ERR_CODEC', `unknown message kind ${kind}`);
  if (kind !== Kind.Eager && kind !== Kind.EagerSync && kind !== Kind.Rts && kind !== Kind.FileEager)
    return message(view, kind, null, frames.slice(1), [], 0);
  const flags = view[3] as number;
  let table = HEADER_BYTES;
  let control: Uint8Array | null = null;
  if ((flags & FLAG_CONTROL) !== 0) {
    const length = head.byteLength >= HEADER_BYTES + 4 ? getU32(view, HEADER_BYTES) : -1;
    table = HEADER_BYTES + align8(4 + length);
    if (length < 0 || table > head.byteLength) throw new MpiError('ERR_CODEC', 'a truncated control block');
    control = view.subarray(HEADER_BYTES + 4, HEADER_BYTES + 4 + length);
  }
  if (head.byteLength < table + 4) throw new MpiError('ERR_CODEC', 'a data message without its frame table');
  const count = getU32(view, table);
  const start = table + tableBytes(count);
  if (head.byteLength < start)
    throw new MpiError('ERR_CODEC', `a frame table of ${count} entries does not fit a ${head.byteLength}-byte frame`);
  const lengths: number[] = [];
  let byteLength = 0;
  for (let index = 0; index < count; index++) {
    const length = getF64(view, table + 4 + 8 * index);
    if (!Number.isSafeInteger(length) || length < 0) throw new MpiError('ERR_CODEC', `frame ${index} has an invalid length ${length}`);
    lengths.push(length);
    byteLength += length;
  }
  if (kind === Kind.Rts || kind === Kind.FileEager) return message(view, kind, control, [], lengths, byteLength);
  if ((flags & FLAG_OWNED) !== 0) {
    const payload = frames.slice(1);
    if (payload.length !== count || payload.some((frame, index) => frame.byteLength !== lengths[index]))
      throw new MpiError('ERR_CODEC', 'payload frames do not match the frame table');
    return message(view, kind, control, payload, lengths, byteLength);
  }
  const payload: Uint8Array[] = [];
  // A typed payload is only ever copied or viewed as its element type: a plain view is
  // enough, and cheaper to make than a Buffer's (msgpack payloads stay Buffers).
  const plain = view[1] === Encoding.Typed;
  let at = start;
  for (const length of lengths) {
    if (at + length > head.byteLength)
      throw new MpiError('ERR_CODEC', `the payload (${byteLength} bytes) does not fit a ${head.byteLength}-byte frame`);
    payload.push(
      plain ? new Uint8Array(view.buffer, view.byteOffset + at, length) : Buffer.from(view.buffer, view.byteOffset + at, length),
    );
    at = align8(at + length);
  }
  return message(view, kind, control, payload, lengths, byteLength);
}
