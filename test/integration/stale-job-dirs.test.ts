// Job directories of jobs killed whole (tsmpirun and every rank SIGKILLed at once: a test
// deadline, `kill -9`, the OOM killer) are removed by the next launch on the host
// (src/util/owned-dirs.ts), through the real tsmpirun; a running job's directory and
// directories that are not provably a dead job's are kept.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jobDirParent } from '../../launcher/job-dir.js';
import { inRam } from '../../src/transport/shared-files.js';
import { formatOwner, OWNER_FILE, parseOwner, thisProcess } from '../../src/util/owned-dirs.js';
import { built, runJob, type JobRun } from '../helpers/job.js';

const FIXTURE = built('test/fixtures/shared-files.js');
/** Above the kernel's largest pid_max (2^22): no process has it. */
const NO_SUCH_PID = 4_194_305;

/** Run the shared-files fixture at np 2 until its ranks wait; `then` gets tsmpirun's pid, the ranks' pids and the job directory. */
function waitingJob(then: (launcher: number, ranks: number[], dir: string) => void): Promise<JobRun> {
  let launcher = 0;
  let seen = '';
  let called = false;
  return runJob(['-np', '2', '--no-deadlock-check', 'node', FIXTURE, 'wait'], {
    timeoutMs: 120_000,
    onStart: (pid) => (launcher = pid),
    onStdout: (text) => {
      seen += text;
      if (called || !seen.includes('ready\n')) return;
      called = true;
      const ranks = (/^pids (.*)$/m.exec(seen)?.[1] ?? '').split(' ').map(Number);
      then(launcher, ranks, /^dir (.*)$/m.exec(seen)?.[1] ?? '');
    },
  });
}

/** The next launch on this host: a job of one rank that does nothing. */
async function nextLaunch(): Promise<void> {
  const run = await runJob(['-np', '1', 'node', '-e', '0'], { timeoutMs: 60_000 });
  assert.equal(run.exitCode, 0, run.stderr);
}

describe('stale job directories', () => {
  it('a job whose tsmpirun and ranks are all SIGKILLed leaves its directory; the next tsmpirun removes it', async () => {
    let dir = '';
    let launcher = 0;
    const run = await waitingJob((launcherPid, ranks, jobDir) => {
      dir = jobDir;
      launcher = launcherPid;
      // Stopped first, none of them runs again (no cleanup by a rank that sees its launcher
      // go, nor by tsmpirun seeing a rank go); then all are killed.
      for (const pid of [launcherPid, ...ranks]) process.kill(pid, 'SIGSTOP');
      for (const pid of [launcherPid, ...ranks]) process.kill(pid, 'SIGKILL');
    });
    assert.equal(run.signal, 'SIGKILL', run.stderr);
    assert.ok(existsSync(dir), `${dir} was removed by the killed job`);
    assert.equal(parseOwner(readFileSync(join(dir, OWNER_FILE), 'utf8'))?.pid, launcher);
    // In RAM the payload file a rank keeps for reuse is what a leftover costs.
    if (inRam(dir)) assert.ok(readdirSync(dir).includes('1-0-0.bulk'), readdirSync(dir).join(' '));
    await nextLaunch();
    assert.equal(existsSync(dir), false, `${dir} is left after the next launch`);
  });

  it('a launch while another job runs keeps that job’s directory', async () => {
    let dir = '';
    let keptDuringLaunch: boolean | null = null;
    let launched: Promise<void> = Promise.resolve();
    const run = await waitingJob((launcher, _ranks, jobDir) => {
      dir = jobDir;
      launched = nextLaunch().finally(() => {
        keptDuringLaunch = existsSync(jobDir);
        process.kill(launcher, 'SIGINT');
      });
    });
    await launched;
    assert.equal(keptDuringLaunch, true, `${dir} of the running job was removed by another launch`);
    assert.equal(run.exitCode, 130, run.stderr);
    assert.equal(existsSync(dir), false, `${dir} is left after the job`);
  });

  it('a launch keeps directories not provably a dead job’s: no owner file, a malformed one, another boot, a link', async () => {
    const parent = jobDirParent();
    const dead = formatOwner({ ...thisProcess(), pid: NO_SUCH_PID, start: '1' });
    const made: string[] = [];
    const jobDir = (owner: string | null): string => {
      const path = mkdtempSync(join(parent, 'tsmpi-'));
      made.push(path);
      if (owner !== null) writeFileSync(join(path, OWNER_FILE), owner);
      return path;
    };
    try {
      const kept = [
        jobDir(null),
        jobDir('tsmpi-owner 1 pid=4194305\n'),
        jobDir(dead.replace(/boot=\S+/, 'boot=00000000-0000-0000-0000-000000000000')),
      ];
      // A link named like a job directory, to a directory with a dead owner.
      const target = mkdtempSync(join(parent, 'tsmpi-link-target-'));
      made.push(target);
      writeFileSync(join(target, OWNER_FILE), dead);
      const link = jobDir(null);
      rmSync(link, { recursive: true });
      symlinkSync(target, link);
      kept.push(link, target);
      // The control: a dead owner's directory goes.
      const stale = jobDir(dead);
      mkdirSync(join(stale, 'sub'));
      await nextLaunch();
      assert.equal(existsSync(stale), false, `${stale} of a dead owner is left`);
      for (const path of kept) assert.ok(existsSync(path), `${path} was removed`);
      assert.equal(readFileSync(join(link, OWNER_FILE), 'utf8'), dead);
    } finally {
      for (const path of made) rmSync(path, { recursive: true, force: true });
    }
  });
});
