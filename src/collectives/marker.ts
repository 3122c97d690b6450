/**
 * Error markers: how an error only some ranks can see reaches every rank that would
 * otherwise wait. A rank that finds a problem sends a marker where its data would have
 * gone, through the same algorithm; every rank that receives a marker forwards it in
 * place of data and finally rejects with the marker's code and message.
 */
import { MpiError, type ErrorCode } from '../errors.js';

/** The key that makes an object a marker; a NUL-prefixed name no user object carries by accident. */
const KEY = '\u0000tsmpi-error';

/** An error travelling through a collective instead of data. */
export interface ErrorMarker {
  readonly [KEY]: true;
  readonly code: ErrorCode;
  readonly message: string;
}

/** A marker carrying `error` (an MpiError keeps its code; anything else becomes ERR_INTERN). */
export function marker(error: unknown): ErrorMarker {
  if (error instanceof MpiError) return { [KEY]: true, code: error.code, message: error.message };
  return { [KEY]: true, code: 'ERR_INTERN', message: error instanceof Error ? error.message : String(error) };
}

/** True if `value` is an error marker. */
export function isMarker(value: unknown): value is ErrorMarker {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && (value as Record<string, unknown>)[KEY] === true;
}

/** The MpiError a marker stands for. */
export function errorOf(value: ErrorMarker): MpiError {
  return new MpiError(value.code, value.message);
}

/** Throw if `value` is a marker, else return it. */
export function unwrap<T>(value: T | ErrorMarker): T {
  if (isMarker(value)) throw errorOf(value);
  return value;
}

/** Run `f`, turning a thrown error into a marker (so it can be forwarded). */
export function capture<T>(f: () => T): T | ErrorMarker {
  try {
    return f();
  } catch (error) {
    return marker(error);
  }
}

/** The slice of a collective port that markers need. */
interface Sender {
  send(value: unknown, dest: number): Promise<void>;
}

/**
 * Send `value` to `dest`; if it cannot be sent (e.g. ERR_CODEC on a function), send a
 * marker of that error instead so the receiver does not wait forever. Resolves with what
 * was actually sent.
 */
export async function post(port: Sender, value: unknown, dest: number): Promise<unknown> {
  try {
    await port.send(value, dest);
    return value;
  } catch (error) {
    const failed = marker(error);
    await port.send(failed, dest);
    return failed;
  }
}
