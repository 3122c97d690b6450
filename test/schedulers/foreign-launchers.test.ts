// tsmpi programs run unchanged under srun, Open MPI's mpirun and MPICH's mpiexec.hydra:
// the same output as under tsmpirun, failures end the job, two jobs share a node, a busy
// port and a slow rank 0 are survived. Each launcher is skipped, with its reason, where
// this machine lacks it (srun also needs root, to run its own throw-away cluster).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rendezvousPorts } from '../../src/transport/rendezvous.js';
import { built, LAUNCHER, runCommand, runJob, type JobRun } from '../helpers/job.js';
import { checkForeignTrace } from '../helpers/trace.js';
import { mpiexecHydra, mpirun, runUnder, SECRET_ENV, slurmDown, slurmUp, srun } from './launchers.js';

const RING = built('test/fixtures/sched-ring.js');
const FAIL = built('test/fixtures/fail.js');
const sorted = (run: JobRun): string[] => [...run.lines].sort();
const ok = (run: JobRun): void => assert.equal(run.exitCode, 0, `exit ${run.exitCode} ${run.signal ?? ''}\n${run.stderr}`);

// What tsmpirun prints, computed once: the foreign launchers must match it.
const reference = new Map<string, Promise<JobRun>>();
function underTsmpirun(np: number, program: readonly string[]): Promise<JobRun> {
  const key = `${np} ${program.join(' ')}`;
  let run = reference.get(key);
  if (run === undefined) {
    run = runJob(['-np', String(np), ...program], { timeoutMs: 180_000 });
    reference.set(key, run);
  }
  return run;
}

for (const launcher of [mpirun, mpiexecHydra, srun]) {
  describe(`under ${launcher.name}`, { skip: launcher.skip }, () => {
    if (launcher.skip !== false) return;
    if (launcher === srun) {
      before(async () => slurmUp());
      after(() => slurmDown());
    }

    it('hello and a p2p ring at np 4 print what tsmpirun prints', async () => {
      for (const program of [
        ['node', built('examples/hello.js')],
        ['node', RING],
      ]) {
        const run = await runUnder(launcher, 4, program);
        ok(run);
        assert.deepEqual(sorted(run), sorted(await underTsmpirun(4, program)));
      }
      const ring = await runUnder(launcher, 4, ['node', RING]);
      assert.ok(ring.lines.includes('sum 6'), ring.stdout);
    });

    it('every collective, on the world, a Dup and a Split, at np 4', async () => {
      const program = ['node', built('test/fixtures/coll-all.js')];
      const run = await runUnder(launcher, 4, program, { timeoutMs: 180_000 });
      ok(run);
      assert.ok(run.lines.length > 0, 'coll-all printed nothing');
      assert.deepEqual(sorted(run), sorted(await underTsmpirun(4, program)));
    });

    it('the ACF at np 4 gives the same rows as under tsmpirun', async () => {
      for (const mode of ['gather', 'p2p']) {
        const program = ['node', built('examples/acf.js'), '--comm', mode];
        const run = await runUnder(launcher, 4, program);
        ok(run);
        const expected = await underTsmpirun(4, program);
        ok(expected);
        assert.equal(run.stdout, expected.stdout, mode);
        assert.equal(run.lines.length, 100);
      }
    });

    it('a rank that throws ends the job with a non-zero exit and its error tagged with its rank', async () => {
      const run = await runUnder(launcher, 3, ['node', FAIL, 'throw', '1']);
      assert.notEqual(run.exitCode, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /test helper: killed/);
      assert.match(run.stderr, /^\[rank 1\] Error: boom from the fixture$/m);
    });

    it('a rank that exits non-zero (or is killed) ends the job, never hangs it', async () => {
      for (const mode of ['exit', 'kill', 'abort']) {
        const run = await runUnder(launcher, 3, ['node', FAIL, mode, '2']);
        assert.notEqual(run.exitCode, 0, `${mode}: ${run.stderr}`);
        assert.doesNotMatch(run.stderr, /test helper: killed/, mode);
      }
    });

    it('two jobs at once on this node never join each other', async () => {
      const [a, b] = await Promise.all([runUnder(launcher, 3, ['node', RING]), runUnder(launcher, 4, ['node', RING])]);
      ok(a);
      ok(b);
      assert.ok(a.lines.includes('sum 3') && a.lines.filter((line) => line.startsWith('rank ')).length === 3, a.stdout);
      assert.ok(b.lines.includes('sum 6') && b.lines.filter((line) => line.startsWith('rank ')).length === 4, b.stdout);
    });

    // Open MPI and MPICH: test/integration/trace-foreign.test.ts (they need no root).
    if (launcher === srun) {
      it('TSMPI_TRACE=FILE: rank 0 writes the trace of every rank', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'tsmpi-trace-srun-'));
        try {
          const file = join(dir, 'srun.json');
          const run = await runUnder(launcher, 4, ['node', built('test/fixtures/trace-known.js')], { env: { TSMPI_TRACE: file } });
          ok(run);
          checkForeignTrace(file, run.lines, 4);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }

    it('rank 0 starting late is waited for', async () => {
      const run = await runUnder(launcher, 3, ['node', RING], { env: { TSMPI_TEST_SLOW_RANK0: '1500' } });
      ok(run);
      assert.ok(run.lines.includes('sum 3'), run.stdout);
    });
  });
}

