// The transport contract (test/transport/cases.ts), one set of cases run against both
// transports: loopback (every rank in this process) and zeromq (real processes through
// tsmpirun). A case that passes on one and fails on the other is a transport bug. Each
// runs with large payloads passed through shared files in RAM (as between ranks on one
// host, src/transport/shared-files.ts) and without (over the sockets only, as between hosts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SharedFiles, inRam } from '../../src/transport/shared-files.js';
import { built, runJob, type JobRun } from '../helpers/job.js';
import { spmd } from '../helpers/spmd.js';
import { CASES } from './cases.js';

const ramSkip = inRam('/dev/shm') ? false : '/dev/shm is not a RAM-backed file system here';

for (const np of [2, 3]) {
  describe(`transport contract, loopback, np ${np}`, () => {
    for (const entry of CASES) it(entry.name, async () => void (await spmd(np, (comm) => entry.run(comm))));
  });

  describe(`transport contract, loopback with shared files, np ${np}`, { skip: ramSkip }, () => {
    let dir = '';
    before(() => {
      dir = mkdtempSync('/dev/shm/tsmpi-contract-');
    });
    after(() => rmSync(dir, { recursive: true, force: true }));
    for (const entry of CASES)
      it(entry.name, async () => void (await spmd(np, (comm) => entry.run(comm), { sharedFiles: (rank) => new SharedFiles(dir, rank) })));
  });

  for (const shm of np === 2 ? ['on', 'off'] : ['on']) {
    describe(`transport contract, zeromq through tsmpirun, np ${np}, TSMPI_SHM=${shm}`, () => {
      let run: JobRun;
      before(async () => {
        run = await runJob(['-np', String(np), 'node', built('test/fixtures/contract.js')], {
          timeoutMs: 600_000,
          env: { TSMPI_SHM: shm },
        });
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
}
