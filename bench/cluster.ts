/**
 * Cluster and Pool in more detail than `npm run bench`'s rows (bench/cases/cluster.ts): start
 * and empty apply at 1, 2 and 4 engines beside a whole tsmpirun hello job of the same size,
 * and a Pool.map of tiny items by chunk size. Medians over rounds; run on an otherwise idle
 * machine.
 *
 *   node dist/bench/cluster.js            (the comparison table of `npm run bench` is bench/run.ts)
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Pool } from '../src/index.js';
import { timeApplies, timeStart } from './cases/cluster.js';
import { LAUNCHER, median, ROOT, run, table } from './util.js';

export async function main(): Promise<void> {
  const quiet = { output: () => {} };
  const rows: string[][] = [];
  for (const n of [1, 2, 4]) {
    const starts: number[] = [];
    const applies: number[] = [];
    const hellos: number[] = [];
    for (let round = 0; round < 5; round++) {
      // Reference, interleaved: a whole tsmpirun job of the same size (start, init, print, exit).
      const job = performance.now();
      run(process.execPath, [LAUNCHER, '-np', String(n), 'node', join(ROOT, 'dist/examples/hello.js')]);
      hellos.push(performance.now() - job);
      const { seconds, cluster } = await timeStart(n);
      starts.push(seconds * 1000);
      applies.push(...(await timeApplies(cluster, 50)).map((each) => each * 1000));
      await cluster.close();
    }
    rows.push([
      String(n),
      median(starts).toFixed(0),
      Math.min(...starts).toFixed(0),
      median(hellos).toFixed(0),
      median(applies).toFixed(2),
      Math.min(...applies).toFixed(2),
    ]);
  }
  table(
    'Cluster: start until every engine is ready (5 rounds), apply of an empty function (5 × 50 calls)',
    ['engines', 'start ms (median)', 'start ms (best)', 'tsmpirun hello.js ms', 'apply ms (median)', 'apply ms (best)'],
    rows,
  );

  const pool = await Pool.create({ processes: 4, ...quiet });
  const items = [...Array(1000).keys()];
  const mapRows: string[][] = [];
  for (const chunksize of [1, 10, undefined]) {
    const times: number[] = [];
    for (let round = 0; round < 5; round++) {
      const before = performance.now();
      await pool.map((x: number) => x * x, items, chunksize === undefined ? {} : { chunksize });
      times.push(performance.now() - before);
    }
    mapRows.push([chunksize === undefined ? `default (${Math.ceil(items.length / 16)})` : String(chunksize), median(times).toFixed(1)]);
  }
  await pool.close();
  table('Pool.map of 1000 tiny items on 4 processes (median of 5)', ['chunksize', 'ms'], mapRows);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