describe('rendezvous ports', { skip: mpiexecHydra.skip }, () => {
  const servers: Server[] = [];
  after(() => {
    for (const server of servers) server.close();
  });

  it('a job whose first ports are taken (one silent service, one refusing) still wires up', async () => {
    const jobKey = `test-busy-${process.pid}`;
    const ports = rendezvousPorts(jobKey);
    // The first candidate: a service that accepts and says nothing; the second: one that hangs up at once.
    const behaviours = [(): void => {}, (socket: Socket): void => void socket.destroy()];
    for (const [i, behaviour] of behaviours.entries()) {
      const server = createServer(behaviour);
      const bound = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen(ports[i], '127.0.0.1', () => resolve(true));
      });
      if (bound) servers.push(server);
    }
    const run = await runUnder(mpiexecHydra, 3, ['node', RING], { env: { TSMPI_JOB_KEY: jobKey } });
    ok(run);
    assert.ok(run.lines.includes('sum 3'), run.stdout);
  });

  it('a rank whose secret differs is refused by rank 0 and the job fails instead of hanging', async () => {
    // Rank 1 reads another secret: its hello fails authentication.
    const run = await runUnder(
      mpiexecHydra,
      2,
      ['sh', '-c', `if [ "$PMI_RANK" = 1 ]; then export TSMPI_SECRET=not-the-job-secret; fi; exec node ${RING}`],
      {
        env: { ...SECRET_ENV, TSMPI_RENDEZVOUS_TIMEOUT: '20' },
      },
    );
    assert.notEqual(run.exitCode, 0, run.stdout);
    assert.match(run.stderr, /failed authentication/);
    assert.doesNotMatch(run.stderr, /test helper: killed/);
  });
});

describe('tsmpirun inside a Slurm allocation', { skip: srun.skip }, () => {
  if (srun.skip !== false) return;
  before(async () => slurmUp());
  after(() => slurmDown());
  const salloc = (np: number, args: readonly string[]): Promise<JobRun> =>
    runCommand('salloc', ['-I30', '-n', String(np), process.execPath, LAUNCHER, ...args], {
      timeoutMs: 120_000,
      env: { ...SECRET_ENV, ...srun.env() },
    });

  it('starts the allocation’s tasks with srun: hello, the ring and the ACF as under tsmpirun', async () => {
    const hello = await salloc(3, ['--tag-output', 'node', RING]);
    ok(hello);
    assert.deepEqual(
      sorted(hello),
      ['[0] rank 0 of 3 on ' + hostname(), '[0] sum 3', '[1] rank 1 of 3 on ' + hostname(), '[2] rank 2 of 3 on ' + hostname()].sort(),
    );
    const acf = await salloc(4, ['node', built('examples/acf.js')]);
    ok(acf);
    assert.equal(acf.stdout, (await underTsmpirun(4, ['node', built('examples/acf.js')])).stdout);
  });

  it('a failing rank: tsmpirun names it and exits with its code', async () => {
    const run = await salloc(3, ['node', FAIL, 'exit', '2']);
    assert.equal(run.exitCode, 3, run.stderr);
    assert.match(run.stderr, /^tsmpirun: rank 2 \(.*slurm job \d+.*\) exited with code 3/m);
  });

  it('-np below the allocation runs that many ranks', async () => {
    const run = await salloc(3, ['-np', '2', 'node', RING]);
    ok(run);
    assert.ok(run.lines.includes('sum 1'), run.stdout);
  });
});
