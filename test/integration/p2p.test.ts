// Point-to-point through the real tsmpirun, at np 1, 2, 4 and 8 (8 oversubscribes 2 cores).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { built, runJob } from '../helpers/job.js';

describe('examples', () => {
  for (const np of [1, 2, 4, 8]) {
    it(`hello at np ${np}: one line per rank`, async () => {
      const run = await runJob(['-np', String(np), 'node', built('examples/hello.js')]);
      assert.equal(run.exitCode, 0, run.stderr);
      const ranks = run.lines.map((line) => Number(/^Hello from rank (\d+) of (\d+) on /.exec(line)?.[1])).sort((a, b) => a - b);
      assert.deepEqual(
        ranks,
        Array.from({ length: np }, (_, rank) => rank),
      );
      for (const line of run.lines) assert.match(line, new RegExp(` of ${np} on `));
    });
  }

  it('ring passes the token through every rank', async () => {
    const run = await runJob(['-np', '5', 'node', built('examples/ring.js')]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.lines, ['token came back to rank 0 after visiting 0 -> 1 -> 2 -> 3 -> 4; sum of ranks = 10']);
  });

  it('p2p prints the greetings in rank order', async () => {
    const run = await runJob(['-np', '4', 'node', built('examples/p2p.js')]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.lines[0], 'rank 0 of 4 receiving 3 greetings');
    assert.deepEqual(
      run.lines.slice(1).map((line) => /^rank 0 got: Hello from rank (\d) on /.exec(line)?.[1]),
      ['1', '2', '3'],
    );
  });

  it('pingpong prints a latency table', async () => {
    const run = await runJob(['-np', '2', 'node', built('examples/pingpong.js'), '20']);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.lines[0], 'bytes\thalf round trip (us)\tbandwidth (MB/s)');
    assert.deepEqual(
      run.lines.slice(1).map((line) => line.split('\t')[0]),
      ['8', '1024', '65536', '1048576'],
    );
    for (const line of run.lines.slice(1)) assert.ok(Number(line.split('\t')[1]) > 0, line);
  });

  it('pingpong refuses to run on one rank', async () => {
    const run = await runJob(['-np', '1', 'node', built('examples/pingpong.js')]);
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, /pingpong needs at least 2 ranks/);
  });
});

describe('message delivery', () => {
  for (const np of [2, 4, 8]) {
    it(`a flood of 100k messages to ANY_SOURCE at np ${np}: none lost, none duplicated, order kept`, async () => {
      const run = await runJob(['-np', String(np), 'node', built('test/fixtures/flood.js'), '100000'], { timeoutMs: 300_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      const perSender = Math.floor(100_000 / (np - 1));
      assert.deepEqual(run.lines, [`flood ok: ${perSender * (np - 1)} messages from ${np - 1} senders`]);
    });
  }

  it('a 64 MiB Float64Array arrives bit-exact, both as buffer and inside an object', async () => {
    const run = await runJob(['-np', '2', 'node', built('test/fixtures/big-array.js')], { timeoutMs: 180_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.lines, ['big array ok']);
  });

  for (const np of [2, 4]) {
    it(`semantics at np ${np}: truncate without loss, ssend, ordering, nonblocking, probe`, async () => {
      const run = await runJob(['-np', String(np), 'node', built('test/fixtures/p2p-semantics.js')]);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.deepEqual(run.lines, [
        'ok ssend waits for the matching receive',
        'ok ssend resolves after the match',
        'ok sendrecv',
        'ok probe fills status',
        'ok iprobe sees the probed message',
        'ok probe does not consume',
        'ok iprobe is false when nothing is there',
        'ok truncate ERR_TRUNCATE then 1,2,3,4 count 4',
        'ok order second first',
        'ok irecv ab waitany 0 b',
        'ok sendrecv-peer ping',
      ]);
    });
  }

  it('rejects every bad argument with its code before sending anything', async () => {
    const run = await runJob(['-np', '2', 'node', built('test/fixtures/bad-args.js')]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.lines, [
      'send dest too large: ERR_RANK',
      'send dest negative: ERR_RANK',
      'send dest fractional: ERR_RANK',
      'send dest string: ERR_RANK',
      'send negative tag: ERR_TAG',
      'send ANY_TAG: ERR_TAG',
      'send fractional tag: ERR_TAG',
      'send function: ERR_CODEC',
      'send symbol: ERR_CODEC',
      'recv source too large: ERR_RANK',
      'recv negative tag: ERR_TAG',
      'Send not typed: ERR_BUFFER',
      'Recv not typed: ERR_BUFFER',
      'Send DataView: ERR_BUFFER',
      'ssend dest too large: ERR_RANK',
      'isend dest too large: ERR_RANK',
      'irecv bad tag: ERR_TAG',
      'sent after bad args: 0',
    ]);
  });

  it('a singleton run (no launcher) is rank 0 of 1 and can send to itself', async () => {
    const { runCommand } = await import('../helpers/job.js');
    const run = await runCommand(process.execPath, [built('test/fixtures/bad-args.js')]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(run.lines.includes('send dest too large: ERR_RANK'));
    const ring = await runCommand(process.execPath, [built('examples/ring.js')]);
    assert.equal(ring.exitCode, 0, ring.stderr);
    assert.deepEqual(ring.lines, ['token came back to rank 0 after visiting 0; sum of ranks = 0']);
  });

  it('finalize() twice: pending and later operations fail with ERR_COMM_CLOSED, sent messages arrive', async () => {
    const run = await runJob(['-np', '3', 'node', built('test/fixtures/finalize.js')]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(
      [...run.lines].sort(),
      [0, 1, 2].map(
        (rank) => `rank ${rank}: got from ${(rank + 2) % 3}; pending ERR_COMM_CLOSED; after ERR_COMM_CLOSED; initialized false`,
      ),
    );
  });
});
