// Tracing without tsmpirun: under Open MPI's mpirun and MPICH's mpiexec.hydra (srun: in
// test/schedulers/foreign-launchers.test.ts), and as a singleton (`node prog.js`),
// TSMPI_TRACE=FILE makes every rank record and rank 0 write the same trace file tsmpirun
// writes, holding exactly the messages comm.stats() counts, with every arrow forward.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { built, runCommand } from '../helpers/job.js';
import { checkForeignTrace, readTrace } from '../helpers/trace.js';
import { mpiexecHydra, mpirun, runUnder } from '../schedulers/launchers.js';

const KNOWN = built('test/fixtures/trace-known.js');
const dir = mkdtempSync(join(tmpdir(), 'tsmpi-trace-foreign-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('TSMPI_TRACE without tsmpirun', () => {
  for (const launcher of [mpirun, mpiexecHydra]) {
    it(`under ${launcher.name} at np 4, rank 0 writes the trace of every rank`, { skip: launcher.skip }, async () => {
      const file = join(dir, `${launcher.argv(1)[0] ?? 'launcher'}.json`);
      const run = await runUnder(launcher, 4, ['node', KNOWN], { env: { TSMPI_TRACE: file }, timeoutMs: 120_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      checkForeignTrace(file, run.lines, 4);
    });
  }

  it('a singleton (node prog.js) writes its own trace', async () => {
    const file = join(dir, 'singleton.json');
    const run = await runCommand(process.execPath, [KNOWN], { env: { TSMPI_TRACE: file } });
    assert.equal(run.exitCode, 0, run.stderr);
    const trace = readTrace(file);
    assert.equal(trace.otherData.tsmpi.size, 1);
    const names = trace.traceEvents.filter((event) => event.name === 'process_name').map((event) => (event.args as { name: string }).name);
    assert.equal(names.length, 1);
    assert.match(names[0] ?? '', /^rank 0 @ /);
    assert.ok(trace.traceEvents.some((event) => event.cat === 'collective' && event.name === 'bcast'));
  });
});
