// tsmpirun's behaviour as a program: options, environment, output, stdin, failures.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { alive, built, LAUNCHER, pidsMatching, runCommand, runJob, timeoutReports } from '../helpers/job.js';

const ENV_FIXTURE = built('test/fixtures/env.js');
const FAIL = built('test/fixtures/fail.js');

function pidsOf(lines: readonly string[]): number[] {
  return lines
    .map((line) => /^pid \d+ (\d+)$/.exec(line)?.[1])
    .filter((pid): pid is string => pid !== undefined)
    .map(Number);
}

/** Wait (by polling /proc, bounded) until none of `pids` is alive; returns the survivors. */
async function survivors(pids: readonly number[], withinMs = 10_000): Promise<number[]> {
  const end = Date.now() + withinMs;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0 || Date.now() > end) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('options', () => {
  it('-np, -n and --np all set the number of ranks; the rest reaches the program untouched', async () => {
    for (const flag of [['-np', '3'], ['-n', '3'], ['--np', '3'], ['--np=3']]) {
      const run = await runJob([...flag, 'node', ENV_FIXTURE, '--help', '-np', '5', '-x']);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.equal(run.lines.length, 3, `${flag.join(' ')}: ${run.stdout}`);
      for (const line of run.lines) assert.match(line, / args=\["--help","-np","5","-x"\]/);
    }
  });

  it('gives every rank TSMPI_* variables, -x exports and --wdir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-wdir-'));
    try {
      const run = await runJob(['-np', '2', '-x', 'FOO', '-x', 'BAR=set here', '--wdir', dir, 'node', ENV_FIXTURE], {
        env: { FOO: 'from launcher' },
      });
      assert.equal(run.exitCode, 0, run.stderr);
      const byRank = [...run.lines].sort();
      assert.equal(byRank.length, 2);
      for (const [rank, line] of byRank.entries()) {
        assert.match(line, new RegExp(`^rank=${rank} size=2 TSMPI_RANK=${rank} TSMPI_SIZE=2 TSMPI_LOCAL_RANK=${rank} TSMPI_LOCAL_SIZE=2 `));
        assert.match(line, / FOO=from launcher BAR=set here /);
        assert.ok(line.includes(` cwd=${dir} `), line);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends stdin to rank 0 only', async () => {
    const run = await runJob(['-np', '3', 'node', ENV_FIXTURE], { input: 'line one\nline two\n' });
    assert.equal(run.exitCode, 0, run.stderr);
    const rank0 = run.lines.find((line) => line.startsWith('rank=0 '));
    assert.ok(rank0?.endsWith(' stdin="line one\\nline two\\n"'), rank0);
  });

  it('forwards whole lines, never mixing two ranks in one line; --tag-output prefixes the rank', async () => {
    for (const tagged of [false, true]) {
      const run = await runJob(['-np', '4', ...(tagged ? ['--tag-output'] : []), 'node', built('test/fixtures/lines.js'), '300']);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.equal(run.lines.length, 4 * 301);
      for (const line of run.lines) {
        const match = /^(?:\[(\d)\] )?rank (\d) (?:line \d+ (x+)|unterminated)$/.exec(line);
        assert.ok(match, `mixed or malformed line: ${line}`);
        if (tagged) assert.equal(match[1], match[2], line);
        else assert.equal(match[1], undefined);
        if (match[3] !== undefined) assert.equal(match[3].length, 50 + Number(match[2]), line);
      }
    }
  });

  it('rejects bad usage with one clear line and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['-np', '0', 'node', 'x.js'], /-np must be a positive integer \(got '0'\)/],
      [['-np', 'four', 'node', 'x.js'], /-np must be a positive integer \(got 'four'\)/],
      [['-np', '2'], /missing the program to run/],
      [['--bogus', 'node'], /unknown option '--bogus'/],
      [['-x', 'NOT_SET_ANYWHERE_42', 'node', 'x.js'], /-x NOT_SET_ANYWHERE_42: NOT_SET_ANYWHERE_42 is not set/],
      [['--timeout', '-3', 'node', 'x.js'], /positive number of seconds/],
    ];
    for (const [args, message] of cases) {
      const run = await runJob(args, { env: { NOT_SET_ANYWHERE_42: undefined } });
      assert.equal(run.exitCode, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(
        run.stderr
          .trim()
          .split('\n')
          .filter((line) => !line.startsWith('(run tsmpirun')).length,
        1,
        run.stderr,
      );
    }
  });

  it('refuses a job beyond this host’s limits up front, in one line naming the limit, starting nothing', async () => {
    const marker = `tsmpi-limit-${process.pid}`;
    const hostDir = mkdtempSync(join(tmpdir(), 'tsmpi-hostfile-'));
    const hostfile = join(hostDir, 'hosts');
    writeFileSync(hostfile, 'localhost slots=9007199254740991\n');
    const cases: [string, RegExp][] = [
      [
        `-np 100000 sleep 5 ${marker}`,
        /^tsmpirun: -np 100000 needs 100000 processes on this host but (the process limit \(RLIMIT_NPROC, ulimit -u\)|the system allows \d+ in all \(kernel\.pid_max\))/,
      ],
      [
        `-np 100 sleep 5 ${marker}`,
        /^tsmpirun: -np 100 needs about \d+ file descriptors in tsmpirun \(3 per local rank\) but the descriptor limit \(RLIMIT_NOFILE, ulimit -n\) is 150/,
      ],
      [
        `--hostfile ${hostfile} sleep 5 ${marker}`,
        /^tsmpirun: .*hosts:1: 'slots=9007199254740991' is not a valid slot count \(want slots=N with 1 ≤ N ≤ 1000000\)/,
      ],
    ];
    try {
      for (const [args, message] of cases) {
        const run = await runCommand('sh', ['-c', `ulimit -n 150; exec '${process.execPath}' '${LAUNCHER}' ${args}`]);
        assert.equal(run.exitCode, 2, `${args}: ${run.stderr}`);
        assert.match(run.stderr, message);
        assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
        assert.doesNotMatch(run.stderr, /internal error|TypeError/);
        assert.deepEqual(pidsMatching(marker), [], 'no rank was started');
      }
    } finally {
      rmSync(hostDir, { recursive: true, force: true });
    }
  });

  it('--wdir that does not exist is named; --timeout beyond setTimeout’s range does not fire at once', async () => {
    const missing = await runJob(['-np', '2', '--wdir', '/nonexistent/tsmpi-dir', 'node', ENV_FIXTURE]);
    assert.equal(missing.exitCode, 2, missing.stderr);
    assert.equal(missing.stderr.trim(), 'tsmpirun: working directory /nonexistent/tsmpi-dir does not exist (--wdir)');
    const long = await runJob(['-np', '1', '--timeout', '2147484', 'node', '-e', "console.log('finished')"]);
    assert.equal(long.exitCode, 0, long.stderr);
    assert.deepEqual(long.lines, ['finished']);
  });

  it('reports a program that cannot be started in one line, before starting any rank', async () => {
    const run = await runJob(['-np', '2', 'no-such-program-here']);
    assert.equal(run.exitCode, 127);
    assert.equal(run.stderr, "tsmpirun: cannot run 'no-such-program-here': no such command on PATH\n");
  });

  it('a JavaScript file given without node gets one line saying to add node (not on PATH: 127; not executable: 126)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-noexec-'));
    try {
      writeFileSync(join(dir, 'hello.js'), "console.log('hello');\n", { mode: 0o644 });
      const bare = await runJob(['-np', '2', 'hello.js'], { cwd: dir });
      assert.equal(bare.exitCode, 127);
      assert.equal(
        bare.stderr,
        "tsmpirun: cannot run 'hello.js': it is not a command on PATH; a JavaScript program is run by node: tsmpirun [options] node hello.js\n",
      );
      const path = await runJob(['-np', '2', './hello.js'], { cwd: dir });
      assert.equal(path.exitCode, 126);
      assert.equal(
        path.stderr,
        "tsmpirun: cannot run './hello.js': the file is not executable; a JavaScript program is run by node: tsmpirun [options] node ./hello.js\n",
      );
      const fixed = await runJob(['-np', '2', 'node', 'hello.js'], { cwd: dir });
      assert.equal(fixed.exitCode, 0, fixed.stderr);
      assert.deepEqual(fixed.lines, ['hello', 'hello']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints its version and help', async () => {
    const version = await runJob(['--version']);
    assert.equal(version.exitCode, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
    const help = await runJob(['--help']);
    assert.equal(help.exitCode, 0);
    assert.match(help.stdout, /Usage: tsmpirun \[options\] <program> \[args\.\.\.\]/);
  });
});

