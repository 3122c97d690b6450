/**
 * ACF timings for examples/README.md: `node dist/bench/acf.js [--repeat N] [--books DIR] [--markdown]`.
 * Not part of the tests. `--markdown` prints the two tables exactly as examples/README.md
 * shows them (with the lesson's CPython figures beside ours), ready to paste.
 *
 * 1. acf.js on pg58, pg36 and pg87 at np = 1, 2, 4, with the fast kernel (occurrence positions)
 *    and the lesson's kernel (`--kernel scan`, a walk over the whole text for every lag): wall time
 *    of the whole job (launch to exit), rank 0's own "ACF and collection" time, speed-up and
 *    parallel efficiency (speed-up / np) against np = 1.
 * 2. acf-all.js over every book at np = 1, 2, 3, 4, with the dynamic farm and the static split.
 *
 * Figures are medians of interleaved rounds (every configuration once per round), so slow
 * drifts of this machine's speed hit all configurations alike.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readBookWords } from '../examples/lib/words.js';
import { LAUNCHER, median, ROOT, table } from './util.js';

/** The lesson's own CPython timings (serial, and mpi4py at np 2), quoted beside ours in the Markdown table. */
const LESSON_CPYTHON: Record<string, { serial: string; mpi4py?: string }> = {
  pg58: { serial: '3.4 s', mpi4py: '2.0 s' },
  pg36: { serial: '11.2 s', mpi4py: '5.9 s' },
  pg87: { serial: '65.5 s' },
};

interface Timing {
  readonly wallSeconds: number;
  /** What rank 0 reported for the ACF computation and collection (acf.js only). */
  readonly acfSeconds: number | undefined;
}

