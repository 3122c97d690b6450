/**
 * The codec: the only importer of 'msgpackr'.
 *
 * A value becomes one or more frames:
 * - a typed array (or Buffer) given directly is sent as its raw bytes in one frame,
 *   with a one-byte element-type code in the message header (`Encoding.Typed`);
 * - anything else is msgpack (`Encoding.Pack`) in the first frame, and every typed
 *   array found inside it travels as an extra frame of its own, referenced from the
 *   msgpack by an extension record (type {@link OOB_EXT}) holding [typeCode, frameIndex].
 *
 * Options pinned (msgpackr 2.x): `moreTypes` (Set, BigInt beyond 64 bits, ...),
 * `useRecords: true` with `mapsAsObjects: false` so a plain object travels as a record
 * and decodes as a plain object while a Map (a msgpack map) decodes as a Map (records are
 * defined inside each message, so any receiver reads any message), `writeFunction` that throws so a
 * function is rejected instead of silently becoming `undefined` (msgpackr's default).
 * msgpackr's own typed-array extension is never reached: ours is registered first
 * and takes precedence, which matters because msgpackr's default `pack()` without
 * `moreTypes` truncates non-Uint8 typed arrays to bytes.
 */
import { Packr, addExtension } from 'msgpackr';
import { MpiError } from '../errors.js';

export const enum Encoding {
  Pack = 0,
  Typed = 1,
}

/** Every typed-array kind that round-trips, by wire code. Order is part of the wire format. */
const TYPED_KINDS = [
  Buffer,
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;

export type AnyTypedArray =
  | Buffer
  | Uint8Array
  | Int8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

type TypedCtor = (typeof TYPED_KINDS)[number];

// Extension type codes of our own; msgpackr's built-in ones are letters ('B' bigint, 's' Set, 't' typed arrays...).
const OOB_EXT = 0x10;

/** Wire code of a typed array's element type, or -1 if `value` is not a typed array we carry. */
export function typedCode(value: unknown): number {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return -1;
  // Constructor identity, not instanceof: Buffer is a Uint8Array subclass and must stay a Buffer.
  return TYPED_KINDS.indexOf((value as { constructor: unknown }).constructor as TypedCtor);
}

/** True when `value` is a typed array tsmpi carries out of band (the buffer forms' argument type). */
export function isTypedArray(value: unknown): value is AnyTypedArray {
  return typedCode(value) >= 0;
}

/** View `bytes` as the typed array of wire `code`, copying only when the bytes are misaligned. */
export function viewTyped(code: number, bytes: Uint8Array): AnyTypedArray {
  const Ctor = TYPED_KINDS[code];
  if (Ctor === undefined) throw new MpiError('ERR_CODEC', `decode: unknown typed-array code ${code}`);
  if (Ctor === Buffer) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = (Ctor as Float64ArrayConstructor).BYTES_PER_ELEMENT;
  if (bytes.byteLength % size !== 0) {
    throw new MpiError('ERR_CODEC', `decode: ${bytes.byteLength} bytes is not a whole number of ${Ctor.name} elements`);
  }
  let source = bytes;
  if (source.byteOffset % size !== 0) source = new Uint8Array(bytes); // copy to an aligned buffer
  return new (Ctor as Float64ArrayConstructor)(source.buffer, source.byteOffset, source.byteLength / size);
}

/** Raw bytes of a typed array, without copying. */
export function bytesOf(value: AnyTypedArray): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

// Out-of-band frames of the message being packed / unpacked. Packing and unpacking are
// synchronous, so one module-level slot is enough and never seen by two messages at once.
let packFrames: Uint8Array[] | null = null;
let unpackFrames: readonly Uint8Array[] | null = null;

for (const Ctor of TYPED_KINDS) {
  addExtension({
    Class: Ctor,
    type: OOB_EXT,
    pack(instance: AnyTypedArray): Buffer {
      if (packFrames === null) throw new MpiError('ERR_CODEC', 'encode: typed array packed outside the tsmpi codec');
      packFrames.push(bytesOf(instance));
      const record = Buffer.alloc(5);
      record.writeUInt8(typedCode(instance), 0);
      record.writeUInt32LE(packFrames.length, 1); // frame index (frame 0 is the msgpack itself)
      return record;
    },
    unpack(record: Buffer): AnyTypedArray {
      const code = record.readUInt8(0);
      const frame = unpackFrames?.[record.readUInt32LE(1)];
      if (frame === undefined) throw new MpiError('ERR_CODEC', 'decode: message refers to a missing typed-array frame');
      return viewTyped(code, frame);
    },
  });
}

const packr = new Packr({
  moreTypes: true,
  useRecords: true,
  mapsAsObjects: false,
  writeFunction: () => {
    throw new MpiError('ERR_CODEC', 'a function cannot be sent');
  },
});

/** An encoded value: how to read it back and the frames that carry it. */
export interface Encoded {
  readonly encoding: Encoding;
  /** Element-type code when `encoding` is `Typed`, else 0. */
  readonly typeCode: number;
  readonly frames: Uint8Array[];
  readonly byteLength: number;
}

/**
 * Encode `value` for sending. Throws `ERR_CODEC` naming `operation` for values that
 * cannot be sent (functions, symbols, ...). Typed arrays are not copied.
 */
export function encode(value: unknown, operation: string): Encoded {
  const code = typedCode(value);
  if (code >= 0) {
    const bytes = bytesOf(value as AnyTypedArray);
    return { encoding: Encoding.Typed, typeCode: code, frames: [bytes], byteLength: bytes.byteLength };
  }
  const frames: Uint8Array[] = [];
  packFrames = frames;
  let packed: Uint8Array;
  try {
    packed = packr.pack(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MpiError('ERR_CODEC', `${operation}: value cannot be encoded (${reason})`, { cause: error });
  } finally {
    packFrames = null;
  }
  frames.unshift(packed);
  let byteLength = 0;
  for (const frame of frames) byteLength += frame.byteLength;
  return { encoding: Encoding.Pack, typeCode: 0, frames, byteLength };
}

/** Decode frames produced by {@link encode}. */
export function decode(encoding: number, typeCode: number, frames: readonly Uint8Array[]): unknown {
  const first = frames[0] ?? new Uint8Array(0);
  if (encoding === Encoding.Typed) return viewTyped(typeCode, first);
  if (encoding !== Encoding.Pack) throw new MpiError('ERR_CODEC', `decode: unknown encoding ${encoding}`);
  unpackFrames = frames;
  try {
    return packr.unpack(first);
  } catch (error) {
    if (error instanceof MpiError) throw error;
    throw new MpiError('ERR_CODEC', `decode: malformed message (${String(error)})`, { cause: error });
  } finally {
    unpackFrames = null;
  }
}
