// wordcount: count the words of a book, most frequent first (the lesson's wordcount.py).
//   node dist/examples/wordcount.js BOOK.txt OUT.dat [MIN_LENGTH]
//
// OUT.dat gets one line per word: `word count percent`, e.g. `the 3 30.0`, byte-identical to the
// lesson's output. MIN_LENGTH (default 1) drops shorter words before the percentages are computed.
// The rules (what counts as a word, tie order, number format) are in lib/words.ts.
import { parseArgs } from 'node:util';
import { attempt, failAndExit, UsageError, writeOutput } from './lib/cli.js';
import { countWords, formatDat, readBookWords } from './lib/words.js';

const USAGE = 'usage: wordcount.js BOOK.txt OUT.dat [MIN_LENGTH]';

const outcome = attempt(() => {
  const { values, positionals } = parseCommandLine();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [book, out, minLengthText] = positionals;
  if (book === undefined || out === undefined || positionals.length > 3) throw new UsageError(`expected 2 or 3 arguments; ${USAGE}`);
  if (minLengthText !== undefined && !/^[+-]?\d+$/.test(minLengthText.trim())) {
    throw new UsageError(`MIN_LENGTH must be an integer (got '${minLengthText}')`);
  }
  const minLength = minLengthText === undefined ? 1 : Number(minLengthText);
  // An empty book gives an empty file, as in the lesson.
  writeOutput(out, formatDat(countWords(readBookWords(book)), minLength), 'word-count file');
});
if (outcome.error !== null) failAndExit('wordcount', outcome.error);

function parseCommandLine(): ReturnType<typeof parse> {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}; ${USAGE}`);
  }
}

function parse() {
  return parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
}
