// Tracing without tsmpirun: under Open MPI's mpirun, and as a singleton (`node prog.js`),
// TSMPI_TRACE=FILE makes every rank record and rank 0 write the same trace file tsmpirun
// writes, holding exactly the messages comm.stats() counts, with every arrow forward.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { built, runCommand } from '../helpers/job.js';
import { checkFlows, messageSlices, readTrace } from '../helpers/trace.js';
import { mpirun, runUnder } from '../schedulers/launchers.js';

const KNOWN = built('test/fixtures/trace-known.js');
const dir = mkdtempSync(join(tmpdir(), 'tsmpi-trace-foreign-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  rank: number;
  stats: { sent: { messages: number } };
}

describe('TSMPI_TRACE without tsmpirun', () => {
  it('under mpirun at np 4, rank 0 writes the trace of every rank', { skip: mpirun.skip }, async () => {
    const file = join(dir, 'mpirun.json');
    const run = await runUnder(mpirun, 4, ['node', KNOWN], { env: { TSMPI_TRACE: file }, timeoutMs: 120_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    const reports = run.lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Report);
    assert.equal(reports.length, 4);
    const trace = readTrace(file);
    assert.equal(trace.otherData.tsmpi.size, 4);
    assert.deepEqual(trace.otherData.tsmpi.notes, []);
    assert.deepEqual(
      trace.otherData.tsmpi.ranks.map((rank) => rank.rank),
      [0, 1, 2, 3],
    );
    const sends = messageSlices(trace, 'send');
    for (const report of reports) assert.equal(sends.filter((slice) => slice.pid === report.rank).length, report.stats.sent.messages);
    assert.equal(
      checkFlows(trace),
      reports.reduce((sum, report) => sum + report.stats.sent.messages, 0),
    );
    // Ranks 1..3 measured their clocks against rank 0's.
    for (const rank of trace.otherData.tsmpi.ranks.slice(1)) assert.ok(rank.rttMs > 0, `rank ${rank.rank} round trip ${rank.rttMs}`);
  });

  it('a singleton (node prog.js) writes its own trace', async () => {
    const file = join(dir, 'singleton.json');
    const run = await runCommand(process.execPath, [KNOWN], { env: { TSMPI_TRACE: file } });
    assert.equal(run.exitCode, 0, run.stderr);
    const trace = readTrace(file);
    assert.equal(trace.otherData.tsmpi.size, 1);
    const names = trace.traceEvents.filter((event) => event.name === 'process_name').map((event) => (event.args as { name: string }).name);
    assert.equal(names.length, 1);
    assert.match(names[0] ?? '', /^rank 0 @ /);
    assert.ok(trace.traceEvents.some((event) => event.cat === 'collective' && event.name === 'bcast'));
  });
});
