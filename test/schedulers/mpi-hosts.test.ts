// Open MPI's mpirun and MPICH's mpiexec.hydra across the three namespace hosts of
// test/multihost (each with its own sshd): the ranks meet rank 0 at TSMPI_RENDEZVOUS on
// h1 and talk over CURVE-protected TCP. Skipped, with the reason, without root, namespace
// rights or the launchers.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fakeHostsForTests } from '../helpers/hosts.js';
import { built, runCommand, runJob, type JobRun } from '../helpers/job.js';
import { mpiexecHydra, mpirun, SECRET_ENV } from './launchers.js';

const { skip, hosts, down } = await fakeHostsForTests();
const NODE = process.execPath;
const RING = built('test/fixtures/sched-ring.js');
/** The hosts by address, two slots each (once they are up). */
const HOSTS = (): string => [hosts().ips.h1, hosts().ips.h2, hosts().ips.h3].map((ip) => `${ip}:2`).join(',');
// Rank 0 runs on the first host of the list; the job's secret file is on the shared file system.
const RANK_ENV = (): Record<string, string> => ({ TSMPI_RENDEZVOUS: hosts().ips.h1, ...SECRET_ENV });

const launchers = [
  {
    ...mpirun,
    run: (np: number, program: readonly string[]): Promise<JobRun> =>
      runCommand(
        'mpirun',
        [
          '--allow-run-as-root',
          '--oversubscribe',
          '--host',
          HOSTS(),
          '--mca',
          'plm_rsh_agent',
          hosts().sshWrapper,
          '--mca',
          'oob_tcp_if_include',
          hosts().subnet,
          '--mca',
          'btl_tcp_if_include',
          hosts().subnet,
          ...Object.entries(RANK_ENV()).flatMap(([name, value]) => ['-x', `${name}=${value}`]),
          '-np',
          String(np),
          ...program,
        ],
        { timeoutMs: 180_000 },
      ),
  },
  {
    ...mpiexecHydra,
    run: (np: number, program: readonly string[]): Promise<JobRun> =>
      runCommand(
        'mpiexec.hydra',
        [
          '-launcher',
          'ssh',
          '-launcher-exec',
          hosts().sshWrapper,
          // The hosts cannot resolve this machine's name; give them its address on their network.
          '-localhost',
          hosts().ips.launcher,
          '-hosts',
          HOSTS(),
          ...Object.entries(RANK_ENV()).flatMap(([name, value]) => ['-genv', name, value]),
          '-n',
          String(np),
          ...program,
        ],
        { timeoutMs: 180_000 },
      ),
  },
];

describe('MPI launchers across three hosts', { skip }, () => {
  after(down);

  for (const launcher of launchers) {
    describe(launcher.name, { skip: launcher.skip }, () => {
      it('ranks run on h1, h2 and h3 and pass a token round the ring', async () => {
        const run = await launcher.run(6, [NODE, RING]);
        assert.equal(run.exitCode, 0, run.stderr);
        const where = new Set(run.lines.filter((line) => line.startsWith('rank ')).map((line) => line.split(' on ')[1]));
        assert.deepEqual([...where].sort(), ['h1', 'h2', 'h3']);
        assert.ok(run.lines.includes('sum 15'), run.stdout);
      });

      it('every collective at np 6, as under tsmpirun', async () => {
        const run = await launcher.run(6, [NODE, built('test/fixtures/coll-all.js')]);
        assert.equal(run.exitCode, 0, run.stderr);
        const local = await runJob(['-np', '6', 'node', built('test/fixtures/coll-all.js')], { timeoutMs: 180_000 });
        assert.deepEqual(run.lines, local.lines);
      });

      it('a rank that throws on another host ends the job non-zero, its error tagged with its rank', async () => {
        const run = await launcher.run(6, [NODE, built('test/fixtures/fail.js'), 'throw', '4']);
        assert.notEqual(run.exitCode, 0);
        assert.match(run.stderr, /^\[rank 4\] Error: boom from the fixture$/m);
        assert.doesNotMatch(run.stderr, /test helper: killed/);
      });
    });
  }
});
