// tsmpirun across three real network hosts (namespaces h1..h3 with their own sshd, see
// hosts.sh): placement from both hostfile dialects and -H, every collective at np 6 and
// 12, a large Bcast's algorithm across hosts and within one, mismatched collectives across
// hosts, the ACF byte-identical to a single-host run, CURVE keeping foreign sockets out,
// stdin and exit codes, shared files for large payloads only within a host, and each
// fault: an unreachable host, a remote rank killed, a host whose processes all die, a
// silent partition, and the launcher itself SIGKILLed.
// Skipped, with the reason, without root or namespace rights.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { forgedMessage } from '../helpers/forge.js';
import { admittedOutsiders } from '../helpers/intrude.js';
import { bcastAlgorithm, rootSends } from '../helpers/bcast-hosts.js';
import { checkMismatchLines } from '../helpers/mismatch-cases.js';
import { fakeHostsForTests } from '../helpers/hosts.js';
import { alive, built, pidsMatching, ROOT, runJob, sharedOrSkip, until, type JobRun, type RunOptions } from '../helpers/job.js';

const { skip, hosts, down } = await fakeHostsForTests();
const FAIL = built('test/fixtures/fail.js');
const HELLO = built('examples/hello.js');

/** `text` matched literally inside a regular expression. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** tsmpirun through the harness's ssh (its config names h1..h3). */
function remoteJob(args: readonly string[], options: RunOptions = {}): Promise<JobRun> {
  return runJob(['--launch-agent', hosts().sshWrapper, ...args], { timeoutMs: 180_000, ...options });
}

/** Ranks and agents of ours still running anywhere (all hosts share this pid namespace). */
function leftovers(): number[] {
  return [...pidsMatching(FAIL), ...pidsMatching('dist/launcher/agent.js'), ...pidsMatching('test/fixtures/curve-probe.js')];
}

/** Start a job of ranks that wait forever; resolves once all `np` printed their pid. */
function waitingJob(args: readonly string[], np: number): { ready: Promise<number>; done: Promise<JobRun> } {
  let launcher = 0;
  let seen = 0;
  let ready: (pid: number) => void = () => {};
  const readyPromise = new Promise<number>((resolve) => (ready = resolve));
  // The ranks deadlock on purpose: the test stops the job itself.
  const done = remoteJob([...args, '--no-deadlock-check', 'node', FAIL, 'wait', '0'], {
    onStart: (pid) => (launcher = pid),
    onStdout: (text) => {
      seen += (text.match(/^pid /gm) ?? []).length;
      if (seen === np) ready(launcher);
    },
  });
  return { ready: readyPromise, done };
}

