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
import { createRequire } from 'node:module';
import type * as Msgpackr from 'msgpackr';
import { MpiError } from '../errors.js';

/** How a payload is encoded; the value travels in the wire header (src/comm/wire.ts). */
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

/**
 * Every typed array tsmpi carries (a Node Buffer is a Uint8Array, so it is one too; it is
 * not named here so that the published declarations need no Node types).
 */
export type AnyTypedArray =
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

/** A msgpack payload (any value that is not a typed array on its own). */
export interface PackedLayout {
  readonly encoding: Encoding.Pack;
  readonly typeCode: 0;
}

/** A typed array's raw bytes. */
export interface TypedLayout {
  readonly encoding: Encoding.Typed;
  /** Element-type code (an index into the codec's table; part of the wire format). */
  readonly typeCode: number;
  /** Bytes per element (1 for a Buffer or Uint8Array, 8 for a Float64Array...). */
  readonly bytesPerElement: number;
}

/**
 * How an encoded payload reads back: the codec's descriptor of a message's contents.
 * The engine carries it in the wire header as two bytes and gets it back from
 * {@link layoutOf}; nothing outside the codec interprets those bytes.
 */
export type Layout = PackedLayout | TypedLayout;

/** The layout of every msgpack payload. */
export const PACKED: PackedLayout = Object.freeze({ encoding: Encoding.Pack, typeCode: 0 });

/** One frozen layout per typed-array kind, so parsing a header allocates nothing. */
const TYPED_LAYOUTS: readonly TypedLayout[] = TYPED_KINDS.map((Ctor, typeCode) =>
  Object.freeze({
    encoding: Encoding.Typed,
    typeCode,
    bytesPerElement: Ctor === Buffer ? 1 : (Ctor as Float64ArrayConstructor).BYTES_PER_ELEMENT,
  }),
);

/** The layout of each typed-array kind, by its constructor. */
const LAYOUT_OF = new Map<unknown, TypedLayout>(TYPED_KINDS.map((Ctor, typeCode) => [Ctor, TYPED_LAYOUTS[typeCode] as TypedLayout]));

/**
 * The layout `value` is sent with when it is a typed array tsmpi carries out of band (as
 * {@link encode} would choose it, without encoding), else null. Allocates nothing.
 */
export function typedLayout(value: unknown): TypedLayout | null {
  // Constructor identity, as in typedCode: a Buffer stays a Buffer, a DataView is not a typed array.
  if (!ArrayBuffer.isView(value)) return null;
  return LAYOUT_OF.get((value as { constructor: unknown }).constructor) ?? null;
}

/** The layout a wire header names. @throws ERR_CODEC for an unknown encoding or element type */
export function layoutOf(encoding: number, typeCode: number): Layout {
  if (encoding === Encoding.Pack) return PACKED;
  const layout = encoding === Encoding.Typed ? TYPED_LAYOUTS[typeCode] : undefined;
  if (layout === undefined) throw new MpiError('ERR_CODEC', `decode: unknown encoding ${encoding} with element type ${typeCode}`);
  return layout;
}

/**
 * How many elements `byteLength` payload bytes of `layout` are (MPI_Get_count): elements
 * of the typed array, or bytes for a msgpack payload.
 */
export function elementCount(layout: Layout, byteLength: number): number {
  return layout.encoding === Encoding.Typed ? byteLength / layout.bytesPerElement : byteLength;
}

// Extension type codes of our own; msgpackr's built-in ones are letters ('B' bigint, 's' Set, 't' typed arrays...).
const OOB_EXT = 0x10;

/** Wire code of a typed array's element type, or -1 if `value` is not a typed array we carry. */
export function typedCode(value: unknown): number {
  return typedLayout(value)?.typeCode ?? -1;
}

