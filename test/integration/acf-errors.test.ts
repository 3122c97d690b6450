// Bad input to the word-count and ACF programs: one clear line, a non-zero exit, no stack trace,
// no hang — at np 1 without the launcher and through tsmpirun with several ranks.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { built, runCommand, runJob, sharedOrSkip, type JobRun } from '../helpers/job.js';

const EXAMPLES = sharedOrSkip('acf-examples');
const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-acf-errors-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const EMPTY = join(scratch, 'empty.txt');
const BLANK = join(scratch, 'blank.txt');
const LATIN1 = join(scratch, 'latin1.txt');
const GOOD = join(scratch, 'good.txt');
writeFileSync(EMPTY, '');
writeFileSync(BLANK, ' -- ... \r\n');
writeFileSync(LATIN1, Buffer.from('caf\xe9 au lait\n', 'latin1'));
writeFileSync(GOOD, 'a b a c a b a c a b\n');

/** The program's own lines on stderr (the launcher adds its own `tsmpirun:` line about the exit). */
function ownLines(run: JobRun): string[] {
  return run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('tsmpirun:'));
}

/** One line `program: <message>`, the exit code, no stack trace. */
function assertOneLine(run: JobRun, program: string, message: RegExp, exitCode: number, what: string): void {
  assert.equal(run.exitCode, exitCode, `${what}: exit code; stderr: ${run.stderr}`);
  const lines = ownLines(run);
  assert.equal(lines.length, 1, `${what}: expected one line, got:\n${run.stderr}`);
  assert.ok(lines[0]?.startsWith(`${program}: `), `${what}: ${lines[0]}`);
  assert.match(lines[0] ?? '', message, what);
  assert.doesNotMatch(run.stderr, /\n\s+at /, `${what}: stack trace`);
  assert.equal(run.stdout, '', `${what}: stdout`);
}

/** Run `program args` at np 1 without the launcher and at np 3 (and 2) through it. */
async function everywhere(program: string, args: string[], message: RegExp, exitCode: number): Promise<void> {
  const file = built(`examples/${program}.js`);
  assertOneLine(
    await runCommand(process.execPath, [file, ...args], { timeoutMs: 30_000 }),
    program,
    message,
    exitCode,
    `${program} ${args.join(' ')} (no launcher)`,
  );
  for (const np of [2, 3]) {
    assertOneLine(
      await runJob(['-np', String(np), 'node', file, ...args], { timeoutMs: 30_000 }),
      program,
      message,
      exitCode,
      `${program} ${args.join(' ')} (np ${np})`,
    );
  }
}

