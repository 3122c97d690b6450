// The lesson's multiprocessing and ipyparallel samples with tsmpi's Pool and Cluster
// (examples/lesson/mp-map.ts, mp-starmap.ts, ipyparallel-hello.ts) and its multiprocessing ACF
// exercise (examples/lesson/acf-pool.ts): what they print, and the ACF's bytes against acf.js.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { built, runCommand, sharedOrSkip } from '../helpers/job.js';

const BOOKS = sharedOrSkip('books');
const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-lesson-pool-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const squares = Array.from({ length: 20 }, (_, x) => x * x);

describe('examples/lesson: Pool and Cluster', () => {
  for (const program of ['mp-map', 'mp-starmap']) {
    it(`${program}.js prints the number of cores and the squares of 0..19, in order`, async () => {
      const run = await runCommand(process.execPath, [built(`examples/lesson/${program}.js`)]);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.match(run.lines[0] ?? '', /^Number of CPU cores: \d+$/);
      assert.deepEqual(JSON.parse(run.lines[1] ?? ''), squares);
    });
  }

  it('ipyparallel-hello.js: every engine answers with its rank, in rank order', async () => {
    for (const engines of [4, 3]) {
      const run = await runCommand(process.execPath, [built('examples/lesson/ipyparallel-hello.js'), String(engines)]);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.deepEqual(
        run.lines,
        Array.from({ length: engines }, (_, rank) => `Hello World from rank ${rank}. Total ranks=${engines}`),
      );
    }
  });

  it('acf-pool.js writes what acf.js writes', { skip: BOOKS.skip }, async () => {
    const book = join(BOOKS.path, 'pg58.txt');
    const dat = join(scratch, 'pg58.dat');
    assert.equal((await runCommand(process.execPath, [built('examples/wordcount.js'), book, dat])).exitCode, 0);
    const serial = await runCommand(process.execPath, [built('examples/acf.js'), book, dat]);
    assert.equal(serial.exitCode, 0, serial.stderr);
    const out = join(scratch, 'acf.csv');
    const run = await runCommand(process.execPath, [built('examples/lesson/acf-pool.js'), book, dat, out, '3']);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stderr, /acf-pool: 16 words on 3 processes in [\d.]+ s/);
    assert.equal(readFileSync(out, 'utf8'), serial.stdout);
  });
});
