// The pure parts of tracing: the clock offset from ping samples, the causal shifts that
// keep arrows forward, the rounds of a collective's messages, the merge of skewed ranks'
// records into a Chrome trace, and the summary's interval arithmetic.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bestOffset } from '../../src/comm/clock.js';
import { buildChromeTrace, causalShifts } from '../../src/trace/chrome.js';
import { Phase, type RankEvent, type RankTrace } from '../../src/trace/events.js';
import { summarize, unionLength } from '../../src/trace/summary.js';
import { checkFlows, messageSlices } from '../helpers/trace.js';

function record(rank: number, size: number, timeOrigin: number, offsetMs: number, events: RankEvent[]): RankTrace {
  return {
    rank,
    size,
    host: `h${rank}`,
    pid: 100 + rank,
    timeOrigin,
    offsetMs,
    rttMs: 0.1,
    limit: 1000,
    cappedAt: null,
    startMs: 0,
    endMs: 100,
    events,
  };
}

describe('clock offsets', () => {
  it('keeps the ping with the smallest round trip', () => {
    const samples = [
      { sent: 0, theirs: 1005, back: 4 },
      { sent: 10, theirs: 1011, back: 12 },
      { sent: 20, theirs: 1030, back: 30 },
    ];
    assert.deepEqual(bestOffset(samples), { offsetMs: 1000, rttMs: 2 });
    assert.deepEqual(bestOffset([]), { offsetMs: 0, rttMs: 0 });
  });
});

describe('causal shifts', () => {
  it('shift a receiver whose clock is behind by the least amount, and leave consistent clocks alone', () => {
    const edges = [{ source: 0, dest: 1, sendStart: 10, recvEnd: 8 }];
    const { shifts, consistent } = causalShifts(2, edges);
    assert.ok(consistent);
    assert.equal(shifts[0], 0);
    assert.ok(Math.abs((shifts[1] as number) - 2.001) < 1e-9);
    assert.deepEqual(causalShifts(2, [{ source: 0, dest: 1, sendStart: 1, recvEnd: 8 }]).shifts, [0, 0]);
  });
  it('report clocks that no constant shift can reconcile', () => {
    const edges = [
      { source: 0, dest: 1, sendStart: 10, recvEnd: 5 },
      { source: 1, dest: 0, sendStart: 10, recvEnd: 5 },
    ];
    assert.equal(causalShifts(2, edges).consistent, false);
  });
});

describe('buildChromeTrace', () => {
  // Rank 1's wall clock runs 5 s ahead of rank 0's; its measured offset says so.
  const ping: RankEvent[] = [
    ['send', 10, 10.02, 1, 1, 0, 7, 8, 'send(dest=1, tag=7)', Phase.P2p],
    ['recv', 10.03, 12, 1, 1, 0, 7, 8, 'recv(source=1, tag=7)', Phase.P2p],
  ];
  const pong: RankEvent[] = [
    ['recv', 5, 10.2, 0, 1, 0, 7, 8, 'recv(source=0, tag=7)', Phase.P2p],
    ['send', 10.5, 10.52, 0, 1, 0, 7, 8, 'send(dest=0, tag=7)', Phase.P2p],
  ];
  it("puts every rank on rank 0's clock with the measured offsets: arrows forward", () => {
    const trace = buildChromeTrace([record(0, 2, 1_000_000, 0, ping), record(1, 2, 1_005_000, -5000, pong)]);
    assert.equal(checkFlows(trace), 2);
    assert.deepEqual(trace.otherData.tsmpi.notes, []);
    assert.deepEqual(
      trace.otherData.tsmpi.ranks.map((rank) => rank.shiftMs),
      [0, 0],
    );
    const [first] = messageSlices(trace, 'send');
    assert.equal(first?.pid, 0);
    assert.equal(first?.ts, 10_000);
  });
  it('without the offset, the shift alone keeps the arrows forward', () => {
    const trace = buildChromeTrace([record(0, 2, 1_000_000, 0, ping), record(1, 2, 999_000, 0, pong)]);
    assert.equal(checkFlows(trace), 2);
    assert.ok((trace.otherData.tsmpi.ranks[1]?.shiftMs ?? 0) > 999);
  });
  it('numbers the rounds of a binomial broadcast on 4 ranks and marks its agreement round', () => {
    const c = 1;
    const call: RankEvent = ['coll', 0, 50, c, 0, 'bcast', 'bcast(root 0)', null, 'world', false];
    const events: RankEvent[][] = [
      [
        call,
        ['send', 1, 1, 1, 1, c, 0, 1, 'bcast', Phase.Agree],
        ['send', 10, 10, 2, 1, c, 0, 2, 'bcast', Phase.Data],
        ['send', 11, 11, 1, 2, c, 0, 2, 'bcast', Phase.Data],
      ],
      [call, ['recv', 0, 2, 0, 1, c, 0, 1, 'bcast', Phase.Agree], ['recv', 0, 12, 0, 2, c, 0, 2, 'bcast', Phase.Data]],
      [call, ['recv', 0, 11, 0, 1, c, 0, 2, 'bcast', Phase.Data], ['send', 12, 12, 3, 1, c, 0, 2, 'bcast', Phase.Data]],
      [call, ['recv', 0, 13, 2, 1, c, 0, 2, 'bcast', Phase.Data]],
    ];
    const trace = buildChromeTrace(events.map((list, rank) => record(rank, 4, 1000, 0, list)));
    const rounds = messageSlices(trace, 'send').map((slice) => [slice.pid, slice.args.peer, slice.args.round, slice.args.collective]);
    assert.deepEqual(rounds, [
      [0, 1, 'agree', 'bcast #0'],
      [0, 2, 1, 'bcast #0'],
      [0, 1, 2, 'bcast #0'],
      [2, 3, 2, 'bcast #0'],
    ]);
    const calls = trace.traceEvents.filter((event) => event.cat === 'collective');
    assert.equal(calls.length, 4);
    for (const slice of calls)
      assert.deepEqual(slice.args, { call: 'bcast(root 0)', algorithm: 'binomial', root: 0, comm: 'world', seq: 0, fused: false });
    // The messages nest inside the call's slice, on the same thread.
    for (const slice of messageSlices(trace, 'send')) assert.equal(slice.tid, 0);
    const summary = summarize(trace);
    assert.deepEqual(summary.messages, [
      [0, 2, 1, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 1],
      [0, 0, 0, 0],
    ]);
    assert.equal(summary.ranks[0]?.collectiveMs, 50);
  });
  it('notes a missing rank and unmatched messages', () => {
    const trace = buildChromeTrace([record(0, 2, 1000, 0, [['send', 1, 2, 1, 1, 0, 0, 4, 'send(dest=1, tag=0)', Phase.P2p]])]);
    assert.equal(trace.otherData.tsmpi.notes.length, 2);
    assert.match(trace.otherData.tsmpi.notes[0] ?? '', /rank 1 sent no trace record/);
  });
});

describe('unionLength', () => {
  it('counts overlapping intervals once', () => {
    assert.equal(unionLength([]), 0);
    assert.equal(
      unionLength([
        [0, 2],
        [1, 3],
        [5, 6],
        [5.5, 5.7],
      ]),
      4,
    );
  });
});
