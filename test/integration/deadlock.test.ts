// tsmpirun's deadlock check through real jobs: deadlocked programs are stopped with exit
// code 125 and the wait-for cycle in the program's terms; slow but correct programs (a
// rank computing, sleeping, reading stdin or waiting for a child process while the others
// wait for it) are never reported. No assertion on time: a deadlock that is not found
// runs into --timeout (exit 124) and fails the test.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { built, runJob, type JobRun } from '../helpers/job.js';

const DEADLOCK = built('test/fixtures/deadlock.js');
/** Far beyond the check's second: only turns a deadlock that is not found into a failure. */
const GUARD = ['--timeout', '60'];

function run(np: number, mode: string, extra: readonly string[] = []): Promise<JobRun> {
  return runJob(['-np', String(np), ...GUARD, ...extra, 'node', DEADLOCK, mode], { timeoutMs: 120_000 });
}

/** The launcher's `tsmpirun: deadlock: ...` lines, without the prefix. */
function deadlockLines(job: JobRun): string[] {
  return job.stderr
    .split('\n')
    .filter((line) => line.startsWith('tsmpirun: deadlock: '))
    .map((line) => line.slice('tsmpirun: deadlock: '.length));
}

/** Stopped as deadlocked; `finished` ranks are those whose program ended (the others never completed). */
function assertStopped(job: JobRun, finished: readonly number[] = []): void {
  assert.equal(job.exitCode, 125, job.stderr);
  assert.match(
    job.stderr,
    /tsmpirun: no message is on its way that could wake any of them; stopped the job \(exit code 125; --no-deadlock-check turns this check off\)/,
  );
  assert.deepEqual(
    job.lines.filter((line) => line.startsWith('done ')),
    finished.map((rank) => `done ${rank}`),
  );
}

describe('deadlocks found by tsmpirun', () => {
  it('two ranks that ssend to each other first', async () => {
    const job = await run(2, 'ssend-pair');
    assertStopped(job);
    assert.deepEqual(deadlockLines(job), [
      'rank 0 waits in ssend(dest=1, tag=0) for rank 1; rank 1 waits in ssend(dest=0, tag=0) for rank 0',
    ]);
  });

  it('two ranks that Recv from each other first', async () => {
    const job = await run(2, 'Recv-pair');
    assertStopped(job);
    assert.deepEqual(deadlockLines(job), [
      'rank 0 waits in Recv(source=1, tag=5) for rank 1; rank 1 waits in Recv(source=0, tag=5) for rank 0',
    ]);
  });

  it('a ring of 8 where every rank receives first, printed along the cycle', async () => {
    const job = await run(8, 'ring');
    assertStopped(job);
    const cycle = [0, 7, 6, 5, 4, 3, 2, 1]
      .map((rank) => `rank ${rank} waits in recv(source=${(rank + 7) % 8}, tag=0) for rank ${(rank + 7) % 8}`)
      .join('; ');
    assert.deepEqual(deadlockLines(job), [cycle]);
  });

  it('ranks in a broadcast while another waits in a receive: which ranks are in which call', async () => {
    const job = await run(3, 'bcast-recv');
    assertStopped(job);
    assert.deepEqual(deadlockLines(job), [
      // At np 3 the agreement round folds rank 0 into rank 1, which pairs with rank 2 (agree.ts).
      'rank 0 waits in bcast(root 0) for rank 1; rank 1 waits in bcast(root 0) for rank 2; rank 2 waits in recv(source=0, tag=0) for rank 0',
      'ranks 0,1 in bcast(root 0); rank 2 in recv(source=0, tag=0)',
    ]);
  });

  it('collectives on two communicators that never meet (the agreement round cannot see it)', async () => {
    const job = await run(3, 'dup-barrier');
    assertStopped(job);
    // The duplicate is named by its context and world ranks, as a trace names it.
    const [cycle, calls] = deadlockLines(job);
    assert.match(
      cycle ?? '',
      /^rank 0 waits in barrier\(\) for rank 1; rank 1 waits in barrier\(\) on comm (\d+) \{0,1,2\} for rank 0; rank 2 waits in barrier\(\) on comm \1 \{0,1,2\} for rank 1$/,
    );
    assert.match(calls ?? '', /^rank 0 in barrier\(\); ranks 1,2 in barrier\(\) on comm \d+ \{0,1,2\}$/);
  });

  it('a rank that waits for one whose program has finished', async () => {
    const job = await run(2, 'finished-peer');
    assertStopped(job, [0]);
    assert.deepEqual(deadlockLines(job), ['rank 1 waits in recv(source=0, tag=3) for rank 0, which has finished']);
  });

  it('--no-deadlock-check leaves a deadlocked job to --timeout', async () => {
    const job = await runJob(['-np', '2', '--no-deadlock-check', '--timeout', '3', 'node', DEADLOCK, 'ssend-pair'], { timeoutMs: 120_000 });
    assert.equal(job.exitCode, 124, job.stderr);
    assert.deepEqual(deadlockLines(job), []);
    assert.match(job.stderr, /rank 0 \(pid \d+ on .+\): waiting in ssend\(dest=1, tag=0\)/);
  });
});

describe('slow but correct programs are never reported', () => {
  // Rank 0 keeps an irecv pending all along; the others wait in recv for it.
  const expected = (word: string): string[] => [
    'done 0',
    'done 1',
    'done 2',
    `got 1 ${word}`,
    `got 2 ${word}`,
    'waiting 0',
    'waiting 1',
    'waiting 2',
  ];

  for (const [mode, word] of [
    ['compute', 'computed'],
    ['sleep', 'slept'],
    ['child', 'child'],
  ] as const) {
    it(`a rank that ${mode === 'compute' ? 'computes synchronously' : mode === 'sleep' ? 'awaits a timer' : 'waits for a child process'} for 4 s while the others wait`, async () => {
      const job = await runJob(['-np', '3', ...GUARD, 'node', DEADLOCK, mode, '4'], { timeoutMs: 120_000 });
      assert.equal(job.exitCode, 0, job.stderr);
      assert.deepEqual([...job.lines].sort(), expected(word));
    });
  }

  it('a rank that reads stdin before it sends', async () => {
    let ready = 0;
    const job = await runJob(['-np', '3', ...GUARD, 'node', DEADLOCK, 'stdin'], {
      timeoutMs: 120_000,
      keepStdinOpen: true,
      onStart: (_pid, stdin) => {
        ready = 0;
        input = stdin;
      },
      onStdout: (text) => {
        ready += (text.match(/^waiting \d$/gm) ?? []).length;
        // Every rank waits; the input comes a few check intervals later (not a sync: the check gets time to misfire).
        if (ready === 3) setTimeout(() => input?.end('typed\n'), 3000);
      },
    });
    assert.equal(job.exitCode, 0, job.stderr);
    assert.deepEqual([...job.lines].sort(), expected('typed'));
  });
});

let input: NodeJS.WritableStream | undefined;
