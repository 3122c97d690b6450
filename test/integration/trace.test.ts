// Tracing through the real tsmpirun (--trace, --trace-summary, TSMPI_TRACE_LIMIT): the
// trace of a program with known traffic holds exactly the messages comm.stats() counts,
// every arrow runs forward from the sender's track to the receiver's, collectives'
// messages are marked with their call and round, and the cap bounds a rank's record.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { built, runJob } from '../helpers/job.js';
import { checkFlows, messageSlices, readTrace, slices } from '../helpers/trace.js';

const KNOWN = built('test/fixtures/trace-known.js');
const dir = mkdtempSync(join(tmpdir(), 'tsmpi-trace-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  rank: number;
  p2p: number;
  stats: { sent: { messages: number; bytes: number }; received: { messages: number; bytes: number } };
}

function reports(lines: readonly string[]): Report[] {
  return lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Report);
}

describe('tsmpirun --trace', () => {
  for (const np of [1, 2, 5, 8]) {
    it(`np ${np}: the trace holds exactly the messages comm.stats() counts, marked and forward`, async () => {
      const file = join(dir, `known-${np}.json`);
      const run = await runJob(['-np', String(np), '--trace', file, 'node', KNOWN], { timeoutMs: 180_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      const trace = readTrace(file);
      const info = trace.otherData.tsmpi;
      assert.equal(info.size, np);
      assert.deepEqual(info.notes, []);
      const names = trace.traceEvents
        .filter((event) => event.name === 'process_name')
        .map((event) => (event.args as { name: string }).name);
      assert.equal(names.length, np);
      for (const name of names) assert.match(name, /^rank \d+ @ \S+$/);
      const byRank = reports(run.lines);
      assert.equal(byRank.length, np);
      const sends = messageSlices(trace, 'send');
      const recvs = messageSlices(trace, 'recv');
      for (const report of byRank) {
        const mine = sends.filter((slice) => slice.pid === report.rank);
        assert.equal(mine.length, report.stats.sent.messages, `rank ${report.rank}: send slices = messages sent`);
        assert.equal(
          mine.reduce((sum, slice) => sum + (slice.args.bytes as number), 0),
          report.stats.sent.bytes,
          `rank ${report.rank}: bytes`,
        );
        assert.equal(
          recvs.filter((slice) => slice.pid === report.rank).length,
          report.stats.received.messages,
          `rank ${report.rank}: receive slices = messages received`,
        );
        // Point-to-point slices are the program's own; every other message belongs to a collective.
        assert.equal(mine.filter((slice) => slice.cat === 'p2p').length, report.p2p, `rank ${report.rank}: point-to-point messages`);
      }
      const total = byRank.reduce((sum, report) => sum + report.stats.sent.messages, 0);
      assert.equal(info.messages, total);
      assert.equal(checkFlows(trace), total);
      for (const slice of [...sends, ...recvs]) {
        if (slice.cat === 'p2p') {
          assert.equal(slice.args.collective, null);
          assert.equal(typeof slice.args.tag, 'number');
        } else {
          assert.match(String(slice.args.collective), /^(bcast|gather|Allreduce|Split|allreduce|barrier) #\d+$/);
          assert.ok(
            slice.args.round === 'agree' || (typeof slice.args.round === 'number' && slice.args.round >= 1),
            `round of ${slice.name}: ${String(slice.args.round)}`,
          );
        }
      }
      // Each collective call is a slice on every rank of its communicator, enclosing its messages.
      const calls = slices(trace).filter((slice) => slice.cat === 'collective');
      assert.equal(calls.filter((slice) => slice.name === 'bcast').length, np);
      assert.equal(calls.filter((slice) => slice.name === 'allreduce').length, np);
      for (const call of calls.filter((slice) => slice.name === 'Allreduce')) assert.equal(call.args.algorithm, 'recursive-doubling');
      // The rendezvous message is in the trace like any other.
      if (np > 1) assert.equal(sends.filter((slice) => slice.args.tag === 5 && slice.args.bytes === 160_000).length, 1);
      // The broadcast (fused with its agreement round, src/collectives/fused.ts): the value crosses p − 1
      // edges of a binomial tree in rounds 1..⌈log2 p⌉; the root sends it once per recursive-doubling round,
      // or once to the rank that stands for it when it is folded in (p not a power of two).
      const bcastRounds = sends
        .filter((slice) => slice.args.collective === 'bcast #0' && typeof slice.args.round === 'number')
        .map((slice) => slice.args.round as number);
      assert.equal(bcastRounds.length, np - 1);
      if (np > 1) assert.equal(Math.max(...bcastRounds), Math.ceil(Math.log2(np)));
      const rootRounds = sends
        .filter((slice) => slice.pid === 0 && slice.args.collective === 'bcast #0' && typeof slice.args.round === 'number')
        .map((slice) => slice.args.round);
      const rootSends = np === 1 ? 0 : (np & (np - 1)) === 0 ? Math.log2(np) : 1;
      assert.deepEqual(
        rootRounds,
        Array.from({ length: rootSends }, (_, index) => index + 1),
      );
    });
  }

  it('caps the events of a rank at TSMPI_TRACE_LIMIT and says so in the file', async () => {
    const file = join(dir, 'capped.json');
    const run = await runJob(['-np', '3', '--trace', file, 'node', KNOWN], { env: { TSMPI_TRACE_LIMIT: '6' }, timeoutMs: 120_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    const trace = readTrace(file);
    for (const rank of trace.otherData.tsmpi.ranks) {
      assert.equal(rank.events, 6);
      assert.equal(typeof rank.cappedUs, 'number');
    }
    assert.equal(trace.otherData.tsmpi.notes.filter((note) => /reached the cap of 6 events/.test(note)).length, 3);
    assert.equal(trace.traceEvents.filter((event) => event.ph === 'i' && /cap of 6 events/.test(event.name)).length, 3);
    for (const rank of [0, 1, 2]) assert.ok(slices(trace).filter((slice) => slice.pid === rank).length <= 6);
    checkFlows(trace);
  });

  it("--trace-summary prints each rank's times and the message matrix the stats agree with", async () => {
    const run = await runJob(['-np', '4', '--trace-summary', 'node', KNOWN], { timeoutMs: 120_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    const lines = run.stderr.split('\n');
    const header = lines.findIndex((line) => /^rank\s+host\s+total ms\s+compute ms\s+p2p wait ms\s+collective ms$/.test(line.trim()));
    assert.ok(header >= 0, run.stderr);
    for (let rank = 0; rank < 4; rank++) {
      const cells = (lines[header + 1 + rank] ?? '').trim().split(/\s+/);
      assert.equal(cells[0], String(rank));
      const [total, compute, p2p, collective] = cells.slice(2).map(Number) as [number, number, number, number];
      assert.ok(Math.abs(total - (compute + p2p + collective)) < 0.01, lines[header + 1 + rank]);
    }
    const matrix = lines.findIndex((line) => line.startsWith('messages sent'));
    const stats = reports(run.lines);
    for (let rank = 0; rank < 4; rank++) {
      const cells = (lines[matrix + 2 + rank] ?? '').trim().split(/\s+/).slice(1);
      const sum = cells.reduce((total, cell) => total + (cell === '.' ? 0 : Number(cell)), 0);
      assert.equal(sum, stats.find((report) => report.rank === rank)?.stats.sent.messages, `row of rank ${rank}`);
    }
  });

  it('refuses a trace file in a missing directory before starting anything', async () => {
    const run = await runJob(['-np', '2', '--trace', join(dir, 'missing', 'x.json'), 'node', KNOWN]);
    assert.equal(run.exitCode, 2);
    assert.match(run.stderr, /^tsmpirun: --trace .*x\.json: directory .*missing does not exist\n$/);
  });
});
