import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LaunchError } from '../../launcher/launch-error.js';
import { allocatedSlots, expandNodelist, expandTasksPerNode, slurmAllocation, srunLaunch } from '../../launcher/slurm.js';
import { parseTaskExit, srunArgs } from '../../launcher/spawners/srun.js';

describe('Slurm hostlists', () => {
  it('expands ranges, lists, zero padding and plain names', () => {
    assert.deepEqual(expandNodelist('h[1-3]'), ['h1', 'h2', 'h3']);
    assert.deepEqual(expandNodelist('vm'), ['vm']);
    assert.deepEqual(expandNodelist('a,b'), ['a', 'b']);
    assert.deepEqual(expandNodelist('n[007-009,011],login1'), ['n007', 'n008', 'n009', 'n011', 'login1']);
    assert.deepEqual(expandNodelist('rack[1-2]-x'), ['rack1-x', 'rack2-x']);
  });
  it('rejects malformed lists with a LaunchError', () => {
    for (const bad of ['h[1-3', 'h]1[', 'h[a-b]', 'h[3-1]']) assert.throws(() => expandNodelist(bad), LaunchError, bad);
  });
  it('expands SLURM_TASKS_PER_NODE', () => {
    assert.deepEqual(expandTasksPerNode('2(x3),1'), [2, 2, 2, 1]);
    assert.deepEqual(expandTasksPerNode('4'), [4]);
    assert.throws(() => expandTasksPerNode('2x3'), LaunchError);
  });
});

describe('the allocation tsmpirun runs in', () => {
  it('is read inside salloc/sbatch (no step), not inside an srun step or outside Slurm', () => {
    const env = { SLURM_JOB_ID: '42', SLURM_JOB_NODELIST: 'h[1-3]', SLURM_TASKS_PER_NODE: '2(x2),1' };
    const allocation = slurmAllocation(env);
    assert.deepEqual(allocation, {
      jobId: '42',
      nodes: [
        { host: 'h1', slots: 2 },
        { host: 'h2', slots: 2 },
        { host: 'h3', slots: 1 },
      ],
    });
    assert.equal(allocatedSlots(allocation!), 5);
    assert.equal(slurmAllocation({ ...env, SLURM_STEP_ID: '0', SLURM_PROCID: '1' }), null);
    assert.equal(slurmAllocation({}), null);
    assert.throws(() => slurmAllocation({ ...env, SLURM_TASKS_PER_NODE: '2' }), LaunchError);
  });
  it('becomes one srun step: labelled, killed on a bad exit, stdin to rank 0, peers not watched', () => {
    const launch = srunLaunch({ jobId: '7', nodes: [{ host: 'vm', slots: 4 }] }, 3, 'node', ['prog.js', '--x'], '/work', { FOO: '1' });
    assert.deepEqual(
      launch.ranks.map((rank) => rank.rank),
      [0, 1, 2],
    );
    assert.equal(launch.env.FOO, '1');
    assert.equal(launch.env.TSMPI_WATCH_PEERS, 'off');
    assert.equal(launch.env.TSMPI_RANK, undefined);
    assert.deepEqual(srunArgs(launch, { extraArgs: ['--overcommit'] }), [
      '--label',
      '--kill-on-bad-exit=1',
      '--input=0',
      '--ntasks=3',
      '--chdir=/work',
      '--overcommit',
      'node',
      'prog.js',
      '--x',
    ]);
  });
  it('finds the failing task in srun’s report', () => {
    assert.deepEqual(parseTaskExit('srun: error: vm: task 2: Exited with exit code 3'), { rank: 2, code: 3 });
    assert.deepEqual(parseTaskExit('srun: error: h1: tasks 0-1: Exited with exit code 1'), { rank: 0, code: 1 });
    assert.deepEqual(parseTaskExit('srun: error: h2: task 5: Killed'), { rank: 5, code: 137 });
    assert.equal(parseTaskExit('srun: launch/slurm: _step_signal: Terminating StepId=8.0'), null);
  });
});
