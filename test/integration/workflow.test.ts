// The Snakemake workflow (examples/workflow/Snakefile) on a few real books: the same files, byte for
// byte, as acf-all.js, with acf.js run directly and through tsmpirun (np=2). Needs Debian's
// snakemake and the shared books; skips with the reason otherwise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { built, ROOT, runCommand, runJob, sharedOrSkip } from '../helpers/job.js';

const SNAKEFILE = join(ROOT, 'examples/workflow/Snakefile');
const BOOKS = sharedOrSkip('books');
const snakemake = spawnSync('snakemake', ['--version'], { encoding: 'utf8' });
const SKIP =
  snakemake.status !== 0
    ? `snakemake is not installed (${snakemake.error?.message ?? snakemake.stderr.trim()}); apt-get install snakemake`
    : BOOKS.skip;
const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-workflow-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** pg50 has no byte-order mark; pg117 and pg104 are small; pg58 is the lesson's example. */
const NAMES = ['pg58', 'pg117', 'pg104', 'pg50'];

function snake(cores: number, config: readonly string[]) {
  return runCommand('snakemake', ['--cores', String(cores), '--snakefile', SNAKEFILE, '--config', ...config, `node=${process.execPath}`], {
    cwd: scratch,
    timeoutMs: 300_000,
  });
}

function files(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name), 'latin1')]),
  );
}

describe('examples/workflow/Snakefile', { skip: SKIP }, () => {
  const books = join(scratch, 'books');
  const reference = join(scratch, 'reference');

  it('writes the .dat, ACF and zipf files of acf-all.js, byte for byte', async () => {
    mkdirSync(books);
    for (const name of NAMES) copyFileSync(join(BOOKS.path, `${name}.txt`), join(books, `${name}.txt`));
    const all = await runJob([
      '-np',
      '3',
      'node',
      built('examples/acf-all.js'),
      '--out',
      reference,
      ...NAMES.map((name) => join(books, `${name}.txt`)),
    ]);
    assert.equal(all.exitCode, 0, all.stderr);
    const expected = files(reference);
    assert.equal(expected.size, 2 * NAMES.length + 1);

    const run = await snake(2, ['books=books', 'out=out']);
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.deepEqual(files(join(scratch, 'out')), expected);
  });

  it('the same files with every acf.js run through tsmpirun on 2 ranks (np=2)', async () => {
    const run = await snake(2, ['books=books', 'out=out-np2', 'np=2']);
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.match(run.stderr, /acf: pg58: 16 words on 2 ranks \(gather\)/);
    assert.deepEqual(files(join(scratch, 'out-np2')), files(reference));
  });

  it('a directory without books: one message, non-zero exit', async () => {
    mkdirSync(join(scratch, 'empty'));
    const run = await snake(1, ['books=empty', 'out=nothing']);
    assert.notEqual(run.exitCode, 0);
    assert.match(run.stdout + run.stderr, /no books: empty has no \*\.txt files \(give the directory with --config books=DIR\)/);
  });
});