describe('failures end the whole job, leaving nothing behind', () => {
  const cases: [string, number, RegExp][] = [
    ['exit', 3, /tsmpirun: rank 1 \(pid \d+ on .+\) exited with code 3; stopping the other 3 ranks/],
    ['throw', 1, /tsmpirun: rank 1 \(pid \d+ on .+\) exited with code 1: uncaught exception: Error: boom from the fixture/],
    ['reject', 1, /tsmpirun: rank 1 \(pid \d+ on .+\) exited with code 1: unhandled rejection: Error: rejected in the fixture/],
    ['abort', 7, /tsmpirun: rank 1 \(pid \d+ on .+\) called Abort\(7\)/],
    // Abort always stops every rank; a non-zero code never reads as success (code & 255 || 1).
    ['abort0', 0, /tsmpirun: rank 1 \(pid \d+ on .+\) called Abort\(0\); stopping the other 3 ranks/],
    ['abort256', 1, /tsmpirun: rank 1 \(pid \d+ on .+\) called Abort\(256\); stopping the other 3 ranks/],
    ['abort1e10', 1, /tsmpirun: rank 1 \(pid \d+ on .+\) called Abort\(10000000000\)/],
    ['abort-1', 255, /tsmpirun: rank 1 \(pid \d+ on .+\) called Abort\(-1\)/],
    ['kill', 137, /tsmpirun: rank 1 \(pid \d+ on .+\) was killed by signal SIGKILL/],
  ];
  for (const [mode, exitCode, message] of cases) {
    it(`a rank that fails by ${mode}: exit code ${exitCode}, one clear message, all ranks gone`, async () => {
      const run = await runJob(['-np', '4', 'node', FAIL, mode], { timeoutMs: 60_000 });
      assert.equal(run.exitCode, exitCode, run.stderr);
      assert.match(run.stderr, message);
      const pids = pidsOf(run.lines);
      assert.equal(pids.length, 4, run.stdout);
      assert.deepEqual(await survivors(pids), []);
    });
  }

  it('what a rank leaves running is stopped with the job: a child holding stdout, one with no stdio, a failed rank’s child', async () => {
    const marker = (n: number): string => `98${n}.${process.pid % 1000}`;
    const cases: [string, string[], number][] = [
      // The child keeps the inherited stdout open: tsmpirun must not wait for it.
      ['holds stdout', ['-np', '2', 'sh', '-c', `sleep ${marker(1)} & echo started`], 0],
      // The child has no stdio of the job at all: it must not outlive the job.
      ['ignores stdio', ['-np', '2', 'sh', '-c', `sleep ${marker(2)} </dev/null >/dev/null 2>&1 & echo started`], 0],
      // A failed rank's own process group is signalled too.
      [
        'failed rank',
        [
          '-np',
          '2',
          'sh',
          '-c',
          `if [ "$TSMPI_RANK" = 1 ]; then sleep ${marker(3)} >/dev/null 2>&1 & exit 3; fi; echo started; exec sleep 600`,
        ],
        3,
      ],
    ];
    for (const [index, [what, args, exitCode]] of cases.entries()) {
      const run = await runJob(args, { timeoutMs: 60_000 });
      assert.equal(run.exitCode, exitCode, `${what}: ${run.stderr}`);
      assert.doesNotMatch(run.stderr, /test helper: killed/, what);
      const left = pidsMatching(`sleep ${marker(index + 1)}`);
      assert.deepEqual(await survivors(left), [], `${what}: a child of a rank outlived the job`);
    }
  });

  it('an uncaught exception is printed tagged with its rank', async () => {
    const run = await runJob(['-np', '2', 'node', FAIL, 'throw']);
    assert.match(run.stderr, /^\[rank 1\] Error: boom from the fixture$/m);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to tsmpirun stops every rank`, async () => {
      let launcher = 0;
      let seen = '';
      const run = await runJob(['-np', '3', '--no-deadlock-check', 'node', FAIL, 'wait'], {
        onStart: (pid) => (launcher = pid),
        onStdout: (text) => {
          seen += text;
          if (pidsOf(seen.split('\n')).length === 3) process.kill(launcher, signal);
        },
      });
      assert.equal(run.exitCode, signal === 'SIGTERM' ? 143 : 130, run.stderr);
      assert.match(run.stderr, new RegExp(`received ${signal}`));
      assert.deepEqual(await survivors(pidsOf(run.lines)), []);
    });
  }

  it('ranks exit by themselves within a few seconds when tsmpirun is killed with SIGKILL', async () => {
    let launcher = 0;
    let seen = '';
    const run = await runJob(['-np', '3', '--no-deadlock-check', 'node', FAIL, 'wait'], {
      onStart: (pid) => (launcher = pid),
      onStdout: (text) => {
        seen += text;
        if (pidsOf(seen.split('\n')).length === 3) process.kill(launcher, 'SIGKILL');
      },
    });
    assert.equal(run.signal, 'SIGKILL');
    const pids = pidsOf(run.lines);
    assert.equal(pids.length, 3);
    assert.deepEqual(await survivors(pids, 10_000), []);
  });

  it('--timeout ends a hung job and reports where each rank was waiting', async () => {
    const run = await runJob(['-np', '3', '--no-deadlock-check', '--timeout', '2', 'node', FAIL, 'wait', '2']);
    assert.equal(run.exitCode, 124, run.stderr);
    assert.match(run.stderr, /the job exceeded --timeout 2 s/);
    assert.match(run.stderr, /rank 0 \(pid \d+ on .+\): waiting in recv\(source=0, tag=999\) for \d+\.\d s/);
    // Every rank's whole report: the receives each completed before (the fixture's
    // barrier) are not listed, only the one it still waits in.
    assert.deepEqual(timeoutReports(run.stderr), {
      0: ['waiting in recv(source=0, tag=999)'],
      1: ['waiting in recv(source=0, tag=999)'],
      2: ['waiting in recv(source=0, tag=12)'],
    });
    assert.deepEqual(await survivors(pidsOf(run.lines)), []);
  });

  it('a rank that exits 0 early does not stop the others', async () => {
    const run = await runJob([
      '-np',
      '3',
      'node',
      '-e',
      'if (process.env.TSMPI_RANK !== "0") console.log("done " + process.env.TSMPI_RANK)',
    ]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual([...run.lines].sort(), ['done 1', 'done 2']);
  });
});

describe('a terminal on tsmpirun’s stderr', () => {
  const probe = ['-np', '2', 'node', '-e', "console.log('tty:', process.env.TSMPI_STDERR_TTY ?? 'unset')"];
  const script = ['/usr/bin/script', '/bin/script'].find((path) => existsSync(path));

  it('is not claimed when stderr is a pipe', async () => {
    const run = await runJob(probe);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.lines, ['tty: unset', 'tty: unset']);
  });

  it(
    'is announced to the ranks as TSMPI_STDERR_TTY=1 (their own stderr is a pipe)',
    { skip: script === undefined ? 'script(1) from util-linux is not installed' : false },
    async () => {
      const command = [process.execPath, LAUNCHER, ...probe].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
      const run = await runCommand(script as string, ['-qec', command, '/dev/null']);
      assert.equal(run.exitCode, 0, run.stdout + run.stderr);
      assert.deepEqual(
        run.stdout.split(/\r?\n/).filter((line) => line.startsWith('tty:')),
        ['tty: 1', 'tty: 1'],
      );
    },
  );
});

describe('a slow or vanished reader of tsmpirun’s output', () => {
  const big = "process.stdout.write('x'.repeat(8e6) + '\\n'); console.log('last line')";
  const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

  it('loses nothing when the reader is slower than the job', async () => {
    const command = `${[process.execPath, LAUNCHER, '-np', '2', 'node', '-e', big].map(quote).join(' ')} | (sleep 1; wc -c)`;
    const run = await runCommand('sh', ['-c', command]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.stdout.trim(), String(2 * (8e6 + 1 + 'last line\n'.length)));
  });

  it('stops the job, as SIGPIPE would, when the reader goes away (| head)', async () => {
    const endless = "setInterval(() => console.log('pid ' + process.pid), 1)";
    const command = `${[process.execPath, LAUNCHER, '-np', '2', 'node', '-e', endless].map(quote).join(' ')} | head -n 3`;
    const run = await runCommand('sh', ['-c', command], { timeoutMs: 60_000 });
    assert.equal(run.lines.length, 3);
    assert.doesNotMatch(run.stderr, /test helper: killed/);
    const pids = run.lines.map((line) => Number(line.split(' ')[1]));
    assert.deepEqual(await survivors(pids), []);
  });
});
