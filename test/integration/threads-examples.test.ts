// The thread examples (examples/threads/): each way of running the tasks gives the same results in
// input order, tasks on the main thread wait concurrently but compute one at a time, and worker
// threads (piscina) compute the same numbers. Timings are printed but never checked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { built, runCommand } from '../helpers/job.js';

const CPU_BOUND = built('examples/threads/cpu-bound.js');
const IO_BOUND = built('examples/threads/io-bound.js');

/** The printed line of one variant: its results and, where printed, how many tasks ran at once. */
function variant(lines: readonly string[], name: string): { results: number[]; atOnce: number | undefined } {
  const line = lines.find((text) => text.startsWith(`${name}:`));
  assert.ok(line !== undefined, `no line for '${name}' in:\n${lines.join('\n')}`);
  const results = /; results (\[.*\])$/.exec(line)?.[1];
  assert.ok(results !== undefined, line);
  const atOnce = /at most (\d+) (?:computing|waiting) at once/.exec(line)?.[1];
  return { results: JSON.parse(results) as number[], atOnce: atOnce === undefined ? undefined : Number(atOnce) };
}

describe('examples/threads', () => {
  it('cpu-bound.js: the same sums one after another, with Promise.all and on worker threads; one task at a time on the main thread', async () => {
    const n = 20_000;
    const run = await runCommand(process.execPath, [CPU_BOUND, '--n', String(n), '--tasks', '3', '--threads', '3']);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.lines[0] ?? '', /^cpu-bound: 3 tasks of cpuBound\(20000\) on \d+ cores$/);
    const serial = variant(run.lines, 'one after another');
    const promiseAll = variant(run.lines, 'Promise.all (one thread)');
    const workers = variant(run.lines, 'worker threads (piscina, 3 threads)');
    // Σ i^1.5 for i = 1..n, computed here by another formula: equal to about 12 digits.
    let expected = 0;
    for (let i = 1; i <= n; i++) expected += i ** 1.5;
    assert.equal(serial.results.length, 3);
    for (const value of serial.results) assert.ok(Math.abs(value - expected) / expected < 1e-12, `${value} vs ${expected}`);
    assert.deepEqual(promiseAll.results, serial.results);
    assert.deepEqual(workers.results, serial.results, 'the worker threads compute the same bits');
    assert.equal(serial.atOnce, 1);
    assert.equal(promiseAll.atOnce, 1, 'Promise.all does not make computing on one thread concurrent');
  });

  it('io-bound.js: results in input order; Promise.all has every task waiting at once', async () => {
    const waits = [0.02, 0.06, 0.02, 0.1];
    const run = await runCommand(process.execPath, [IO_BOUND, ...waits.map(String)]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.lines[0] ?? '', /^io-bound: 4 tasks that wait 0\.02, 0\.06, 0\.02, 0\.1 s/);
    const serial = variant(run.lines, 'one after another (await in a loop)');
    const promiseAll = variant(run.lines, 'Promise.all (one thread, the event loop)');
    const workers = variant(run.lines, 'worker threads (piscina, 4 threads)');
    for (const { results } of [serial, promiseAll, workers]) assert.deepEqual(results, waits);
    assert.equal(serial.atOnce, 1);
    assert.equal(promiseAll.atOnce, 4);
  });

  it('bad options: one line, exit code 2', async () => {
    const cpu = await runCommand(process.execPath, [CPU_BOUND, '--n', 'many']);
    assert.equal(cpu.exitCode, 2);
    assert.equal(cpu.stderr, "cpu-bound: --n must be a whole number of at least 1 (got 'many')\n");
    const io = await runCommand(process.execPath, [IO_BOUND, '0.1', '-3']);
    assert.equal(io.exitCode, 2);
    assert.match(io.stderr, /^io-bound: .*\n$/);
  });
});

describe('examples/threads/race.js', () => {
  it('Atomics.add and one counter per thread give n; the racy counter never more', async () => {
    const run = await runCommand(process.execPath, [built('examples/threads/race.js'), '--n', '200001', '--threads', '4']);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.lines[0], 'race: 4 threads add 1 to a shared counter, 200001 times in all');
    const racy = /^read-then-write \(race\.py\): +(\d+) \((\d+) additions lost\)$/.exec(run.lines[1] ?? '');
    assert.ok(racy !== null, run.stdout);
    assert.ok(Number(racy[1]) <= 200001 && Number(racy[1]) > 0);
    assert.equal(Number(racy[1]) + Number(racy[2]), 200001);
    assert.match(run.lines[2] ?? '', /^Atomics\.add \(race_lock\.py\): +200001$/);
    assert.equal(run.lines[3], 'one counter per thread (race_dup.py): 200001 = 50001 + 50000 + 50000 + 50000');
  });
});
