/**
 * What tsmpi-trace reads out of a trace file (src/trace/chrome.ts) for its pictures: the
 * messages (send and receive side paired), the collective calls with their measured time,
 * and the α–β model of each call's algorithm with α and β fitted from the trace's own
 * messages. Pure.
 *
 * The α–β (latency–bandwidth, "Hockney") model: one message of n bytes costs α + nβ. A
 * binomial tree or recursive doubling takes ⌈log₂ p⌉ such steps, a loop at the root p − 1;
 * a tsmpi collective whose algorithm does not carry the agreement round (see agree.ts and
 * fused.ts: allreduce by recursive doubling or Rabenseifner, and bcast, do) adds that
 * round's ⌈log₂ p⌉ small steps.
 * α is the median transfer time of the trace's small messages (≤ 1 KiB); β the median
 * of (t − α) / n over its large ones (≥ 16 KiB), else the least-squares slope over all of
 * them. A message's transfer time runs from when both sides were in their calls (the
 * later of the send's and the receive's start) to the receive's end.
 */
import type { ChromeEvent, ChromeTrace, RankInfo } from '../../src/trace/chrome.js';

export type Slice = ChromeEvent & { readonly ts: number; readonly dur: number; readonly args: Readonly<Record<string, unknown>> };

export interface TraceMessage {
  readonly id: number;
  readonly source: number;
  readonly dest: number;
  readonly bytes: number;
  /** µs: when the send was posted, when the receive was posted and when it completed. */
  readonly sendStart: number;
  readonly recvStart: number;
  readonly recvEnd: number;
  /** `bcast #3`, or null for a point-to-point message. */
  readonly collective: string | null;
  readonly comm: string;
  /** A collective's step (1, 2, ...), 'agree' for its agreement round, null for point-to-point. */
  readonly round: number | 'agree' | null;
}

export interface CollectiveCall {
  /** `bcast #3` (on `comm`). */
  readonly label: string;
  readonly comm: string;
  readonly name: string;
  readonly algorithm: string | null;
  readonly root: number | null;
  /** Ranks taking part. */
  readonly ranks: number;
  /** µs: first rank in, last rank out. */
  readonly start: number;
  readonly end: number;
  /** Payload bytes of its largest message (n in the model). */
  readonly bytes: number;
  readonly messages: number;
  readonly rounds: number;
  /** Whether the call had an agreement round of its own: not when its algorithm's steps carried it (`fused`). */
  readonly agreement: boolean;
}

export interface Fit {
  /** µs per message, and µs per byte. */
  readonly alpha: number;
  readonly beta: number;
  readonly small: number;
  readonly large: number;
  /** How β was found. */
  readonly how: string;
}

export interface Prediction {
  readonly formula: string;
  /** µs, null when the algorithm has no model here. */
  readonly us: number | null;
}

export interface TraceModel {
  readonly size: number;
  readonly ranks: readonly RankInfo[];
  readonly slices: readonly Slice[];
  readonly messages: readonly TraceMessage[];
  readonly calls: readonly CollectiveCall[];
  readonly fit: Fit;
  readonly notes: readonly string[];
  /** µs: the span every picture shares. */
  readonly start: number;
  readonly end: number;
}

/** A trace file's content, checked: the one error thrown says what is wrong with it. */
export class TraceFileError extends Error {}

/** Check that `value` (parsed JSON) is a trace tsmpirun wrote. */
export function asTrace(value: unknown): ChromeTrace {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { traceEvents?: unknown }).traceEvents)) {
    throw new TraceFileError('is not a Chrome trace (no traceEvents array)');
  }
  const data = (value as { otherData?: { tsmpi?: unknown } }).otherData?.tsmpi;
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { ranks?: unknown }).ranks)) {
    throw new TraceFileError('is not a tsmpi trace (no otherData.tsmpi; write one with tsmpirun --trace FILE.json)');
  }
  return value as ChromeTrace;
}

