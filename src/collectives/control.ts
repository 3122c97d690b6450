/**
 * The control block of a collective message: what the message belongs to and whether it
 * carries an error instead of data. It travels in the engine's header control block
 * (src/comm/engine.ts), never inside the user's value. Binary, little-endian, one of:
 *
 *   data:  u8 1 | u8 flags | u16 callBytes | u32 seq | call
 *   agree: u8 2 | u8 flags | u16 callCount | u32 seq | (u32 rank | u16 bytes | call) × callCount
 *          [ERROR: u32 rank | error]
 *   then, on either kind, [MARKER: error]
 *
 * where an error is `u16 bytes | code | u32 bytes | message` and strings are UTF-8.
 * Flags: 1 ERROR (the agreement state holds the lowest rank's argument error), 2 MARKER
 * (the message carries an error marker, src/collectives/marker.ts, and no payload), 4
 * FUSED (an agreement message that also carries the algorithm's payload: the call runs
 * its algorithm inside the agreement round, src/comm/collective-port.ts).
 *
 * `seq` is the call's sequence number on the communicator (also the message tag); `call`
 * describes the call as the sender made it — operation, root, op and size signature, e.g.
 * `reduce(SUM, root 0)` or `Allreduce(Float64Array(4), SUM)` — so two calls match exactly
 * when their descriptions are equal. `agree` messages carry the agreement round's state
 * (src/collectives/agree.ts): each distinct call seen with the lowest rank that made it,
 * and the error of the lowest rank that could not take part.
 */
import { MpiError, type ErrorCode } from '../errors.js';

/** An error that a rank contributes to a collective, with the rank it arose on. */
export interface RankError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly rank: number;
}

/** An error marker's content. */
export interface MarkerError {
  readonly code: ErrorCode;
  readonly message: string;
}

/** The agreement round's state (see src/collectives/agree.ts), and what a fused message carries besides. */
export interface AgreeControl {
  readonly kind: 'agree';
  readonly seq: number;
  /** Each distinct call description seen, with the lowest rank that made it, by rank. */
  readonly calls: readonly (readonly [string, number])[];
  readonly error: RankError | null;
  /** The message carries the algorithm's payload too (a fused call). */
  readonly fused: boolean;
  /** The payload is an error marker (fused messages only). */
  readonly marker: MarkerError | null;
}

/** A data message of a collective's algorithm, or an error marker in its place. */
export interface DataControl {
  readonly kind: 'data';
  readonly seq: number;
  readonly call: string;
  readonly error: MarkerError | null;
}

export type Control = AgreeControl | DataControl;

/** First byte of each kind. */
export const DATA_KIND = 1;
export const AGREE_KIND = 2;
const FLAG_ERROR = 1;
const FLAG_MARKER = 2;
/** Flag of an agreement message that carries the algorithm's payload too. */
export const FLAG_FUSED = 4;