describe('jobs across three hosts', { skip }, () => {
  after(down);

  it('hello at np 6: ranks fill each host in turn and say their own hostname; --display-map shows it', async () => {
    const run = await remoteJob(['-H', 'h1:2,h2:2,h3:2', '--display-map', 'node', HELLO]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(
      [...run.lines].sort(),
      [0, 1, 2, 3, 4, 5].map((rank) => `Hello from rank ${rank} of 6 on h${Math.floor(rank / 2) + 1}`).sort(),
    );
    assert.match(
      run.stderr,
      /job map \(6 ranks on 3 hosts, by slot\)\n\s+h1\s+slots 2\s+ranks 0 1\n\s+h2\s+slots 2\s+ranks 2 3\n\s+h3\s+slots 2\s+ranks 4 5/,
    );
  });

  for (const dialect of ['lab.txt', 'lab-mpich.txt']) {
    it(`the example hostfile ${dialect} places 6 ranks, and --map-by node deals them round-robin`, async () => {
      const file = join(ROOT, 'hostfiles', dialect);
      const bySlot = await remoteJob(['--hostfile', file, 'node', HELLO]);
      assert.equal(bySlot.exitCode, 0, bySlot.stderr);
      for (let rank = 0; rank < 6; rank++)
        assert.ok(bySlot.lines.includes(`Hello from rank ${rank} of 6 on h${Math.floor(rank / 2) + 1}`), bySlot.stdout);
      const byNode = await remoteJob(['--machinefile', file, '--map-by', 'node', 'node', HELLO]);
      assert.equal(byNode.exitCode, 0, byNode.stderr);
      for (let rank = 0; rank < 6; rank++)
        assert.ok(byNode.lines.includes(`Hello from rank ${rank} of 6 on h${(rank % 3) + 1}`), byNode.stdout);
    });
  }

  it('more ranks than the hostfile has slots is refused, naming the slots, unless --oversubscribe', async () => {
    const fileDir = mkdtempSync(join(tmpdir(), 'tsmpi-hf-'));
    try {
      const file = join(fileDir, 'two.txt');
      writeFileSync(file, '# two hosts\nh1 slots=1\nh2:1\n');
      const refused = await remoteJob(['--hostfile', file, '-np', '3', 'node', HELLO]);
      assert.equal(refused.exitCode, 2);
      assert.match(refused.stderr, /3 ranks requested but the hosts have only 2 slots \(h1: 1, h2: 1\).*--oversubscribe/);
      const over = await remoteJob(['--hostfile', file, '-np', '3', '--oversubscribe', 'node', HELLO]);
      assert.equal(over.exitCode, 0, over.stderr);
      assert.equal(over.lines.length, 3);
    } finally {
      rmSync(fileDir, { recursive: true, force: true });
    }
  });

  for (const perHost of [2, 4]) {
    it(`every collective, every root, world + Dup + Split at np ${perHost * 3}`, async () => {
      const run = await remoteJob(['-H', `h1:${perHost},h2:${perHost},h3:${perHost}`, 'node', built('test/fixtures/coll-all.js')], {
        timeoutMs: 600_000,
      });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.deepEqual(run.lines, ['ok world', 'ok dup', 'ok split', 'ok split-undefined free']);
    });
  }

  it('a large Bcast scatters across hosts and runs the binomial tree among one host’s ranks; the value is right on every rank', async () => {
    const run = await remoteJob(['-H', 'h1:3,h2:3', 'node', built('test/fixtures/bcast-hosts.js')], { timeoutMs: 300_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(run.lines.includes('done'), run.stdout);
    const sends = rootSends(run.lines);
    // Each communicator's rank 0 prints its line: the world's, and one per host's Split.
    assert.deepEqual([...sends.keys()].sort(), ['host h1', 'host h2', 'world'], run.stdout);
    assert.equal(bcastAlgorithm(sends.get('world')!), 'scatter-allgather', run.stdout);
    for (const host of ['host h1', 'host h2']) assert.equal(bcastAlgorithm(sends.get(host)!), 'binomial', run.stdout);
  });

  it('mismatched collectives across hosts (a large Bcast’s root scatters while the others run fused) reject on every rank', async () => {
    const np = 5;
    const run = await remoteJob(['-H', 'h1:2,h2:2,h3:1', 'node', built('test/fixtures/coll-mismatch.js')], { timeoutMs: 600_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    checkMismatchLines(run.lines, np);
  });

  it('ranks on the launcher host and on remote hosts talk, each host announcing its --if-include address', async () => {
    const run = await remoteJob(
      ['-H', 'localhost:1,h1:1,h2:1', '--if-include', hosts().subnet, 'node', built('test/fixtures/coll-all.js')],
      { timeoutMs: 300_000 },
    );
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.lines, ['ok world', 'ok dup', 'ok split', 'ok split-undefined free']);
    const wrong = await remoteJob(['-H', 'h1:1', '--if-include', '192.168.77.0/24', 'node', HELLO]);
    assert.equal(wrong.exitCode, 1);
    assert.match(wrong.stderr, /host h1 failed: no address of h1 matches --if-include 192\.168\.77\.0\/24/);
  });

  it('large payloads go through shared files only between ranks on one host; TSMPI_SHM=off reaches remote ranks', async () => {
    // Ranks 0 and 1 on h1, 2 and 3 on h2; every rank sends rank 0 large payloads.
    const args = ['-H', 'h1:2,h2:2', 'node', built('test/fixtures/shared-files.js'), 'done'];
    const files = (run: JobRun): string[] => run.lines.filter((line) => line.includes(' files: '));
    const on = await remoteJob(args);
    assert.equal(on.exitCode, 0, on.stderr);
    assert.equal(on.lines[0], 'checked 18 messages');
    // Rank 1 sends its five large payloads eagerly, a file each (test/integration/shared-files.test.ts).
    const sent = [0, 1, 2, 3, 4].map((slot) => `1-0-${slot}.bulk`).join(' ');
    assert.deepEqual(files(on), ['rank 0 files: -', `rank 1 files: ${sent}`, 'rank 2 files: -', 'rank 3 files: -']);
    const off = await remoteJob(args, { env: { TSMPI_SHM: 'off' } });
    assert.equal(off.exitCode, 0, off.stderr);
    assert.deepEqual(files(off), ['rank 0 files: -', 'rank 1 files: -', 'rank 2 files: -', 'rank 3 files: -']);
  });

  const book = sharedOrSkip('books/pg36.txt');
  it('the ACF of pg36 across hosts is byte-identical to the serial run on one host', { skip: book.skip }, async () => {
    const serial = await runJob(['-np', '1', 'node', built('examples/acf.js'), book.path], { timeoutMs: 180_000 });
    assert.equal(serial.exitCode, 0, serial.stderr);
    for (const comm of ['gather', 'p2p']) {
      const spread = await remoteJob([
        '-H',
        'h1:2,h2:2,h3:2',
        '--map-by',
        'node',
        'node',
        built('examples/acf.js'),
        book.path,
        '--comm',
        comm,
      ]);
      assert.equal(spread.exitCode, 0, spread.stderr);
      assert.equal(spread.stdout, serial.stdout, `--comm ${comm}`);
    }
  });

  it('stdin reaches a remote rank 0, and a foreign socket can inject nothing: the job’s CURVE keys keep it out', async () => {
    const stdin: { stream?: NodeJS.WritableStream } = {};
    let ready: () => void = () => {};
    const wired = new Promise<void>((resolve) => (ready = resolve));
    const done = remoteJob(['-H', 'h1:1,h2:1', 'node', built('test/fixtures/curve-probe.js')], {
      keepStdinOpen: true,
      onStart: (_pid, input) => (stdin.stream = input),
      onStdout: (text) => {
        if (text.includes('ready')) ready();
      },
    });
    await wired;
    // Every TCP port a node process listens on in h1: rank 0's inbox among them.
    const listening = execFileSync('ip', ['netns', 'exec', hosts().namespaces.h1, 'ss', '-Htlnp'], { encoding: 'utf8' });
    const inbox = new RegExp(`(${escapeRegExp(hosts().ips.h1)}:\\d+)\\s.*"node"`, 'g');
    const endpoints = [...listening.matchAll(inbox)].map((match) => `tcp://${match[1]}`);
    assert.ok(endpoints.length > 0, listening);
    // Outsiders: no CURVE at all, and CURVE with keys of another job. Each one's handshake
    // must be refused, so its message can never reach the rank (none arrives either).
    assert.deepEqual(await admittedOutsiders(endpoints, await forgedMessage('injected', 7, 8, 0, 5)), []);
    stdin.stream?.write('go\n');
    stdin.stream?.end();
    const run = await done;
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.lines, ['ready', 'foreign messages: 0', 'member says: hello from rank 1']);
  });

  it('a remote rank’s exit code is the job’s, and a throw is reported tagged with its rank and host', async () => {
    const exit = await remoteJob(['-H', 'h1:2,h2:2,h3:2', 'node', FAIL, 'exit', '5']);
    assert.equal(exit.exitCode, 3);
    assert.match(exit.stderr, /rank 5 \(pid \d+ on h3\) exited with code 3; stopping the other 5 ranks/);
    const thrown = await remoteJob(['-H', 'h1:2,h2:2,h3:2', 'node', FAIL, 'throw', '3']);
    assert.equal(thrown.exitCode, 1);
    assert.match(thrown.stderr, /\[rank 3\] Error: boom from the fixture/);
    assert.match(thrown.stderr, /rank 3 \(pid \d+ on h2\) exited with code 1: uncaught exception: Error: boom from the fixture/);
    assert.ok(await until(() => leftovers().length === 0, 10_000), `left running: ${leftovers().join(' ')}`);
  });

  it('a ring of 6 ranks on three hosts that all receive first is found as a deadlock (exit 125) along its cycle', async () => {
    const run = await remoteJob(['-H', 'h1:2,h2:2,h3:2', '--timeout', '60', 'node', built('test/fixtures/deadlock.js'), 'ring']);
    assert.equal(run.exitCode, 125, run.stderr);
    const cycle = [0, 5, 4, 3, 2, 1]
      .map((rank) => `rank ${rank} waits in recv(source=${(rank + 5) % 6}, tag=0) for rank ${(rank + 5) % 6}`)
      .join('; ');
    assert.ok(run.stderr.split('\n').includes(`tsmpirun: deadlock: ${cycle}`), run.stderr);
    assert.ok(await until(() => pidsMatching('test/fixtures/deadlock.js').length === 0, 10_000));
  });

  it('a remote rank killed by a signal ends the job cleanly on every host', async () => {
    const run = await remoteJob(['-H', 'h1:2,h2:2,h3:2', 'node', FAIL, 'kill', '4']);
    assert.equal(run.exitCode, 128 + 9);
    assert.match(run.stderr, /rank 4 \(pid \d+ on h3\) was killed by signal SIGKILL/);
    assert.ok(await until(() => leftovers().length === 0, 10_000), `left running: ${leftovers().join(' ')}`);
  });

  it('an unreachable host is named within the connect timeout and nothing started elsewhere keeps running', async () => {
    // unusedIp is on the harness's own bridge, where no host answers: ssh's ConnectTimeout ends it.
    // (No wall-clock assertion: a hang is caught by the job's deadline, the cause by the message.)
    const unused = hosts().unusedIp;
    const run = await remoteJob(['-H', `h1:2,${unused}:1`, '--connect-timeout', '2', 'node', FAIL, 'wait', '0']);
    assert.equal(run.exitCode, 1);
    assert.match(
      run.stderr,
      new RegExp(
        `host ${escapeRegExp(unused)} failed: cannot start ranks there \\(ssh exited with code 255\\).*(timed out|No route|unreachable)`,
        'i',
      ),
    );
    assert.ok(await until(() => leftovers().length === 0, 10_000), `left running: ${leftovers().join(' ')}`);
  });

  it('--check-hosts prints each host’s node and tsmpi, launches nothing, and fails for a host it cannot reach', async () => {
    const good = await remoteJob(['--check-hosts', '--hostfile', join(ROOT, 'hostfiles', 'lab.txt'), 'node', HELLO]);
    assert.equal(good.exitCode, 0, good.stdout + good.stderr);
    for (const name of ['h1', 'h2', 'h3'])
      assert.match(good.stdout, new RegExp(`^${name}\\s+yes\\s+${name}\\s+${process.version}\\s+\\d+\\.\\d+\\.\\d+\\s+present$`, 'm'));
    const bad = await remoteJob(['--check-hosts', '-H', `h1,${hosts().unusedIp}`, '--connect-timeout', '2', 'node', 'no-such-program.js']);
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stdout, /^h1\s+yes\s+h1\s+.*missing .*no-such-program\.js$/m);
    assert.match(bad.stdout, new RegExp(`^${escapeRegExp(hosts().unusedIp)}\\s+no\\s+`, 'm'));
  });

  it('a host whose processes all die is named and the job ends at once', async () => {
    const job = waitingJob(['-H', 'h1:1,h2:1,h3:1'], 3);
    await job.ready;
    await hosts().killHost('h2');
    const run = await job.done;
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, /host h2 failed: lost the connection to its agent/);
    assert.ok(await until(() => leftovers().length === 0, 10_000), `left running: ${leftovers().join(' ')}`);
  });

  it('a host that vanishes silently (link down) is detected by heartbeats and named; its ranks stop on their own', async () => {
    const job = waitingJob(['-H', 'h1:1,h2:1,h3:1'], 3);
    await job.ready;
    await hosts().linkDown('h3');
    try {
      const run = await job.done;
      assert.equal(run.exitCode, 1);
      assert.match(run.stderr, /host h3 failed: no heartbeat from h3 for \d+ s: the host is down or the network is partitioned/);
      // Cut off from the launcher, h3's agent stops its rank by itself.
      assert.ok(await until(() => leftovers().length === 0, 20_000), `left running: ${leftovers().join(' ')}`);
    } finally {
      await hosts().linkUp('h3');
    }
  });

  it('tsmpirun killed with SIGKILL: every remote rank and agent exits within 10 s', async () => {
    const job = waitingJob(['-H', 'h1:2,h2:2,h3:2'], 6);
    const launcher = await job.ready;
    const ours = leftovers();
    assert.ok(ours.length >= 9, `expected 6 ranks and 3 agents, found ${ours.length}`);
    process.kill(launcher, 'SIGKILL');
    await job.done;
    assert.ok(await until(() => ours.every((pid) => !alive(pid)), 10_000), `still running: ${ours.filter(alive).join(' ')}`);
  });

  it('no secret appears on any command line of the job; SIGTERM to tsmpirun stops every host', async () => {
    const job = waitingJob(['-H', 'h1:1,h2:1'], 2);
    const launcher = await job.ready;
    const lines = [...pidsMatching('agent.js'), ...pidsMatching(FAIL), launcher].map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    const rank = pidsMatching(FAIL).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1] === FAIL);
    const environment = readFileSync(`/proc/${rank}/environ`, 'utf8');
    // Both CURVE keys are secret: without ZAP, the server's public key alone lets a client in.
    for (const name of ['TSMPI_CURVE_SECRET', 'TSMPI_CURVE_PUBLIC']) {
      const key = new RegExp(`${name}=([^\\0]+)`).exec(environment)?.[1];
      assert.ok(key !== undefined && key.length === 40, `ranks get ${name}`);
      for (const line of lines) assert.ok(!line.includes(key), `${name} on a command line: ${line}`);
    }
    assert.ok(
      lines.some((line) => line.includes('TSMPI_JOB_ID=')),
      'the public environment is on the agent command line',
    );
    // SIGTERM (as Ctrl-C) to tsmpirun stops the remote ranks too.
    process.kill(launcher, 'SIGTERM');
    const run = await job.done;
    assert.equal(run.exitCode, 128 + 15);
    assert.match(run.stderr, /received SIGTERM; stopping all ranks/);
    assert.ok(await until(() => leftovers().length === 0, 10_000), `left running: ${leftovers().join(' ')}`);
  });
});
