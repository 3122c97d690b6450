// The multi-host launch path on any machine, without root: `--launch-agent` names a
// stand-in for ssh that runs the remote command on this host (as `ssh` would after
// logging in), so tsmpirun starts one agent per "host", relays output, stdin, lifeline
// messages and exits through it, and the ranks talk over TCP with the job's CURVE keys.
// test/multihost does the same across real network hosts with sshd.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { forgedMessage } from '../helpers/forge.js';
import { admittedOutsiders, listeningEndpoints } from '../helpers/intrude.js';
import {
  built,
  LAUNCHER,
  peakMiB,
  pidsMatching,
  runCommand,
  runJob,
  shellWord,
  timeoutReports,
  until,
  type JobRun,
  type RunOptions,
} from '../helpers/job.js';

const dir = mkdtempSync(join(tmpdir(), 'tsmpi-agent-test-'));
const FAKE_SSH = join(dir, 'fake-ssh');
const LOG = join(dir, 'calls.log');
// Like ssh: the first word is the host, the second the command for the remote shell.
writeFileSync(
  FAKE_SSH,
  `#!/bin/sh\nhost=$1; shift\necho "$host" >>'${LOG}'\nSSH_CONNECTION='127.0.0.1 40000 127.0.0.1 22' exec sh -c "$1"\n`,
);
chmodSync(FAKE_SSH, 0o755);
after(() => rmSync(dir, { recursive: true, force: true }));
const FAIL = built('test/fixtures/fail.js');

function viaAgent(args: readonly string[], options: RunOptions = {}): Promise<JobRun> {
  return runJob(['--launch-agent', FAKE_SSH, ...args], { timeoutMs: 180_000, ...options });
}

