// Cluster (ipyparallel's client) through real engines: tsmpirun jobs on the zeromq transport.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Cluster, EngineError, MpiError } from '../../src/index.js';
import { formatAcfCsv } from '../../examples/lib/acf.js';
import { OWNER_FILE, parseOwner } from '../../src/util/owned-dirs.js';
import { alive, built, pidsMatching, runCommand, runJob, until } from '../helpers/job.js';
import { rejectsWith } from '../helpers/rejects.js';

/** The Cluster client directories in the temporary directory whose owner file names `pid`. */
function clusterDirsOf(pid: number): string[] {
  return readdirSync(tmpdir()).filter((name) => {
    if (!/^tsmpi-cluster-[A-Za-z0-9]{6}$/.test(name)) return false;
    try {
      return parseOwner(readFileSync(join(tmpdir(), name, OWNER_FILE), 'utf8'))?.pid === pid;
    } catch {
      return false; // another client's, without an owner file
    }
  });
}

describe('Cluster', () => {
  const lines: string[] = [];
  const mark = `cluster-test-${randomBytes(4).toString('hex')}`;
  let cluster: Cluster;

  before(async () => {
    cluster = await Cluster.start({
      n: 4,
      launcherArgs: ['-x', `CLUSTER_MARK=${mark}`],
      output: (rank, stream, line) => lines.push(`[${stream}:${rank}] ${line}`),
    });
  });
  after(async () => {
    await cluster.close();
  });

  it('starts the engines asked for, each a rank of the engines’ own world', async () => {
    assert.equal(cluster.size, 4);
    const hello = await cluster.apply(async () => {
      const { init } = await import('tsmpi');
      const comm = await init();
      return `Hello World from rank ${comm.rank}. Total ranks=${comm.size}`;
    });
    assert.deepEqual(
      hello,
      [0, 1, 2, 3].map((rank) => `Hello World from rank ${rank}. Total ranks=4`),
    );
  });

  it('its private directory names this process as its owner (a later launch removes it should this process be killed)', () => {
    assert.equal(clusterDirsOf(process.pid).length, 1);
  });

  it('apply passes arguments and returns results in rank order, typed arrays included', async () => {
    const results = await cluster.apply(
      async (scale: number, data: Float64Array) => {
        const { init } = await import('tsmpi');
        const comm = await init();
        return { rank: comm.rank, scaled: data.map((x) => x * scale * (comm.rank + 1)) };
      },
      2,
      new Float64Array([0.5, 1.25]),
    );
    assert.deepEqual(
      results.map(({ rank }) => rank),
      [0, 1, 2, 3],
    );
    for (const { rank, scaled } of results) {
      assert.ok(scaled instanceof Float64Array);
      assert.deepEqual([...scaled], [0.5 * 2 * (rank + 1), 1.25 * 2 * (rank + 1)]);
    }
  });

  it('collectives and point-to-point work among the engines', async () => {
    const results = await cluster.apply(async () => {
      const { init, SUM } = await import('tsmpi');
      const comm = await init();
      const sum = await comm.allreduce(comm.rank + 1, SUM);
      const gathered = await comm.allgather(comm.rank * comm.rank);
      const right = (comm.rank + 1) % comm.size;
      const left = (comm.rank + comm.size - 1) % comm.size;
      const fromLeft = await comm.sendrecv(`token ${comm.rank}`, right, 7, left, 7);
      const total = new Float64Array(2);
      await comm.Allreduce(new Float64Array([comm.rank, 1]), total, SUM);
      return { sum, gathered, fromLeft, total: [...total] };
    });
    results.forEach((result, rank) => {
      assert.equal(result.sum, 10);
      assert.deepEqual(result.gathered, [0, 1, 4, 9]);
      assert.equal(result.fromLeft, `token ${(rank + 3) % 4}`);
      assert.deepEqual(result.total, [6, 4]);
    });
  });

  it('run imports a module on every engine (path from the client’s directory) and calls one export', async () => {
    const results = await cluster.run(built('test/fixtures/cluster-module.js'), 'whoami', 'x');
    assert.deepEqual(
      results,
      [0, 1, 2, 3].map((rank) => ({ rank, size: 4, tag: 'x', sum: 6 })),
    );
    const error = await rejectsWith(cluster.run(built('test/fixtures/cluster-module.js'), 'notAFunction'), 'ERR_ENGINE');
    assert.match(error.message, /'notAFunction' is not a function exported by .*cluster-module\.js \(its functions: whoami\)/);
  });

  it('the lesson’s MPI ACF run on the engines gives the bytes acf.js writes', async () => {
    const [acf, ...others] = await cluster.run(built('examples/exercises/acf-mpi.js'), 'mpiAcf');
    assert.deepEqual(others, [undefined, undefined, undefined]);
    assert.ok(acf instanceof Float64Array);
    const reference = await runJob(['-np', '4', 'node', built('examples/acf.js')]);
    assert.equal(reference.exitCode, 0, reference.stderr);
    assert.equal(formatAcfCsv(acf), reference.stdout);
  });

  it('map is load-balanced over the engines and returns results in input order', async () => {
    assert.deepEqual(
      await cluster.map((x: number) => x * x, [...Array(20).keys()]),
      [...Array(20).keys()].map((x) => x * x),
    );
    // Item 0 holds its engine until every other item is done: only a load-balanced map
    // (free engines take the next item) can finish; a fixed split would leave items
    // queued behind item 0 forever.
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-map-'));
    try {
      const items = [...Array(12).keys()].map((index) => ({ index, dir, others: 11 }));
      const results = await cluster.map(async ({ index, dir: where, others }: { index: number; dir: string; others: number }) => {
        const { appendFileSync, readFileSync, writeFileSync } = await import('node:fs');
        const { init } = await import('tsmpi');
        const rank = (await init()).rank;
        const log = `${where}/done`;
        if (index > 0) {
          appendFileSync(log, `${index}\n`);
          return { index, rank };
        }
        writeFileSync(`${where}/started`, '');
        const count = (): number => {
          try {
            return readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
          } catch {
            return 0;
          }
        };
        while (count() < others) await new Promise((resolve) => setTimeout(resolve, 20));
        return { index, rank };
      }, items);
      assert.deepEqual(
        results.map(({ index }) => index),
        [...Array(12).keys()],
      );
      const busy = results[0]?.rank;
      assert.ok(
        results.slice(1).every(({ rank }) => rank !== busy),
        'the engine holding item 0 took no other item',
      );
      assert.ok(new Set(results.map(({ rank }) => rank)).size > 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a function using a variable of the client fails with ERR_CLOSURE naming it', async () => {
    const book = 'pg101.txt';
    const error = await rejectsWith(
      cluster.apply(() => book.length),
      'ERR_CLOSURE',
    );
    assert.match(error.message, /'book'/);
    assert.match(error.message, /pass 'book' as an argument/);
    assert.match(error.message, /cluster\.run\(/);
    // Passed as an argument it works.
    assert.deepEqual(await cluster.apply((name: string) => name.length, book), [9, 9, 9, 9]);
  });

  it('exceptions on engines reject apply with one error listing each failing rank’s message and stack', async () => {
    const error = await rejectsWith(
      cluster.apply(async () => {
        const { init } = await import('tsmpi');
        const comm = await init();
        if (comm.rank % 2 === 1) throw new RangeError(`bad value on rank ${comm.rank}`);
        return comm.rank;
      }),
      'ERR_ENGINE',
    );
    assert.ok(error instanceof EngineError);
    assert.deepEqual(
      error.failures.map(({ rank, name, message }) => [rank, name, message]),
      [
        [1, 'RangeError', 'bad value on rank 1'],
        [3, 'RangeError', 'bad value on rank 3'],
      ],
    );
    assert.match(error.message, /^apply: failed on engines 1, 3\n/);
    assert.match(error.message, /\[engine 1\] RangeError: bad value on rank 1\n\[engine 1\] +at /);
    assert.match(error.message, /\[engine 3\] RangeError: bad value on rank 3\n\[engine 3\] +at /);
    // The cluster is still usable.
    assert.deepEqual(await cluster.apply(() => 'ok'), ['ok', 'ok', 'ok', 'ok']);
  });

  it('engines’ console output reaches the client as it happens, tagged by stream and rank', async () => {
    lines.length = 0;
    await cluster.apply(async () => {
      const { init } = await import('tsmpi');
      const comm = await init();
      console.log(`out ${comm.rank}`);
      console.error(`err ${comm.rank}`);
    });
    // Output travels beside the results (through tsmpirun): wait for it, then check it.
    await until(() => lines.length >= 8, 30_000);
    assert.deepEqual([...lines].sort(), [
      '[stderr:0] err 0',
      '[stderr:1] err 1',
      '[stderr:2] err 2',
      '[stderr:3] err 3',
      '[stdout:0] out 0',
      '[stdout:1] out 1',
      '[stdout:2] out 2',
      '[stdout:3] out 3',
    ]);
    // As it happens: a line printed before a call blocks reaches the client while the call still runs.
    lines.length = 0;
    const call = cluster.apply(async () => {
      console.log('waiting');
      await new Promise(() => {});
    });
    const outcome = call.catch((error: unknown) => error);
    assert.ok(await until(() => lines.filter((line) => line.endsWith('waiting')).length === 4, 30_000), lines.join('\n'));
    await cluster.interrupt();
    assert.equal(((await outcome) as MpiError).code, 'ERR_INTERRUPTED');
  });

  it('interrupt stops a long call, busy or waiting, and keeps the cluster', async () => {
    lines.length = 0;
    const busy = cluster.apply(() => {
      console.log('spinning');
      for (;;);
    });
    const queued = cluster.apply(() => 'queued behind the busy call');
    const outcomes = Promise.allSettled([busy, queued]);
    assert.ok(await until(() => lines.filter((line) => line.endsWith('spinning')).length === 4, 30_000), lines.join('\n'));
    await cluster.interrupt();
    for (const outcome of await outcomes) {
      assert.equal(outcome.status, 'rejected');
      assert.equal((outcome.reason as MpiError).code, 'ERR_INTERRUPTED');
    }
    const pidsBefore = [...cluster.pids];
    assert.deepEqual(await cluster.apply(async () => (await (await import('tsmpi')).init()).rank), [0, 1, 2, 3]);
    assert.deepEqual(cluster.pids, pidsBefore);
    assert.ok(cluster.pids.every(alive));
  });

  it('close stops every engine and tsmpirun, and later calls fail with ERR_CLUSTER', async () => {
    const other = await Cluster.start({ n: 2, launcherArgs: ['-x', `CLUSTER_MARK=${mark}-b`], output: () => {} });
    const pids = [...other.pids];
    assert.ok(pids.every(alive));
    assert.equal(pidsMatching(`${mark}-b`).length, 1, 'tsmpirun runs');
    await other.close();
    await other.close(); // repeatable
    assert.deepEqual(pids.filter(alive), []);
    assert.deepEqual(pidsMatching(`${mark}-b`), []);
    await rejectsWith(
      other.apply(() => 1),
      'ERR_CLUSTER',
    );
  });
});

describe('Cluster start and lifetime', () => {
  it('start fails fast with the engines’ stderr when an engine cannot start', async () => {
    const error = await rejectsWith(
      Cluster.start({ n: 2, env: { NODE_OPTIONS: '--require=/nonexistent/tsmpi-preload.js' }, output: () => {} }),
      'ERR_CLUSTER',
    );
    assert.match(error.message, /^Cluster\.start: the engines stopped before all of them were ready/);
    assert.match(error.message, /Cannot find module '\/nonexistent\/tsmpi-preload\.js'/);
  });

  it('start fails with tsmpirun’s own message when tsmpirun refuses its options', async () => {
    const error = await rejectsWith(Cluster.start({ n: 2, launcherArgs: ['--no-such-option'], output: () => {} }), 'ERR_CLUSTER');
    assert.match(error.message, /^Cluster\.start: the engines stopped before all of them were ready \(0 of 2\)/);
    assert.match(error.message, /--no-such-option/);
  });

  it('rejects bad options before starting anything', async () => {
    await rejectsWith(Cluster.start({ n: 0 }), 'ERR_ARG');
    await rejectsWith(Cluster.start({ n: 2.5 }), 'ERR_ARG');
    await rejectsWith(Cluster.start({ env: { 'A B': '1' } }), 'ERR_ARG');
  });

  it('the default output is tagged [stdout:rank] and [stderr:rank]', async () => {
    const run = await runCommand(process.execPath, [built('test/fixtures/cluster-client.js'), 'output'], { timeoutMs: 120_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.deepEqual(run.lines.filter((line) => line.startsWith('[stdout')).sort(), [
      '[stdout:0] hello from 0',
      '[stdout:1] hello from 1',
      '[stdout:2] hello from 2',
    ]);
    assert.deepEqual(
      run.stderr
        .split('\n')
        .filter((line) => line.startsWith('[stderr'))
        .sort(),
      ['[stderr:0] warning from 0', '[stderr:1] warning from 1', '[stderr:2] warning from 2'],
    );
    assert.equal(run.lines.at(-1), 'closed');
  });

  it('`await using` closes a Cluster and a Pool at the end of the block, also when it throws', async () => {
    const run = await runCommand(process.execPath, [built('test/fixtures/cluster-using.js')], { timeoutMs: 120_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    const [cluster, pool] = run.lines.map(
      (line) => JSON.parse(line) as { block: string; pids: number[]; running: number[]; error?: string },
    );
    assert.equal(cluster?.block, 'cluster');
    assert.equal(cluster?.pids.length, 2);
    assert.deepEqual(cluster?.running, [], 'engines still running after the block');
    assert.equal(pool?.block, 'pool');
    assert.equal(pool?.pids.length, 2, 'the pool map ran on both processes');
    assert.deepEqual(pool?.running, [], 'pool processes still running after the block');
    assert.equal(pool?.error, 'thrown inside the block');
  });

  it('starts engines on the slots of a hostfile, which reach the client at the given address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsmpi-cluster-hostfile-'));
    try {
      const hostfile = join(dir, 'hosts.txt');
      writeFileSync(hostfile, '# this host twice\nlocalhost slots=2\n127.0.0.1 slots=1\n');
      const remote = await Cluster.start({ hostfile, address: '127.0.0.1', output: () => {} });
      try {
        assert.equal(remote.size, 3);
        const sums = await remote.apply(
          async (data: Float64Array) => {
            const { init, SUM } = await import('tsmpi');
            const comm = await init();
            return { rank: comm.rank, sum: await comm.allreduce(data[0]! * (comm.rank + 1), SUM) };
          },
          new Float64Array([1.5]),
        );
        assert.deepEqual(
          sums,
          [0, 1, 2].map((rank) => ({ rank, sum: 9 })),
        );
        assert.deepEqual(await remote.map((x: number) => x + 1, [1, 2, 3, 4, 5]), [2, 3, 4, 5, 6]);
      } finally {
        await remote.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('nothing outlives a client killed with SIGKILL; its private directory goes with the next launch', async () => {
    let pids: number[] = [];
    let client = 0;
    let seen = '';
    const run = await runCommand(process.execPath, [built('test/fixtures/cluster-client.js'), 'hang'], {
      timeoutMs: 120_000,
      onStart: (pid) => (client = pid),
      onStdout: (text) => {
        seen += text;
        const match = /\{"pids":\[[\d,]+\]\}/.exec(seen);
        if (match === null || pids.length > 0) return;
        pids = (JSON.parse(match[0]) as { pids: number[] }).pids;
        process.kill(client, 'SIGKILL');
      },
    });
    assert.equal(run.signal, 'SIGKILL', run.stderr);
    assert.equal(pids.length, 3);
    assert.ok(await until(() => pids.every((pid) => !alive(pid)), 30_000), `engines still running: ${pids.filter(alive).join(', ')}`);
    // Its private directory stays (nobody was left to remove it) until the next launch.
    const left = clusterDirsOf(client);
    assert.equal(left.length, 1, `the killed client's directory: ${left.join(' ')}`);
    const next = await runJob(['-np', '1', 'node', '-e', '0'], { timeoutMs: 60_000 });
    assert.equal(next.exitCode, 0, next.stderr);
    assert.deepEqual(clusterDirsOf(client), []);
  });
});
