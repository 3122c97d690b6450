/**
 * Reading a Chrome trace written by tsmpirun --trace (src/trace/chrome.ts) in tests:
 * its slices, its flows paired by id, and the checks every trace must pass.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ChromeEvent, ChromeTrace } from '../../src/trace/chrome.js';

export type Slice = ChromeEvent & { ts: number; dur: number; args: Record<string, unknown> };

export function readTrace(path: string): ChromeTrace {
  return JSON.parse(readFileSync(path, 'utf8')) as ChromeTrace;
}

export function slices(trace: ChromeTrace): Slice[] {
  return trace.traceEvents.filter((event): event is Slice => event.ph === 'X');
}

/** The slices that are one side of a message (p2p calls and collectives' messages). */
export function messageSlices(trace: ChromeTrace, op: 'send' | 'recv'): Slice[] {
  return slices(trace).filter((slice) => (slice.cat === 'p2p' || slice.cat === 'message') && slice.args.op === op);
}

/**
 * Every flow has one start and one end; the start lies inside a send slice of its sender
 * (same process and thread), the end inside the matching receive slice of the receiver,
 * and no arrow points backwards. Returns the number of flows.
 */
export function checkFlows(trace: ChromeTrace): number {
  const starts = new Map<number, ChromeEvent>();
  const ends = new Map<number, ChromeEvent>();
  for (const event of trace.traceEvents) {
    if (event.ph === 's') starts.set(event.id as number, event);
    if (event.ph === 'f') ends.set(event.id as number, event);
  }
  assert.equal(starts.size, ends.size, 'as many flow starts as ends');
  const bySlice = new Map<number, { send?: Slice; recv?: Slice }>();
  for (const slice of slices(trace)) {
    const id = slice.args.message;
    if (typeof id !== 'number') continue;
    const entry = bySlice.get(id) ?? {};
    entry[slice.args.op as 'send' | 'recv'] = slice;
    bySlice.set(id, entry);
  }
  for (const [id, start] of starts) {
    const end = ends.get(id);
    assert.ok(end !== undefined, `flow ${id} has an end`);
    const { send, recv } = bySlice.get(id) ?? {};
    assert.ok(send !== undefined && recv !== undefined, `flow ${id} has a send and a receive slice`);
    assert.equal(start.pid, send.pid, `flow ${id} starts on its sender's track`);
    assert.equal(end.pid, recv.pid, `flow ${id} ends on its receiver's track`);
    assert.equal(send.args.peer, recv.pid, `flow ${id}: the send names the receiver`);
    assert.equal(recv.args.peer, send.pid, `flow ${id}: the receive names the sender`);
    assert.equal(start.tid, send.tid);
    assert.equal(end.tid, recv.tid);
    assert.equal(end.bp, 'e');
    assert.ok((start.ts as number) >= send.ts && (start.ts as number) <= send.ts + send.dur, `flow ${id} starts inside its send slice`);
    assert.ok((end.ts as number) >= recv.ts && (end.ts as number) <= recv.ts + recv.dur, `flow ${id} ends inside its receive slice`);
    assert.ok((end.ts as number) >= (start.ts as number), `flow ${id} points forward (${start.ts} → ${end.ts})`);
    assert.equal(send.args.bytes, recv.args.bytes);
  }
  return starts.size;
}

/**
 * Checks a trace written without tsmpirun (`TSMPI_TRACE=file` under a foreign launcher) of
 * test/fixtures/trace-known.js at `np` ranks against what the ranks printed: every rank's
 * track, as many send slices as each rank's stats count, one forward arrow per message sent,
 * and ranks 1.. with a clock round trip measured against rank 0.
 */
export function checkForeignTrace(file: string, lines: readonly string[], np: number): void {
  const reports = lines
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { rank: number; stats: { sent: { messages: number } } });
  assert.equal(reports.length, np);
  const trace = readTrace(file);
  assert.equal(trace.otherData.tsmpi.size, np);
  assert.deepEqual(trace.otherData.tsmpi.notes, []);
  assert.deepEqual(
    trace.otherData.tsmpi.ranks.map((rank) => rank.rank),
    [...Array(np).keys()],
  );
  const sends = messageSlices(trace, 'send');
  for (const report of reports) assert.equal(sends.filter((slice) => slice.pid === report.rank).length, report.stats.sent.messages);
  assert.equal(
    checkFlows(trace),
    reports.reduce((sum, report) => sum + report.stats.sent.messages, 0),
  );
  for (const rank of trace.otherData.tsmpi.ranks.slice(1)) assert.ok(rank.rttMs > 0, `rank ${rank.rank} round trip ${rank.rttMs}`);
}