/** True when `value` is a typed array tsmpi carries out of band (the buffer forms' argument type). */
export function isTypedArray(value: unknown): value is AnyTypedArray {
  return typedLayout(value) !== null;
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

/**
 * Largest number of bytes one typed array may carry: Node 20 cannot view more than
 * 2³²−1 bytes as one Uint8Array (`new Uint8Array(buffer, offset, 2 ** 32)` throws RangeError).
 */
export const MAX_TYPED_BYTES = 2 ** 32 - 1;

/**
 * Why `value`'s memory cannot be read or written, or null when it can: a detached buffer
 * (transferred to a worker, or `ArrayBuffer.prototype.transfer`), or more bytes than
 * {@link MAX_TYPED_BYTES}. Node 20 has no `ArrayBuffer.prototype.detached`: a zero-length
 * view of a detached buffer throws TypeError, which is the test.
 */
export function bufferProblem(value: AnyTypedArray): string | null {
  // Read once: this runs for every buffer a Send or Recv is given.
  const byteLength = value.byteLength;
  // A view of a detached buffer reports 0 bytes: any other length proves the memory is there
  // (and skips the costly probe below on every send of a non-empty array).
  if (byteLength > 0 && byteLength <= MAX_TYPED_BYTES) return null;
  if (byteLength > MAX_TYPED_BYTES) {
    return `${value.constructor.name} of ${byteLength} bytes is larger than the ${MAX_TYPED_BYTES} bytes one message part can carry; send it in parts`;
  }
  try {
    new Uint8Array(value.buffer, 0, 0);
  } catch {
    return `the ${value.constructor.name}'s ArrayBuffer is detached (it was transferred, e.g. to a worker); it has no bytes to use`;
  }
  return null;
}

/** Raw bytes of a typed array, without copying. @throws ERR_BUFFER for a detached or too large array */
export function bytesOf(value: AnyTypedArray, operation = 'send'): Uint8Array {
  const problem = bufferProblem(value);
  if (problem !== null) throw new MpiError('ERR_BUFFER', `${operation}: ${problem}`);
  // A plain Uint8Array is its own bytes: no second view per message.
  if (value.constructor === Uint8Array) return value as Uint8Array;
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Out-of-band frames of the message being packed / unpacked. Packing and unpacking are
 * synchronous, so one slot each is enough and never seen by two messages at once. The slots
 * live on `globalThis`, not in this module: msgpackr's extensions are process-wide, so when
 * two copies of this module run in one process (the ESM and CommonJS bundles, or a Cluster
 * engine's bundle beside the runtime's), the extension registered last serves both copies,
 * and it must see the frames of whichever copy is encoding.
 */
interface FrameSlots {
  pack: Uint8Array[] | null;
  unpack: readonly Uint8Array[] | null;
}
const FRAME_SLOTS = Symbol.for('tsmpi.codec.frames');
const slots: FrameSlots = ((globalThis as { [FRAME_SLOTS]?: FrameSlots })[FRAME_SLOTS] ??= { pack: null, unpack: null });

// Objects msgpack would change silently are either kept (wrapper objects, an own
// `__proto__` key) or refused (things whose contents cannot be read). msgpackr's default
// for an unknown class is its own enumerable fields, which gives `{}` for all of these.
const WRAPPER_EXT = 0x11;
const PROTO_KEYED_EXT = 0x12;

/** Values whose contents cannot be read, or that only make sense in the sending process. */
const REFUSED: ReadonlyArray<[new (...args: never[]) => object, string]> = [
  [Promise, 'a Promise cannot be sent; await it and send its value'],
  [WeakMap, 'a WeakMap cannot be sent (its entries cannot be listed); use a Map'],
  [WeakSet, 'a WeakSet cannot be sent (its members cannot be listed); use a Set'],
  [WeakRef, 'a WeakRef cannot be sent; send the value it refers to'],
  [FinalizationRegistry, 'a FinalizationRegistry cannot be sent'],
  [Symbol as unknown as new () => object, 'a symbol cannot be sent'],
];

/**
 * A plain object with an own `__proto__` key (e.g. from `JSON.parse`). msgpackr renames
 * that key to `__proto_` when decoding (its guard against prototype pollution), so such
 * objects travel as their entries and are rebuilt with `defineProperty`, which sets an own
 * property and never the prototype.
 */
class ProtoKeyed {
  constructor(readonly entries: unknown[]) {}
}

const PROTO_KEY = Buffer.from('__proto__');

/** True if a plain object anywhere inside `value` has an own `__proto__` key. */
function hasProtoKey(value: unknown, seen = new Set<object>()): boolean {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || seen.has(value)) return false;
  seen.add(value);
  if (value.constructor === Object && Object.hasOwn(value, '__proto__')) return true;
  const children =
    value instanceof Map
      ? [...value.keys(), ...value.values()]
      : value instanceof Set
        ? [...value]
        : Array.isArray(value) || value.constructor === Object
          ? Object.values(value)
          : [];
  return children.some((child) => hasProtoKey(child, seen));
}

/** A copy of `value` in which plain objects with an own `__proto__` key are {@link ProtoKeyed}. */
function escapeProtoKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map(escapeProtoKeys);
  if (value instanceof Map) return new Map([...value].map(([key, entry]) => [escapeProtoKeys(key), escapeProtoKeys(entry)]));
  if (value instanceof Set) return new Set([...value].map(escapeProtoKeys));
  if (value.constructor !== Object) return value;
  const entries = Object.entries(value).map(([key, entry]) => [key, escapeProtoKeys(entry)] as const);
  if (!Object.hasOwn(value, '__proto__')) return Object.fromEntries(entries);
  return new ProtoKeyed(entries.flat());
}

