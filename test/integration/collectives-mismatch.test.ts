// Mismatched collectives through the real tsmpirun on zeromq: each case of
// test/helpers/mismatch-cases.ts (bcast against reduce, different roots, crossed order,
// different buffer lengths, one kind of collective against another, an object shaped like
// an internal marker) gives every rank the expected outcome — ERR_COLL_MISMATCH naming
// both sides, never a value or a hang — and the communicator keeps working.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CASES, fits } from '../helpers/mismatch-cases.js';
import { built, runJob } from '../helpers/job.js';

describe('mismatched collectives through tsmpirun', () => {
  for (const np of [2, 5]) {
    it(`every rank rejects each mismatch with ERR_COLL_MISMATCH naming both sides, and user data is never a marker, at np ${np}`, async () => {
      const run = await runJob(['-np', String(np), 'node', built('test/fixtures/coll-mismatch.js')], { timeoutMs: 240_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.equal(run.lines.at(-1), 'done');
      const seen = new Map<string, string>();
      for (const line of run.lines.slice(0, -1)) {
        const [name, index, rank, outcome] = line.split(' | ');
        assert.ok(outcome !== undefined, `unexpected line: ${line}`);
        seen.set(`${name} | ${index} | ${rank}`, outcome);
      }
      for (const test of CASES) {
        test.expect(np).forEach((expected, index) => {
          for (let rank = 0; rank < np; rank++) {
            const got = seen.get(`${test.name} | ${index} | ${rank}`);
            assert.ok(got !== undefined && fits(got, expected), `${test.name}, call ${index}, rank ${rank}: got ${got} where ${JSON.stringify(expected)} was expected`);
          }
        });
      }
      assert.equal(seen.size, CASES.reduce((total, test) => total + test.expect(np).length, 0) * np);
    });
  }
});