describe('acf.js bad input', () => {
  it('a missing book', () => everywhere('acf', ['no-such-book.txt'], /^acf: cannot read book 'no-such-book\.txt': no such file$/, 1));
  it('an empty text', () => everywhere('acf', [EMPTY], /contains no words$/, 1));
  it('a text with no words', () => everywhere('acf', [BLANK], /contains no words$/, 1));
  it('bytes that are not UTF-8', () => everywhere('acf', [LATIN1], /is not UTF-8 text \(byte 0xe9 at offset 3\)$/, 1));
  it('a missing .dat file', () =>
    everywhere('acf', [GOOD, join(scratch, 'none.dat')], /cannot read word-count file '.*none\.dat': no such file$/, 1));
  it('a .dat file that is not a word count', () => everywhere('acf', [GOOD, GOOD], /good\.txt' line 1 is not 'word count percent'/, 1));
  it('a .dat file of another book', { skip: EXAMPLES.skip }, () =>
    everywhere(
      'acf',
      [GOOD, join(EXAMPLES.path, 'ex1.dat')],
      /ex1\.dat' does not match '.*good\.txt': the word "the" occurs 0 times in the book, not 3/,
      1,
    ),
  );
  it('an output file that cannot be written', () =>
    everywhere(
      'acf',
      [GOOD, '--out', join(scratch, 'no-dir', 'x.csv')],
      /cannot write ACF file '.*x\.csv': no such directory '.*no-dir'$/,
      1,
    ));
  it(
    'an output file where no file can be created, even by root',
    { skip: existsSync('/proc/self') ? false : 'no /proc on this system' },
    () =>
      everywhere(
        'acf',
        [GOOD, '--out', '/proc/acf.csv'],
        /cannot write ACF file '\/proc\/acf\.csv': (no file can be created there|permission denied)$/,
        1,
      ),
  );
  it('an endless input is refused, not read until memory runs out', { skip: existsSync('/dev/zero') ? false : 'no /dev/zero' }, () =>
    everywhere('acf', ['/dev/zero'], /cannot read book '\/dev\/zero': it is larger than 256 MiB$/, 1),
  );
  it('a number of lags that could only run out of memory', () =>
    everywhere('acf', [GOOD, '--timesteps', '100000000'], /--timesteps must be at most 1000000 \(got '100000000'\)$/, 2));
  it('bad options', async () => {
    await everywhere('acf', [GOOD, '--comm', 'bcast'], /--comm must be 'gather' or 'p2p' \(got 'bcast'\)/, 2);
    await everywhere('acf', [GOOD, '--nwords', '0'], /--nwords must be a whole number of at least 1 \(got '0'\)/, 2);
    await everywhere('acf', ['--timesteps', 'many'], /--timesteps must be a whole number/, 2);
    await everywhere('acf', [GOOD, '--frobnicate'], /Unknown option '--frobnicate'/, 2);
    await everywhere('acf', [GOOD, 'a.dat', 'out.csv', 'extra'], /too many arguments/, 2);
  });
});

describe('acf-all.js bad input', () => {
  it('no books', () => everywhere('acf-all', ['--out', join(scratch, 'none')], /^acf-all: no books given; usage/, 2));
  it('a missing book (checked before any work)', () =>
    everywhere(
      'acf-all',
      ['--out', join(scratch, 'm'), GOOD, 'no-such-book.txt'],
      /cannot read book 'no-such-book\.txt': no such file$/,
      1,
    ));
  it('a bad book found by a worker stops the farm', async () => {
    const books = [GOOD, LATIN1, GOOD.replace('good', 'good2'), EMPTY];
    writeFileSync(books[2] ?? '', 'x y z\n');
    await everywhere('acf-all', ['--out', join(scratch, 'farm'), ...books], /is not UTF-8 text|contains no words/, 1);
  });
  it(
    'an output directory that cannot be created (never spins)',
    { skip: existsSync('/proc/self') ? false : 'no /proc on this system' },
    () =>
      everywhere(
        'acf-all',
        ['--out', '/proc/tsmpi-out', GOOD],
        /cannot create the output directory '\/proc\/tsmpi-out': (no directory can be created there|permission denied)$/,
        1,
      ),
  );
  it('an output directory below a file', () =>
    everywhere(
      'acf-all',
      ['--out', join(GOOD, 'out'), GOOD],
      /cannot create the output directory '.*good\.txt\/out': '.*good\.txt' is not a directory$/,
      1,
    ));
  it('too many lags', () =>
    everywhere('acf-all', ['--out', join(scratch, 'lags'), '--timesteps', '2000000', GOOD], /--timesteps must be at most 1000000/, 2));
  it('two books with the same name', () =>
    everywhere('acf-all', ['--out', join(scratch, 'dup'), GOOD, `${scratch}/./good.txt`], /would both write good\.dat/, 2));
});

describe('wordcount.js and zipf.js bad input', () => {
  it('a missing argument', async () => {
    assertOneLine(
      await runCommand(process.execPath, [built('examples/wordcount.js'), GOOD]),
      'wordcount',
      /expected 2 or 3 arguments; usage: wordcount\.js BOOK\.txt OUT\.dat \[MIN_LENGTH\]/,
      2,
      'wordcount',
    );
    assertOneLine(await runCommand(process.execPath, [built('examples/zipf.js')]), 'zipf', /missing N; usage/, 2, 'zipf');
  });
  it('a missing or malformed file', async () => {
    assertOneLine(
      await runCommand(process.execPath, [built('examples/wordcount.js'), 'nope.txt', join(scratch, 'x.dat')]),
      'wordcount',
      /cannot read book 'nope\.txt': no such file/,
      1,
      'wordcount',
    );
    assertOneLine(
      await runCommand(process.execPath, [built('examples/wordcount.js'), LATIN1, join(scratch, 'x.dat')]),
      'wordcount',
      /not UTF-8 text/,
      1,
      'wordcount latin1',
    );
    assertOneLine(
      await runCommand(process.execPath, [built('examples/wordcount.js'), GOOD, join(scratch, 'x.dat'), 'three']),
      'wordcount',
      /MIN_LENGTH must be an integer/,
      2,
      'wordcount min',
    );
    assertOneLine(
      await runCommand(process.execPath, [built('examples/zipf.js'), '3', 'nope.dat']),
      'zipf',
      /cannot read word-count file 'nope\.dat'/,
      1,
      'zipf',
    );
    assertOneLine(
      await runCommand(process.execPath, [built('examples/zipf.js'), 'ten', GOOD]),
      'zipf',
      /N must be a whole number/,
      2,
      'zipf N',
    );
  });
  it('an empty text gives an empty .dat file, as in the lesson', async () => {
    const out = join(scratch, 'empty.dat');
    const run = await runCommand(process.execPath, [built('examples/wordcount.js'), EMPTY, out]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal((await runCommand('cat', [out])).stdout, '');
  });
});
