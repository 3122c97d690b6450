// The transport contract (test/transport/cases.ts), one set of cases run against both
// transports: loopback (every rank in this process) and zeromq (real processes through
// tsmpirun). A case that passes on one and fails on the other is a transport bug.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { built, runJob, type JobRun } from '../helpers/job.js';
import { spmd } from '../helpers/spmd.js';
import { CASES } from './cases.js';

for (const np of [2, 3]) {
  describe(`transport contract, loopback, np ${np}`, () => {
    for (const entry of CASES) it(entry.name, async () => void (await spmd(np, (comm) => entry.run(comm))));
  });

  describe(`transport contract, zeromq through tsmpirun, np ${np}`, () => {
    let run: JobRun;
    before(async () => {
      run = await runJob(['-np', String(np), 'node', built('test/fixtures/contract.js')], { timeoutMs: 600_000 });
    });
    it('the job ends cleanly', () => assert.equal(run.exitCode, 0, run.stderr));
    for (const entry of CASES) {
      it(entry.name, () => {
        const line = run.lines.find((text) => text === `ok ${entry.name}` || text.startsWith(`FAIL ${entry.name}:`));
        assert.equal(line, `ok ${entry.name}`, line ?? `no result line for this case; stderr:\n${run.stderr}`);
      });
    }
  });
}
