/**
 * What one rank records when tracing is on (`tsmpirun --trace`, `TSMPI_TRACE`): the one
 * place the per-rank record is defined. A rank hands its {@link RankTrace} to tsmpirun
 * over its lifeline (or to rank 0 under a foreign launcher); src/trace/chrome.ts merges
 * the ranks' records into one Chrome trace-event file. Pure types and constants.
 *
 * Times are milliseconds on the rank's own `performance.now()` clock; `timeOrigin` and
 * `offsetMs` place them on rank 0's wall clock.
 */

/** Which part of the traffic a message belongs to. */
export const enum Phase {
  /** A point-to-point call of the program. */
  P2p = 0,
  /** A collective's agreement round (src/collectives/agree.ts). */
  Agree = 1,
  /** A collective's algorithm. */
  Data = 2,
}

/**
 * A data message this rank sent (`send`) or received (`recv`): when the call was posted
 * and when it completed, the peer's world rank, and `n`, the message's number among all
 * data messages from the sender to the receiver (1, 2, ...): the sender counts what it
 * hands over, the receiver what arrives, and messages between two ranks keep their order,
 * so (sender, receiver, n) names one message on both sides. `n` is 0 when no message
 * was sent or matched (the call failed first). `context` and `tag` are the wire's: an odd
 * context is a communicator's collective context, whose tag is the call's sequence number.
 */
export type MessageEvent = [
  kind: 'send' | 'recv',
  t0: number,
  t1: number,
  peer: number,
  n: number,
  context: number,
  tag: number,
  bytes: number,
  label: string,
  phase: Phase,
];

/** A probe: the wait until a matching message was there. `source` is the communicator rank asked for (-2: any). */
export type ProbeEvent = [kind: 'probe', t0: number, t1: number, context: number, source: number, tag: number, label: string];

/** A wait on requests (`Request.wait`, `waitall`, `waitany`). */
export type WaitEvent = [kind: 'wait', t0: number, t1: number, label: string];

/**
 * A collective call: its collective context and sequence number name its messages (on the
 * ranks of its group: disjoint groups from one Split share a context); `comm` names the
 * communicator (`world`, or its context and world ranks).
 */
export type CollectiveEvent = [kind: 'coll', t0: number, t1: number, ...call: CollectiveCall];

/** What a collective event records of the call, after its times (Recorder.collective takes these). */
export type CollectiveCall = [
  context: number,
  seq: number,
  name: string,
  call: string,
  algorithm: string | null,
  comm: string,
  /** Whether the algorithm's steps carried the agreement round (src/collectives/fused.ts) instead of a round of its own. */
  fused: boolean,
];

export type RankEvent = MessageEvent | ProbeEvent | WaitEvent | CollectiveEvent;

/** Everything one rank recorded, with what places its clock. */
export interface RankTrace {
  readonly rank: number;
  readonly size: number;
  readonly host: string;
  readonly pid: number;
  /** `performance.timeOrigin` of the rank (ms since the epoch, its own wall clock). */
  readonly timeOrigin: number;
  /** Add to `timeOrigin + t` to get rank 0's wall clock (measured at wire-up; 0 for rank 0). */
  readonly offsetMs: number;
  /** Round trip of the ping-pong the offset was taken from (its uncertainty is half of it); 0 for rank 0. */
  readonly rttMs: number;
  /** The cap on events; `cappedAt` is the time it was reached (later calls are not recorded), else null. */
  readonly limit: number;
  readonly cappedAt: number | null;
  /** When recording began (init) and when the record was taken (finalize), on the rank's clock. */
  readonly startMs: number;
  readonly endMs: number;
  readonly events: readonly RankEvent[];
}

/** Default cap on recorded events per rank (`TSMPI_TRACE_LIMIT`). */
export const DEFAULT_TRACE_LIMIT = 200_000;

/** Is `value` shaped like a {@link RankTrace}? (Checked where records arrive from another process.) */
export function isRankTrace(value: unknown): value is RankTrace {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const numbers = ['rank', 'size', 'pid', 'timeOrigin', 'offsetMs', 'rttMs', 'limit'];
  return numbers.every((key) => typeof record[key] === 'number') && typeof record.host === 'string' && Array.isArray(record.events);
}
