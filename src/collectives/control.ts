/**
 * The control block of a collective message: what the message belongs to and whether it
 * carries an error instead of data. It travels in the engine's header control block
 * (src/comm/engine.ts), never inside the user's value. UTF-8 JSON, one of:
 *
 *   {"k":"agree","s":seq,"calls":[[call, rank], ...],"e":[code, message, rank] | null}
 *   {"k":"data","s":seq,"call":call,"e":[code, message] | null}
 *
 * `seq` is the call's sequence number on the communicator (also the message tag); `call`
 * describes the call as the sender made it — operation, root, op and size signature, e.g.
 * `reduce(SUM, root 0)` or `Allreduce(Float64Array(4), SUM)` — so two calls match exactly
 * when their descriptions are equal. `agree` messages carry the agreement round's state
 * (src/collectives/agree.ts): each distinct call seen with the lowest rank that made it,
 * and the error of the lowest rank that could not take part. A `data` message with `e`
 * set has no payload: it is an error marker (src/collectives/marker.ts).
 */
import { MpiError, type ErrorCode } from '../errors.js';

/** An error that a rank contributes to a collective, with the rank it arose on. */
export interface RankError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly rank: number;
}

/** The agreement round's state (see src/collectives/agree.ts). */
export interface AgreeControl {
  readonly kind: 'agree';
  readonly seq: number;
  /** Each distinct call description seen, with the lowest rank that made it, by rank. */
  readonly calls: readonly (readonly [string, number])[];
  readonly error: RankError | null;
}

/** A data message of a collective's algorithm, or an error marker in its place. */
export interface DataControl {
  readonly kind: 'data';
  readonly seq: number;
  readonly call: string;
  readonly error: { readonly code: ErrorCode; readonly message: string } | null;
}

export type Control = AgreeControl | DataControl;

/** The bytes of `control`. */
export function encodeControl(control: Control): Uint8Array {
  switch (control.kind) {
    case 'agree': {
      const error = control.error === null ? null : [control.error.code, control.error.message, control.error.rank];
      return Buffer.from(JSON.stringify({ k: 'agree', s: control.seq, calls: control.calls, e: error }));
    }
    case 'data': {
      const error = control.error === null ? null : [control.error.code, control.error.message];
      return Buffer.from(JSON.stringify({ k: 'data', s: control.seq, call: control.call, e: error }));
    }
    default:
      return control satisfies never;
  }
}

function malformed(what: string): MpiError {
  return new MpiError('ERR_CODEC', `collective: malformed control block (${what})`);
}

const isRank = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;
const isCode = (value: unknown): value is ErrorCode => typeof value === 'string' && /^ERR_[A-Z_]+$/.test(value);

function errorOf(value: unknown, withRank: boolean): { code: ErrorCode; message: string; rank: number } | null {
  if (value === null) return null;
  if (!Array.isArray(value) || value.length !== (withRank ? 3 : 2)) throw malformed('error');
  const [code, message, rank] = value as unknown[];
  if (!isCode(code) || typeof message !== 'string' || (withRank && !isRank(rank))) throw malformed('error');
  return { code, message, rank: withRank ? (rank as number) : -1 };
}

/**
 * The control carried by `bytes`.
 * @throws ERR_CODEC when the block is not one of the shapes above
 */
export function decodeControl(bytes: Uint8Array): Control {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw malformed('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw malformed('not an object');
  const { k, s, call, calls, e } = parsed as Record<string, unknown>;
  if (!isRank(s)) throw malformed('sequence number');
  if (k === 'data') {
    if (typeof call !== 'string') throw malformed('call');
    const error = errorOf(e, false);
    return { kind: 'data', seq: s, call, error: error === null ? null : { code: error.code, message: error.message } };
  }
  if (k === 'agree') {
    if (
      !Array.isArray(calls) ||
      !calls.every((entry) => Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && isRank(entry[1]))
    ) {
      throw malformed('calls');
    }
    return { kind: 'agree', seq: s, calls: calls as [string, number][], error: errorOf(e, true) };
  }
  throw malformed('kind');
}
