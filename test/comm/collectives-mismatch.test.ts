// Mismatched collective calls over loopback: every rank rejects with ERR_COLL_MISMATCH
// naming both sides, never a value or a hang, and the communicator keeps working; user
// data is never read as an internal marker. The same cases run through tsmpirun in
// test/integration/collectives-mismatch.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CASES, fits } from '../helpers/mismatch-cases.js';
import { spmd } from '../helpers/spmd.js';

/** Generous: only turns a hang into a failure. */
const DEADLINE = { timeout: 60_000 };

describe('mismatched collectives (in process)', () => {
  // On one host and across hosts (each rank its own): where a large Bcast's root scatters and the others do not.
  for (const [size, hosts] of [
    [2, 'one host'],
    [3, 'one host'],
    [3, 'several hosts'],
    [5, 'several hosts'],
    [8, 'one host'],
    [8, 'several hosts'],
  ] as const) {
    it(
      `every case rejects on every rank with both sides named, and the communicator goes on working, on the world and a Dup, at np ${size} on ${hosts}`,
      DEADLINE,
      async () => {
        const options = hosts === 'one host' ? {} : { hosts: (rank: number) => `h${rank}` };
        await spmd(
          size,
          async (world) => {
            for (const comm of [world, await world.Dup()]) {
              for (const test of CASES) {
                const got = await test.run(comm);
                const expected = test.expect(size);
                assert.equal(got.length, expected.length, `${test.name} on rank ${comm.rank}`);
                got.forEach((outcome, index) =>
                  assert.ok(fits(outcome, expected[index]!), `${test.name} on rank ${comm.rank}: got ${outcome}`),
                );
                assert.equal(await comm.allreduce(1), size, `allreduce after ${test.name}`);
              }
            }
          },
          options,
        );
      },
    );
  }
});
