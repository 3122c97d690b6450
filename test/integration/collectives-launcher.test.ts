// Collectives through the real tsmpirun: every collective at np 1..8 on the world, a Dup
// and a Split while p2p traffic is in flight; bad input at several sizes; barrier, bcast,
// allreduce and gather oversubscribed up to np 64 with the root's message counts (each
// call's agreement round, src/collectives/agree.ts, and its algorithm, or both in one for a
// fused call).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { built, runJob } from '../helpers/job.js';

const ceilLog2 = (size: number): number => Math.ceil(Math.log2(size));

describe('collectives through tsmpirun', () => {
  for (const np of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`every collective, every root, world + Dup + Split, with ANY_SOURCE traffic in flight, at np ${np}`, async () => {
      const run = await runJob(['-np', String(np), 'node', built('test/fixtures/coll-all.js')], { timeoutMs: 180_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.deepEqual(run.lines, ['ok world', 'ok dup', 'ok split', 'ok split-undefined free']);
    });
  }

  for (const np of [1, 2, 5]) {
    it(`bad input rejects with a clear code on every rank, never hangs, at np ${np}`, async () => {
      const run = await runJob(['-np', String(np), 'node', built('test/fixtures/coll-errors.js')], { timeoutMs: 120_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      const one = np === 1;
      assert.deepEqual(run.lines, [
        'ok bcast root out of range ERR_ROOT',
        'ok reduce root not an integer ERR_ROOT',
        `ok scatter wrong count ${one ? 'none' : 'ERR_COUNT'}`,
        `ok allreduce mismatched types ${one ? 'none' : 'ERR_OP'}`,
        `ok allreduce mismatched lengths ${one ? 'none' : 'ERR_OP'}`,
        'ok Allreduce buffer mismatch ERR_BUFFER',
        'ok Scatter wrong sendbuf length ERR_BUFFER',
        `ok bcast of a function ${one ? 'none' : 'ERR_CODEC'}`,
        'ok alltoall wrong count ERR_COUNT',
        'ok op not an op ERR_OP',
        'ok still works',
      ]);
    });
  }

  const bits = new Map<number, string>();
  for (const np of [2, 3, 4, 5, 8, 16, 32, 33, 64]) {
    it(`np ${np}: barrier, bcast, allreduce, gather correct; the root's messages per operation are ⌊log2 p⌋ for the agreement round, plus ⌈log2 p⌉ for a tree algorithm, none for a fused bcast`, async () => {
      const run = await runJob(['-np', String(np), 'node', built('test/fixtures/coll-scale.js')], { timeoutMs: 300_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      const counts = JSON.parse(run.lines.at(-1) ?? '{}') as Record<string, number | string>;
      // The root (the last rank) is never folded in: it takes one agreement step per recursive-doubling round.
      const agree = Math.floor(Math.log2(np));
      // The barrier is the agreement round alone; bcast runs inside it (fused); the others add their binomial tree.
      const both = agree + ceilLog2(np);
      assert.deepEqual(
        { ...counts, allreduceBits: undefined },
        { size: np, barrier: agree, bcast: agree, reduce: both, gather: both, scatter: both, allreduceBits: undefined },
      );
      bits.set(np, String(counts['allreduceBits']));
    });
  }

  it('floating-point allreduce gives the same bits across repeated runs', async () => {
    for (const np of [5, 8]) {
      const run = await runJob(['-np', String(np), 'node', built('test/fixtures/coll-scale.js')], { timeoutMs: 120_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      const again = (JSON.parse(run.lines.at(-1) ?? '{}') as { allreduceBits: string }).allreduceBits;
      if (bits.has(np)) assert.equal(again, bits.get(np));
      const third = await runJob(['-np', String(np), 'node', built('test/fixtures/coll-scale.js')], { timeoutMs: 120_000 });
      assert.equal((JSON.parse(third.lines.at(-1) ?? '{}') as { allreduceBits: string }).allreduceBits, again);
    }
  });
});