/**
 * Longest string Node can decode: `Buffer#toString`, `TextDecoder` and msgpackr all refuse
 * more than 0x1fffffe8 UTF-8 bytes, whatever the number of characters.
 */
const MAX_STRING_BYTES = 0x1fffffe8;

/** The UTF-8 size of the first string inside `value` that no receiver could decode, or -1. */
function undecodableString(value: unknown, seen = new Set<object>()): number {
  if (typeof value === 'string') {
    const bytes = value.length > MAX_STRING_BYTES / 3 ? Buffer.byteLength(value) : 0;
    return bytes > MAX_STRING_BYTES ? bytes : -1;
  }
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || seen.has(value)) return -1;
  seen.add(value);
  const children = value instanceof Map ? [...value.keys(), ...value.values()] : value instanceof Set ? [...value] : Object.values(value);
  for (const child of children) {
    const bytes = undecodableString(child, seen);
    if (bytes >= 0) return bytes;
  }
  return -1;
}

// msgpackr (and its native decoder) is loaded on the first value that needs it: a program
// that only sends typed arrays, or none at all, starts without it (~15 ms less per rank).
// @ts-ignore -- import.meta is ESM-only; the CommonJS build (types only, and the bundle) handles it.
const requireHere = createRequire(import.meta.url);
let loaded: Msgpackr.Packr | null = null;

