// The size-chosen collective algorithms through the real tsmpirun: each algorithm forced
// with TSMPI_COLL_ALLREDUCE / TSMPI_COLL_BCAST (forwarded by tsmpirun to every rank) on
// the world, a Dup and a Split; results checked on every rank, the same bits everywhere,
// the message counts that tell the algorithms apart, Rabenseifner giving recursive
// doubling's bits; unforced, the choice by size (Rabenseifner, never the ring; a large Bcast's
// tree on one host); misspelt overrides rejected with the valid names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bcastAlgorithm, rootSends } from '../helpers/bcast-hosts.js';
import { built, runJob } from '../helpers/job.js';

const FIXTURE = built('test/fixtures/coll-algorithms.js');

/**
 * Largest number of messages any rank sends for one allreduce of a vector, per algorithm:
 * recursive doubling and Rabenseifner run inside the call's agreement round (fused: the
 * round's messages are theirs), the ring beside it. The busiest rank is an active one
 * standing for a folded partner (one more step in the round, one more message in each algorithm).
 */
function expectedMessages(algorithm: string, size: number): number {
  const pof2 = 2 ** Math.floor(Math.log2(size));
  const paired = size > pof2 ? 1 : 0;
  const agreement = Math.log2(pof2) + paired;
  if (size === 1) return 0;
  if (algorithm === 'ring') return agreement + 2 * (size - 1);
  // The reduce-scatter and the fold-out are the round's steps; the allgather adds log2(pof2).
  if (algorithm === 'rabenseifner') return 2 * Math.log2(pof2) + paired;
  return agreement;
}

interface Line {
  count: number;
  digest: string;
  messages: number;
}

function parse(lines: readonly string[]): Line[] {
  return lines.flatMap((line) => {
    const match = /^Allreduce (\d+) ([0-9a-f]+) messages (\d+)$/.exec(line);
    return match ? [{ count: Number(match[1]), digest: match[2] ?? '', messages: Number(match[3]) }] : [];
  });
}

describe('collective algorithms forced through tsmpirun', () => {
  for (const np of [1, 2, 3, 4, 5, 8]) {
    it(`np ${np}: every Allreduce and Bcast algorithm gives the right result with the same bits on every rank`, async () => {
      const digests = new Map<string, Line[]>();
      const pairs = [
        ['recursive-doubling', 'binomial'],
        ['rabenseifner', 'scatter-allgather'],
        ['ring', 'scatter-allgather'],
      ] as const;
      for (const [allreduce, bcast] of pairs) {
        const run = await runJob(['-np', String(np), 'node', FIXTURE], {
          env: { TSMPI_COLL_ALLREDUCE: allreduce, TSMPI_COLL_BCAST: bcast },
          timeoutMs: 240_000,
        });
        assert.equal(run.exitCode, 0, `${allreduce}: ${run.stderr}`);
        const lines = parse(run.lines);
        assert.deepEqual(
          lines.map((line) => line.count),
          [1, 1001, 131075],
        );
        assert.deepEqual(
          run.lines.filter((line) => line.startsWith('ok')),
          ['ok world', 'ok dup', 'ok split'],
        );
        for (const line of lines)
          assert.equal(line.messages, expectedMessages(allreduce, np), `${allreduce} at np ${np}, ${line.count} elements`);
        digests.set(allreduce, lines);
      }
      // Rabenseifner halves with a growing distance: the same grouping, hence the same bits, as recursive doubling.
      assert.deepEqual(
        digests.get('rabenseifner')?.map((line) => line.digest),
        digests.get('recursive-doubling')?.map((line) => line.digest),
      );
    });
  }

  it('the ring gives the same bits on every run', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++)
      runs.push(await runJob(['-np', '5', 'node', FIXTURE], { env: { TSMPI_COLL_ALLREDUCE: 'ring' }, timeoutMs: 240_000 }));
    for (const run of runs) assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(parse(runs[0]?.lines ?? []), parse(runs[1]?.lines ?? []));
  });

  it('unforced, a large Allreduce takes Rabenseifner at sizes that are not a power of two too (never the ring), a small one recursive doubling', async () => {
    for (const np of [5, 6]) {
      const run = await runJob(['-np', String(np), 'node', FIXTURE], { timeoutMs: 240_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      // 131075 float64 (1 MiB) is past the switch point from np 5 on (select.ts).
      assert.deepEqual(
        parse(run.lines).map((line) => [line.count, line.messages]),
        [
          [1, expectedMessages('recursive-doubling', np)],
          [1001, expectedMessages('recursive-doubling', np)],
          [131075, expectedMessages('rabenseifner', np)],
        ],
      );
    }
  });

  it('on one host a large Bcast runs the binomial tree at every np (it beats scatter-allgather there), and gives the value', async () => {
    for (const np of [3, 4, 6, 8]) {
      const run = await runJob(['-np', String(np), 'node', built('test/fixtures/bcast-hosts.js')], { timeoutMs: 240_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.ok(run.lines.includes('done'), run.stdout);
      const sends = rootSends(run.lines);
      assert.equal(sends.size, 2, run.stdout);
      for (const [label, got] of sends) {
        assert.equal(got.np, np, `${label} at np ${np}`);
        assert.equal(bcastAlgorithm(got), 'binomial', `${label} at np ${np}`);
      }
      // Forced, it still runs scatter-allgather.
      const forced = await runJob(['-np', String(np), 'node', built('test/fixtures/bcast-hosts.js')], {
        env: { TSMPI_COLL_BCAST: 'scatter-allgather' },
        timeoutMs: 240_000,
      });
      assert.equal(forced.exitCode, 0, forced.stderr);
      for (const [label, got] of rootSends(forced.lines)) assert.equal(bcastAlgorithm(got), 'scatter-allgather', `${label} at np ${np}`);
    }
  });

  it('a misspelt override stops the job with the valid names', async () => {
    const algorithm = await runJob(['-np', '2', 'node', FIXTURE], { env: { TSMPI_COLL_ALLREDUCE: 'rings' }, timeoutMs: 120_000 });
    assert.notEqual(algorithm.exitCode, 0);
    assert.match(
      algorithm.stderr,
      /TSMPI_COLL_ALLREDUCE=rings is not an algorithm of allreduce; valid: recursive-doubling, rabenseifner, ring, auto/,
    );
    assert.match(algorithm.stderr, /ERR_ARG/);
    const collective = await runJob(['-np', '2', 'node', FIXTURE], { env: { TSMPI_COLL_ALLREDUSE: 'ring' }, timeoutMs: 120_000 });
    assert.notEqual(collective.exitCode, 0);
    assert.match(
      collective.stderr,
      /TSMPI_COLL_ALLREDUSE names no collective with a choice of algorithm; valid: TSMPI_COLL_ALLREDUCE, TSMPI_COLL_BCAST/,
    );
  });
});
