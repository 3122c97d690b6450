/**
 * Error markers: how an error only some ranks can see reaches every rank that would
 * otherwise wait. A rank that finds a problem sends a marker where its data would have
 * gone, through the same algorithm; every rank that receives a marker forwards it in
 * place of data and finally rejects with the marker's code and message.
 *
 * A marker never travels inside a value: the collective port sends it as the error flag
 * of the message's control block (src/collectives/control.ts) with no payload, and turns
 * a received error flag back into a marker. Only this class is a marker, so no user value
 * (which decodes to plain data) can ever be taken for one.
 */
import { MpiError, type ErrorCode } from '../errors.js';
import type { SendOptions } from './port.js';

/** An error travelling through a collective instead of data. */
export class ErrorMarker {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
  ) {}
}

/** A marker carrying `error` (an MpiError keeps its code; anything else becomes ERR_INTERN). */
export function marker(error: unknown): ErrorMarker {
  if (error instanceof MpiError) return new ErrorMarker(error.code, error.message);
  return new ErrorMarker('ERR_INTERN', error instanceof Error ? error.message : String(error));
}

/** True if `value` is an error marker. */
export function isMarker(value: unknown): value is ErrorMarker {
  return value instanceof ErrorMarker;
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
  send(value: unknown, dest: number, options?: SendOptions): Promise<void>;
}

/**
 * Send `value` to `dest`; if it cannot be sent (e.g. ERR_CODEC on a function), send a
 * marker of that error instead so the receiver does not wait forever. Resolves with what
 * was actually sent.
 */
export async function post(port: Sender, value: unknown, dest: number, options?: SendOptions): Promise<unknown> {
  try {
    await port.send(value, dest, options);
    return value;
  } catch (error) {
    const failed = marker(error);
    await port.send(failed, dest);
    return failed;
  }
}