/** Sequential writer over one allocation (sizes computed first). */
class Writer {
  readonly bytes: Buffer;
  private at = 0;
  constructor(length: number) {
    this.bytes = Buffer.allocUnsafe(length);
  }
  u8(value: number): void {
    this.bytes[this.at++] = value;
  }
  u16(value: number): void {
    this.bytes.writeUInt16LE(value, this.at);
    this.at += 2;
  }
  u32(value: number): void {
    this.bytes.writeUInt32LE(value, this.at);
    this.at += 4;
  }
  raw(value: Uint8Array): void {
    this.bytes.set(value, this.at);
    this.at += value.byteLength;
  }
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

function errorBytes(error: MarkerError): [Buffer, Buffer] {
  return [utf8(error.code), utf8(error.message)];
}

function checkU16(what: string, bytes: number): void {
  if (bytes > 0xffff) throw new MpiError('ERR_INTERN', `collective: ${what} of ${bytes} bytes does not fit a control block`);
}

function writeError(writer: Writer, [code, message]: [Buffer, Buffer]): void {
  writer.u16(code.byteLength);
  writer.raw(code);
  writer.u32(message.byteLength);
  writer.raw(message);
}

/**
 * The bytes of `control`. `callBytes` may give the UTF-8 bytes of call descriptions already
 * encoded (the caller's own call, encoded once per call).
 */
export function encodeControl(control: Control, callBytes?: (call: string) => Uint8Array | undefined): Uint8Array {
  const bytesOf = (call: string): Uint8Array => callBytes?.(call) ?? utf8(call);
  const marker = control.kind === 'data' ? control.error : control.marker;
  const markerBytes = marker === null ? null : errorBytes(marker);
  const markerLength = markerBytes === null ? 0 : 6 + markerBytes[0].byteLength + markerBytes[1].byteLength;
  if (control.kind === 'data') {
    const call = bytesOf(control.call);
    checkU16('a call description', call.byteLength);
    const writer = new Writer(8 + call.byteLength + markerLength);
    writer.u8(DATA_KIND);
    writer.u8(markerBytes === null ? 0 : FLAG_MARKER);
    writer.u16(call.byteLength);
    writer.u32(control.seq);
    writer.raw(call);
    if (markerBytes !== null) writeError(writer, markerBytes);
    return writer.bytes;
  }
  const calls = control.calls.map(([call, rank]) => [bytesOf(call), rank] as const);
  checkU16('a list of calls', calls.length);
  for (const [call] of calls) checkU16('a call description', call.byteLength);
  const errorParts = control.error === null ? null : errorBytes(control.error);
  let length = 8 + markerLength;
  for (const [call] of calls) length += 6 + call.byteLength;
  if (errorParts !== null) length += 10 + errorParts[0].byteLength + errorParts[1].byteLength;
  const writer = new Writer(length);
  writer.u8(AGREE_KIND);
  writer.u8((errorParts === null ? 0 : FLAG_ERROR) | (markerBytes === null ? 0 : FLAG_MARKER) | (control.fused ? FLAG_FUSED : 0));
  writer.u16(calls.length);
  writer.u32(control.seq);
  for (const [call, rank] of calls) {
    writer.u32(rank);
    writer.u16(call.byteLength);
    writer.raw(call);
  }
  if (errorParts !== null && control.error !== null) {
    writer.u32(control.error.rank);
    writeError(writer, errorParts);
  }
  if (markerBytes !== null) writeError(writer, markerBytes);
  return writer.bytes;
}

function malformed(what: string): MpiError {
  return new MpiError('ERR_CODEC', `collective: malformed control block (${what})`);
}

const isCode = (value: string): value is ErrorCode => /^ERR_[A-Z_]+$/.test(value);

/** Sequential reader that refuses to run past the end. */
class Reader {
  private at = 0;
  constructor(private readonly view: Buffer) {}
  private need(bytes: number, what: string): number {
    const at = this.at;
    if (at + bytes > this.view.byteLength) throw malformed(`truncated ${what}`);
    this.at += bytes;
    return at;
  }
  u8(what: string): number {
    return this.view[this.need(1, what)] as number;
  }
  u16(what: string): number {
    return this.view.readUInt16LE(this.need(2, what));
  }
  u32(what: string): number {
    return this.view.readUInt32LE(this.need(4, what));
  }
  bytes(length: number, what: string): Buffer {
    const at = this.need(length, what);
    return this.view.subarray(at, at + length);
  }
  error(what: string): MarkerError {
    const code = this.bytes(this.u16(what), what).toString('utf8');
    if (!isCode(code)) throw malformed(what);
    return { code, message: this.bytes(this.u32(what), what).toString('utf8') };
  }
  end(): void {
    if (this.at !== this.view.byteLength) throw malformed('trailing bytes');
  }
}

/**
 * The control carried by `bytes`. `callOf` may turn call bytes back into a string without
 * decoding them (the receiver's own call, recognised by its bytes).
 * @throws ERR_CODEC when the block is not one of the shapes above
 */
export function decodeControl(bytes: Uint8Array, callOf?: (bytes: Uint8Array) => string | undefined): Control {
  const reader = new Reader(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const kind = reader.u8('kind');
  const flags = reader.u8('flags');
  const count = reader.u16('header');
  const seq = reader.u32('sequence number');
  const call = (length: number): string => {
    const raw = reader.bytes(length, 'call');
    return callOf?.(raw) ?? raw.toString('utf8');
  };
  if (kind === DATA_KIND) {
    if ((flags & ~FLAG_MARKER) !== 0) throw malformed('flags');
    const description = call(count);
    const error = (flags & FLAG_MARKER) !== 0 ? reader.error('marker') : null;
    reader.end();
    return { kind: 'data', seq, call: description, error };
  }
  if (kind === AGREE_KIND) {
    if ((flags & ~(FLAG_ERROR | FLAG_MARKER | FLAG_FUSED)) !== 0) throw malformed('flags');
    if (count === 0) throw malformed('calls');
    const calls: [string, number][] = [];
    for (let index = 0; index < count; index++) {
      const rank = reader.u32('calls');
      calls.push([call(reader.u16('calls')), rank]);
    }
    let error: RankError | null = null;
    if ((flags & FLAG_ERROR) !== 0) {
      const rank = reader.u32('error');
      error = { ...reader.error('error'), rank };
    }
    const marker = (flags & FLAG_MARKER) !== 0 ? reader.error('marker') : null;
    reader.end();
    return { kind: 'agree', seq, calls, error, fused: (flags & FLAG_FUSED) !== 0, marker };
  }
  throw malformed('kind');
}

/** True for the control block of an agreement message that carries no algorithm payload (tracing tells the two apart). */
export function isAgreementOnly(control: Uint8Array): boolean {
  return control.byteLength >= 8 && control[0] === AGREE_KIND && ((control[1] as number) & FLAG_FUSED) === 0;
}
