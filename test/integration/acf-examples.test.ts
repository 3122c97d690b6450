// The word-count and ACF programs on the worked examples (ACF.md section 13), through tsmpirun
// at np 1..4 in both collection modes, and without the launcher.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { built, runCommand, runJob, sharedOrSkip } from '../helpers/job.js';

const EXAMPLES = sharedOrSkip('acf-examples');
const NAMES = ['ex1', 'ex2', 'ex3_bom_crlf', 'ex4_chars', 'ex5_ties'];
const ACF = built('examples/acf.js');
const WORDCOUNT = built('examples/wordcount.js');
const ZIPF = built('examples/zipf.js');
const scratch = mkdtempSync(join(tmpdir(), 'tsmpi-acf-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const example = (file: string): string => join(EXAMPLES.path, file);
const expected = (file: string): string => readFileSync(example(file), 'utf8');

describe('wordcount.js', () => {
  for (const name of NAMES) {
    it(`writes ${name}.dat byte for byte and prints nothing`, { skip: EXAMPLES.skip }, async () => {
      const out = join(scratch, `${name}.dat`);
      const run = await runCommand(process.execPath, [WORDCOUNT, example(`${name}.txt`), out]);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.equal(run.stdout + run.stderr, '');
      assert.equal(readFileSync(out, 'utf8'), expected(`${name}.dat`));
    });
  }

  it('MIN_LENGTH drops short words before the percentages', { skip: EXAMPLES.skip }, async () => {
    const out = join(scratch, 'ex1-min3.dat');
    const run = await runCommand(process.execPath, [WORDCOUNT, example('ex1.txt'), out, '3']);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(readFileSync(out, 'utf8'), 'the 3 37.5\ncat 2 25.0\nsat 1 12.5\nhat 1 12.5\nmat 1 12.5\n');
  });
});

describe('zipf.js', () => {
  it('prints the table in argument order, the name being the path minus 4 characters', { skip: EXAMPLES.skip }, async () => {
    const run = await runCommand(process.execPath, [ZIPF, '3', example('ex2.dat'), example('ex1.dat')]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.stdout, 'Book,word1,word2,word3\nex2,5,3,2\nex1,3,2,1\n');
  });

  it('--plot writes a log-log chart with one line per book', { skip: EXAMPLES.skip }, async () => {
    const svg = join(scratch, 'zipf.svg');
    const run = await runCommand(process.execPath, [ZIPF, '2', example('ex2.dat'), example('ex1.dat'), '--plot', svg]);
    assert.equal(run.exitCode, 0, run.stderr);
    const text = readFileSync(svg, 'utf8');
    assert.equal(text.match(/<polyline /g)?.length, 2);
    assert.ok(text.includes('>rank</text>') && text.includes('>count</text>'));
  });
});

describe('acf.js on the worked examples', () => {
  for (const name of NAMES) {
    it(`${name}: the serial file at np 1..4, gather and p2p`, { skip: EXAMPLES.skip }, async () => {
      for (let np = 1; np <= 4; np++) {
        for (const mode of ['gather', 'p2p']) {
          const run = await runJob(['-np', String(np), 'node', ACF, example(`${name}.txt`), example(`${name}.dat`), '--comm', mode]);
          assert.equal(run.exitCode, 0, `np ${np} ${mode}: ${run.stderr}`);
          assert.equal(run.stdout, expected(`acf_${name}.csv`), `np ${np} ${mode}`);
          assert.match(run.stderr, new RegExp(`^acf: ${name}: \\d+ words on ${np} ranks? \\(${mode}\\): `, 'm'));
        }
      }
    });
  }

  it('np 17: rank 16 has no words and still takes part (gather and p2p)', { skip: EXAMPLES.skip }, async () => {
    for (const mode of ['gather', 'p2p']) {
      const run = await runJob(['-np', '17', 'node', ACF, example('ex5_ties.txt'), '--comm', mode, '--verbose'], { timeoutMs: 180_000 });
      assert.equal(run.exitCode, 0, run.stderr);
      assert.equal(run.stdout, expected('acf_ex5_ties.csv'), mode);
      assert.ok(run.stderr.includes('My rank number is 16 and first, last = 16, 16: (no words)'), run.stderr);
    }
  });

  it('without a .dat file (counts in memory) and without the launcher: the same bytes', { skip: EXAMPLES.skip }, async () => {
    for (const name of NAMES) {
      const run = await runCommand(process.execPath, [ACF, example(`${name}.txt`)]);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.equal(run.stdout, expected(`acf_${name}.csv`), name);
    }
  });

  it("--divide-by-nwords reproduces the lesson's MPI files (divided by 16)", { skip: EXAMPLES.skip }, async () => {
    for (const name of ['ex1', 'ex2', 'ex3_bom_crlf']) {
      const run = await runJob(['-np', '4', 'node', ACF, example(`${name}.txt`), example(`${name}.dat`), '--divide-by-nwords']);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.equal(run.stdout, expected(`mpi16_acf_${name}.csv`), name);
    }
  });

  it("--verbose prints each rank's share as the lesson does (ex2 at np 4: ranks 1-3 have no words)", { skip: EXAMPLES.skip }, async () => {
    const run = await runJob(['-np', '4', 'node', ACF, example('ex2.txt'), example('ex2.dat'), '--verbose']);
    assert.equal(run.exitCode, 0, run.stderr);
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('My rank number'));
    const lesson = expected('mpi16_ex2_np4.stdout.txt').trimEnd().split('\n').sort();
    assert.deepEqual(lines.map((line) => line.replace(/:.*$/, '')).sort(), lesson);
    assert.ok(lines.includes('My rank number is 0 and first, last = 0, 4: "a" "b" "c"'), lines.join('\n'));
    assert.ok(lines.includes('My rank number is 3 and first, last = 12, 16: (no words)'), lines.join('\n'));
  });

  it('writes OUT (third argument or --out) instead of stdout; --plot draws the ACF', { skip: EXAMPLES.skip }, async () => {
    const out = join(scratch, 'acf_ex1.csv');
    const svg = join(scratch, 'acf_ex1.svg');
    const run = await runJob(['-np', '2', 'node', ACF, example('ex1.txt'), example('ex1.dat'), out, '--plot', svg]);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.equal(readFileSync(out, 'utf8'), expected('acf_ex1.csv'));
    const text = readFileSync(svg, 'utf8');
    assert.ok(text.includes('Word autocorrelation of ex1'));
    assert.ok(text.includes('>lag (words)</text>') && text.includes('>average ACF</text>'));
    const again = await runCommand(process.execPath, [ACF, example('ex1.txt'), '--out', out, '--comm', 'p2p']);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.equal(readFileSync(out, 'utf8'), expected('acf_ex1.csv'));
  });
});

describe('--help', () => {
  it('each program prints its usage once and exits 0', async () => {
    for (const program of ['wordcount', 'zipf']) {
      const run = await runCommand(process.execPath, [built(`examples/${program}.js`), '--help']);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^usage: ${program}\\.js `));
    }
    for (const program of ['acf', 'acf-all']) {
      const run = await runJob(['-np', '2', 'node', built(`examples/${program}.js`), '--help']);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.equal(run.lines.length, 1, run.stdout);
      assert.match(run.stdout, new RegExp(`^usage: ${program}\\.js `));
    }
  });
});

describe('acf.js with the built-in generated text', () => {
  it('runs with no arguments; np 1 and np 3 (gather, p2p) give the same 100 rows', async () => {
    const serial = await runCommand(process.execPath, [ACF]);
    assert.equal(serial.exitCode, 0, serial.stderr);
    const rows = serial.stdout.split('\n');
    assert.equal(rows.length, 101);
    assert.equal(rows[0], '1.000000000000000000e+00,1.000000000000000000e+00');
    assert.match(serial.stderr, /^acf: generated Zipf text: 16 words on 1 rank \(gather\)/m);
    for (const mode of ['gather', 'p2p']) {
      const run = await runJob(['-np', '3', 'node', ACF, '--comm', mode]);
      assert.equal(run.exitCode, 0, run.stderr);
      assert.equal(run.stdout, serial.stdout, mode);
    }
  });

  it('--timesteps and --nwords change the shape; the lags kept are unchanged', async () => {
    const full = await runCommand(process.execPath, [ACF, '--nwords', '5']);
    const short = await runJob(['-np', '2', 'node', ACF, '--nwords', '5', '--timesteps', '20']);
    assert.equal(short.exitCode, 0, short.stderr);
    assert.equal(short.stdout, full.stdout.split('\n').slice(0, 20).join('\n') + '\n');
    assert.match(short.stderr, /5 words on 2 ranks/);
  });
});