function isSlice(event: ChromeEvent): event is Slice {
  return event.ph === 'X' && typeof event.ts === 'number' && typeof event.dur === 'number';
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length === 0
    ? 0
    : sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** Fit α and β to messages (see the module comment). */
export function fitAlphaBeta(messages: readonly TraceMessage[]): Fit {
  const timed = messages.map((message) => ({
    bytes: message.bytes,
    us: Math.max(0, message.recvEnd - Math.max(message.sendStart, message.recvStart)),
  }));
  const small = timed.filter((message) => message.bytes <= 1024);
  const large = timed.filter((message) => message.bytes >= 16 * 1024);
  const alpha = median(small.map((message) => message.us));
  if (large.length > 0) {
    const beta = Math.max(0, median(large.map((message) => (message.us - alpha) / message.bytes)));
    return {
      alpha,
      beta,
      small: small.length,
      large: large.length,
      how: `median over the ${large.length} message${large.length === 1 ? '' : 's'} of 16 KiB or more`,
    };
  }
  const n = timed.length;
  const meanBytes = timed.reduce((sum, message) => sum + message.bytes, 0) / Math.max(1, n);
  const meanUs = timed.reduce((sum, message) => sum + message.us, 0) / Math.max(1, n);
  const spread = timed.reduce((sum, message) => sum + (message.bytes - meanBytes) ** 2, 0);
  const beta =
    spread === 0 ? 0 : Math.max(0, timed.reduce((sum, message) => sum + (message.bytes - meanBytes) * (message.us - meanUs), 0) / spread);
  return { alpha, beta, small: small.length, large: 0, how: 'least-squares slope over every message (none of 16 KiB or more)' };
}

/** The α–β prediction for `call` (µs), with its formula. */
export function predict(call: CollectiveCall, fit: Fit): Prediction {
  const p = call.ranks;
  const n = call.bytes;
  const log = Math.ceil(Math.log2(Math.max(1, p)));
  const step = fit.alpha + n * fit.beta;
  const agree = call.agreement ? log * fit.alpha : 0;
  const plus = call.agreement ? ' + ⌈log₂p⌉α' : '';
  switch (call.algorithm) {
    case 'binomial':
    case 'recursive-doubling':
    case 'dissemination':
      return { formula: `⌈log₂p⌉(α + nβ)${plus}`, us: log * step + agree };
    case 'linear':
    case 'pairwise':
      return { formula: `(p − 1)(α + nβ)${plus}`, us: (p - 1) * step + agree };
    case 'ring':
      return { formula: `2(p − 1)(α + nβ/p)${plus}`, us: 2 * (p - 1) * (fit.alpha + (n / p) * fit.beta) + agree };
    case 'rabenseifner':
      return { formula: `2⌈log₂p⌉α + 2nβ(p − 1)/p${plus}`, us: 2 * log * fit.alpha + (2 * n * fit.beta * (p - 1)) / p + agree };
    case 'scatter-allgather':
      return {
        formula: `(⌈log₂p⌉ + p − 1)α + 2nβ(p − 1)/p${plus}`,
        us: (log + p - 1) * fit.alpha + (2 * n * fit.beta * (p - 1)) / p + agree,
      };
    default:
      return { formula: 'no model', us: null };
  }
}

/** Everything the report draws, from a checked trace. */
export function readModel(trace: ChromeTrace): TraceModel {
  const { size, ranks, notes } = trace.otherData.tsmpi;
  const slices = trace.traceEvents.filter(isSlice);
  const sides = new Map<number, { send?: Slice; recv?: Slice }>();
  for (const slice of slices) {
    const id = slice.args.message;
    if (typeof id !== 'number' || (slice.args.op !== 'send' && slice.args.op !== 'recv')) continue;
    const entry = sides.get(id) ?? {};
    entry[slice.args.op] = slice;
    sides.set(id, entry);
  }
  const messages: TraceMessage[] = [];
  for (const [id, { send, recv }] of sides) {
    if (send === undefined || recv === undefined) continue;
    const round = send.args.round;
    messages.push({
      id,
      source: send.pid,
      dest: recv.pid,
      bytes: typeof send.args.bytes === 'number' ? send.args.bytes : 0,
      sendStart: send.ts,
      recvStart: recv.ts,
      recvEnd: recv.ts + recv.dur,
      collective: typeof send.args.collective === 'string' ? send.args.collective : null,
      comm: typeof send.args.comm === 'string' ? send.args.comm : 'world',
      round: typeof round === 'number' || round === 'agree' ? round : null,
    });
  }
  messages.sort((a, b) => a.sendStart - b.sendStart);
  const byCall = new Map<string, { slices: Slice[]; messages: TraceMessage[] }>();
  for (const slice of slices) {
    if (slice.cat !== 'collective') continue;
    const key = `${String(slice.args.comm)}\n${slice.name} #${String(slice.args.seq)}`;
    const entry = byCall.get(key) ?? { slices: [], messages: [] };
    entry.slices.push(slice);
    byCall.set(key, entry);
  }
  for (const message of messages)
    if (message.collective !== null) byCall.get(`${message.comm}\n${message.collective}`)?.messages.push(message);
  const calls: CollectiveCall[] = [...byCall].map(([key, { slices: parts, messages: own }]) => {
    const first = parts[0] as Slice;
    const root = first.args.root;
    return {
      label: key.split('\n')[1] ?? first.name,
      comm: String(first.args.comm),
      name: first.name,
      algorithm: typeof first.args.algorithm === 'string' ? first.args.algorithm : null,
      root: typeof root === 'number' ? root : null,
      ranks: parts.length,
      start: Math.min(...parts.map((part) => part.ts)),
      end: Math.max(...parts.map((part) => part.ts + part.dur)),
      bytes: Math.max(0, ...own.filter((message) => message.round !== 'agree').map((message) => message.bytes)),
      messages: own.length,
      rounds: Math.max(0, ...own.map((message) => (typeof message.round === 'number' ? message.round : 0))),
      agreement: first.args.fused !== true,
    };
  });
  calls.sort((a, b) => a.start - b.start);
  const times = [...slices.map((slice) => slice.ts), ...ranks.map((rank) => rank.startUs)];
  const ends = [...slices.map((slice) => slice.ts + slice.dur), ...ranks.map((rank) => rank.endUs)];
  return {
    size,
    ranks,
    slices,
    messages,
    calls,
    fit: fitAlphaBeta(messages),
    notes,
    start: times.length === 0 ? 0 : Math.min(...times),
    end: ends.length === 0 ? 1 : Math.max(...ends),
  };
}
