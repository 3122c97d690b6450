// The collective examples through tsmpirun, checked by what they print.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { built, runJob } from '../helpers/job.js';

describe('collective examples', () => {
  for (const np of [1, 3, 4]) {
    it(`pi at np ${np}: bcast the intervals, reduce the sums; same digits at every run`, async () => {
      const first = await runJob(['-np', String(np), 'node', built('examples/pi.js'), '200000']);
      assert.equal(first.exitCode, 0, first.stderr);
      const match = /^pi is approximately (3\.\d{16}), error (\S+)$/.exec(first.lines[0] ?? '');
      assert.ok(match, first.stdout);
      assert.ok(Math.abs(Number(match[1]) - Math.PI) < 1e-9);
      assert.match(first.lines[1] ?? '', new RegExp(`^200000 intervals on ${np} ranks in \\d+\\.\\d{3} s$`));
      const second = await runJob(['-np', String(np), 'node', built('examples/pi.js'), '200000']);
      assert.equal(second.lines[0], first.lines[0]);
    });
  }

  it('pi rejects a bad interval count', async () => {
    const run = await runJob(['-np', '2', 'node', built('examples/pi.js'), 'many']);
    assert.notEqual(run.exitCode, 0);
    assert.match(run.stderr, /pi: the number of intervals must be a positive integer \(got many\)/);
  });

  it('collectives on 4 ranks prints what each collective does', async () => {
    const run = await runJob(['-np', '4', 'node', built('examples/collectives.js')]);
    assert.equal(run.exitCode, 0, run.stderr);
    const section = (title: string): string[] => {
      const at = run.lines.findIndex((line) => line.startsWith(title));
      assert.ok(at >= 0, `no section ${title}`);
      return run.lines.slice(at + 1, at + 5).map((line) => line.replace(/^ {2}rank \d: /, ''));
    };
    assert.deepEqual(section('bcast('), new Array(4).fill('"hello from the root"'));
    assert.deepEqual(section('scatter('), ['"item 0"', '"item 1"', '"item 2"', '"item 3"']);
    assert.deepEqual(section('gather('), ['[0,1,4,9]', 'undefined', 'undefined', 'undefined']);
    assert.deepEqual(section('allgather('), new Array(4).fill('[0,1,4,9]'));
    assert.deepEqual(
      section('alltoall('),
      [0, 1, 2, 3].map((d) => JSON.stringify([0, 1, 2, 3].map((s) => `${s}->${d}`))),
    );
    assert.deepEqual(section('reduce('), ['10', 'undefined', 'undefined', 'undefined']);
    assert.deepEqual(section('allreduce('), new Array(4).fill('4'));
    assert.deepEqual(section('scan('), ['1 / undefined', '3 / 1', '6 / 3', '10 / 6']);
    assert.equal(run.lines.length, 9 * 5);
  });

  for (const np of [1, 4, 5]) {
    it(`allreduce at np ${np}: the global average on every rank`, async () => {
      const run = await runJob(['-np', String(np), 'node', built('examples/allreduce.js'), '100']);
      assert.equal(run.exitCode, 0, run.stderr);
      // Rank r holds r, ..., r + 99: the average is 49.5 + (np - 1) / 2.
      const average = 49.5 + (np - 1) / 2;
      assert.match(
        run.lines[0] ?? '',
        new RegExp(`^${100 * np} samples on ${np} ranks: average ${average}, standard deviation \\d+\\.\\d{6}$`),
      );
      assert.equal(run.lines.length, 1);
    });
  }
});
