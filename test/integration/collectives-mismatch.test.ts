// Mismatched collectives through the real tsmpirun on zeromq: each case of
// test/helpers/mismatch-cases.ts (bcast against reduce, different roots, crossed order,
// different buffer lengths, one kind of collective against another, an object shaped like
// an internal marker) gives every rank the expected outcome — ERR_COLL_MISMATCH naming
// both sides, never a value or a hang — and the communicator keeps working, on the
// world, a Dup and (np 4 and up) both halves of a Split.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CASES, fits } from '../helpers/mismatch-cases.js';
import { built, runJob } from '../helpers/job.js';

describe('mismatched collectives through tsmpirun', () => {
  for (const np of [2, 5, 8]) {
    it(`every rank rejects each mismatch with ERR_COLL_MISMATCH naming both sides, and user data is never a marker, at np ${np}`, async () => {
      const run = await runJob(['-np', String(np), 'node', built('test/fixtures/coll-mismatch.js')], { timeoutMs: 240_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      // Rank 0 prints "done" after a barrier, but lines of different ranks reach tsmpirun through
      // different pipes: another rank's last line may come after it.
      assert.equal(run.lines.filter((line) => line === 'done').length, 1, run.stdout);
      const seen = new Map<string, string>();
      for (const line of run.lines.filter((line) => line !== 'done')) {
        const [comm, name, index, rank, outcome] = line.split(' | ');
        assert.ok(outcome !== undefined, `unexpected line: ${line}`);
        seen.set(`${comm} | ${name} | ${index} | ${rank}`, outcome);
      }
      // The world, its Dup, and from np 4 the two halves of a Split by rank parity.
      const comms: [string, number][] = [
        ['world', np],
        ['dup', np],
      ];
      if (np >= 4) comms.push(['split0', Math.ceil(np / 2)], ['split1', Math.floor(np / 2)]);
      let expectedLines = 0;
      for (const [comm, size] of comms) {
        for (const test of CASES) {
          test.expect(size).forEach((expected, index) => {
            for (let rank = 0; rank < size; rank++) {
              const got = seen.get(`${comm} | ${test.name} | ${index} | ${rank}`);
              assert.ok(
                got !== undefined && fits(got, expected),
                `${comm}: ${test.name}, call ${index}, rank ${rank}: got ${got} where ${JSON.stringify(expected)} was expected`,
              );
              expectedLines++;
            }
          });
        }
      }
      assert.equal(seen.size, expectedLines);
    });
  }
});