function timeJob(np: number, program: string, args: readonly string[]): Timing {
  const start = performance.now();
  const result = spawnSync(process.execPath, [LAUNCHER, '-np', String(np), 'node', join(ROOT, 'dist/examples', program), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallSeconds = (performance.now() - start) / 1000;
  if (result.status !== 0)
    throw new Error(`${program} ${args.join(' ')} at np ${np} failed (${result.status ?? result.signal}):\n${result.stderr}`);
  const reported = /ACF and collection ([\d.]+) s/.exec(result.stderr)?.[1];
  return { wallSeconds, acfSeconds: reported === undefined ? undefined : Number(reported) };
}

/** Run every configuration once per round, `repeat` rounds; medians per configuration. */
function measure<T extends { key: string }>(
  configs: readonly T[],
  repeat: number,
  once: (config: T) => Timing,
): Map<string, { wall: number; acf: number | undefined }> {
  const samples = new Map<string, Timing[]>();
  for (let round = 0; round < repeat; round++) {
    for (const config of configs) {
      const list = samples.get(config.key) ?? [];
      list.push(once(config));
      samples.set(config.key, list);
    }
  }
  const out = new Map<string, { wall: number; acf: number | undefined }>();
  for (const [key, list] of samples) {
    const acf = list.map((timing) => timing.acfSeconds).filter((value): value is number => value !== undefined);
    out.set(key, { wall: median(list.map((timing) => timing.wallSeconds)), acf: acf.length > 0 ? median(acf) : undefined });
  }
  return out;
}

function markdown(header: readonly string[], rows: readonly (readonly string[])[]): void {
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

const seconds = (value: number | undefined): string => (value === undefined ? '-' : value < 0.1 ? value.toFixed(4) : value.toFixed(2));

export async function main(argv: readonly string[] = []): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: { repeat: { type: 'string' }, books: { type: 'string' }, markdown: { type: 'boolean', default: false } },
  });
  const repeat = Number(values.repeat ?? 3);
  const books = resolve(values.books ?? join(ROOT, '../shared/books'));
  let available: string[];
  try {
    available = readdirSync(books)
      .filter((name) => name.endsWith('.txt'))
      .sort();
  } catch {
    console.log(`acf bench: no books at ${books} (give --books DIR); skipped`);
    return;
  }
  console.log(`acf bench: ${cpus().length} cores, Node ${process.version}, ${repeat} interleaved rounds, medians`);

  // 1. One book, split by words.
  const configs = ['pg58', 'pg36', 'pg87']
    .filter((book) => available.includes(`${book}.txt`))
    .flatMap((book) =>
      ['positions', 'scan'].flatMap((kernel) => [1, 2, 4].map((np) => ({ key: `${book} ${kernel} ${np}`, book, kernel, np }))),
    );
  const single = measure(configs, repeat, ({ book, kernel, np }) =>
    timeJob(np, 'acf.js', [join(books, `${book}.txt`), '--kernel', kernel]),
  );
  const rows = configs.map(({ key, book, kernel, np }) => {
    const result = single.get(key);
    const base = single.get(`${book} ${kernel} 1`);
    const speedup = (base?.wall ?? NaN) / (result?.wall ?? NaN);
    const acfSpeedup = (base?.acf ?? NaN) / (result?.acf ?? NaN);
    return [
      book,
      kernel,
      String(np),
      seconds(result?.wall),
      speedup.toFixed(2),
      `${((speedup / np) * 100).toFixed(0)}%`,
      seconds(result?.acf),
      `${((acfSpeedup / np) * 100).toFixed(0)}%`,
    ];
  });
  if (values.markdown) {
    const words = new Map(configs.map(({ book }) => [book, 0]));
    for (const book of words.keys()) words.set(book, readBookWords(join(books, `${book}.txt`)).length);
    console.log(
      `\nMeasured with \`node dist/bench/acf.js --markdown\` (medians of ${repeat} interleaved rounds) on a ${cpus().length}-core machine, Node ${process.version.split('.')[0]?.slice(1)}.\n`,
    );
    markdown(
      ['book (words)', 'kernel', 'np', 'wall s', 'speed-up', 'efficiency', 'ACF s', 'ACF efficiency', 'CPython (lesson)'],
      configs.map(({ book, kernel, np }, index) => {
        const [, , , wall, speedup, efficiency, acf, acfEfficiency] = rows[index] ?? [];
        const lesson =
          kernel !== 'positions'
            ? ''
            : np === 1
              ? (LESSON_CPYTHON[book]?.serial ?? '')
              : np === 2 && LESSON_CPYTHON[book]?.mpi4py
                ? `${LESSON_CPYTHON[book]?.mpi4py} (mpi4py)`
                : '';
        const first = configs.findIndex((config) => config.book === book);
        const firstOfKernel = configs.findIndex((config) => config.book === book && config.kernel === kernel);
        return [
          index === first ? `${book} (${(words.get(book) ?? 0).toLocaleString('en-US')})` : '',
          index === firstOfKernel ? kernel : '',
          String(np),
          wall,
          speedup,
          efficiency?.replace('%', ' %'),
          acf,
          acfEfficiency?.replace('%', ' %'),
          lesson,
        ].map((cell) => cell ?? '');
      }),
    );
  } else {
    table(
      "acf.js: whole job (launch to exit) and rank 0's ACF + collection time",
      ['book', 'kernel', 'np', 'wall s', 'speed-up', 'efficiency', 'ACF s', 'ACF efficiency'],
      rows,
    );
  }

  // 2. All books, a task farm.
  const out = mkdtempSync(join(tmpdir(), 'tsmpi-acf-bench-'));
  try {
    const paths = available.map((name) => join(books, name));
    const farm = [1, 2, 3, 4].flatMap((np) =>
      (np === 1 ? ['dynamic'] : ['dynamic', 'static']).map((schedule) => ({ key: `${np} ${schedule}`, np, schedule })),
    );
    const all = measure(farm, Math.max(1, Math.min(repeat, 3)), ({ np, schedule }) =>
      timeJob(np, 'acf-all.js', ['--out', out, '--schedule', schedule, ...paths]),
    );
    const base = all.get('1 dynamic')?.wall ?? NaN;
    if (values.markdown) {
      console.log(`\n\`acf-all.js\` over all ${paths.length} books:\n`);
      const speedup = (key: string): string => (base / (all.get(key)?.wall ?? NaN)).toFixed(2);
      markdown(
        ['np', 'workers', 'dynamic farm: wall s', 'speed-up', 'static split: wall s', 'speed-up'],
        [1, 2, 3, 4].map((np) => {
          const workers = np === 1 ? '(rank 0)' : np - 1 > cpus().length ? `${np - 1} (on ${cpus().length} cores)` : String(np - 1);
          const staticCells = np === 1 ? ['', ''] : [seconds(all.get(`${np} static`)?.wall), speedup(`${np} static`)];
          return [String(np), workers, seconds(all.get(`${np} dynamic`)?.wall), speedup(`${np} dynamic`), ...staticCells];
        }),
      );
      return;
    }
    table(
      `acf-all.js over ${paths.length} books (np ranks = 1 manager + np-1 workers; np 1 works alone)`,
      ['np', 'schedule', 'wall s', 'speed-up'],
      farm.map(({ key, np, schedule }) => [
        String(np),
        np === 1 ? 'serial' : schedule,
        seconds(all.get(key)?.wall),
        (base / (all.get(key)?.wall ?? NaN)).toFixed(2),
      ]),
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
