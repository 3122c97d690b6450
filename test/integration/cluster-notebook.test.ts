// examples/notebooks/acf.ipynb executed by Jupyter (nbconvert) with the tslab kernel: engines
// start, say hello, compute the ACF of a book (the same numbers as acf.js), are timed for 1, 2
// and 4 engines, and loop over the books (the first two; the generated text without ../shared).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { built, ROOT, runCommand, runJob, SHARED } from '../helpers/job.js';

const NOTEBOOK = join(ROOT, 'examples/notebooks/acf.ipynb');
const TSLAB = join(ROOT, 'node_modules/.bin/tslab');
// Debian's python, where python3-nbclient and python3-ipykernel live (the python3 on PATH may be another).
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function skipReason(): string | false {
  if (spawnSync('jupyter-nbconvert', ['--version']).status !== 0)
    return 'jupyter-nbconvert is absent (Debian: jupyter-nbconvert python3-nbclient python3-ipykernel)';
  if (spawnSync(PYTHON, ['-c', 'import nbclient, ipykernel']).status !== 0)
    return `${PYTHON} lacks nbclient or ipykernel (Debian: python3-nbclient python3-ipykernel)`;
  if (!existsSync(TSLAB)) return 'tslab is not installed (npm ci installs it as a devDependency)';
  return false;
}

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}

interface Cell {
  readonly cell_type: string;
  readonly outputs?: Output[];
}

function text(cell: Cell): string {
  return (cell.outputs ?? [])
    .map((output) => (Array.isArray(output.text) ? output.text.join('') : (output.text ?? `${output.ename}: ${output.evalue}`)))
    .join('');
}

/** The first three lags of acf.js's CSV in the notebook's notation. */
async function referenceLags(book: string | undefined): Promise<string> {
  const run = await runJob(['-np', '1', 'node', built('examples/acf.js'), ...(book === undefined ? [] : [book])]);
  assert.equal(run.exitCode, 0, run.stderr);
  return run.lines
    .slice(0, 3)
    .map((line) => Number(line.split(',')[1]).toExponential(15))
    .join(' ');
}

describe('the ACF notebook', () => {
  const skip = skipReason();
  it('runs in Jupyter with the tslab kernel and prints the ACF acf.js computes', { skip }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'tsmpi-jupyter-'));
    try {
      // The kernel spec goes to a private prefix, found through JUPYTER_PATH.
      const install = await runCommand(TSLAB, ['install', '--python', PYTHON, '--binary', TSLAB, '--prefix', home]);
      assert.equal(install.exitCode, 0, install.stderr);
      const output = join(home, 'acf.out.ipynb');
      const run = await runCommand(
        'jupyter-nbconvert',
        ['--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=600', '--output', output, NOTEBOOK],
        {
          env: { JUPYTER_PATH: join(home, 'share/jupyter'), ACF_NOTEBOOK_BOOKS: '2' },
          timeoutMs: 900_000,
        },
      );
      assert.equal(run.exitCode, 0, run.stderr);
      const cells = (JSON.parse(readFileSync(output, 'utf8')) as { cells: Cell[] }).cells.filter((cell) => cell.cell_type === 'code');
      // Errors fail the test; on stderr only the lesson's own line from mpiAcf ("My rank number is ...") may appear.
      const unexpected = (out: Output): boolean =>
        out.output_type === 'error' ||
        (out.name === 'stderr' &&
          text({ cell_type: 'code', outputs: [out] })
            .split('\n')
            .some((line) => line !== '' && !/^\[stderr:\d+\] My rank number is \d+ and first, last = \d+, \d+$/.test(line)));
      for (const cell of cells) assert.ok(!(cell.outputs ?? []).some(unexpected), text(cell));
      const all = cells.map(text).join('');
      const booksDir = join(SHARED, 'books');
      const books = existsSync(booksDir)
        ? readdirSync(booksDir)
            .filter((name) => name.endsWith('.txt'))
            .sort()
            .slice(0, 2)
            .map((name) => join(booksDir, name))
        : [undefined];
      const label = (book: string | undefined): string =>
        book === undefined ? 'generated text' : (book.split('/').pop() ?? '').replace(/\.txt$/, '');
      assert.match(all, new RegExp(`^books: ${books.map(label).join(', ')}$`, 'm'));
      assert.match(all, /^Hello World from rank 0\. Total ranks=2\nHello World from rank 1\. Total ranks=2$/m);
      for (const n of [1, 2, 4]) assert.match(all, new RegExp(`^engines ${n}: \\d+\\.\\d{3} s \\(speed-up \\d+\\.\\d{2}\\)$`, 'm'));
      const first = await referenceLags(books[0]);
      assert.ok(all.includes(`first lags: ${first}\n`), `${all}\nexpected first lags ${first}`);
      for (const book of books) {
        const lags = book === books[0] ? first : await referenceLags(book);
        assert.match(all, new RegExp(`^${label(book)}: \\d+\\.\\d{3} s, first lags: ${lags.replace(/[.+]/g, '\\$&')}$`, 'm'));
      }
      assert.match(all, /^done$/m);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
  if (skip) it(`skipped: ${skip}`, () => {});
});
