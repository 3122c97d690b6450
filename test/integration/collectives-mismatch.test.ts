// Mismatched collectives through the real tsmpirun on zeromq: each case of
// test/helpers/mismatch-cases.ts (bcast against reduce, different roots, crossed order,
// different buffer lengths, one kind of collective against another, an object shaped like
// an internal marker) gives every rank the expected outcome — ERR_COLL_MISMATCH naming
// both sides, never a value or a hang — and the communicator keeps working, on the
// world, a Dup and (np 4 and up) both halves of a Split.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkMismatchLines } from '../helpers/mismatch-cases.js';
import { built, runJob } from '../helpers/job.js';

describe('mismatched collectives through tsmpirun', () => {
  for (const np of [2, 5, 8]) {
    it(`every rank rejects each mismatch with ERR_COLL_MISMATCH naming both sides, and user data is never a marker, at np ${np}`, async () => {
      const run = await runJob(['-np', String(np), 'node', built('test/fixtures/coll-mismatch.js')], { timeoutMs: 240_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      checkMismatchLines(run.lines, np);
    });
  }
});
