// The lesson's exercise "Parallelize word-autocorrelation code with multiprocessing": the ACF of a
// book's 16 top words computed by a pool of processes, one word per task, then averaged in word
// order as the serial program does (so the same bytes as acf.js).
//   node dist/examples/lesson/acf-pool.js BOOK.txt BOOK.dat OUT.csv [PROCESSES]
//
// Python (autocorrelation_multiproc.py):
//   with Pool(4) as p:
//       results = p.map(partial(word_acf, text=text, timesteps=timesteps), words)
// A function that travels as source text has no closure, and there is no functools.partial: the
// fixed arguments (here the path of the ACF code and the book's text) go with every word, as the
// lesson's starmap hint does. Each task imports the ACF code in its process.
import { Pool } from 'tsmpi';
import { addRows, divide, formatAcfCsv } from '../lib/acf.js';
import { writeOutput } from '../lib/cli.js';
import { readBookWords, readDat } from '../lib/words.js';

const [book, wcBook, out, processesText] = process.argv.slice(2);
if (book === undefined || wcBook === undefined || out === undefined) {
  console.error('usage: acf-pool.js BOOK.txt BOOK.dat OUT.csv [PROCESSES]');
  process.exit(2);
}
const timesteps = 100;
const text = readBookWords(book);
const words = readDat(wcBook)
  .slice(0, 16)
  .map(({ word }) => word);
const acfModule = new URL('../exercises/acf-exercise.js', import.meta.url).href;

// word_acf(word, text, timesteps), run in a worker process.
async function wordAcfTask(module: string, word: string, clean: string[], steps: number): Promise<Float64Array> {
  const { wordAcf } = (await import(module)) as { wordAcf: (word: string, text: readonly string[], timesteps: number) => Float64Array };
  return wordAcf(word, clean, steps);
}

const start = performance.now();
const pool = await Pool.create({ processes: Number(processesText ?? 4) });
let rows: Float64Array[];
try {
  rows = await pool.starmap(
    wordAcfTask,
    words.map((word) => [acfModule, word, text, timesteps] as [string, string, string[], number]),
  );
} finally {
  await pool.close();
}
const acf = divide(addRows(new Float64Array(timesteps), rows), words.length);
writeOutput(out, formatAcfCsv(acf), 'ACF file');
console.error(`acf-pool: ${words.length} words on ${pool.processes} processes in ${((performance.now() - start) / 1000).toFixed(3)} s`);
