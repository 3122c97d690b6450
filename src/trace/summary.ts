/**
 * What a trace says in numbers (`tsmpirun --trace-summary`, and the report of
 * `tsmpi-trace`): per rank, the time spent computing, waiting in point-to-point calls
 * and in collectives; and the rank × rank matrix of messages and bytes. Pure.
 *
 * A rank's window runs from its init to its finalize. Collective time is the union of its
 * collective calls; point-to-point time the union of its blocking point-to-point calls,
 * probes and request waits outside them (a non-blocking `isend`/`irecv` runs while the
 * program goes on, so only the wait for it counts); computing is the rest of the window.
 */
import type { ChromeEvent, ChromeTrace } from './chrome.js';

export interface RankTime {
  readonly rank: number;
  readonly host: string;
  /** Milliseconds. */
  readonly totalMs: number;
  readonly computeMs: number;
  readonly p2pMs: number;
  readonly collectiveMs: number;
}

export interface TraceSummary {
  readonly size: number;
  readonly ranks: readonly RankTime[];
  /** messages[source][dest] and bytes[source][dest]: every data message, collectives' included. */
  readonly messages: readonly (readonly number[])[];
  readonly bytes: readonly (readonly number[])[];
  readonly notes: readonly string[];
}

type Interval = readonly [number, number];

/** Total length of the union of `intervals`. */
export function unionLength(intervals: readonly Interval[]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [from, to] = [-Infinity, -Infinity];
  for (const [start, end] of sorted) {
    if (start > to) {
      if (to > from) total += to - from;
      [from, to] = [start, end];
    } else to = Math.max(to, end);
  }
  if (to > from) total += to - from;
  return total;
}

/** A non-blocking point-to-point call: its slice spans the whole operation, not a wait. */
const NON_BLOCKING = /^[iI](s?send|recv)\(/;

function isSlice(event: ChromeEvent): event is ChromeEvent & { ts: number; dur: number } {
  return event.ph === 'X' && typeof event.ts === 'number' && typeof event.dur === 'number';
}

/** The summary of a trace built by src/trace/chrome.ts. */
export function summarize(trace: ChromeTrace): TraceSummary {
  const { size, ranks, notes } = trace.otherData.tsmpi;
  const messages = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  const bytes = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  const collective = new Map<number, Interval[]>();
  const p2p = new Map<number, Interval[]>();
  const push = (map: Map<number, Interval[]>, rank: number, interval: Interval): void => {
    let list = map.get(rank);
    if (list === undefined) map.set(rank, (list = []));
    list.push(interval);
  };
  for (const event of trace.traceEvents) {
    if (!isSlice(event)) continue;
    const interval: Interval = [event.ts, event.ts + event.dur];
    const args = event.args ?? {};
    if (event.cat === 'collective') push(collective, event.pid, interval);
    else if (event.cat === 'wait' || (event.cat === 'p2p' && !NON_BLOCKING.test(event.name))) push(p2p, event.pid, interval);
    if ((event.cat === 'p2p' || event.cat === 'message') && args.op === 'send') {
      const dest = args.peer;
      if (typeof dest === 'number' && dest >= 0 && dest < size && event.pid < size) {
        const [row, bytesRow] = [messages[event.pid] as number[], bytes[event.pid] as number[]];
        row[dest] = (row[dest] ?? 0) + 1;
        bytesRow[dest] = (bytesRow[dest] ?? 0) + (typeof args.bytes === 'number' ? args.bytes : 0);
      }
    }
  }
  const times = ranks.map((info): RankTime => {
    const total = Math.max(0, info.endUs - info.startUs);
    const inCollectives = unionLength(collective.get(info.rank) ?? []);
    const all = unionLength([...(collective.get(info.rank) ?? []), ...(p2p.get(info.rank) ?? [])]);
    return {
      rank: info.rank,
      host: info.host,
      totalMs: total / 1000,
      computeMs: Math.max(0, total - all) / 1000,
      p2pMs: (all - inCollectives) / 1000,
      collectiveMs: inCollectives / 1000,
    };
  });
  return { size, ranks: times, messages, bytes, notes };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  ');
  return [line(header), ...rows.map(line)];
}

function matrix(title: string, values: readonly (readonly number[])[], size: number): string[] {
  const header = ['from\\to', ...Array.from({ length: size }, (_, rank) => String(rank))];
  const rows = values.map((row, rank) => [String(rank), ...row.map((value) => (value === 0 ? '.' : String(value)))]);
  return [title, ...table(header, rows)];
}

/** The summary as lines of text (what `--trace-summary` prints). */
export function formatSummary(summary: TraceSummary): string[] {
  const ms = (value: number): string => value.toFixed(3);
  const times = table(
    ['rank', 'host', 'total ms', 'compute ms', 'p2p wait ms', 'collective ms'],
    summary.ranks.map((row) => [String(row.rank), row.host, ms(row.totalMs), ms(row.computeMs), ms(row.p2pMs), ms(row.collectiveMs)]),
  );
  return [
    'trace summary: time per rank (compute = outside tsmpi calls)',
    ...times,
    ...matrix('messages sent (row: sender, column: receiver)', summary.messages, summary.size),
    ...matrix('bytes sent (row: sender, column: receiver)', summary.bytes, summary.size),
    ...summary.notes.map((note) => `note: ${note}`),
  ];
}
