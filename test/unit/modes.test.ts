// The launch modes' selector and what each mode makes of a job: no process starts (a
// spawner only starts ranks when the job launches them).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LaunchError } from '../../launcher/launch-error.js';
import type { ModeInput } from '../../launcher/modes/mode.js';
import { launchesFor, selectMode } from '../../launcher/modes/select.js';

const allocationEnv = { SLURM_JOB_ID: '42', SLURM_JOB_NODELIST: 'n[1-2]', SLURM_TASKS_PER_NODE: '3(x2)' };

function input(overrides: Partial<ModeInput> = {}): ModeInput {
  return {
    program: 'node',
    args: ['prog.js'],
    cwd: process.cwd(),
    exported: { FOO: '1' },
    jobDir: '/nonexistent/tsmpi-abc',
    jobId: 'abc',
    here: 'this-host',
    np: 3,
    mapBy: 'slot',
    oversubscribe: false,
    displayMap: false,
    ifInclude: undefined,
    ssh: { agent: ['ssh'], node: '/remote/node', agentScript: '/remote/agent.js', connectTimeout: 10 },
    path: process.env.PATH,
    note: () => {},
    ...overrides,
  };
}

describe('launch mode selection', () => {
  it('takes the hosts when given, else a Slurm allocation (unless TSMPI_SRUN=off), else this host', () => {
    const hosts = [{ host: 'h1', slots: 2, source: 'h1' }];
    assert.deepEqual(selectMode(hosts, allocationEnv), { kind: 'hosts', hosts });
    assert.equal(selectMode(null, allocationEnv).kind, 'slurm');
    assert.deepEqual(selectMode(null, { ...allocationEnv, TSMPI_SRUN: 'off' }), { kind: 'local' });
    assert.deepEqual(selectMode(null, { ...allocationEnv, SLURM_STEP_ID: '0' }), { kind: 'local' });
    assert.deepEqual(selectMode(null, {}), { kind: 'local' });
  });
  it('refuses a malformed allocation with a LaunchError', () => {
    assert.throws(() => selectMode(null, { ...allocationEnv, SLURM_TASKS_PER_NODE: '3' }), LaunchError);
  });
});

describe('launch modes', () => {
  it('local: every rank on this host with the job directory, one spawner', async () => {
    const notes: string[] = [];
    const { np, launches, spawnerFor } = await launchesFor(
      { kind: 'local' },
      input({ displayMap: true, note: (line) => notes.push(line) }),
    );
    assert.equal(np, 3);
    assert.deepEqual(
      launches.map((launch) => [launch.host, launch.ranks.map((rank) => rank.rank), launch.env.TSMPI_JOB_DIR, launch.env.FOO]),
      [['this-host', [0, 1, 2], '/nonexistent/tsmpi-abc', '1']],
    );
    assert.equal(spawnerFor('this-host'), spawnerFor('other'));
    assert.match(notes.join('\n'), /this-host/, '--display-map shows the host');
  });
  it('local: refuses a program that cannot run, with the exit code a shell would give', async () => {
    await assert.rejects(launchesFor({ kind: 'local' }, input({ program: 'no-such-command-here' })), (error: unknown) => {
      assert.ok(error instanceof LaunchError);
      assert.equal(error.exitCode, 127);
      return true;
    });
  });
  it('slurm: one srun step of the allocation, -np defaulting to its tasks', async () => {
    const allocation = selectMode(null, allocationEnv);
    const { np, launches } = await launchesFor(allocation, input({ np: undefined }));
    assert.equal(np, 6);
    assert.equal(launches.length, 1);
    assert.equal(launches[0]?.ranks.length, 6);
    assert.equal(launches[0]?.env.TSMPI_WATCH_PEERS, 'off');
  });
  it('hosts: ranks placed by slot; other hosts run the program at its path here with --node, with the job keys', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tsmpi-modes-'));
    try {
      const hosts = [
        { host: 'this-host', slots: 1, source: 'test' },
        { host: 'far', slots: 2, source: 'test' },
      ];
      const { np, launches, spawnerFor } = await launchesFor(
        { kind: 'hosts', hosts },
        input({ cwd, ifInclude: '127.0.0.0/8', here: 'this-host' }),
      );
      assert.equal(np, 3);
      const [near, far] = launches;
      assert.deepEqual(
        near?.ranks.map((rank) => rank.rank),
        [0],
      );
      assert.deepEqual(
        far?.ranks.map((rank) => rank.rank),
        [1, 2],
      );
      assert.equal(near?.command, 'node');
      assert.equal(far?.command, '/remote/node');
      assert.equal(near?.env.TSMPI_TCP_ADDRESS, '127.0.0.1');
      assert.equal(far?.env.TSMPI_JOB_DIR, undefined, 'the job directory is this host’s');
      assert.ok(far?.env.TSMPI_CURVE_SECRET !== undefined && far.env.TSMPI_CURVE_SECRET === near?.env.TSMPI_CURVE_SECRET);
      assert.notEqual(spawnerFor('this-host'), spawnerFor('far'));
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