/** The one Packr, with tsmpi's extensions registered (once, on first use). */
function packer(): Msgpackr.Packr {
  if (loaded !== null) return loaded;
  const { Packr, addExtension } = requireHere('msgpackr') as typeof Msgpackr;
  for (const Ctor of TYPED_KINDS) {
    addExtension({
      Class: Ctor,
      type: OOB_EXT,
      pack(instance: AnyTypedArray): Buffer {
        const packFrames = slots.pack;
        if (packFrames === null) throw new MpiError('ERR_CODEC', 'encode: typed array packed outside the tsmpi codec');
        packFrames.push(bytesOf(instance));
        const record = Buffer.alloc(5);
        record.writeUInt8(typedCode(instance), 0);
        record.writeUInt32LE(packFrames.length, 1); // frame index (frame 0 is the msgpack itself)
        return record;
      },
      unpack(record: Buffer): AnyTypedArray {
        const code = record.readUInt8(0);
        const frame = slots.unpack?.[record.readUInt32LE(1)];
        if (frame === undefined) throw new MpiError('ERR_CODEC', 'decode: message refers to a missing typed-array frame');
        return viewTyped(code, frame);
      },
    });
  }
  /** `new Number(5)`, `new String('x')`, `new Boolean(false)`, `Object(5n)`: kept as the same wrapper object. */
  for (const Wrapper of [Number, String, Boolean, BigInt] as const) {
    addExtension({
      Class: Wrapper,
      type: WRAPPER_EXT,
      write: (wrapped: { valueOf(): unknown }): unknown => wrapped.valueOf(),
      read: (primitive: unknown): unknown => Object(primitive),
    });
  }
  for (const [Class, reason] of REFUSED) {
    addExtension({
      Class,
      type: 0x13,
      pack(): Buffer {
        throw new MpiError('ERR_CODEC', reason);
      },
    });
  }
  addExtension({
    Class: ProtoKeyed,
    type: PROTO_KEYED_EXT,
    write: (keyed: ProtoKeyed): unknown => keyed.entries,
    read: (entries: unknown): unknown => {
      const object: Record<string, unknown> = {};
      if (!Array.isArray(entries)) throw new MpiError('ERR_CODEC', 'decode: malformed object record');
      for (let index = 0; index + 1 < entries.length; index += 2) {
        Object.defineProperty(object, String(entries[index]), {
          value: entries[index + 1],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return object;
    },
  });
  loaded = new Packr({
    moreTypes: true,
    useRecords: true,
    mapsAsObjects: false,
    writeFunction: () => {
      throw new MpiError('ERR_CODEC', 'a function cannot be sent');
    },
  });
  return loaded;
}

/** An encoded value: how to read it back and the frames that carry it. */
export interface Encoded {
  readonly layout: Layout;
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
    return { layout: TYPED_LAYOUTS[code] as TypedLayout, frames: [bytes], byteLength: bytes.byteLength };
  }
  let frames: Uint8Array[] = [];
  let packed = pack(value, frames, operation);
  // The byte search is cheap and almost never hits; only then is the value walked.
  if (Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength).includes(PROTO_KEY) && hasProtoKey(value)) {
    frames = [];
    packed = pack(escapeProtoKeys(value), frames, operation);
  }
  if (packed.byteLength > MAX_STRING_BYTES) {
    const bytes = undecodableString(value);
    if (bytes >= 0) {
      throw new MpiError(
        'ERR_CODEC',
        `${operation}: a string of ${bytes} UTF-8 bytes cannot be received (Node decodes at most ${MAX_STRING_BYTES}); send it as a Buffer (Buffer.from(text)) or in parts`,
      );
    }
  }
  frames.unshift(packed);
  let byteLength = 0;
  for (const frame of frames) byteLength += frame.byteLength;
  return { layout: PACKED, frames, byteLength };
}

/** msgpack `value`, collecting its typed arrays into `frames`. */
function pack(value: unknown, frames: Uint8Array[], operation: string): Uint8Array {
  slots.pack = frames;
  try {
    return packer().pack(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // Keep a code of our own (ERR_BUFFER for a detached typed array inside the value).
    const code = error instanceof MpiError ? error.code : 'ERR_CODEC';
    throw new MpiError(code, `${operation}: value cannot be encoded (${reason})`, { cause: error });
  } finally {
    slots.pack = null;
  }
}

/** Decode frames produced by {@link encode}. */
export function decode(layout: Layout, frames: readonly Uint8Array[]): unknown {
  const first = frames[0] ?? new Uint8Array(0);
  if (layout.encoding === Encoding.Typed) return viewTyped(layout.typeCode, first);
  slots.unpack = frames;
  try {
    return packer().unpack(first);
  } catch (error) {
    if (error instanceof MpiError) throw error;
    throw new MpiError('ERR_CODEC', `decode: malformed message (${String(error)})`, { cause: error });
  } finally {
    slots.unpack = null;
  }
}
