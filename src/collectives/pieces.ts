/**
 * Pieces of a typed vector as the segmented algorithms move them: a typed array, or the
 * error marker that travels in its place (see marker.ts).
 */
import { bytesOf, isTypedArray, type AnyTypedArray } from '../codec/codec.js';
import { MpiError } from '../errors.js';
import { isMarker, marker, type ErrorMarker } from './marker.js';

/** A piece of a vector: its elements, or the marker standing for why they are missing. */
export type Piece = AnyTypedArray | ErrorMarker;

/** Elements `[lo, hi)` of `piece` (a marker stays a marker). */
export function slice(piece: Piece, lo: number, hi: number): Piece {
  return isMarker(piece) ? piece : piece.subarray(lo, hi);
}

/**
 * Copy the bytes of a received `piece` into `out` at byte offset `at`, checking that it
 * holds exactly `byteLength` bytes. Resolves with the marker that stands for the piece
 * when it is one, or is not what every rank should have sent (ERR_COUNT: the ranks'
 * vectors differ in length), else null.
 */
export function writePiece(out: Uint8Array, at: number, piece: unknown, byteLength: number, where: string): ErrorMarker | null {
  if (isMarker(piece)) return piece;
  if (!isTypedArray(piece) || piece.byteLength !== byteLength) {
    const got = isTypedArray(piece) ? `${piece.byteLength} bytes` : typeof piece;
    return marker(
      new MpiError(
        'ERR_COUNT',
        `${where}: received ${got} where ${byteLength} bytes were expected; every rank must pass arrays of the same length and type`,
      ),
    );
  }
  // Received or combined in place already (see CollPort.recv's `into`): nothing to copy.
  if (!isAt(piece, out, at)) out.set(bytesOf(piece), at);
  return null;
}

/** True when `value` is a typed array whose bytes are those of `out` from byte offset `at` on. */
export function isAt(value: unknown, out: Uint8Array, at: number): boolean {
  return isTypedArray(value) && value.buffer === out.buffer && value.byteOffset === out.byteOffset + at;
}

/** True when the bytes of `value` (a typed array) lie inside `out`: memory of the algorithm's result, not the caller's input. */
export function isWithin(value: unknown, out: Uint8Array | undefined): boolean {
  return (
    out !== undefined &&
    isTypedArray(value) &&
    value.buffer === out.buffer &&
    value.byteOffset >= out.byteOffset &&
    value.byteOffset + value.byteLength <= out.byteOffset + out.byteLength
  );
}

/** A combined value as a piece: anything but a typed array or a marker becomes an ERR_COUNT marker. */
export function asPiece(value: unknown, where: string): Piece {
  if (isMarker(value) || isTypedArray(value)) return value;
  return marker(
    new MpiError(
      'ERR_COUNT',
      `${where}: received ${typeof value} where a typed array was expected; every rank must pass arrays of the same length and type`,
    ),
  );
}
