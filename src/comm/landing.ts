/**
 * Where a received message lands: the caller's typed array of a buffer receive (`Recv`,
 * `Irecv`, `Sendrecv`) and the Status it passed. Shared by the communicator and by the
 * engine, which lands a blocking `Recv` itself when the message matches (one promise
 * step fewer between the socket and the caller's `await`).
 */
import { bytesOf, elementCount, Encoding, type AnyTypedArray } from '../codec/codec.js';
import { MpiError } from '../errors.js';
import type { Status } from './status.js';
import { copyBytes, type Message } from './wire.js';

/**
 * Record in `status` (if given) where `message` came from and how large it is. `count` is
 * in elements of `buf` for a buffer receive (MPI_Get_count with the receive's datatype),
 * else as the codec counts the message's own contents.
 */
export function setStatus(status: Status | undefined, message: Message, buf?: AnyTypedArray): void {
  if (status === undefined) return;
  status.source = message.source;
  status.tag = message.tag;
  status.byteLength = message.byteLength;
  status.count = buf === undefined ? elementCount(message.layout, message.byteLength) : message.byteLength / buf.BYTES_PER_ELEMENT;
}

/** Copy a received typed payload into `buf` (the receive has checked that it fits); `bytes` are `buf`'s bytes if known. */
export function copyInto(buf: AnyTypedArray, message: Message, bytes?: Uint8Array): void {
  const frame = message.frames[0];
  // A large message was assembled in `buf` itself already.
  if (frame !== undefined && !(frame.buffer === buf.buffer && frame.byteOffset === buf.byteOffset))
    copyBytes(bytes ?? bytesOf(buf), frame, 0);
}

/** Why `message` cannot be received into `buf` by `operation` (it is no typed array, or too large), or null when it can. */
export function fits(operation: string, message: Message, buf: AnyTypedArray): MpiError | null {
  if (message.layout.encoding !== Encoding.Typed) {
    return new MpiError(
      'ERR_BUFFER',
      `${operation}: the message from rank ${message.source} (tag ${message.tag}) is not a typed array; receive it with recv()`,
    );
  }
  if (message.byteLength > buf.byteLength) {
    return new MpiError(
      'ERR_TRUNCATE',
      `${operation}: message from rank ${message.source} (tag ${message.tag}) has ${message.byteLength} bytes but the buffer holds ${buf.byteLength}; the message is kept for a larger receive`,
    );
  }
  return null;
}

/** Copy `message` into `buf` (whose bytes are `bytes`, if known) and record it in `status`. */
export function land(buf: AnyTypedArray, status: Status | undefined, message: Message, bytes?: Uint8Array): void {
  copyInto(buf, message, bytes);
  setStatus(status, message, buf);
}
