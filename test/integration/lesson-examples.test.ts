// The lesson's MPI snippets, translated line by line (examples/lesson/), print what the lesson's
// mpi4py versions print, at several sizes. Lines from different ranks may come in any order, so
// those are compared sorted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { built, runJob } from '../helpers/job.js';

const SIZES = [1, 2, 4, 5];
const range = (first: number, end: number): number[] => Array.from({ length: Math.max(0, end - first) }, (_, index) => first + index);

async function lines(program: string, np: number): Promise<string[]> {
  const run = await runJob(['-np', String(np), 'node', built(`examples/lesson/${program}.js`)]);
  assert.equal(run.exitCode, 0, run.stderr);
  return run.lines;
}

describe('examples/lesson: the lesson MPI snippets', () => {
  for (const program of ['send-recv', 'isend-irecv']) {
    it(`${program}.js: rank 0 prints every other rank's greeting, in rank order`, async () => {
      for (const np of SIZES)
        assert.deepEqual(
          await lines(program, np),
          range(1, np).map((rank) => `Hello World, I'm rank ${rank}`),
          `np ${np}`,
        );
    });
  }

  it("broadcast.js: every other rank prints rank 0's message", async () => {
    for (const np of SIZES) {
      assert.deepEqual(
        (await lines('broadcast', np)).sort(),
        range(1, np).map((rank) => `rank ${rank} received message: Hello World from rank 0`),
        `np ${np}`,
      );
    }
  });

  it('gather.js: rank 0 prints every greeting, its own first', async () => {
    for (const np of SIZES)
      assert.deepEqual(
        await lines('gather', np),
        range(0, np).map((rank) => `Hello World, I'm rank ${rank}`),
        `np ${np}`,
      );
  });

  it('scatter.js: rank i prints the i-th message', async () => {
    for (const np of SIZES) {
      assert.deepEqual(
        (await lines('scatter', np)).sort(),
        range(0, np).map((rank) => `rank ${rank} received message: Hello World from rank 0 to rank ${rank}`),
        `np ${np}`,
      );
    }
  });
});
