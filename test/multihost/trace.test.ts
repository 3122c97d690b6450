// Tracing across three real network hosts (namespaces h1..h3, see hosts.sh): tsmpirun
// collects every rank's record through the host agents and writes one trace whose tracks
// name each rank's host, whose ranks measured their clock offsets to rank 0 over the
// network, and whose arrows all point forward; it holds exactly the messages comm.stats()
// counts. Skipped, with the reason, without root or namespace rights.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fakeHostsForTests } from '../helpers/hosts.js';
import { built, runJob } from '../helpers/job.js';
import { checkFlows, messageSlices, readTrace } from '../helpers/trace.js';

const { skip, hosts, down } = await fakeHostsForTests();
const dir = mkdtempSync(join(tmpdir(), 'tsmpi-trace-hosts-'));

describe('tracing across three hosts', { skip }, () => {
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await down();
  });

  it('np 6 on h1..h3: one trace, clocks corrected, every arrow forward, every message counted', async () => {
    const file = join(dir, 'hosts.json');
    const run = await runJob(
      [
        '--launch-agent',
        hosts().sshWrapper,
        '-H',
        'h1:2,h2:2,h3:2',
        '--trace',
        file,
        '--trace-summary',
        'node',
        built('test/fixtures/trace-known.js'),
      ],
      {
        timeoutMs: 180_000,
      },
    );
    assert.equal(run.exitCode, 0, run.stderr);
    const trace = readTrace(file);
    const info = trace.otherData.tsmpi;
    assert.deepEqual(info.notes, []);
    assert.deepEqual(
      info.ranks.map((rank) => rank.host),
      ['h1', 'h1', 'h2', 'h2', 'h3', 'h3'],
    );
    const names = trace.traceEvents.filter((event) => event.name === 'process_name').map((event) => (event.args as { name: string }).name);
    assert.deepEqual(names, ['rank 0 @ h1', 'rank 1 @ h1', 'rank 2 @ h2', 'rank 3 @ h2', 'rank 4 @ h3', 'rank 5 @ h3']);
    // Every rank but 0 measured its offset over the network (a real round trip).
    for (const rank of info.ranks.slice(1)) {
      assert.ok(rank.rttMs > 0, `rank ${rank.rank}: round trip ${rank.rttMs} ms`);
      assert.ok(Number.isFinite(rank.offsetMs));
    }
    const reports = run.lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { rank: number; stats: { sent: { messages: number } } });
    assert.equal(reports.length, 6);
    const sends = messageSlices(trace, 'send');
    for (const report of reports) assert.equal(sends.filter((slice) => slice.pid === report.rank).length, report.stats.sent.messages);
    assert.equal(
      checkFlows(trace),
      reports.reduce((sum, report) => sum + report.stats.sent.messages, 0),
    );
    assert.match(run.stderr, /messages sent \(row: sender, column: receiver\)/);
  });
});
