// The supervisor with a fake spawner and fake clock: no processes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clock } from '../../launcher/clock.js';
import { describeUnreceived, Job } from '../../launcher/job.js';
import { OutputForwarder } from '../../launcher/output.js';
import { plan } from '../../launcher/plan.js';
import type { HostHandle, HostLaunch, SpawnSink, Spawner } from '../../launcher/spawners/spawner.js';
import type { ToRank } from '../../src/runtime/env.js';

class FakeTimers implements Clock {
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  private next = 1;
  now(): number {
    return 0;
  }
  set(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { callback, ms });
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fire(ms: number): void {
    for (const [id, timer] of [...this.pending]) {
      if (timer.ms === ms) {
        this.pending.delete(id);
        timer.callback();
      }
    }
  }
}

class FakeSpawner implements Spawner {
  sink!: SpawnSink;
  readonly killed: string[] = [];
  readonly sent: [number, ToRank][] = [];
  launched: HostLaunch[] = [];
  launch(spec: HostLaunch, sink: SpawnSink): HostHandle {
    this.sink = sink;
    this.launched.push(spec);
    for (const { rank } of spec.ranks) sink.started(rank, 1000 + rank);
    return {
      kill: (signal) => this.killed.push(signal),
      writeStdin: () => {},
      control: (rank, message) => this.sent.push([rank, message]),
    };
  }
}

function setup(size: number, extra: { timeoutSeconds?: number; deadlockCheck?: boolean } = {}) {
  const spawner = new FakeSpawner();
  const timers = new FakeTimers();
  const log: string[] = [];
  const hosts = plan({
    size,
    placement: [{ host: 'hostA', ranks: Array.from({ length: size }, (_, rank) => rank) }],
    command: 'node',
    args: ['prog.js'],
    cwd: '/work',
    jobId: 'job1',
    exported: { FOO: 'bar' },
    hostEnv: () => ({ TSMPI_JOB_DIR: '/tmp/x' }),
  });
  const job = new Job({
    size,
    hosts,
    spawnerFor: () => spawner,
    output: new OutputForwarder({ write: () => true, whenDrained: (_stream, callback) => callback() }, { tag: false, ranks: size }),
    log: (line) => log.push(line),
    clock: timers,
    graceMs: 3000,
    ...extra,
  });
  return { job, spawner, timers, log, result: job.run() };
}

