// zipf: the counts of each book's N most frequent words side by side (the lesson's zipf_test.py),
// to check Zipf's law: the k-th most frequent word occurs about 1/k as often as the first.
//   node dist/examples/zipf.js N FILE.dat... [--plot zipf.svg]
//
// Prints `Book,word1,...,wordN` and one row per file, in the order given (sort them yourself:
// the lesson's workflow passes them in directory order). With --plot it also draws a log-log
// rank/frequency chart of every word of every book, one line per book.
import { parseArgs } from 'node:util';
import { attempt, failAndExit, integerOption, UsageError, writeOutput } from './lib/cli.js';
import { lineChart } from './lib/svg.js';
import { formatZipf, zipfBookName, type ZipfRow } from './lib/zipf.js';
import { readDat, type WordCount } from './lib/words.js';

const USAGE = 'usage: zipf.js N FILE.dat... [--plot zipf.svg]';

const outcome = attempt(() => {
  const { values, positionals } = parseCommandLine();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [nText, ...files] = positionals;
  if (nText === undefined) throw new UsageError(`missing N; ${USAGE}`);
  const n = integerOption('N', nText, 0, 0);
  const rows: ZipfRow[] = files.map((file) => ({ book: zipfBookName(file), counts: readDat(file) }));
  if (values.plot !== undefined) writeOutput(values.plot, zipfChart(rows), 'plot');
  process.stdout.write(formatZipf(n, rows));
});
if (outcome.error !== null) failAndExit('zipf', outcome.error);

/** Log-log chart of count against rank; beyond rank 100 only log-spaced ranks are drawn, to keep the file small. */
function zipfChart(rows: readonly ZipfRow[]): string {
  const series = rows.map(({ book, counts }) => ({ name: book, points: logSpaced(counts) }));
  return lineChart({ title: 'Word frequency against rank (Zipf)', xLabel: 'rank', yLabel: 'count', series, logX: true, logY: true });
}

function logSpaced(counts: readonly WordCount[]): [number, number][] {
  const points: [number, number][] = [];
  let next = 1;
  for (const [index, { count }] of counts.entries()) {
    const rank = index + 1;
    if (rank >= next || rank === counts.length) {
      points.push([rank, count]);
      next = rank < 100 ? rank + 1 : Math.ceil(rank * 1.02);
    }
  }
  return points;
}

function parseCommandLine() {
  try {
    return parseArgs({ options: { help: { type: 'boolean', short: 'h' }, plot: { type: 'string' } }, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}; ${USAGE}`);
  }
}
