// The MPI word-autocorrelation exercise (examples/exercises/): the solution passes check-acf's runs
// (np 1..4, p2p and gather, through tsmpirun), the faded version as shipped fails them naming the
// blank to fill in, and a wrong answer or a deadlock is reported as such.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { built, runCommand, runJob, sharedOrSkip } from '../helpers/job.js';

const CHECK = built('examples/exercises/check-acf.js');
const SOLUTION = built('examples/exercises/acf-mpi.js');
const WRONG = built('test/fixtures/acf-wrong.js');
const ACF = built('examples/acf.js');
const WORDCOUNT = built('examples/wordcount.js');
const BOOKS = sharedOrSkip('books');
const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-exercise-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('the ACF exercise and its checker', () => {
  it('the solution passes every run', async () => {
    const run = await runCommand(process.execPath, [CHECK, SOLUTION], { timeoutMs: 300_000 });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    for (let np = 1; np <= 4; np++) {
      for (const mode of ['p2p', 'gather'])
        assert.ok(
          run.lines.some((line) => new RegExp(`^np ${np}, --comm ${mode}: +ok$`).test(line)),
          `np ${np} ${mode}:\n${run.stdout}`,
        );
    }
    assert.equal(run.lines.at(-1), 'check-acf: all 8 runs give the serial result');
  });

  it('the faded version, as shipped, fails every run and says which blank to fill in', async () => {
    const run = await runCommand(process.execPath, [CHECK], { timeoutMs: 300_000 });
    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    assert.match(run.lines[0] ?? '', /^check-acf: checking .*acf-faded\.js on a generated text/);
    assert.equal(run.lines.at(-1), 'check-acf: 8 of 8 runs failed');
    assert.match(
      run.stdout,
      /np 1, --comm p2p: +FAILED: the program stopped \(exit code 1\):\n.*\n +\[rank 0\] Error: acf-faded: fill in the blank: in aveWordAcfP2p, which rank collects the results\?/,
    );
    assert.match(
      run.stdout,
      /np 3, --comm gather: +FAILED: .*\n(.*\n)*? +\[rank \d\] Error: acf-faded: fill in the blank: in aveWordAcfGather, one collective call/,
    );
    assert.doesNotMatch(run.stdout, /^\s+(\[rank \d+\]\s*)?at /m, 'no stack frames');
  });

  it('a wrong sum and a deadlock are reported as such', async () => {
    const run = await runCommand(process.execPath, [CHECK, WRONG, '--np', '2', '--timeout', '5'], { timeoutMs: 120_000 });
    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /np 2, --comm p2p: +FAILED: the ACF file differs from the serial result at row 1 \(lag 0\): expected 1\.000000000000000000e\+00,1\.000000000000000000e\+00, got /,
    );
    assert.match(
      run.stdout,
      /np 2, --comm gather: +FAILED: deadlock: every rank waits for a message no rank will send\. Is every recv matched by a send.*\n(.*\n)*? +tsmpirun: deadlock: rank 0 waits in recv\(source=1, tag=99\) for rank 1, which has finished/,
    );
  });

  it('the solution writes what acf.js writes, on a real book', { skip: BOOKS.skip }, async () => {
    const book = join(BOOKS.path, 'pg58.txt');
    const dat = join(scratch, 'pg58.dat');
    assert.equal((await runCommand(process.execPath, [WORDCOUNT, book, dat])).exitCode, 0);
    const serial = await runCommand(process.execPath, [ACF, book, dat]);
    assert.equal(serial.exitCode, 0, serial.stderr);
    for (const mode of ['p2p', 'gather']) {
      const out = join(scratch, `acf-${mode}.csv`);
      writeFileSync(out, '');
      const run = await runJob(['-np', '3', 'node', SOLUTION, book, dat, out, '--comm', mode]);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.match(run.stderr, /My rank number is 2 and first, last = 11, 16/);
      assert.equal(readFileSync(out, 'utf8'), serial.stdout, mode);
    }
    // Imported rather than run (cluster.run's way): its mpiAcf export gives the same ACF on rank 0.
    const imported = await runJob(['-np', '3', 'node', built('test/fixtures/acf-import.js'), book, dat]);
    assert.equal(imported.exitCode, 0, imported.stderr);
    assert.equal(imported.stdout, serial.stdout);
  });

  it('bad command lines: one line, exit code 2', async () => {
    const solution = await runJob(['-np', '2', 'node', SOLUTION, 'only-one-argument']);
    assert.equal(solution.exitCode, 2);
    assert.match(solution.stderr, /acf-mpi: expected 3 arguments; usage: acf-mpi\.js BOOK\.txt BOOK\.dat OUT\.csv/);
    const check = await runCommand(process.execPath, [CHECK, join(scratch, 'absent.js')]);
    assert.equal(check.exitCode, 1);
    assert.match(check.stderr, /^check-acf: cannot find the program '.*absent\.js' \(build it first: npm run build\)\n$/);
  });
});
