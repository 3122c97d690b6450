// The programs on a handful of real books: .dat checks from ACF.md, p2p = gather = serial at
// np 1..4, and acf-all's task farm (np 3, dynamic and static) equal to the per-book programs.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { built, runCommand, runJob, sharedOrSkip } from '../helpers/job.js';

const BOOKS = sharedOrSkip('books');
const ACF = built('examples/acf.js');
const ACF_ALL = built('examples/acf-all.js');
const WORDCOUNT = built('examples/wordcount.js');
const ZIPF = built('examples/zipf.js');
const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-acf-books-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const book = (name: string): string => join(BOOKS.path, `${name}.txt`);

async function wordcount(name: string): Promise<string> {
  const out = join(scratch, `${name}.dat`);
  const run = await runCommand(process.execPath, [WORDCOUNT, book(name), out]);
  assert.equal(run.exitCode, 0, run.stderr);
  return out;
}

describe('real books', () => {
  it('wordcount.js .dat files pass the checks of ACF.md', { skip: BOOKS.skip }, async () => {
    const checks: [string, number, string][] = [
      ['pg117', 790, '\ufeffthe 1 0.027925160569673275'],
      ['pg58', 4256, '\ufeffthe 1 0.005200208008320333'],
      ['pg65', 102085, 'the 186 0.17768097667220725'],
    ];
    for (const [name, distinct, bomLine] of checks) {
      const lines = readFileSync(await wordcount(name), 'utf8')
        .trimEnd()
        .split('\n');
      assert.equal(lines.length, distinct, name);
      assert.ok(lines.includes(bomLine), `${name}: ${bomLine}`);
    }
    const pg117 = readFileSync(join(scratch, 'pg117.dat'), 'utf8')
      .split('\n')
      .slice(0, 16)
      .map((line) => line.split(' ')[0]);
    assert.deepEqual(pg117, 'the of gutenberg project to or and you in a tm this with 1 work any'.split(' '));
    const pg45 = readFileSync(await wordcount('pg45'), 'utf8').split('\n');
    assert.deepEqual(
      pg45.slice(15, 17).map((line) => line.split(' ').slice(0, 2).join(' ')),
      ['with 837', 'be 837'],
    );
  });

  for (const name of ['pg58', 'pg50']) {
    it(`${name}: gather and p2p at np 1..4 equal the serial program, with or without the .dat`, { skip: BOOKS.skip }, async () => {
      const dat = await wordcount(name);
      const serial = await runCommand(process.execPath, [ACF, book(name), dat]);
      assert.equal(serial.exitCode, 0, serial.stderr);
      assert.equal(serial.stdout.split('\n').length, 101);
      if (name === 'pg50') assert.notEqual(serial.stdout.split('\n')[0], '1.000000000000000000e+00,1.000000000000000000e+00'); // first token is a top word
      const inMemory = await runCommand(process.execPath, [ACF, book(name)]);
      assert.equal(inMemory.stdout, serial.stdout);
      for (let np = 1; np <= 4; np++) {
        for (const mode of ['gather', 'p2p']) {
          const run = await runJob(['-np', String(np), 'node', ACF, book(name), dat, '--comm', mode]);
          assert.equal(run.exitCode, 0, run.stderr);
          assert.equal(run.stdout, serial.stdout, `np ${np} ${mode}`);
        }
      }
      const scan = await runCommand(process.execPath, [ACF, book(name), '--kernel', 'scan']);
      assert.equal(scan.stdout, serial.stdout, 'the lesson kernel gives the same bytes');
    });
  }

  it('acf-all.js at np 3 writes what wordcount.js and acf.js write, then the sorted zipf table', { skip: BOOKS.skip }, async () => {
    const names = ['pg58', 'pg117', 'pg104', 'pg50', 'pg109'];
    const reference = join(scratch, 'reference');
    rmSync(reference, { recursive: true, force: true });
    await runCommand('mkdir', ['-p', reference]);
    for (const name of names) {
      const dat = join(reference, `${name}.dat`);
      assert.equal((await runCommand(process.execPath, [WORDCOUNT, book(name), dat])).exitCode, 0);
      assert.equal((await runCommand(process.execPath, [ACF, book(name), dat, join(reference, `acf_${name}.csv`)])).exitCode, 0);
    }
    const sorted = [...names].sort().map((name) => join(reference, `${name}.dat`));
    const zipf = await runCommand(process.execPath, [ZIPF, '10', ...sorted]);
    assert.equal(zipf.exitCode, 0, zipf.stderr);

    for (const [np, schedule] of [
      [3, 'dynamic'],
      [3, 'static'],
      [1, 'dynamic'],
    ] as const) {
      const out = join(scratch, `all-${np}-${schedule}`);
      // Progress by --progress, or (np 1) because tsmpirun says its stderr is a terminal.
      const progress = np === 1 ? ['-x', 'TSMPI_STDERR_TTY=1', 'node', ACF_ALL] : ['node', ACF_ALL, '--progress'];
      const run = await runJob(['-np', String(np), ...progress, '--out', out, '--schedule', schedule, ...names.map(book)]);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.match(run.stderr, new RegExp(`^acf-all: 5 books on ${np} ranks? `, 'm'));
      assert.match(run.stderr, /^acf-all: 5\/5 books done, /m);
      assert.deepEqual(readdirSync(out).sort(), [...readdirSync(reference), 'zipf.csv'].sort());
      for (const file of readdirSync(reference))
        assert.equal(readFileSync(join(out, file), 'utf8'), readFileSync(join(reference, file), 'utf8'), `np ${np} ${schedule} ${file}`);
      assert.equal(readFileSync(join(out, 'zipf.csv'), 'utf8'), zipf.stdout.replaceAll(`${reference}/`, ''));
    }
  });
});
