// TSMPI_COLL=linear through tsmpirun: every collective still gives the right results (the
// whole collectives fixture, errors included), and a trace shows the root sending or
// receiving all p − 1 messages of each call itself, in p − 1 rounds.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { built, runJob } from '../helpers/job.js';
import { checkFlows, messageSlices, readTrace } from '../helpers/trace.js';

const dir = mkdtempSync(join(tmpdir(), 'tsmpi-linear-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const LINEAR = { TSMPI_COLL: 'linear' };

describe('TSMPI_COLL=linear', () => {
  for (const np of [1, 3, 5, 8]) {
    it(`every collective, every root, world + Dup + Split, at np ${np}`, async () => {
      const run = await runJob(['-np', String(np), 'node', built('test/fixtures/coll-all.js')], { env: LINEAR, timeoutMs: 240_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.deepEqual(run.lines, ['ok world', 'ok dup', 'ok split', 'ok split-undefined free']);
    });
  }

  it('bad input still rejects with a clear code on every rank at np 4', async () => {
    const run = await runJob(['-np', '4', 'node', built('test/fixtures/coll-errors.js')], { env: LINEAR, timeoutMs: 120_000 });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.lines.at(-1), 'ok still works');
    assert.equal(run.lines.length, 11);
  });

  for (const np of [2, 6]) {
    it(`np ${np}: the trace shows each call's p − 1 messages at the root, in p − 1 rounds`, async () => {
      const file = join(dir, `linear-${np}.json`);
      const run = await runJob(['-np', String(np), '--trace', file, 'node', built('test/fixtures/trace-rooted.js')], {
        env: LINEAR,
        timeoutMs: 120_000,
      });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.deepEqual(run.lines, ['ok']);
      const trace = readTrace(file);
      checkFlows(trace);
      const data = messageSlices(trace, 'send').filter((slice) => slice.args.round !== 'agree' && slice.cat === 'message');
      const of = (call: string): typeof data => data.filter((slice) => slice.args.collective === call);
      const others = Array.from({ length: np - 1 }, (_, index) => index + 1);
      const rounds = others;
      // Out from the root: bcast, scatter, Bcast (a large array too: no scatter-allgather).
      for (const call of ['bcast #0', 'scatter #2', 'Bcast #6']) {
        assert.deepEqual(
          of(call).map((slice) => slice.pid),
          new Array<number>(np - 1).fill(0),
          call,
        );
        assert.deepEqual(
          of(call)
            .map((slice) => slice.args.peer)
            .sort((a, b) => (a as number) - (b as number)),
          others,
          call,
        );
        assert.deepEqual(
          of(call)
            .map((slice) => slice.args.round)
            .sort((a, b) => (a as number) - (b as number)),
          rounds,
          call,
        );
      }
      // In to the root: gather, reduce.
      for (const call of ['gather #1', 'reduce #3']) {
        assert.deepEqual(
          of(call).map((slice) => slice.args.peer),
          new Array<number>(np - 1).fill(0),
          call,
        );
        assert.deepEqual(
          of(call)
            .map((slice) => slice.pid)
            .sort((a, b) => a - b),
          others,
          call,
        );
      }
      // Both ways through the root: allreduce, allgather, Allreduce (large: no ring or Rabenseifner).
      for (const call of ['allreduce #4', 'allgather #5', 'Allreduce #7']) {
        assert.equal(of(call).length, 2 * (np - 1), call);
        assert.equal(of(call).filter((slice) => slice.pid === 0).length, np - 1, call);
        assert.ok(
          of(call).every((slice) => slice.pid === 0 || slice.args.peer === 0),
          call,
        );
      }
      const algorithms = trace.traceEvents
        .filter((event) => event.cat === 'collective')
        .map((event) => (event.args as { algorithm: string }).algorithm);
      assert.deepEqual([...new Set(algorithms)], ['linear']);
    });
  }

  it('refuses a mode it does not know, naming the valid ones', async () => {
    const run = await runJob(['-np', '2', 'node', built('test/fixtures/trace-rooted.js')], {
      env: { TSMPI_COLL: 'loop' },
      timeoutMs: 60_000,
    });
    assert.notEqual(run.exitCode, 0);
    assert.match(run.stderr, /init: TSMPI_COLL=loop is not a collective mode; valid: linear, auto/);
  });
});
