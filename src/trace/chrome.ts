/**
 * Merge the ranks' trace records (src/trace/events.ts) into one Chrome trace-event file,
 * the format Perfetto's UI and chrome://tracing open (the one place it is described):
 *
 * - one process per rank (`pid` = world rank), named `rank N @ host`;
 * - a complete slice (`ph: "X"`, `ts`/`dur` in µs) per call: `cat` is `p2p` (a
 *   point-to-point call), `collective` (a collective call), `message` (one message of a
 *   collective's algorithm or agreement round) or `wait` (probe, request waits); calls
 *   that overlap (non-blocking ones) go on further threads of the rank, so slices nest;
 * - one flow arrow per message, `ph: "s"` on the sender's slice and `ph: "f"` (`bp: "e"`)
 *   on the receiver's, sharing `cat: "message"`, `name: "message"` and `id`;
 * - message slices carry `args { op, peer, tag, bytes, comm, collective, round, message }`
 *   (`message` is the flow id; `round` counts the steps of a collective's algorithm, or is
 *   `"agree"` for its agreement round); collective slices `args { call, algorithm, root, comm, seq, fused }`
 *   (`fused`: the algorithm's steps carried the agreement round, src/collectives/fused.ts);
 * - `otherData.tsmpi`: per rank its host, clock offset and round trip, the extra shift
 *   applied, its window (`startUs`/`endUs`) and event count, and `notes` (a rank that
 *   reached the event cap, messages whose other side is missing).
 *
 * Clocks: every timestamp is first put on rank 0's clock with the offset the rank measured
 * at wire-up (src/comm/clock.ts). What error remains (at most half the ping's round
 * trip) could still make a message arrive before it was sent; each rank's lane is then
 * shifted later by the least amount that makes every receive end at least 1 µs after its
 * send began (a system of difference constraints, solved by Bellman–Ford relaxation).
 */
import { writeFileSync } from 'node:fs';
import { Phase, type CollectiveEvent, type MessageEvent, type RankTrace } from './events.js';

/** One event of the Chrome trace-event format (the fields tsmpi writes). */
export interface ChromeEvent {
  readonly ph: string;
  readonly name: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly id?: number;
  readonly bp?: string;
  readonly s?: string;
  readonly args?: Readonly<Record<string, unknown>>;
}

/** What tsmpi says about each rank in `otherData.tsmpi.ranks`. */
export interface RankInfo {
  readonly rank: number;
  readonly host: string;
  readonly pid: number;
  readonly offsetMs: number;
  readonly rttMs: number;
  /** Extra shift applied so that no arrow points backwards (ms, ≥ 0). */
  readonly shiftMs: number;
  readonly startUs: number;
  readonly endUs: number;
  readonly events: number;
  readonly limit: number;
  /** When the rank reached the event cap (µs in the trace), else null. */
  readonly cappedUs: number | null;
}

export interface TsmpiData {
  readonly format: 1;
  readonly size: number;
  readonly ranks: readonly RankInfo[];
  readonly messages: number;
  readonly notes: readonly string[];
}

export interface ChromeTrace {
  readonly traceEvents: readonly ChromeEvent[];
  readonly displayTimeUnit: 'ms';
  readonly otherData: { readonly tsmpi: TsmpiData };
}

/** A message both of whose sides were recorded. */
interface Pair {
  readonly id: number;
  readonly source: number;
  readonly dest: number;
  readonly send: MessageEvent;
  readonly recv: MessageEvent;
}

/** The algorithm of a collective that has no choice (or whose choice was not reported). */
const DEFAULT_ALGORITHMS: Readonly<Record<string, string>> = {
  bcast: 'binomial',
  Bcast: 'binomial',
  reduce: 'binomial',
  Reduce: 'binomial',
  gather: 'binomial',
  Gather: 'binomial',
  Gatherv: 'binomial',
  scatter: 'binomial',
  Scatter: 'binomial',
  Scatterv: 'binomial',
  allreduce: 'recursive-doubling',
  Allreduce: 'recursive-doubling',
  allgather: 'recursive-doubling',
  Allgather: 'recursive-doubling',
  Allgatherv: 'recursive-doubling',
  alltoall: 'pairwise',
  Alltoall: 'pairwise',
  scan: 'recursive-doubling',
  exscan: 'recursive-doubling',
  barrier: 'dissemination',
  Dup: 'recursive-doubling',
  Split: 'recursive-doubling',
};

/** Smallest gap kept between a send's start and its receive's end (ms). */
const CAUSAL_GAP_MS = 0.001;

function callKey(context: number, seq: number): string {
  return `${context}:${seq}`;
}

function commName(context: number): string {
  const base = context - (context % 2);
  return base === 0 ? 'world' : `comm ${base}`;
}

