// check-acf: checks a solution of the MPI word-autocorrelation exercise. It runs the program through
// tsmpirun with 1 to 4 ranks, with --comm p2p and with --comm gather, and compares each ACF file with
// the serial result, computed here by the same rules as acf.js.
//
//   node dist/examples/exercises/check-acf.js [PROGRAM.js] [--book BOOK.txt] [--np 1,2,3,4] [--timeout SECONDS]
//
// PROGRAM defaults to acf-faded.js (the exercise as given, which fails until its blanks are filled
// in). Without --book it uses a generated text of 20,000 words. Prints one line per run and exits 0
// when every run gives the serial result byte for byte, 1 otherwise (2 for a wrong command line).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { averageAcf, DEFAULT_NWORDS, DEFAULT_TIMESTEPS, formatAcfCsv } from '../lib/acf.js';
import { attempt, failAndExit, integerOption, UsageError } from '../lib/cli.js';
import { generateZipfText } from '../lib/generated-text.js';
import { countWords, formatDat, InputError, readBookWords } from '../lib/words.js';

const USAGE = 'usage: check-acf.js [PROGRAM.js] [--book BOOK.txt] [--np 1,2,3,4] [--timeout SECONDS]';
const LAUNCHER = fileURLToPath(new URL('../../launcher/tsmpirun.cjs', import.meta.url));
const MODES = ['p2p', 'gather'] as const;

const setup = attempt(() => parseCommandLine(process.argv.slice(2)));
if (setup.error !== null) failAndExit('check-acf', setup.error);
const options = setup.value;
if (options === null) {
  process.stdout.write(`${USAGE}\n`);
} else {
  const scratch = mkdtempSync(join(tmpdir(), 'check-acf-'));
  try {
    process.exitCode = await check(options, scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

interface Options {
  readonly program: string;
  readonly book: string | undefined;
  readonly ranks: readonly number[];
  readonly timeoutSeconds: number;
}

async function check(options: Options, scratch: string): Promise<number> {
  // The book, its word counts (as wordcount.js writes them) and the serial ACF (as acf.js computes it).
  const book = options.book ?? join(scratch, 'generated.txt');
  if (options.book === undefined) writeFileSync(book, generateZipfText(20_000));
  const words = readBookWords(book);
  if (words.length === 0) throw new InputError(`'${book}' contains no words`);
  const counts = countWords(words);
  const dat = join(scratch, 'book.dat');
  writeFileSync(dat, formatDat(counts));
  const top = counts.slice(0, DEFAULT_NWORDS).map(({ word }) => word);
  const expected = formatAcfCsv(averageAcf(words, top, DEFAULT_TIMESTEPS));

  const what = options.book === undefined ? 'a generated text of 20000 words' : book;
  console.log(`check-acf: checking ${options.program} on ${what} (${top.length} top words, ${DEFAULT_TIMESTEPS} lags)`);
  let failed = 0;
  let runs = 0;
  for (const np of options.ranks) {
    for (const mode of MODES) {
      runs++;
      const out = join(scratch, `acf-np${np}-${mode}.csv`);
      const verdict = await runOne(options, np, mode, book, dat, out, expected);
      if (verdict !== null) failed++;
      console.log(`${`np ${np}, --comm ${mode}:`.padEnd(22)}${verdict === null ? 'ok' : `FAILED: ${verdict}`}`);
    }
  }
  console.log(failed === 0 ? `check-acf: all ${runs} runs give the serial result` : `check-acf: ${failed} of ${runs} runs failed`);
  return failed === 0 ? 0 : 1;
}

/** Runs the program once; null when its file equals the serial result, else what went wrong. */
async function runOne(
  options: Options,
  np: number,
  mode: string,
  book: string,
  dat: string,
  out: string,
  expected: string,
): Promise<string | null> {
  const args = [
    LAUNCHER,
    '--timeout',
    String(options.timeoutSeconds),
    '-np',
    String(np),
    process.execPath,
    options.program,
    book,
    dat,
    out,
    '--comm',
    mode,
  ];
  const { code, stderr } = await run(process.execPath, args);
  if (code === 125)
    return `deadlock: every rank waits for a message no rank will send. Is every recv matched by a send, and does every rank call the collective?\n${indent(stderr)}`;
  if (code === 124)
    return `no result within ${options.timeoutSeconds} s. Is every recv matched by a send, and does every rank call the collective?\n${indent(stderr)}`;
  if (code !== 0) return `the program stopped (exit code ${code}):\n${indent(stderr)}`;
  if (!existsSync(out)) return 'the program ran but wrote no ACF file (rank 0 writes it from what the collecting function returns)';
  return compare(readFileSync(out, 'utf8'), expected);
}

/** The first difference between the ACF file and the serial one, or null. */
function compare(actual: string, expected: string): string | null {
  if (actual === expected) return null;
  const got = actual.split('\n');
  const want = expected.split('\n');
  for (let index = 0; index < want.length; index++) {
    if (got[index] !== want[index]) {
      const lag = `row ${index + 1} (lag ${index})`;
      return got[index] === undefined
        ? `the ACF file ends at row ${index}; it should have ${want.length - 1} rows`
        : `the ACF file differs from the serial result at ${lag}: expected ${want[index]}, got ${got[index]}` +
            (index === 0 ? " (are all the ranks' ACFs added up, rank 0's own included?)" : '');
    }
  }
  return `the ACF file has ${got.length - want.length} rows too many`;
}

/** The lines that explain a failure: the program's messages without stack frames, at most 6. */
function indent(stderr: string): string {
  const lines = stderr
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^\s*(\[rank \d+\]\s*)?at /.test(line) && !line.startsWith('My rank number is'));
  return lines
    .slice(0, 6)
    .map((line) => `    ${line}`)
    .join('\n');
}

function run(command: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === null ? 1 : 128), stderr }));
  });
}

/** The options, or null for --help. */
function parseCommandLine(argv: string[]): Options | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { book: { type: 'string' }, np: { type: 'string' }, timeout: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}; ${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return null;
  if (positionals.length > 1) throw new UsageError(`give one program to check; ${USAGE}`);
  const program = positionals[0] ?? relative(process.cwd(), fileURLToPath(new URL('./acf-faded.js', import.meta.url)));
  if (!existsSync(program)) throw new InputError(`cannot find the program '${program}' (build it first: npm run build)`);
  if (values.book !== undefined && !existsSync(values.book)) throw new InputError(`cannot find the book '${values.book}'`);
  const ranks = (values.np ?? '1,2,3,4').split(',').map((text) => integerOption('--np', text, 1, 1));
  return { program, book: values.book, ranks, timeoutSeconds: integerOption('--timeout', values.timeout, 60, 1) };
}