describe('job supervisor', () => {
  it('plans each rank with its environment', () => {
    const { spawner } = setup(2);
    const host = spawner.launched[0];
    assert.equal(host?.env.TSMPI_SIZE, '2');
    assert.equal(host?.env.TSMPI_LOCAL_SIZE, '2');
    assert.equal(host?.env.FOO, 'bar');
    assert.deepEqual(
      host?.ranks.map((rank) => rank.env),
      [
        { TSMPI_RANK: '0', TSMPI_LOCAL_RANK: '0' },
        { TSMPI_RANK: '1', TSMPI_LOCAL_RANK: '1' },
      ],
    );
  });

  it('hands out the address table once every rank has said hello', async () => {
    const { spawner, job, result } = setup(3);
    spawner.sink.control(2, { kind: 'hello', rank: 2, address: { host: 'hostA', ipc: 'ipc://2' } });
    spawner.sink.control(0, { kind: 'hello', rank: 0, address: { host: 'hostA', ipc: 'ipc://0' } });
    assert.equal(spawner.sent.length, 0);
    spawner.sink.control(1, { kind: 'hello', rank: 1, address: { host: 'hostA', ipc: 'ipc://1' } });
    assert.equal(job.currentState, 'running');
    assert.deepEqual(spawner.sent.map(([rank]) => rank).sort(), [0, 1, 2]);
    const table = spawner.sent[0]?.[1];
    assert.deepEqual(table, {
      kind: 'table',
      peers: [0, 1, 2].map((rank) => ({ host: 'hostA', ipc: `ipc://${rank}` })),
      deadlockCheck: true,
    });
    for (const rank of [0, 1, 2]) spawner.sink.exited(rank, 0, null);
    assert.deepEqual(await result, { exitCode: 0 });
  });

  it('a deadlock the ranks report (and confirm) stops the job with exit code 125, naming the waits; --no-deadlock-check ignores it', async () => {
    for (const deadlockCheck of [true, false]) {
      const { spawner, log, result, job } = setup(2, { deadlockCheck });
      for (const rank of [0, 1]) spawner.sink.control(rank, { kind: 'hello', rank, address: { host: 'hostA' } });
      assert.equal((spawner.sent[0]?.[1] as { deadlockCheck?: boolean }).deadlockCheck, deadlockCheck);
      const state = (rank: number) => ({
        blocked: true,
        finished: false,
        waits: [{ label: `ssend(dest=${1 - rank}, tag=0)`, peers: [1 - rank] }],
        sent: [[1 - rank, 1]] as [number, number][],
        arrived: [[1 - rank, 1]] as [number, number][],
      });
      spawner.sent.length = 0;
      for (const rank of [0, 1]) spawner.sink.control(rank, { kind: 'state', rank, state: state(rank) });
      if (!deadlockCheck) {
        assert.deepEqual(spawner.sent, []);
        assert.equal(job.currentState, 'running');
        for (const rank of [0, 1]) spawner.sink.exited(rank, 0, null);
        assert.deepEqual(await result, { exitCode: 0 });
        continue;
      }
      assert.deepEqual(spawner.sent, [
        [0, { kind: 'confirm', epoch: 1 }],
        [1, { kind: 'confirm', epoch: 1 }],
      ]);
      for (const rank of [0, 1]) spawner.sink.control(rank, { kind: 'state', rank, state: state(rank), epoch: 1 });
      assert.equal(job.currentState, 'terminating');
      assert.deepEqual(log, [
        'tsmpirun: deadlock: rank 0 waits in ssend(dest=1, tag=0) for rank 1; rank 1 waits in ssend(dest=0, tag=0) for rank 0',
        'tsmpirun: no message is on its way that could wake any of them; stopped the job (exit code 125; --no-deadlock-check turns this check off)',
      ]);
      for (const rank of [0, 1]) spawner.sink.exited(rank, null, 'SIGTERM');
      assert.deepEqual(await result, {
        exitCode: 125,
        cause: {
          kind: 'deadlock',
          cycle: 'rank 0 waits in ssend(dest=1, tag=0) for rank 1; rank 1 waits in ssend(dest=0, tag=0) for rank 0',
          calls: null,
        },
      });
    }
  });

  it("on a failing rank: SIGTERM to all, SIGKILL after the grace period, the rank's exit code", async () => {
    const { spawner, timers, log, result } = setup(3);
    spawner.sink.exited(1, 5, null);
    assert.deepEqual(spawner.killed, ['SIGTERM']);
    assert.match(log[0] ?? '', /^tsmpirun: rank 1 \(pid 1001 on hostA\) exited with code 5; stopping the other 2 ranks$/);
    timers.fire(3000);
    assert.deepEqual(spawner.killed, ['SIGTERM', 'SIGKILL']);
    spawner.sink.exited(0, null, 'SIGTERM');
    spawner.sink.exited(2, null, 'SIGKILL');
    assert.deepEqual(await result, {
      exitCode: 5,
      cause: { kind: 'exit', place: { rank: 1, pid: 1001, host: 'hostA' }, code: 5, stopped: 2 },
    });
    assert.equal(log.length, 1, 'only the first failure is reported');
  });

  it('clears the SIGKILL timer when everyone exits in time', async () => {
    const { spawner, timers, result } = setup(2);
    spawner.sink.exited(0, null, 'SIGSEGV');
    spawner.sink.exited(1, null, 'SIGTERM');
    assert.deepEqual(await result, {
      exitCode: 128 + 11,
      cause: { kind: 'signal', place: { rank: 0, pid: 1000, host: 'hostA' }, signal: 'SIGSEGV', stopped: 1 },
    });
    assert.equal(timers.pending.size, 0);
  });

  it('names an abort and an uncaught error reported over the lifeline', async () => {
    const first = setup(2);
    first.spawner.sink.control(1, { kind: 'abort', rank: 1, code: 9, reason: 'rank 1 called Abort(9)' });
    first.spawner.sink.exited(1, 9, null);
    assert.match(first.log[0] ?? '', /rank 1 \(pid 1001 on hostA\) called Abort\(9\)/);
    first.spawner.sink.exited(0, null, 'SIGTERM');
    assert.deepEqual((await first.result).cause, { kind: 'abort', place: { rank: 1, pid: 1001, host: 'hostA' }, code: 9, stopped: 1 });
    const second = setup(2);
    second.spawner.sink.control(0, { kind: 'error', rank: 0, message: 'uncaught exception: Error: x' });
    second.spawner.sink.exited(0, 1, null);
    assert.match(second.log[0] ?? '', /rank 0 \(pid 1000 on hostA\) exited with code 1: uncaught exception: Error: x/);
    second.spawner.sink.exited(1, null, 'SIGTERM');
    assert.deepEqual(await second.result, {
      exitCode: 1,
      cause: {
        kind: 'error',
        place: { rank: 0, pid: 1000, host: 'hostA' },
        message: 'uncaught exception: Error: x',
        code: 1,
        signal: null,
        stopped: 1,
      },
    });
  });

  it('Abort stops every rank at once whatever its code; the exit code is code & 255 || 1, and 0 for Abort(0)', async () => {
    for (const [code, exitCode] of [
      [0, 0],
      [256, 1],
      [1e10, 1],
      [-1, 255],
      [7, 7],
    ] as const) {
      const { spawner, log, result } = setup(3);
      spawner.sink.control(1, { kind: 'abort', rank: 1, code, reason: `rank 1 called Abort(${code})` });
      assert.deepEqual(spawner.killed, ['SIGTERM'], `Abort(${code}) must stop the others before rank 1 exits`);
      assert.match(log[0] ?? '', new RegExp(`rank 1 \\(pid 1001 on hostA\\) called Abort\\(${code}\\); stopping the other 2 ranks`));
      spawner.sink.exited(1, code === 0 ? 0 : exitCode, null);
      spawner.sink.exited(0, null, 'SIGTERM');
      spawner.sink.exited(2, null, 'SIGTERM');
      assert.deepEqual(await result, {
        exitCode,
        cause: { kind: 'abort', place: { rank: 1, pid: 1001, host: 'hostA' }, code, stopped: 2 },
      });
    }
  });

  it('a lost host ends the job naming the host', async () => {
    const { spawner, log, result } = setup(2);
    spawner.sink.hostFailed('hostA', new Error('ssh: connect timed out'));
    assert.deepEqual(await result, { exitCode: 1, cause: { kind: 'host-lost', host: 'hostA', reason: 'ssh: connect timed out' } });
    assert.match(log[0] ?? '', /host hostA failed: ssh: connect timed out/);
  });

  it('on --timeout asks every rank where it waits, prints it and stops the job with 124', async () => {
    const { spawner, timers, log, result } = setup(2, { timeoutSeconds: 5 });
    timers.fire(5000);
    assert.deepEqual(
      spawner.sent.map(([rank, message]) => [rank, message.kind]),
      [
        [0, 'report'],
        [1, 'report'],
      ],
    );
    spawner.sink.control(0, { kind: 'report', rank: 0, waiting: ['recv(source=1, tag=3) for 5.0 s'] });
    spawner.sink.control(1, { kind: 'report', rank: 1, waiting: [] });
    assert.ok(log.includes('rank 0 (pid 1000 on hostA): waiting in recv(source=1, tag=3) for 5.0 s'), log.join('\n'));
    assert.ok(log.includes('rank 1 (pid 1001 on hostA): not waiting in any tsmpi operation'));
    assert.deepEqual(spawner.killed, ['SIGTERM']);
    spawner.sink.exited(0, null, 'SIGTERM');
    spawner.sink.exited(1, null, 'SIGTERM');
    assert.deepEqual(await result, { exitCode: 124, cause: { kind: 'timeout', seconds: 5 } });
  });

  it('ends a finished job: drain with the counts every rank sent, then exit; warns of unreceived messages', async () => {
    const { spawner, log, result } = setup(3);
    for (const rank of [0, 1, 2]) spawner.sink.control(rank, { kind: 'hello', rank, address: { host: 'hostA', ipc: `ipc://${rank}` } });
    spawner.sent.length = 0;
    spawner.sink.control(0, {
      kind: 'finished',
      rank: 0,
      sent: [
        [1, 4],
        [2, 1],
      ],
    });
    spawner.sink.control(1, { kind: 'finished', rank: 1, sent: [[0, 2]] });
    assert.deepEqual(spawner.sent, [], 'nothing before every rank has finished');
    spawner.sink.exited(2, 0, null); // a rank may also just end
    assert.deepEqual(spawner.sent, [
      [0, { kind: 'drain', expect: [[1, 2]] }],
      [1, { kind: 'drain', expect: [[0, 4]] }],
    ]);
    spawner.sent.length = 0;
    spawner.sink.control(1, { kind: 'drained', rank: 1, unreceived: [{ origin: 0, tags: [77, 78, 79], count: 3, collective: 0 }] });
    assert.deepEqual(spawner.sent, [], 'exit only once every rank has drained');
    spawner.sink.control(0, { kind: 'drained', rank: 0, unreceived: [] });
    assert.deepEqual(spawner.sent, [
      [0, { kind: 'exit' }],
      [1, { kind: 'exit' }],
    ]);
    assert.deepEqual(log, ['tsmpirun: rank 1 ended with 3 unreceived messages from rank 0, tags 77 78 79']);
    spawner.sink.exited(0, 0, null);
    spawner.sink.exited(1, 0, null);
    assert.deepEqual(await result, { exitCode: 0 });
  });

  it('names unreceived messages: many tags, one tag, a collective never completed', () => {
    assert.equal(
      describeUnreceived({ origin: 2, tags: [1], count: 1, collective: 0 }),
      'ended with 1 unreceived message from rank 2, tag 1',
    );
    assert.equal(
      describeUnreceived({ origin: 0, tags: [5, 5], count: 12, collective: 2 }),
      'ended with 12 unreceived messages from rank 0, tags 5 5 ..., and 2 messages from rank 0 of a collective it never completed',
    );
  });

  it('--timeout tells a finished rank waiting to exit from one that did not answer', async () => {
    const { spawner, timers, log } = setup(3, { timeoutSeconds: 5 });
    for (const rank of [0, 1, 2]) spawner.sink.control(rank, { kind: 'hello', rank, address: { host: 'hostA', ipc: `ipc://${rank}` } });
    spawner.sink.control(0, { kind: 'finished', rank: 0, sent: [] });
    timers.fire(5000);
    spawner.sink.control(0, { kind: 'report', rank: 0, waiting: [] });
    spawner.sink.control(1, { kind: 'report', rank: 1, waiting: ['recv(source=2, tag=0) for 5.0 s'] });
    timers.fire(2000);
    assert.ok(log.includes('rank 0 (pid 1000 on hostA): finished, waiting to exit (for the other ranks to finish)'), log.join('\n'));
    assert.ok(log.includes('rank 1 (pid 1001 on hostA): waiting in recv(source=2, tag=0) for 5.0 s'), log.join('\n'));
    assert.ok(log.includes('rank 2 (pid 1002 on hostA): did not answer (busy computing, or not yet in init)'), log.join('\n'));
  });

  it('interrupt (Ctrl-C) stops everyone with 128 + signal', async () => {
    const { spawner, job, result } = setup(2);
    job.interrupt('SIGINT');
    assert.deepEqual(spawner.killed, ['SIGTERM']);
    spawner.sink.exited(0, null, 'SIGTERM');
    spawner.sink.exited(1, null, 'SIGTERM');
    assert.deepEqual(await result, { exitCode: 130, cause: { kind: 'interrupted', signal: 'SIGINT' } });
  });
});