/** The root a call description names (`bcast(root 3)`), else null. */
function rootOf(call: string): number | null {
  const match = /\broot (\d+)/.exec(call);
  return match === null ? null : Number(match[1]);
}

/**
 * Per-rank shifts (ms, ≥ 0, as small as possible) after which every receive ends at
 * least {@link CAUSAL_GAP_MS} after its send began; `consistent` is false when no such
 * shifts exist (clocks that drifted during the job).
 */
export function causalShifts(
  size: number,
  edges: readonly { source: number; dest: number; sendStart: number; recvEnd: number }[],
): { shifts: number[]; consistent: boolean } {
  // shift[dest] - shift[source] >= sendStart - recvEnd + gap: keep the tightest per pair.
  const tightest = new Map<number, { source: number; dest: number; weight: number }>();
  for (const edge of edges) {
    const weight = edge.sendStart - edge.recvEnd + CAUSAL_GAP_MS;
    const key = edge.source * size + edge.dest;
    const known = tightest.get(key);
    if (known === undefined || weight > known.weight) tightest.set(key, { source: edge.source, dest: edge.dest, weight });
  }
  const shifts = new Array<number>(size).fill(0);
  for (let pass = 0; pass <= size; pass++) {
    let changed = false;
    for (const { source, dest, weight } of tightest.values()) {
      if (source === dest) continue;
      const need = (shifts[source] ?? 0) + weight;
      if (need > (shifts[dest] ?? 0) + 1e-9) {
        shifts[dest] = need;
        changed = true;
      }
    }
    if (!changed) return { shifts, consistent: true };
  }
  return { shifts, consistent: false };
}

/**
 * The round of each data message of one collective call: a rank's first send is round 1,
 * and each later send is one more than the latest round it sent or received before it
 * (so a binomial broadcast on 8 ranks has rounds 1–3, a loop at the root rounds 1–7).
 */
export function collectiveRounds(pairs: readonly Pair[]): Map<number, number> {
  type Step = { readonly time: number; readonly send: boolean; readonly pair: Pair };
  const byRank = new Map<number, Step[]>();
  const add = (rank: number, step: Step): void => {
    let steps = byRank.get(rank);
    if (steps === undefined) byRank.set(rank, (steps = []));
    steps.push(step);
  };
  for (const pair of pairs) {
    add(pair.source, { time: pair.send[1], send: true, pair });
    add(pair.dest, { time: pair.recv[2], send: false, pair });
  }
  // Same clock within a rank: order by time, a receive that completed before a send posted at the same instant first.
  for (const steps of byRank.values()) steps.sort((a, b) => a.time - b.time || Number(a.send) - Number(b.send));
  const rounds = new Map<number, number>(pairs.map((pair) => [pair.id, 1]));
  for (let pass = 0; pass <= pairs.length; pass++) {
    let changed = false;
    for (const steps of byRank.values()) {
      let latest = 0;
      for (const step of steps) {
        const known = rounds.get(step.pair.id) ?? 1;
        if (!step.send) latest = Math.max(latest, known);
        else {
          const round = latest + 1;
          if (round !== known) {
            rounds.set(step.pair.id, round);
            changed = true;
          }
          latest = round;
        }
      }
    }
    if (!changed) break;
  }
  return rounds;
}