describe('ranks started through a launch agent', () => {
  it('one agent per host starts that host’s ranks; collectives and p2p work over TCP with CURVE', async () => {
    writeFileSync(LOG, '');
    const run = await viaAgent(['-H', 'alpha:2,beta:1,gamma:1', 'node', built('test/fixtures/coll-all.js')]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.lines, ['ok world', 'ok dup', 'ok split', 'ok split-undefined free']);
    assert.deepEqual(readFileSync(LOG, 'utf8').trim().split('\n').sort(), ['alpha', 'beta', 'gamma']);
  });

  it('a rank’s inbox refuses a socket without the job’s CURVE keys, or with another job’s', async () => {
    const probe = built('test/fixtures/curve-probe.js');
    let stdin: NodeJS.WritableStream | undefined;
    let ready: () => void = () => {};
    const wired = new Promise<void>((resolve) => (ready = resolve));
    const done = viaAgent(['-H', 'alpha:1,beta:1', 'node', probe], {
      keepStdinOpen: true,
      onStart: (_pid, input) => (stdin = input),
      onStdout: (text) => {
        if (text.includes('ready')) ready();
      },
    });
    await wired;
    const endpoints = listeningEndpoints(pidsMatching(probe));
    assert.ok(endpoints.length >= 2, `each rank's inbox listens: ${endpoints.join(' ')}`);
    // A plain socket (no CURVE) and one with keys of another job: each handshake must be
    // refused, so the forged message never reaches rank 0 (it counts what arrived).
    assert.deepEqual(await admittedOutsiders(endpoints, await forgedMessage('injected', 1, 2, 0, 5)), []);
    stdin?.write('go\n');
    stdin?.end();
    const run = await done;
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.lines, ['ready', 'foreign messages: 0', 'member says: hello from rank 1']);
  });

  it('ranks see the placement in their environment, stdin reaches rank 0, output is line-tagged', async () => {
    const probe =
      "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(process.env.TSMPI_RANK, process.env.TSMPI_HOST, process.env.TSMPI_LOCAL_RANK + '/' + process.env.TSMPI_LOCAL_SIZE, process.env.TSMPI_CURVE_SECRET ? 'curve' : 'plain', JSON.stringify(s)))";
    const run = await viaAgent(['-H', 'alpha:1,beta:2', '--map-by', 'node', '--tag-output', 'node', '-e', probe], { input: 'to rank 0\n' });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual([...run.lines].sort(), ['[0] 0 alpha 0/1 curve "to rank 0\\n"', '[1] 1 beta 0/2 curve ""', '[2] 2 beta 1/2 curve ""']);
  });

  it('each agent’s job directory names that agent (the ranks’ parent), not tsmpirun, as its owner; none is left', async () => {
    const probe =
      "const o=require('node:fs').readFileSync(process.env.TSMPI_JOB_DIR+'/.owner','utf8');console.log(process.ppid, /^tsmpi-owner 1 pid=(\\d+) /.exec(o)?.[1], process.env.TSMPI_JOB_DIR)";
    const run = await viaAgent(['-H', 'alpha:1,beta:1', 'node', '-e', probe]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.lines.length, 2, run.stdout);
    const seen = run.lines.map((line) => line.split(' '));
    for (const [parent, owner, jobDir] of seen) {
      assert.equal(owner, parent, run.stdout);
      assert.notEqual(owner, String(run.pid));
      assert.equal(existsSync(jobDir ?? ''), false, `${jobDir} is left`);
    }
    assert.notEqual(seen[0]?.[2], seen[1]?.[2]);
  });

  it('a failing rank behind an agent ends the job with its code, named with its host; nothing is left', async () => {
    const run = await viaAgent(['-H', 'alpha:2,beta:2', 'node', FAIL, 'exit', '3']);
    assert.equal(run.exitCode, 3);
    assert.match(run.stderr, /rank 3 \(pid \d+ on beta\) exited with code 3; stopping the other 3 ranks/);
    assert.ok(await until(() => pidsMatching(FAIL).length === 0 && pidsMatching('dist/launcher/agent.js').length === 0, 10_000));
  });

  it('--timeout reaches ranks behind an agent and reports where each waits', async () => {
    const run = await viaAgent(['-H', 'alpha:1,beta:1', '--no-deadlock-check', '--timeout', '3', 'node', FAIL, 'wait', '0']);
    assert.equal(run.exitCode, 124);
    assert.match(run.stderr, /rank 0 \(pid \d+ on alpha\): waiting in recv\(source=0, tag=12\)/);
    assert.match(run.stderr, /rank 1 \(pid \d+ on beta\): waiting in recv\(source=1, tag=999\)/);
    assert.deepEqual(timeoutReports(run.stderr), { 0: ['waiting in recv(source=0, tag=12)'], 1: ['waiting in recv(source=1, tag=999)'] });
  });

  it('a deadlock across hosts is found through the agents’ relay and named', async () => {
    const run = await viaAgent(['-H', 'alpha:1,beta:1', '--timeout', '60', 'node', built('test/fixtures/deadlock.js'), 'ssend-pair']);
    assert.equal(run.exitCode, 125, run.stderr);
    assert.match(
      run.stderr,
      /^tsmpirun: deadlock: rank 0 waits in ssend\(dest=1, tag=0\) for rank 1; rank 1 waits in ssend\(dest=0, tag=0\) for rank 0$/m,
    );
  });

  it('relays every byte of a rank’s output even when tsmpirun’s reader is slow', async () => {
    const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;
    const big = "process.stdout.write('x'.repeat(8e6) + '\\n'); console.log('last line')";
    const command = `${[process.execPath, LAUNCHER, '--launch-agent', FAKE_SSH, '-H', 'alpha:1,beta:1', 'node', '-e', big].map(quote).join(' ')} | (sleep 1; wc -c)`;
    const run = await runCommand('sh', ['-c', command], { timeoutMs: 120_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.stdout.trim(), String(2 * (8e6 + 1 + 'last line\n'.length)));
  });

  it('stdin a rank reads late, and output a reader takes late, stay bounded in the agent and in tsmpirun', async () => {
    const MIB = 1 << 20;
    const tsmpirun = [process.execPath, LAUNCHER, '--launch-agent', FAKE_SSH, '-H', 'alpha:1'].map(shellWord).join(' ');
    // The rank's parent is its host's agent, whose parent is tsmpirun.
    const peaks = `a=$PPID; l=$(awk '/^PPid/{print $2}' /proc/$a/status); grep VmHWM /proc/$a/status | sed 's/^/agent /'; grep VmHWM /proc/$l/status | sed 's/^/launcher /'`;
    const stdin = await runCommand(
      'sh',
      ['-c', `head -c ${200 * MIB} /dev/zero | ${tsmpirun} sh -c ${shellWord(`sleep 3; wc -c; ${peaks}`)}`],
      { timeoutMs: 120_000 },
    );
    assert.equal(stdin.exitCode, 0, stdin.stderr);
    assert.equal(stdin.lines[0]?.trim(), String(200 * MIB));
    const output = await runCommand(
      'sh',
      ['-c', `${tsmpirun} sh -c ${shellWord(`head -c ${200 * MIB} /dev/zero; (${peaks}) >&2`)} | (sleep 3; wc -c)`],
      { timeoutMs: 120_000 },
    );
    assert.equal(output.exitCode, 0, output.stderr);
    assert.equal(output.stdout.trim(), String(200 * MIB));
    for (const [what, run] of [
      ['stdin', stdin.stdout],
      ['output', output.stderr],
    ] as const) {
      for (const side of ['agent', 'launcher']) {
        const peak = peakMiB(run, side);
        assert.ok(peak < 150, `${what}: the ${side} peaked at ${peak.toFixed(0)} MiB for 200 MiB`);
      }
    }
  });

  it('an agent that cannot start the ranks names the host and why', async () => {
    const missing = await viaAgent(['-H', 'alpha:1', '--wdir', join(dir, 'no-such-dir'), 'node', FAIL]);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /host alpha failed: working directory .*no-such-dir does not exist on alpha/);
    const broken = await runJob(['--launch-agent', join(dir, 'no-such-agent'), '-H', 'alpha:1', 'node', FAIL]);
    assert.equal(broken.exitCode, 1);
    assert.match(broken.stderr, /host alpha failed: cannot run the launch agent/);
  });
});
