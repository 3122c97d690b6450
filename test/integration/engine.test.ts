// The engine's protocol through the real tsmpirun: what happens to messages nobody
// receives, and to malformed frames on a rank's inbox.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { built, runJob } from '../helpers/job.js';

describe('engine through tsmpirun', () => {
  it('a job whose ranks finished ends without lingering, naming the messages never received', async () => {
    // The hang guard is far below the 30 s linger the job used to wait for; what is checked
    // is the drain handshake (its warning line) after which ranks close without lingering.
    const run = await runJob(['-np', '2', 'node', built('test/fixtures/unreceived.js')], { timeoutMs: 25_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual([...run.lines].sort(), ['rank 0 done', 'rank 0: the large send rejected with ERR_NOT_RECEIVED', 'rank 1 done']);
    assert.deepEqual(
      run.stderr.split('\n').filter((line) => line.startsWith('tsmpirun:')),
      ['tsmpirun: rank 1 ended with 4 unreceived messages from rank 0, tags 77 78 79 80'],
    );
  });

  it('malformed frames on a rank inbox are dropped with a one-line warning each; the reader goes on', async () => {
    const run = await runJob(['-np', '2', 'node', built('test/fixtures/malformed.js')], { timeoutMs: 60_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.lines, ['rank 0 received: after the garbage, normal']);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('dropped a malformed message'));
    assert.equal(warnings.length, 4, run.stderr);
    assert.match(warnings[0] ?? '', /^\[?.*tsmpi: rank 0: dropped a malformed message: a 1-byte frame is too short for a tsmpi header$/);
    assert.match(warnings[1] ?? '', /an ssend acknowledgement from rank 1 for unknown message 4242$/);
    assert.match(warnings[2] ?? '', /data from rank 1 for unknown message 4243$/);
    assert.match(warnings[3] ?? '', /unknown message kind 99$/);
  });

  it('--timeout tells a rank that finished and waits to exit from one that did not answer', async () => {
    const run = await runJob(['--timeout', '20', '-np', '2', 'node', built('test/fixtures/busy-one.js')], { timeoutMs: 90_000 });
    assert.equal(run.exitCode, 124, run.stderr);
    assert.deepEqual(run.lines, ['rank 0 done']);
    assert.match(run.stderr, /rank 0 \(pid \d+ on [^)]+\): finished, waiting to exit \(for the other ranks to finish\)/);
    assert.match(run.stderr, /rank 1 \(pid \d+ on [^)]+\): did not answer \(busy computing, or not yet in init\)/);
  });
});