/** Put slices on threads (tid 0, 1, ...) so that slices on one thread nest properly. */
function lanes(slices: readonly { start: number; end: number }[]): number[] {
  const order = slices
    .map((_, index) => index)
    .sort((a, b) => (slices[a]?.start ?? 0) - (slices[b]?.start ?? 0) || (slices[b]?.end ?? 0) - (slices[a]?.end ?? 0));
  const stacks: number[][] = [];
  const tids = new Array<number>(slices.length).fill(0);
  for (const index of order) {
    const { start, end } = slices[index] as { start: number; end: number };
    let tid = 0;
    for (; ; tid++) {
      const stack = (stacks[tid] ??= []);
      while (stack.length > 0 && (stack[stack.length - 1] as number) <= start) stack.pop();
      if (stack.length === 0 || (stack[stack.length - 1] as number) >= end) {
        stack.push(end);
        break;
      }
    }
    tids[index] = tid;
  }
  return tids;
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** Build the Chrome trace of a job from its ranks' records (any order; missing ranks are noted). */
export function buildChromeTrace(records: readonly RankTrace[]): ChromeTrace {
  const notes: string[] = [];
  const size = Math.max(0, ...records.map((record) => record.size));
  const byRank = new Map(records.map((record) => [record.rank, record]));
  for (let rank = 0; rank < size; rank++)
    if (!byRank.has(rank)) notes.push(`rank ${rank} sent no trace record (it failed or never called init)`);
  // Relative to the earliest time origin: epoch milliseconds as doubles keep only ~0.25 µs.
  const reference = Math.min(...records.map((record) => record.timeOrigin));
  const base = (rank: number): number => {
    const record = byRank.get(rank);
    return record === undefined ? 0 : record.timeOrigin - reference + record.offsetMs;
  };

  // Messages: (sender, receiver, n) names one message on both sides.
  const sends = new Map<string, MessageEvent>();
  const recvs: [number, MessageEvent][] = [];
  // A call is named by its communicator and sequence number; a rank's messages on a collective
  // context belong to the call of its own group (disjoint groups from one Split share a context).
  const calls = new Map<string, { name: string; call: string; algorithm: string | null }>();
  const commOf = new Map<string, string>();
  for (const record of records) {
    for (const event of record.events) {
      if (event[0] === 'send' && event[4] > 0) sends.set(`${record.rank}>${event[3]}#${event[4]}`, event);
      else if (event[0] === 'recv' && event[4] > 0) recvs.push([record.rank, event]);
      else if (event[0] === 'coll') {
        const key = `${event[8]}|${callKey(event[3], event[4])}`;
        commOf.set(`${record.rank}|${callKey(event[3], event[4])}`, event[8]);
        const known = calls.get(key);
        if (known === undefined || (known.algorithm === null && event[7] !== null))
          calls.set(key, { name: event[5], call: event[6], algorithm: event[7] });
      }
    }
  }
  const commFor = (rank: number, context: number, seq: number): string =>
    commOf.get(`${rank}|${callKey(context, seq)}`) ?? commName(context);
  const pairs: Pair[] = [];
  const sendIds = new Map<MessageEvent, number>();
  const recvIds = new Map<MessageEvent, number>();
  for (const [dest, recv] of recvs) {
    const key = `${recv[3]}>${dest}#${recv[4]}`;
    const send = sends.get(key);
    if (send === undefined) continue;
    sends.delete(key);
    const id = pairs.length + 1;
    pairs.push({ id, source: recv[3], dest, send, recv });
    sendIds.set(send, id);
    recvIds.set(recv, id);
  }
  const unmatchedSends = sends.size;
  const unmatchedRecvs = recvs.length - pairs.length;
  if (unmatchedSends > 0)
    notes.push(
      `${unmatchedSends} message${unmatchedSends === 1 ? ' was' : 's were'} sent but not received in this trace (never received, or the receiver's record is missing or capped)`,
    );
  if (unmatchedRecvs > 0)
    notes.push(
      `${unmatchedRecvs} received message${unmatchedRecvs === 1 ? "'s" : "s'"} send is not in this trace (the sender's record is missing or capped)`,
    );

  const { shifts, consistent } = causalShifts(
    size,
    pairs.map((pair) => ({
      source: pair.source,
      dest: pair.dest,
      sendStart: base(pair.source) + pair.send[1],
      recvEnd: base(pair.dest) + pair.recv[2],
    })),
  );
  if (!consistent)
    notes.push('the clocks could not be made consistent with every message (they drifted during the job): some arrows may point backwards');
  const at = (rank: number, t: number): number => base(rank) + t + (shifts[rank] ?? 0);
  let origin = Infinity;
  for (const record of records) origin = Math.min(origin, at(record.rank, record.startMs));
  if (!Number.isFinite(origin)) origin = 0;
  const us = (rank: number, t: number): number => round3((at(rank, t) - origin) * 1000);

  // Rounds of each collective call's data messages.
  const rounds = new Map<number, number>();
  const byCall = new Map<string, Pair[]>();
  for (const pair of pairs) {
    if (pair.send[9] !== Phase.Data) continue;
    const key = callKey(pair.send[5], pair.send[6]);
    let list = byCall.get(key);
    if (list === undefined) byCall.set(key, (list = []));
    list.push(pair);
  }
  for (const list of byCall.values()) for (const [id, round] of collectiveRounds(list)) rounds.set(id, round);

  const events: ChromeEvent[] = [];
  const flows: ChromeEvent[] = [];
  const infos: RankInfo[] = [];
  for (const record of [...records].sort((a, b) => a.rank - b.rank)) {
    const rank = record.rank;
    events.push({ ph: 'M', name: 'process_name', pid: rank, tid: 0, args: { name: `rank ${rank} @ ${record.host}` } });
    events.push({ ph: 'M', name: 'process_sort_index', pid: rank, tid: 0, args: { sort_index: rank } });
    type Slice = {
      start: number;
      end: number;
      name: string;
      cat: string;
      args: Record<string, unknown>;
      flow: ChromeEvent | null;
      send: boolean;
    };
    const slices: Slice[] = [];
    for (const event of record.events) {
      const start = us(rank, event[1]);
      const end = Math.max(start, us(rank, event[2]));
      switch (event[0]) {
        case 'send':
        case 'recv': {
          const send = event[0] === 'send';
          const id = (send ? sendIds : recvIds).get(event) ?? null;
          const [, , , peer, , context, tag, bytes, label, phase] = event;
          const comm = phase === Phase.P2p ? commName(context) : commFor(rank, context, tag);
          const call = phase === Phase.P2p ? null : calls.get(`${comm}|${callKey(context, tag)}`);
          const collective = phase === Phase.P2p ? null : `${call?.name ?? 'collective'} #${tag}`;
          const round = phase === Phase.Agree ? 'agree' : id === null ? null : (rounds.get(id) ?? null);
          const name = phase === Phase.P2p ? label : `${call?.name ?? 'collective'} ${send ? `send → ${peer}` : `recv ← ${peer}`}`;
          const args = {
            op: event[0],
            peer,
            tag: phase === Phase.P2p ? tag : null,
            bytes,
            comm,
            collective,
            round,
            message: id,
          };
          const flow: ChromeEvent | null =
            id === null
              ? null
              : { ph: send ? 's' : 'f', name: 'message', cat: 'message', id, pid: rank, tid: 0, ...(send ? {} : { bp: 'e' }) };
          slices.push({ start, end, name, cat: phase === Phase.P2p ? 'p2p' : 'message', args, flow, send });
          break;
        }
        case 'probe':
          slices.push({ start, end, name: event[6], cat: 'wait', args: { comm: commName(event[3]) }, flow: null, send: false });
          break;
        case 'wait':
          slices.push({ start, end, name: event[3], cat: 'wait', args: {}, flow: null, send: false });
          break;
        case 'coll': {
          const [, , , context, seq, name, call, algorithm, comm, fused] = event as CollectiveEvent;
          const chosen = algorithm ?? calls.get(`${comm}|${callKey(context, seq)}`)?.algorithm ?? DEFAULT_ALGORITHMS[name] ?? null;
          slices.push({
            start,
            end,
            name,
            cat: 'collective',
            args: { call, algorithm: chosen, root: rootOf(call), comm, seq, fused },
            flow: null,
            send: false,
          });
          break;
        }
        default:
          break;
      }
    }
    const tids = lanes(slices);
    let threads = 0;
    slices.forEach((slice, index) => {
      const tid = tids[index] ?? 0;
      threads = Math.max(threads, tid + 1);
      events.push({
        ph: 'X',
        name: slice.name,
        cat: slice.cat,
        pid: rank,
        tid,
        ts: slice.start,
        dur: round3(slice.end - slice.start),
        args: slice.args,
      });
      if (slice.flow !== null) {
        // Inside the slice, so the arrow binds to it: near the send's start, near the receive's end.
        const inset = Math.min(0.5, (slice.end - slice.start) / 2);
        flows.push({ ...slice.flow, tid, ts: round3(slice.send ? slice.start + inset : slice.end - inset) });
      }
    });
    for (let tid = 0; tid < threads; tid++)
      events.push({ ph: 'M', name: 'thread_name', pid: rank, tid, args: { name: tid === 0 ? 'calls' : `overlapping calls ${tid}` } });
    const cappedUs = record.cappedAt === null ? null : us(rank, record.cappedAt);
    if (cappedUs !== null) {
      notes.push(
        `rank ${rank} reached the cap of ${record.limit} events at ${(cappedUs / 1000).toFixed(3)} ms; its later calls are not in this trace (raise TSMPI_TRACE_LIMIT)`,
      );
      events.push({ ph: 'i', name: `trace cap of ${record.limit} events reached`, pid: rank, tid: 0, ts: cappedUs, s: 'p' });
    }
    infos.push({
      rank,
      host: record.host,
      pid: record.pid,
      offsetMs: record.offsetMs,
      rttMs: record.rttMs,
      shiftMs: shifts[rank] ?? 0,
      startUs: us(rank, record.startMs),
      endUs: us(rank, record.endMs),
      events: record.events.length,
      limit: record.limit,
      cappedUs,
    });
  }
  return {
    traceEvents: [...events, ...flows],
    displayTimeUnit: 'ms',
    otherData: { tsmpi: { format: 1, size, ranks: infos, messages: pairs.length, notes } },
  };
}

/** Build the trace of `records` and write it to `path`. */
export function writeTraceFile(path: string, records: readonly RankTrace[]): ChromeTrace {
  const trace = buildChromeTrace(records);
  writeFileSync(path, `${JSON.stringify(trace)}\n`);
  return trace;
}
