// Large payloads between ranks on one host through files in the job's RAM-backed
// directory (src/transport/shared-files.ts), through the real tsmpirun: bytes, order,
// wildcards and buffer reuse as over the sockets; which ranks keep files, and that
// none are left once the job ends, however it ends.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { inRam } from '../../src/transport/shared-files.js';
import { built, runJob, until, type JobRun } from '../helpers/job.js';

const FIXTURE = built('test/fixtures/shared-files.js');
const EAGER = built('test/fixtures/eager-files.js');
const skip = inRam('/dev/shm') ? false : '/dev/shm is not a RAM-backed file system here';

/**
 * The files a sender keeps after the fixture's transfers: one per large message, since
 * each is sent eagerly through a file of its own (the sender reads no receiver's release
 * before the barrier, so none is reused meanwhile), numbered from 0.
 */
function sent(rank: number): string {
  return [0, 1, 2, 3, 4].map((slot) => `${rank}-0-${slot}.bulk`).join(' ');
}

/** Every line the fixture prints about kept files, and the job directory it named. */
function report(run: JobRun): { files: string[]; dir: string } {
  const dir = run.lines.find((line) => line.startsWith('dir '))?.slice('dir '.length) ?? '';
  return { files: run.lines.filter((line) => line.includes(' files: ')), dir };
}

describe('large payloads through shared files', { skip }, () => {
  it('at np 4: every byte, order and Status kept; each sender keeps its files for rank 0; nothing left after the job', async () => {
    const run = await runJob(['-np', '4', 'node', FIXTURE, 'done'], { timeoutMs: 180_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.lines[0], 'checked 18 messages');
    const { files, dir } = report(run);
    assert.deepEqual(files, ['rank 0 files: -', 'rank 1 files: ' + sent(1), 'rank 2 files: ' + sent(2), 'rank 3 files: ' + sent(3)]);
    assert.match(dir, /^\/dev\/shm\/tsmpi-/);
    assert.equal(existsSync(dir), false, `${dir} is left after the job`);
  });

  for (const [what, env] of [
    ['TSMPI_SHM=off', { TSMPI_SHM: 'off' }],
    ['a TSMPI_SHM_THRESHOLD above every payload', { TSMPI_SHM_THRESHOLD: String(64 << 20) }],
  ] as const) {
    it(`with ${what} the same job passes every payload over the sockets (no files)`, async () => {
      const run = await runJob(['-np', '3', 'node', FIXTURE, 'done'], { timeoutMs: 180_000, env });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.equal(run.lines[0], 'checked 12 messages');
      assert.deepEqual(report(run).files, ['rank 0 files: -', 'rank 1 files: -', 'rank 2 files: -']);
    });
  }

  it('a misspelt TSMPI_SHM ends every rank at init with the variable named', async () => {
    const run = await runJob(['-np', '2', 'node', FIXTURE, 'done'], { timeoutMs: 60_000, env: { TSMPI_SHM: 'yes' } });
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, /TSMPI_SHM="yes" is neither on nor off/);
  });

  it('a rank that crashes ends the job, and its files go with the job directory', async () => {
    const run = await runJob(['-np', '2', 'node', FIXTURE, 'crash'], { timeoutMs: 120_000 });
    assert.notEqual(run.exitCode, 0);
    assert.match(run.stderr, /planned crash after the transfers/);
    const { files, dir } = report(run);
    assert.deepEqual(files, ['rank 0 files: -', 'rank 1 files: ' + sent(1)]);
    assert.equal(existsSync(dir), false, `${dir} is left after the job`);
  });

  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    it(`${signal} to tsmpirun while the ranks wait leaves no job directory`, async () => {
      let launcher = 0;
      let seen = '';
      const run = await runJob(['-np', '2', '--no-deadlock-check', 'node', FIXTURE, 'wait'], {
        timeoutMs: 120_000,
        onStart: (pid) => (launcher = pid),
        onStdout: (text) => {
          seen += text;
          if (seen.includes('ready\n')) process.kill(launcher, signal);
        },
      });
      if (signal === 'SIGINT') assert.equal(run.exitCode, 130, run.stderr);
      else assert.equal(run.signal, 'SIGKILL');
      const { files, dir } = report(run);
      assert.deepEqual(files, ['rank 0 files: -', 'rank 1 files: ' + sent(1)]);
      // After SIGKILL the ranks remove it themselves once they notice the launcher is gone.
      assert.ok(await until(() => !existsSync(dir), 30_000), `${dir} is left after the job`);
    });
  }

  it('1 MiB sends go eagerly through files, at most 16 MiB of them unread per rank: a flood of 40 arrives whole and in order', async () => {
    const run = await runJob(['-np', '2', 'node', EAGER, 'flood'], { timeoutMs: 180_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.lines, ['rank 0 files before go: 16', 'rank 1 checked 40 messages in order']);
  });

  it('a 1 MiB message nobody receives: its send resolves at once, tsmpirun names it and the job ends', async () => {
    const run = await runJob(['-np', '2', 'node', EAGER, 'unreceived'], { timeoutMs: 60_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.lines, ['rank 0: the 1 MiB send resolved']);
    assert.deepEqual(
      run.stderr.split('\n').filter((line) => line.startsWith('tsmpirun:')),
      ['tsmpirun: rank 1 ended with 1 unreceived message from rank 0, tag 81'],
    );
  });

  it('two ranks that both Send 1 MiB to each other before receiving complete (eager through files)', async () => {
    const run = await runJob(['-np', '2', 'node', EAGER, 'exchange'], { timeoutMs: 60_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual([...run.lines].sort(), ['rank 0 exchanged', 'rank 1 exchanged']);
  });

  it('a rank sends itself 1 MiB through a file', async () => {
    const run = await runJob(['-np', '3', 'node', EAGER, 'self'], { timeoutMs: 60_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual([...run.lines].sort(), ['rank 0 received itself', 'rank 1 received itself', 'rank 2 received itself']);
  });
});