describe('job supervisor: failures while launching, long timeouts', () => {
  it('a rank that cannot start mid-launch stops those that did, skips the hosts not started yet, and the job ends', async () => {
    const killed: string[] = [];
    const launched: string[] = [];
    let sinkA: SpawnSink | undefined;
    const spawner: Spawner = {
      launch(spec, sink) {
        launched.push(spec.host);
        sinkA = sink;
        // hostA: ranks 0 and 1 start, rank 2 cannot (reported synchronously, as a failed spawn is).
        sink.started(0, 100);
        sink.started(1, 101);
        sink.control(2, { kind: 'error', rank: 2, message: "cannot start 'prog': spawn EMFILE" });
        sink.exited(2, 127, null);
        sink.exited(3, 127, null);
        return { kill: (signal) => killed.push(`${spec.host} ${signal}`), writeStdin: (_rank, _chunk, done) => done(), control: () => {} };
      },
    };
    const timers = new FakeTimers();
    const log: string[] = [];
    const hosts = plan({
      size: 6,
      placement: [
        { host: 'hostA', ranks: [0, 1, 2, 3] },
        { host: 'hostB', ranks: [4, 5] },
      ],
      command: 'prog',
      args: [],
      cwd: '/work',
      jobId: 'job1',
      exported: {},
      hostEnv: () => ({}),
    });
    const job = new Job({
      size: 6,
      hosts,
      spawnerFor: () => spawner,
      output: new OutputForwarder({ write: () => true, whenDrained: (_stream, callback) => callback() }, { tag: false, ranks: 6 }),
      log: (line) => log.push(line),
      clock: timers,
      graceMs: 3000,
    });
    const result = job.run();
    assert.deepEqual(launched, ['hostA'], 'hostB is not started once the launch failed');
    assert.deepEqual(killed, ['hostA SIGTERM'], 'the ranks that started are stopped');
    assert.match(log[0] ?? '', /rank 2 \(pid \? on hostA\) exited with code 127: cannot start 'prog': spawn EMFILE; stopping the other/);
    // The ranks that started end; nothing else is waited for.
    sinkA?.exited(0, null, 'SIGTERM');
    sinkA?.exited(1, null, 'SIGTERM');
    assert.deepEqual((await result).cause, {
      kind: 'error',
      place: { rank: 2, pid: undefined, host: 'hostA' },
      message: "cannot start 'prog': spawn EMFILE",
      code: 127,
      signal: null,
      stopped: 5,
    });
    assert.equal((await result).exitCode, 127);
  });

  it('--timeout beyond what setTimeout takes (2147484 s) waits in steps instead of firing at once', async () => {
    const { timers, spawner, result } = setup(1, { timeoutSeconds: 2147484 });
    const delays = [...timers.pending.values()].map((timer) => timer.ms);
    assert.deepEqual(delays, [2 ** 31 - 1]);
    timers.fire(2 ** 31 - 1);
    assert.equal(spawner.sent.length, 0, 'no report request yet');
    assert.deepEqual(
      [...timers.pending.values()].map((timer) => timer.ms),
      [2147484 * 1000 - (2 ** 31 - 1)],
    );
    spawner.sink.exited(0, 0, null);
    assert.equal((await result).exitCode, 0);
  });
});
